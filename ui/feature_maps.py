"""The Scope page's feature-map section: one snapshot's kernels slid over a capture's network input
and full-resolution trace, and where one value of a map comes from (its receptive field)."""

from __future__ import annotations

import streamlit as st

from core import render
from core.errors import LabError
from core.interpret.features import (
    CORRELATION_VS_CONVOLUTION,
    feature_map,
    feature_maps,
    receptive_field,
)
from ui import kernels as uk

FRAME, KERNEL, MODE = "scope_frame", "scope_kernel", "scope_mode"
MODES = ("correlation", "convolution")


def feature_section(run, snaps, result) -> None:
    """Feature maps of one snapshot's kernels on the network input and on the full trace."""
    n, k = len(snaps), snaps.weights.shape[1]
    uk.clamp_frame(FRAME, n, f"{FRAME}_run", str(run.path))
    if st.session_state.get(KERNEL, 0) >= k:
        st.session_state[KERNEL] = 0
    cols = st.columns([3, 1.3, 2], vertical_alignment="bottom")
    if n > 1:
        with cols[0]:
            st.select_slider(
                "Kernels from snapshot",
                options=range(n),
                format_func=lambda i: uk.frame_label(snaps, i),
                key=FRAME,
            )
    kernel = cols[1].selectbox(
        "Kernel", range(k), format_func=lambda i: f"kernel {i + 1}", key=KERNEL
    )
    mode = cols[2].segmented_control(
        "Sliding rule",
        MODES,
        help="correlation is what the network computes; convolution flips the kernel first.",
        key=MODE,
        required=True,
    )
    st.caption(CORRELATION_VS_CONVOLUTION)
    frame = st.session_state[FRAME]
    weights, bias = snaps.weights[frame], snaps.bias[frame]  # (k, 1, K, K), (k,)
    maps = feature_maps(result.network_input, weights, bias, mode)  # (k, H', W')
    vmax = render.kernel_vmax(maps, "shared")
    st.markdown(f"**Every kernel on the network input** ({uk.frame_label(snaps, frame)})")
    st.image(render.kernel_montage(maps, view_vmax=vmax, upscale=2, gap=6), width="stretch")
    st.image(render.colourbar_png(float(vmax[0])), width=320)
    st.caption(
        f"Kernels 1–{k}, left to right, bias included; red = strong positive response. "
        "The network keeps only the positive part (ReLU) of each map."
    )

    one = maps[kernel]
    kv = render.kernel_vmax(weights[kernel : kernel + 1], "shared")
    left, mid, right = st.columns([1, 1.3, 2.2])
    left.image(
        render.kernel_montage(weights[kernel : kernel + 1], view_vmax=kv, upscale=6),
        caption=f"kernel {kernel + 1} (±{float(kv[0]):.2g})",
        width="stretch",
    )
    mid.image(
        render.kernel_montage(one[None], view_vmax=vmax[:1], upscale=3),
        caption=f"its map on the {result.network_input.shape[0]}px input",
        width="stretch",
    )
    try:
        full = feature_map(result.mask, weights[kernel, 0], bias[kernel], mode)
    except LabError as e:  # a trace area smaller than the kernel
        right.caption(f"No map on the full-resolution trace: {e}")
    else:
        fv = render.kernel_vmax(full[None], "shared")
        right.image(
            render.kernel_montage(full[None], view_vmax=fv, upscale=1),
            caption=f"its map on the full-resolution trace (±{float(fv[0]):.3g}): "
            "the same kernel sees a much thinner, longer line there",
            width="stretch",
        )
    st.fragment(receptive_field_inspector)(
        result.network_input, weights[kernel, 0], bias[kernel], mode, kernel, one, float(vmax[0])
    )


def receptive_field_inspector(
    image, kernel, bias: float, mode: str, index: int, fmap, fmap_vmax: float
) -> None:
    """Pick one feature-map value and show the patch x kernel sum behind it."""
    with st.expander("Where does one feature-map value come from? (receptive field)"):
        kh, kw = kernel.shape
        oh, ow = image.shape[0] - kh + 1, image.shape[1] - kw + 1
        a, b = st.columns(2)
        for key, hi in (("scope_rf_row", oh - 1), ("scope_rf_col", ow - 1)):
            st.session_state[key] = min(max(int(st.session_state.get(key, hi // 2)), 0), hi)
        row = a.slider("Row of the feature map", 0, oh - 1, key="scope_rf_row")
        col = b.slider("Column of the feature map", 0, ow - 1, key="scope_rf_col")
        rf = receptive_field(image, kernel, bias, row, col, mode)
        kv = render.kernel_vmax(rf["kernel"][None], "shared")
        pv = render.kernel_vmax(rf["product"][None], "shared")
        cols = st.columns(5)
        cols[0].image(
            render.input_with_patch(image, (row, col, kh, kw)),
            caption="the input; the box is the patch",
            width="stretch",
        )
        cols[1].image(render.image_png(rf["patch"], upscale=6), caption="patch", width="stretch")
        cols[2].image(
            render.kernel_montage(rf["kernel"], view_vmax=kv, upscale=6),
            caption=f"kernel {index + 1}" + (" (flipped)" if mode == "convolution" else ""),
            width="stretch",
        )
        cols[3].image(
            render.kernel_montage(rf["product"], view_vmax=pv, upscale=6),
            caption="patch × kernel, square by square",
            width="stretch",
        )
        cols[4].image(
            render.mark_point(
                render.kernel_montage(fmap[None], view_vmax=fmap_vmax, upscale=3), row, col, 3
            ),
            caption="the feature map; the box is this value",
            width="stretch",
        )
        st.markdown(
            f"Sum of the products **{rf['sum']:+.4f}** + bias **{rf['bias']:+.4f}** = "
            f"**{rf['value']:+.4f}**, the value of the feature map at row {row}, column {col}."
        )
