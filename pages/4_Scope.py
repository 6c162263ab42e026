"""Scope: an oscilloscope screenshot through the capture pipeline and the network's first layer."""

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
from core.interpret.snapshot import HEAT_EXPLANATION, HEAT_LABELS, HEAT_METHODS
from core.training.predict import is_unsure
from ui import insight as ui
from ui import kernels as uk
from ui import scope as us
from ui.state import run_picker, show_error, sticky

UPLOAD, SAMPLE, RUN = "scope_upload", "scope_sample", "scope_run"
MANUAL, CROP, COLOUR = "scope_manual_crop", "scope_crop", "scope_colour"
FRAME, KERNEL, MODE, HEAT = "scope_frame", "scope_kernel", "scope_mode", "scope_heat"
CROP_KEYS = tuple(f"{CROP}_{s}" for s in ("x0", "y0", "x1", "y1"))
st.set_page_config(page_title="Scope · CNN Kernel Lab", page_icon="📟", layout="wide")

STAGE_CAPTIONS = (
    "1 · your image, plot area outlined",
    "2 · the plot area",
    "3 · trace pixels found",
    "4 · network input",
)


def pick_image(right) -> tuple[str, str, object] | None:
    """(image id, name, uint8 RGB) of the upload or the chosen sample; None if unreadable."""
    upload = st.file_uploader(
        f"Upload a scope screenshot ({us.UPLOAD_TYPES_TEXT})",
        key=UPLOAD,
        help="A screen capture saved by the scope, or a photo of its screen cropped to the display",
    )
    samples = us.sample_files()
    if samples:
        right.selectbox(
            "…or try a sample screen",
            range(len(samples)),
            format_func=lambda i: samples[i].stem,
            key=SAMPLE,
            disabled=upload is not None,
            help="Remove the uploaded file (its ✕) to look at the samples again.",
        )
    try:
        if upload is not None:
            image_id, rgb = us.read_upload(upload.file_id, upload.name, upload.getvalue())
            return image_id, upload.name, rgb
        if samples:
            path = samples[st.session_state.get(SAMPLE, 0) % len(samples)]
            image_id, rgb = us.read_sample(path)
            return image_id, f"sample {path.stem}", rgb
    except LabError as e:
        st.error(str(e))
        st.caption("Try another file: a PNG saved by the scope itself works best.")
        return None
    st.info("Upload a screenshot to begin (no bundled samples were found).")
    return None


def crop_override(image_id: str, rgb, auto_box) -> tuple[int, int, int, int] | None:
    """The manual crop from the expander, or None to use the detected plot area."""
    h, w = rgb.shape[:2]
    if st.session_state.get(f"{CROP}_for") != image_id:  # a new image: start from its detected box
        st.session_state[f"{CROP}_for"] = image_id
        st.session_state[MANUAL] = False
        for key, value in zip(CROP_KEYS, auto_box):
            st.session_state[key] = int(value)
    with st.expander("Adjust the crop (if the outline misses the plot area)"):
        manual = st.checkbox("Use my own crop", key=MANUAL)
        cols = st.columns(4)
        labels = ("left (x0)", "top (y0)", "right (x1)", "bottom (y1)")
        for col, key, label, hi in zip(cols, CROP_KEYS, labels, (w, h, w, h)):
            col.number_input(label, min_value=0, max_value=hi, step=1, key=key, disabled=not manual)
        st.caption(f"Pixels of the {w}×{h} image; right and bottom are exclusive.")
    return tuple(st.session_state[k] for k in CROP_KEYS) if manual else None


def pick_colour(image_id: str, result) -> tuple[int, int, int] | None:
    """The trace colour chosen among the candidates, or None for the automatic choice."""
    candidates = result.candidate_colours
    if len(candidates) < 2:
        return None
    if st.session_state.get(f"{COLOUR}_for") != image_id:
        st.session_state[f"{COLOUR}_for"] = image_id
        st.session_state[COLOUR] = 0
    if st.session_state.get(COLOUR, 0) >= len(candidates):
        st.session_state[COLOUR] = 0
    left, right = st.columns([3, 2], vertical_alignment="bottom")
    choice = left.selectbox(
        "Several traces show: which one should the network read?",
        range(len(candidates)),
        format_func=lambda i: f"{i + 1}: {us.colour_label(*candidates[i])}",
        key=COLOUR,
    )
    right.image(us.swatches([c for c, _ in candidates]), caption="candidates 1, 2, …")
    return tuple(candidates[choice][0])


