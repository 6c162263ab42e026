"""Waveforms: the generator's settings, a live gallery per class, one exact waveform, a download."""

from __future__ import annotations

import functools

import streamlit as st

from core.config import to_dict
from core.data.export import (
    MAX_DOWNLOAD_IMAGES,
    dataset_balance,
    dataset_zip,
    png_bytes,
    preview_rows,
)
from core.data.waveforms import CLASS_PARAMS, CLASSES, STUDY_SPEC, WaveformSpec, render_one
from core.errors import LabError
from ui import waveforms as uw
from ui.state import SPEC_KEY, show_error, sticky, training_spec, use_spec_for_training


def settings() -> None:
    """The size, the sawtooth switch, the polarity and every range, in tabs; two preset buttons."""
    defaults = uw.DEFAULTS
    c1, c2 = st.columns([5, 3], vertical_alignment="bottom")
    c1.select_slider("Image size (pixels)", uw.SIZES, key=sticky("wf_size", defaults["size"]))
    c2.toggle("Sawtooth", key=sticky("wf_include_sawtooth", False))
    st.slider(
        "Chance of an upside-down trace", 0.0, 1.0, step=0.05,
        key=sticky("wf_polarity", defaults["polarity"]),
        help="0: every pulse points up; 1: every pulse points down.",
    )  # fmt: skip
    for tab, names in zip(st.tabs(list(uw.TABS)), uw.TABS.values()):
        with tab:
            for name in names:
                label, lo, hi, step, help_ = uw.RANGES[name]
                st.slider(
                    label, lo, hi, step=step, help=help_, key=sticky(f"wf_{name}", defaults[name])
                )
    for name, (label, help_) in uw.SHARES.items():
        st.slider(label, 0.0, 1.0, step=0.05, help=help_, key=sticky(f"wf_{name}", defaults[name]))
    b1, b2 = st.columns(2)
    b1.button(
        "Defaults", key="wf_load_default", on_click=uw.load_spec, args=(WaveformSpec(),),
        icon=":material/restart_alt:", width="stretch",
    )  # fmt: skip
    b2.button(
        "Study's data", key="wf_load_study", on_click=uw.load_spec, args=(STUDY_SPEC,),
        icon=":material/history_edu:", width="stretch",
        help="Single upright pulses, about 4 sine cycles, thin clean lines, as in the study.",
    )  # fmt: skip


def use_for_training(spec: WaveformSpec | None) -> None:
    """The button that hands the spec to the Train page, and what the Train page uses now."""
    _, from_page = training_spec()
    st.button(
        "Use these settings for training", key="wf_use", type="primary", width="stretch",
        on_click=use_spec_for_training, args=(spec,), disabled=spec is None,
        icon=":material/model_training:",
    )  # fmt: skip
    if not from_page:
        st.caption("Until you press it, the Train page uses the default settings.")
    elif spec is not None and st.session_state.get(SPEC_KEY) == to_dict(spec):
        st.caption(":material/check_circle: The Train page will train on these settings.")
    else:
        st.caption("The Train page uses settings you stored earlier, not these.")


def gallery(spec: WaveformSpec | None, problem: LabError | None) -> None:
    g1, g2, g3 = st.columns([2, 2, 3], vertical_alignment="bottom")
    g1.number_input("Seed", 0, 10**6, step=1, key=sticky("wf_seed", 0))
    g2.button(
        "Re-roll", key="wf_reroll", on_click=uw.reroll, icon=":material/casino:", width="stretch"
    )
    per_class = g3.slider("Samples per class", 2, 8, key=sticky("wf_per_class", 4))
    if spec is None:
        show_error(problem)  # where the samples would be, so nobody misses it
        return
    for name, png in preview_rows(spec, per_class, st.session_state.wf_seed, upscale=4).items():
        st.image(png, caption=name, width="stretch", output_format="PNG")


def download(spec: WaveformSpec) -> None:
    st.markdown("**A dataset of these pictures**")
    seed = st.session_state.wf_seed
    d1, d2 = st.columns([2, 3], vertical_alignment="bottom")
    n = d1.number_input("Images", 3, MAX_DOWNLOAD_IMAGES, step=100, key=sticky("wf_dl_n", 600))
    d2.download_button(
        "Download zip", data=functools.partial(dataset_zip, spec, int(n), seed),
        file_name=f"waveforms-{n}-seed{seed}.zip", mime="application/zip", key="wf_download",
        on_click="ignore", icon=":material/download:", width="stretch",
        help="A zip of one PNG per image, labels.csv (file, label, class) and spec.json.",
    )  # fmt: skip
    balance = dataset_balance(spec, int(n))
    st.caption("Class balance: " + " · ".join(f"{k} {v}" for k, v in balance.items()))


def one_waveform(base: WaveformSpec) -> None:
    """One image of a chosen kind with every value set exactly."""
    st.subheader("One waveform, exact values")
    cls = st.segmented_control("Kind", CLASSES, required=True, key=sticky("wf_one_class", "square"))
    names = CLASS_PARAMS[cls]
    half = (len(names) + 1) // 2
    col_a, col_b, pic = st.columns([2, 2, 2], gap="medium")
    fixed = {}
    for i, name in enumerate(names):
        key = f"wf_one_{cls}_{name}"
        with col_a if i < half else col_b:
            if name == "polarity":
                fixed[name] = st.radio(
                    "Polarity", (1, -1), format_func={1: "upright", -1: "upside down"}.get,
                    horizontal=True, key=sticky(key, 1),
                )  # fmt: skip
                continue
            label, lo, hi, step, help_ = uw.RANGES[name]
            default = sticky(key, uw.exact_default(name))
            fixed[name] = st.slider(label, lo, hi, step=step, help=help_, key=default)
    with pic:
        try:
            image, used = render_one(base, cls, seed=st.session_state.wf_seed, **fixed)
        except LabError as e:
            show_error(e)
            return
        st.image(png_bytes(image, upscale=3), width=300, output_format="PNG")
        st.caption(" · ".join(f"{k} {v:.3g}" for k, v in used.items()))
        changed = [k for k in used if k in fixed and abs(used[k] - fixed[k]) > 1e-9]
        if changed:
            st.caption(f"Adjusted so the picture fits: {', '.join(changed)}.")


def main() -> None:
    st.set_page_config(
        page_title="Waveforms · CNN Kernel Lab", page_icon=":material/airwave:", layout="wide"
    )
    st.html(
        # Smooth scaling: the gallery is drawn 4x and shown smaller, where nearest-neighbour scaling
        # ("pixelated") would drop rows and columns of a 1-px trace and make it look dashed.
        "<style>[data-testid='stImage'] img {border: 1px solid #555;}"
        "[data-testid='stMainBlockContainer'] {padding-top: 2.5rem;}</style>"
    )
    st.title("Waveforms")
    st.caption(
        "The network learns from pictures like these: one-bit 'oscilloscope' traces of a few "
        "kinds. Every image draws its own values from the ranges you set here."
    )
    left, right = st.columns([2, 3], gap="large")
    with left:
        settings()
    spec, problem = uw.spec_from_widgets()
    with left:
        use_for_training(spec)
    with right:
        gallery(spec, problem)
    if spec is not None:
        with left:
            download(spec)
    else:
        left.markdown("**A dataset of these pictures**")
    st.divider()
    one_waveform(spec or WaveformSpec())


main()
