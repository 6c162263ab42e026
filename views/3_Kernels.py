"""Kernels: a time machine over a run's first-layer kernels, snapshot by snapshot."""

from __future__ import annotations

import functools

import streamlit as st

from core import render
from core.interpret import snapshot as insight
from ui import kernel_insight, player
from ui import kernels as uk
from ui.charts import metrics_chart
from ui.outcome import learning_warning
from ui.state import run_picker, sticky

FRAME, PLAYING, SPEED, LOOP = "kernels_frame", "kernels_playing", "kernels_speed", "kernels_loop"
VIEW, SCALE, KERNEL = "kernels_view", "kernels_scale", "kernels_kernel"
STICKY = {SPEED: 2, LOOP: True, VIEW: "weights", SCALE: "shared"}

st.set_page_config(page_title="Kernels · CNN Kernel Lab", page_icon="🔬", layout="wide")


def toggle_play(n_frames: int) -> None:
    playing = not st.session_state[PLAYING]
    st.session_state[PLAYING] = playing
    if playing and st.session_state.get(FRAME, 0) >= n_frames - 1:
        st.session_state[FRAME] = 0  # play from the start when parked on the last snapshot


def frame_panel(run, snaps, view: str, scale: str) -> None:
    """Play button, slider, montage, chart with marker, enlarged kernel: reruns on its own.
    Playing runs in the browser (ui.player), so no rerun is needed per frame."""
    n = len(snaps)
    playing = st.session_state[PLAYING] and n > 1
    uk.clamp_frame(FRAME, n, "kernels_frame_run", str(run.path))
    c_play, c_slider = st.columns([1, 6], vertical_alignment="bottom")
    c_play.button(
        "Pause" if playing else "Play",
        icon=":material/pause:" if playing else ":material/play_arrow:",
        key="kernels_play",
        on_click=toggle_play,
        args=(n,),
        type="primary",
        disabled=n < 2,
        width="stretch",
    )
    if n > 1 and not playing:
        c_slider.select_slider(
            "Snapshot (drag to travel through training)",
            options=range(n),
            format_func=lambda i: uk.frame_label(snaps, i),
            key=FRAME,
        )
    elif n <= 1:
        c_slider.info("This run has a single snapshot so far, so there is nothing to play yet.")
    else:
        c_slider.caption(
            f"Playing {st.session_state[SPEED]} snapshots a second in your browser; Pause (or the "
            "player's own button) to stop. Pause here returns to the slider and every detail."
        )
    frame = st.session_state[FRAME]
    kernels = render.kernel_view(snaps.weights, frame, view)  # (k, K, K)
    vmax = render.kernel_vmax(kernels, scale)  # (k,)
    k, ksize = kernels.shape[:2]
    ncols, upscale = render.montage_grid(k, ksize, 620)
    order = "left to right" if ncols == k else "left to right, top to bottom"
    left, right = st.columns([3, 2], gap="medium")
    if playing:  # the browser animates every snapshot; the curves stay as they are
        with left:
            player.show(run, snaps, view, scale, st.session_state[SPEED],
                        st.session_state[LOOP], frame)  # fmt: skip
        if run.metrics:
            right.altair_chart(metrics_chart(run.metrics))
        return
    with left:
        st.markdown(
            f"**Snapshot {frame + 1} of {n}** · {uk.frame_label(snaps, frame)} · "
            f"{render.VIEW_LABELS[view]} · kernels 1–{k}, {order}"
        )
        montage = render.kernel_montage(kernels, view_vmax=vmax, upscale=upscale, ncols=ncols)
        st.image(montage, width="stretch")
        strokes = insight.kernel_strokes(snaps.weights[frame])  # (k, K, K) one-bit
        st.image(
            render.image_montage(strokes, upscale=upscale, ncols=ncols),
            caption="Under the same layout: the scope-like line through each kernel's window that "
            "drives it hardest, the stroke it looks for.",
            width="stretch",
        )
        bar, note = st.columns([1, 1], vertical_alignment="center")
        bar.image(render.colourbar_png(float(vmax.max())), width="stretch")
        note.caption(uk.vmax_caption(vmax, scale))
    with right:
        if run.metrics:
            st.altair_chart(metrics_chart(run.metrics, marker_step=int(snaps.step[frame])))
        else:
            st.info("This run has no metrics yet.")
    zoom, about = st.columns([3, 2], gap="medium")
    with about:
        sticky(KERNEL, 0, range(k))
        if st.session_state[KERNEL] >= k:
            st.session_state[KERNEL] = 0
        kernel = st.selectbox(
            "Kernel to enlarge", range(k), format_func=lambda i: f"kernel {i + 1}", key=KERNEL
        )
        st.caption(uk.VIEW_HELP[view])
        st.caption(
            f"Bias of kernel {kernel + 1}: {float(snaps.bias[frame, kernel]):+.4f} "
            "(added to everything the kernel computes)."
        )
        st.download_button(
            "Download this montage (PNG)",
            data=functools.partial(
                render.montage_png, kernels, view_vmax=vmax, upscale=upscale, ncols=ncols
            ),
            file_name=f"{run.name}-kernels-{frame:04d}-{view}.png",
            mime="image/png",
            key="kernels_dl_png",
            on_click="ignore",
        )
    with zoom:
        st.altair_chart(
            uk.kernel_heatmap(
                kernels[kernel], float(vmax[kernel]), f"Kernel {kernel + 1} up close (hover)"
            ),
            key="kernels_heatmap",
            width="content",
        )


def main() -> None:
    st.session_state.setdefault(PLAYING, False)
    for key, value in STICKY.items():
        sticky(key, value)
    st.title("Kernels through training")
    st.caption(
        "Each square is one first-layer kernel: red weights positive, blue negative, white zero. "
        "Scrub or play through the snapshots saved while the network learned."
    )
    top = st.columns([2.6, 3.8, 2.2, 1.4], vertical_alignment="bottom")
    with top[0]:
        run = run_picker("kernels_run")
    if run is None:
        return
    learning_warning(run)
    snaps = uk.snapshots_or_say(run)
    if snaps is None:
        return
    view = top[1].segmented_control(
        "Show",
        render.VIEWS,
        format_func=uk.VIEW_SHORT.get,
        key=VIEW,
        required=True,
        help="weights: the kernels themselves; since start: minus the random kernels they began "
        "as; since last: minus the previous snapshot.",
    )
    scale = top[2].segmented_control(
        "Colour scale", ("shared", "per_kernel"), format_func=uk.SCALE_LABELS.get, key=SCALE,
        required=True,
    )  # fmt: skip
    with top[3].popover(
        "Speed", icon=":material/speed:", width="stretch", key="kernels_speed_menu"
    ):
        st.select_slider("Speed (snapshots a second)", options=uk.SPEEDS, key=SPEED)
        st.checkbox("Loop at the end", key=LOOP)
    st.fragment(frame_panel)(run, snaps, view, scale)
    uk.exports(run, snaps, view, scale, fps=2.0 * st.session_state[SPEED])
    kernel_insight.section(run, snaps, FRAME)


main()
