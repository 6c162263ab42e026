"""Waveforms: the generator's settings, a live gallery per class, one exact waveform, a download."""

from __future__ import annotations

import functools

import streamlit as st

from core.data.export import (
    MAX_DOWNLOAD_IMAGES,
    dataset_balance,
    dataset_zip,
    png_bytes,
    preview_rows,
)
from core.data.waveforms import (
    CLASS_PARAMS,
    CLASSES,
    STUDY_SPEC,
    WaveformSpec,
    render_one,
    spec_to_dict,
)
from core.errors import LabError
from ui.state import SPEC_KEY, set_sticky, show_error, sticky, training_spec, use_spec_for_training

st.set_page_config(
    page_title="Waveforms · CNN Kernel Lab", page_icon=":material/airwave:", layout="wide"
)
st.html(
    # Smooth scaling: the gallery is drawn 4x and shown smaller, where nearest-neighbour scaling
    # ("pixelated") would drop rows and columns of a 1-px trace and make it look dashed.
    "<style>[data-testid='stImage'] img {border: 1px solid #555;}"
    "[data-testid='stMainBlockContainer'] {padding-top: 2.5rem;}</style>"
)

# name: (label, slider low, slider high, step, help). The sliders reach past what the generator
# allows on purpose: an impossible setting is explained in a sentence instead of being hidden.
RANGES = {
    "amplitude": ("Amplitude", 0.0, 1.0, 0.05, "Peak-to-peak height, as a fraction of the image."),
    "baseline": ("Height in the image", 0.0, 1.0, 0.05, "Where the trace sits: 0 bottom, 1 top."),
    "thickness": ("Line thickness (pixels)", 1, 12, 1, "Width of the drawn trace."),
    "position": ("Pulse position", 0.0, 1.0, 0.05, "Single square pulse or bump: 0 left, 1 right."),
    "width": ("Square pulse width", 0.0, 1.0, 0.01, "Single square pulse, fraction of the view."),
    "repetitions": ("Square periods", 1, 20, 1, "1 = a single pulse, more = a pulse train."),
    "duty": ("Duty cycle", 0.0, 1.0, 0.05, "Pulse trains: fraction of a period spent high."),
    "sigma": ("Gaussian width σ", 0.0, 0.3, 0.01, "Standard deviation, fraction of the view."),
    "cycles": ("Cycles across the view", 0.25, 20.0, 0.25, "Sine and sawtooth periods shown."),
    "phase": ("Phase", 0.0, 1.0, 0.05, "Fraction of a period: sine, sawtooth, pulse trains."),
    "jitter": ("Vertical jitter (pixels)", 0.0, 10.0, 0.5, "Largest random shake of the trace."),
    "flip_noise": ("Pixel noise", 0.0, 0.25, 0.005, "Fraction of all pixels flipped at random."),
}
TABS = {
    "Trace": ("amplitude", "baseline", "thickness"),
    "Pulses": ("repetitions", "position", "width", "duty", "sigma"),
    "Periodic": ("cycles", "phase"),
    "Noise": ("jitter", "flip_noise"),
}
SIZES = (32, 48, 64, 80, 100, 128, 160)


def spec_values(spec: WaveformSpec) -> dict:
    """Widget values for a spec (ranges as tuples of the slider's type)."""
    return {k: tuple(v) if isinstance(v, list) else v for k, v in spec_to_dict(spec).items()}


def load_spec(spec: WaveformSpec) -> None:
    for name, value in spec_values(spec).items():
        set_sticky(f"wf_{name}", value)


def reroll() -> None:
    set_sticky("wf_seed", st.session_state.wf_seed + 1)


defaults = spec_values(WaveformSpec())
st.title("Waveforms")
st.caption(
    "The network learns from pictures like these: one-bit 'oscilloscope' traces of a few kinds. "
    "Every image draws its own values from the ranges you set here."
)