def show_stages(result) -> None:
    cols = st.columns(4)
    images = (
        us.with_box(result.original, result.crop_box),
        result.cropped,
        us.grey(result.mask),
        render.image_png(result.network_input, upscale=3),
    )
    size = result.network_input.shape[0]
    captions = list(STAGE_CAPTIONS)
    captions[0] += f" ({'found: ' + result.crop_method if result.crop_auto else 'your crop'})"
    captions[3] += f" ({size}×{size})"
    for col, image, caption in zip(cols, images, captions):
        col.image(image, caption=caption, width="stretch")
    for warning in result.warnings:
        st.warning(warning)


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
        ("correlation", "convolution"),
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
            us.input_with_patch(image, (row, col, kh, kw)),
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
            us.mark_point(
                render.kernel_montage(fmap[None], view_vmax=fmap_vmax, upscale=3), row, col, 3
            ),
            caption="the feature map; the box is this value",
            width="stretch",
        )
        st.markdown(
            f"Sum of the products **{rf['sum']:+.4f}** + bias **{rf['bias']:+.4f}** = "
            f"**{rf['value']:+.4f}**, the value of the feature map at row {row}, column {col}."
        )


def prediction_section(predictor, result) -> None:
    if predictor is None:
        st.info("This run has no saved network yet (it is written when training ends).")
        return
    if not result.found:
        st.info("No trace was found, so there is nothing to classify.")
        return
    probs = predictor.probabilities(result.network_input[None])[0]
    winner = predictor.classes[int(probs.argmax())]
    if is_unsure(probs, result.confident):
        st.markdown(
            f"The network says: **unsure**, none of the shapes it knows (closest: {winner}, "
            f"{float(probs.max()):.0%})."
        )
    else:
        st.markdown(f"The network says: **{winner}** ({float(probs.max()):.0%})")
    st.altair_chart(us.probability_chart(predictor.classes, probs), key="scope_probs")
    st.caption("This is the run's final network, whatever snapshot the maps below use.")


def looking_section(run, predictor, result) -> None:
    """Where the run's final network looks in the network input, for each class."""
    if predictor is None or not result.found:
        return
    st.subheader("Where the network looks")
    method = st.segmented_control(
        "Heat map",
        HEAT_METHODS,
        format_func=HEAT_LABELS.get,
        key=HEAT,
        required=True,
        help="saliency: pixels the answer is most sensitive to; Grad-CAM: regions whose "
        "first-layer kernels argue for the class.",
    )
    try:
        maps = ui.class_heat(ui.model_slot(run), run, result.network_input, method)
    except (LabError, OSError) as e:
        show_error(e)
        return
    probs = predictor.probabilities(result.network_input[None])[0]
    best = int(probs.argmax())
    cols = st.columns(len(maps))
    for c, (col, heat) in enumerate(zip(cols, maps)):
        answer = " · its answer" if c == best else ""
        col.image(
            ui.heat_picture(result.network_input, heat, 3),
            caption=f"for {predictor.classes[c]} ({float(probs[c]):.0%}){answer}",
            width="stretch",
        )
    st.caption(HEAT_EXPLANATION[method] + " One map per class, with the run's final network.")


def main() -> None:
    for key, value in ((MODE, "correlation"), (KERNEL, 0), (SAMPLE, 0), (HEAT, "saliency")):
        sticky(key, value)
    st.title("Scope: what the network sees")
    st.caption(
        "The page finds the plotting area, picks out the trace, shrinks it to the network's input "
        "and shows what each first-layer kernel responds to."
    )
    left, right = st.columns([3, 2])
    with left:
        picked = pick_image(right)
    with right:
        run = run_picker(RUN, label="Network (run)")
    predictor = None
    if run is not None and run.has_model():
        try:
            predictor = us.predictor_for(run)
        except (LabError, OSError) as e:
            show_error(e)
    if picked is None:
        return
    image_id, name, rgb = picked
    size, thickness = us.network_geometry(predictor)
    try:
        auto = us.extract(image_id, rgb, size=size, thickness=thickness)
        crop = crop_override(image_id, rgb, auto.crop_box)
        colour = pick_colour(image_id, auto)
        result = auto
        if crop is not None or colour is not None:
            result = us.extract(image_id, rgb, crop=crop, colour=colour, size=size,
                                thickness=thickness)  # fmt: skip
    except LabError as e:
        st.error(str(e))
        return
    st.subheader(f"From screenshot to network input: {name}")
    show_stages(result)
    if not result.found:
        st.warning("No waveform trace was found; try the crop or another trace colour.")
    if run is None:
        return
    st.subheader("The network's answer")
    prediction_section(predictor, result)
    st.subheader("What the first layer sees")
    snaps = uk.snapshots_or_say(run)
    if snaps is None:
        return
    try:
        feature_section(run, snaps, result)
    except LabError as e:
        show_error(e)
    looking_section(run, predictor, result)


main()
