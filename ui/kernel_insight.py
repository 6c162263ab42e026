"""The Kernels page's "Do the kernels reflect the data?" section: the verdict in words, the
diagnostics against training steps in lazy tabs (only the open one is computed), and the preferred
inputs of the snapshot chosen above, found on a button press."""

from __future__ import annotations

import streamlit as st

from core import render
from core.errors import RunError
from core.interpret import snapshot as insight
from core.interpret import verdict
from core.interpret.diagnostics import STRUCTURE_EXPLANATION
from ui import diagnostics as ud
from ui import insight as ui
from ui import kernels as uk

INSIGHT_TABS = ("Structure", "What training added", "Orientation", "Size and change",
                "Frequency", "Preferred inputs")  # fmt: skip
INSIGHT_TAB, FIND_PREF, PREF_DONE = "kernels_insight_tab", "kernels_find_preferred", "kernels_pref"
MAX_PREFERRED, MAX_FACETS = 8, 10


def section(run, snaps, frame_key: str) -> None:
    """Measures against steps that say whether the kernels reflect the data; preferred inputs."""
    st.header("Do the kernels reflect the data?")
    try:
        diag = ui.run_diagnostics(run)
    except RunError as e:
        st.info(str(e))
        return
    ui.diverged_warning(run)
    st.markdown(verdict.structure_verdict(diag, -1))
    for sentence in verdict.dead_kernels(diag, -1):
        st.warning(sentence, icon=":material/heart_broken:")
    tabs = st.tabs(INSIGHT_TABS, key=INSIGHT_TAB, on_change="rerun")
    k = diag["norm"].shape[1]
    with tabs[0]:
        if tabs[0].open:
            rows = verdict.chart_records(diag, ("structure",))
            st.altair_chart(ud.structure_chart(rows), key="kernels_chart_structure")
            st.caption(STRUCTURE_EXPLANATION + " The grey band is where random kernels of the "
                       "same size and scale fall.")  # fmt: skip
    with tabs[1]:
        if tabs[1].open:
            rows = verdict.chart_records(diag, ("structure_change",))
            st.altair_chart(ud.structure_chart(rows, "structure_change"), key="kernels_chart_added")
            st.caption(
                "The same score for what training has added so far (each snapshot minus the "
                "random kernels it started from). High here but near 0 on the left: the learned "
                "part is structured but buried under the random start."
            )
    with tabs[2]:
        if tabs[2].open:
            rows = verdict.chart_records(diag, ("orientation",), max_kernels=MAX_FACETS)
            st.altair_chart(ud.orientation_chart(rows), key="kernels_chart_orientation")
            shown = f" (kernels 1–{MAX_FACETS} of {k})" if k > MAX_FACETS else ""
            st.caption(
                "Share of each kernel's spatial-frequency power in stripes of each direction"
                f"{shown}; the dashed line is chance, a quarter each, where random kernels sit. "
                "A waveform's flat tops and baselines are horizontal, a square wave's edges "
                "vertical, slopes diagonal."
            )
    with tabs[3]:
        if tabs[3].open:
            rows = verdict.chart_records(diag, ("norm", "change_init"))
            size, change = st.columns(2)
            size.altair_chart(
                ud.measure_chart(rows, "norm", "weight norm"), key="kernels_chart_norm"
            )
            change.altair_chart(
                ud.measure_chart(rows, "change_init", "change since initialisation"),
                key="kernels_chart_change",
            )
            st.caption(
                "Left: each kernel's size (the square root of its summed squared weights). Right: "
                "how far it has moved from its random start, in the same units. A kernel that "
                "moved little next to its size still looks like its random start."
            )
    with tabs[4]:
        if tabs[4].open:
            rows = verdict.chart_records(diag, ("dominant_freq",))
            st.altair_chart(
                ud.measure_chart(rows, "dominant_freq", "cycles per kernel width", ".0f"),
                key="kernels_chart_frequency",
            )
            st.caption(
                "The strongest spatial frequency in each kernel, in cycles across its width: low "
                "for smooth blobs, edges and lines, high for the pixel-to-pixel noise of random "
                "kernels."
            )
    with tabs[5]:
        if tabs[5].open:
            preferred_panel(run, snaps, k, frame_key)


def remember_preferred(key: tuple) -> None:
    st.session_state[PREF_DONE] = key


def preferred_panel(run, snaps, k: int, frame_key: str) -> None:
    """Per kernel and per class, the one-bit image they like best, on a button press."""
    if not run.has_model():
        st.info("Preferred inputs need the run's saved network (written when training ends).")
        return
    frame = st.session_state.get(frame_key, len(snaps) - 1)
    kernels = range(min(k, MAX_PREFERRED))
    classes = range(len(run.config.get("classes") or []))
    key = ui.preferred_key(run, frame, kernels, classes)
    st.caption(
        "Activation maximisation: the black-and-white waveform trace that switches each kernel "
        "on most (over the whole image), and the one the network scores highest for each class. "
        "Found by search, restricted to traces a scope could draw."
    )
    if st.session_state.get(PREF_DONE) != key:
        st.button(
            f"Find the preferred inputs at {uk.frame_label(snaps, frame)} (a few seconds)",
            key=FIND_PREF,
            icon=":material/search:",
            on_click=remember_preferred,
            args=(key,),
        )
        return
    bar = st.empty()

    def progress(done: int, total: int) -> None:
        bar.progress(done / total, text=f"Searching for preferred inputs: {done + 1} of {total}…")

    found, tops = ui.preferred(key, progress), ui.patches(key)
    bar.empty()
    weights = snaps.weights[frame]
    vmax = render.kernel_vmax(weights, "per_kernel")
    strokes = insight.kernel_strokes(weights)
    st.markdown(f"**Kernels at {uk.frame_label(snaps, frame)}**" + (
        f" (the first {MAX_PREFERRED} of {k})" if k > MAX_PREFERRED else ""))  # fmt: skip
    heads = ("kernel", "its stroke", "preferred input", "held-out patches it fires on most")
    widths = [1, 1, 1, 3]
    for col, head in zip(st.columns(widths), heads):
        col.caption(head)
    for j in kernels:
        cols = st.columns(widths, vertical_alignment="center")
        cols[0].image(render.kernel_montage(weights[j : j + 1], view_vmax=vmax[j], upscale=4),
                      caption=f"kernel {j + 1}", width="stretch")  # fmt: skip
        cols[1].image(render.image_png(strokes[j], upscale=4), width="stretch")
        cols[2].image(render.image_png(found["kernel"][j], upscale=2), width="stretch")
        cols[3].image(render.image_montage(tops[j], upscale=4, gap=4), width="stretch")
    names = run.config.get("classes") or []
    if names:
        st.markdown("**Classes: the trace the network scores highest for each**")
        for col, c in zip(st.columns(len(names)), classes):
            col.image(render.image_png(found["class"][c], upscale=2), caption=names[c],
                      width="stretch")  # fmt: skip