left, right = st.columns([2, 3], gap="large")
with left:
    c1, c2 = st.columns([5, 3], vertical_alignment="bottom")
    c1.select_slider("Image size (pixels)", SIZES, key=sticky("wf_size", defaults["size"]))
    c2.toggle("Sawtooth", key=sticky("wf_include_sawtooth", False))
    st.slider(
        "Chance of an upside-down trace", 0.0, 1.0, step=0.05,
        key=sticky("wf_polarity", defaults["polarity"]),
        help="0: every pulse points up; 1: every pulse points down.",
    )  # fmt: skip
    for tab, names in zip(st.tabs(list(TABS)), TABS.values()):
        with tab:
            for name in names:
                label, lo, hi, step, help_ = RANGES[name]
                st.slider(
                    label, lo, hi, step=step, help=help_, key=sticky(f"wf_{name}", defaults[name])
                )
    b1, b2 = st.columns(2)
    b1.button(
        "Defaults", key="wf_load_default", on_click=load_spec, args=(WaveformSpec(),),
        icon=":material/restart_alt:", width="stretch",
    )  # fmt: skip
    b2.button(
        "Study's data", key="wf_load_study", on_click=load_spec, args=(STUDY_SPEC,),
        icon=":material/history_edu:", width="stretch",
        help="Single upright pulses, about 4 sine cycles, thin clean lines, as in the study.",
    )  # fmt: skip

spec, problem = None, None
try:
    spec = WaveformSpec(
        size=st.session_state.wf_size,
        include_sawtooth=st.session_state.wf_include_sawtooth,
        polarity=st.session_state.wf_polarity,
        **{name: tuple(st.session_state[f"wf_{name}"]) for name in RANGES},
    )
except LabError as e:
    problem = e

with left:
    _, from_page = training_spec()
    st.button(
        "Use these settings for training", key="wf_use", type="primary", width="stretch",
        on_click=use_spec_for_training, args=(spec,), disabled=spec is None,
        icon=":material/model_training:",
    )  # fmt: skip
    if not from_page:
        st.caption("Until you press it, the Train page uses the default settings.")
    elif spec is not None and st.session_state.get(SPEC_KEY) == spec_to_dict(spec):
        st.caption(":material/check_circle: The Train page will train on these settings.")
    else:
        st.caption("The Train page uses settings you stored earlier, not these.")

with right:
    g1, g2, g3 = st.columns([2, 2, 3], vertical_alignment="bottom")
    g1.number_input("Seed", 0, 10**6, step=1, key=sticky("wf_seed", 0))
    g2.button(
        "Re-roll", key="wf_reroll", on_click=reroll, icon=":material/casino:", width="stretch"
    )
    per_class = g3.slider("Samples per class", 2, 8, key=sticky("wf_per_class", 4))
    if spec is None:
        show_error(problem)  # where the samples would be, so nobody misses it
    else:
        for name, png in preview_rows(spec, per_class, st.session_state.wf_seed, upscale=4).items():
            st.image(png, caption=name, width="stretch", output_format="PNG")

with left:
    st.markdown("**A dataset of these pictures**")
    if spec is not None:
        d1, d2 = st.columns([2, 3], vertical_alignment="bottom")
        n = d1.number_input("Images", 3, MAX_DOWNLOAD_IMAGES, step=100, key=sticky("wf_dl_n", 600))
        d2.download_button(
            "Download zip",
            data=functools.partial(dataset_zip, spec, int(n), st.session_state.wf_seed),
            file_name=f"waveforms-{n}-seed{st.session_state.wf_seed}.zip",
            mime="application/zip",
            key="wf_download",
            on_click="ignore",
            icon=":material/download:",
            width="stretch",
            help="A zip of one PNG per image, labels.csv (file, label, class) and spec.json.",
        )
        balance = dataset_balance(spec, int(n))
        st.caption("Class balance: " + " · ".join(f"{k} {v}" for k, v in balance.items()))

st.divider()
st.subheader("One waveform, exact values")
cls = st.segmented_control("Kind", CLASSES, required=True, key=sticky("wf_one_class", "square"))
base = spec or WaveformSpec()
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
        label, lo, hi, step, help_ = RANGES[name]
        mid = sum(getattr(WaveformSpec(), name)) / 2
        fixed[name] = st.slider(
            label, lo, hi, step=step, help=help_,
            key=sticky(key, round(mid) if isinstance(lo, int) else round(mid / step) * step),
        )  # fmt: skip
with pic:
    try:
        image, used = render_one(base, cls, seed=st.session_state.wf_seed, **fixed)
        st.image(png_bytes(image, upscale=3), width=300, output_format="PNG")
        st.caption(" · ".join(f"{k} {v:.3g}" for k, v in used.items()))
        changed = [k for k in used if k in fixed and abs(used[k] - fixed[k]) > 1e-9]
        if changed:
            st.caption(f"Adjusted so the picture fits: {', '.join(changed)}.")
    except LabError as e:
        show_error(e)
