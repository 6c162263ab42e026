"""Scope: an oscilloscope screenshot through the capture pipeline and the network's first layer."""

from __future__ import annotations

import streamlit as st

from core import render
from core.errors import LabError
from core.interpret.snapshot import HEAT_METHODS
from ui import feature_maps as uf
from ui import kernels as uk
from ui import scope as us
from ui import scope_input as si
from ui.state import run_picker, show_error, sticky

UPLOAD, SAMPLE, RUN = "scope_upload", "scope_sample", "scope_run"
MANUAL, CROP, COLOUR, TRACE = "scope_manual_crop", "scope_crop", "scope_colour", "scope_trace"
CROP_KEYS = tuple(f"{CROP}_{s}" for s in ("x0", "y0", "x1", "y1"))
CAMERA, POINTER, BATCH = "scope_camera", "scope_pointer", "scope_batch"
MAX_KERNELS = 64  # the kernel picker's index is clamped to the run's own count where it is drawn
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
    if st.session_state.get(f"{BATCH}_on") and st.session_state.get(f"{BATCH}_closer"):
        st.caption("The picture read below is the batch file chosen under “Look closer”: clear "
                   "that choice to read this upload or a sample.")  # fmt: skip
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
    camera = si.camera_source(CAMERA)
    try:
        if camera is not None:
            image_id, rgb = us.read_upload(*camera)
            return image_id, camera[1], rgb
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


def pick_trace(reading_id: str, traces: list, predictor, height: int):
    """The trace to read where the picture holds several: the network's surest first.
    reading_id names the image and the run (another run may order the traces otherwise)."""
    stale = st.session_state.get(f"{TRACE}_for") != reading_id
    if stale or st.session_state.get(TRACE, 0) >= len(traces):
        st.session_state[f"{TRACE}_for"] = reading_id
        st.session_state[TRACE] = 0
    if len(traces) < 2:
        return traces[0]
    choice = st.selectbox(
        "Several waveforms were found: which one should the network answer about?",
        range(len(traces)),
        format_func=lambda i: us.trace_label(predictor, i, traces[i], height),
        key=TRACE,
        help="The first is the one the network recognises most surely (what `predict` answers); "
        "the outline in the first picture below shows where the chosen one is.",
    )
    return traces[choice]


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
    # Where the automatic reading found no waveform it trusts (a menu, an empty screen), the
    # colours are offered, not claimed to be traces.
    trusted = result.found and result.seen_by_network is not False
    choice = left.selectbox(
        "Several traces show: which one should the network read?"
        if trusted
        else "No waveform was found for sure. If one of these colours is a trace, choose it:",
        range(len(candidates)),
        format_func=lambda i: f"{i + 1}: {us.colour_label(*candidates[i])}",
        key=COLOUR,
    )
    right.image(render.swatches([c for c, _ in candidates]), caption="the colours 1, 2, … listed")
    # The first candidate is the automatic reading's own trace: reading it again by its colour
    # alone would drop what found it (the plot area, the segmentation network's trace).
    return None if choice == 0 else tuple(candidates[choice][0])


def show_stages(result, image_id: str, rgb, chosen: bool = False) -> None:
    """The reading's four stages; the first is the picture as read (`rgb`, whose pixels the crop
    box is in: an automatic reading of a large photo works on a smaller copy of it). chosen: the
    reading is of a colour or box the user chose, whose notes say what it found there."""
    cols = st.columns(4)
    images = (
        us.outlined(image_id, rgb, result.crop_box),
        result.cropped,
        render.grey_u8(result.mask),
        render.image_png(result.network_input, upscale=3),
    )
    size = result.network_input.shape[0]
    captions = list(STAGE_CAPTIONS)
    captions[0] += f" ({'found: ' + result.crop_method if result.crop_auto else 'your crop'})"
    if result.tilt:  # read straightened: the plot area (stage 2) is level, the picture is not
        way = "anticlockwise" if result.tilt > 0 else "clockwise"
        captions[1] += f", straightened: turned {abs(result.tilt):.1f}° {way}"
    captions[3] += f" ({size}×{size})"
    for col, image, caption in zip(cols, images, captions):
        col.image(image, caption=caption, width="stretch")
    # Where the automatic reading found no trace the page says so once, with what to do (main);
    # its own notes say the same in other words.
    for warning in result.warnings if result.found or chosen else ():
        st.warning(warning)


def _batch_shown() -> bool:
    """Whether the batch table is on the page (its switch on, files uploaded)."""
    return bool(st.session_state.get(f"{BATCH}_on") and st.session_state.get(BATCH))


def main() -> None:
    # Valid values on every run, so a rejected upload (an early return) never leaves them empty.
    sticky(uf.MODE, "correlation", uf.MODES)
    sticky(us.HEAT, "saliency", HEAT_METHODS)
    sticky(uf.KERNEL, 0, range(MAX_KERNELS))
    sticky(SAMPLE, 0, range(max(1, len(us.sample_files()))))
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
    closer = si.batch_section(predictor, us.run_key(run), BATCH)
    if closer is not None:  # one file of the batch, looked at as a single upload is
        try:
            image_id, rgb = us.read_upload(closer.file_id, closer.name, closer.getvalue())
        except LabError as e:
            st.error(str(e))
            return
        picked = image_id, closer.name, rgb
    elif picked is not None and picked[0].startswith(us.SAMPLE_ID) and _batch_shown():
        return  # the batch is what the page is about now: the sample waits until it is cleared
    if picked is None:
        return
    image_id, name, rgb = picked
    size, thickness = us.network_geometry(predictor)
    try:
        run_key = us.run_key(run)
        auto = us.extract(image_id, rgb, size=size, thickness=thickness, predictor=predictor,
                          run_key=run_key)  # fmt: skip
        traces = us.traces(predictor, auto)
        auto = pick_trace(f"{image_id}|{run_key}", traces, predictor, rgb.shape[0])
        crop = crop_override(image_id, rgb, auto.crop_box)
        # Several traces are chosen among as traces; a click still picks any other colour.
        listed = pick_colour(image_id, auto) if len(traces) < 2 else None
        clicked = si.clicked_colour(image_id)
        result = us.read_choices(image_id, rgb, auto, crop=crop, colour=clicked or listed,
                                 point=si.clicked_point(image_id) if clicked else None,
                                 size=size, thickness=thickness, predictor=predictor,
                                 run_key=run_key)  # fmt: skip
    except LabError as e:
        st.error(str(e))
        return
    si.pointer_picker(
        image_id, rgb, result.crop_box, key=POINTER, crop_keys=CROP_KEYS, manual_key=MANUAL
    )
    st.subheader(f"From screenshot to network input: {name}")
    show_stages(result, image_id, rgb, chosen=bool(crop or clicked or listed))
    if not result.found:
        st.warning(
            "No waveform trace was found: click on the trace in the picture above, "
            "or drag a box around the plot area."
        )
    if run is None:
        return
    st.subheader("The network's answer")
    us.prediction_section(predictor, result)
    if not result.found:  # an empty input: flat feature maps would only puzzle
        return
    st.subheader("What the first layer sees")
    snaps = uk.snapshots_or_say(run)
    if snaps is None:
        return
    try:
        uf.feature_section(run, snaps, result)
    except LabError as e:
        show_error(e)
    us.looking_section(run, predictor, result)


main()
