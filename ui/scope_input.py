"""Scope page: more ways in (the camera, several files at once) and the two clicks that help where
the automatic reading fails (click on the trace to choose it, drag a box to crop).

The pointer works through `streamlit-image-coordinates` in drag mode: a press and release at one
spot is a click (the trace colour under it, see core.capture.pointer), a drag spans a crop box.
Both are handled in the component's callback, before the page's script runs again, so they can
fill the page's own crop inputs.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pandas as pd
import streamlit as st
from PIL import Image, ImageDraw
from streamlit_image_coordinates import streamlit_image_coordinates

from core.capture import choose_reading, read_orientations
from core.capture.pointer import box_from_drag, colour_at, in_box
from core.training.captures import answer_image, answer_words
from core.training.predict import Predictor

DISPLAY_WIDTH = 900  # pixels of the clickable picture sent to the browser
CLICK_SLACK = 6  # display pixels a press may move and still count as a click
MAX_BATCH = 40  # files classified from one batch upload
CLICKED = "scope_clicked"  # session state: {"for": image id, "colour": (r, g, b), "point": (x, y)}
POINTER_NOTE = "scope_pointer_note"  # session state: a sentence about the last drag


def upright_rgb(data: bytes, name: str) -> np.ndarray:
    """uint8 RGB of an upload, huge files reduced, turned as its EXIF tag says unless the trace
    only runs left to right as stored (core.capture.orient)."""
    readings = read_orientations(data, name=name)
    i = choose_reading(readings)[0] if len(readings) > 1 else 0
    return readings[i].rgb


# ------------------------------------------------------------------------------- the camera
def camera_source(key: str) -> tuple[str, str, bytes] | None:
    """(file id, name, JPEG bytes) of a photo taken with the device's camera, or None."""
    if not st.toggle(
        "Photograph the screen with this device's camera",
        key=f"{key}_on",
        help="Hold the phone or laptop camera square to the scope's screen; fill the frame.",
    ):
        return None
    shot = st.camera_input("Point the camera at the scope's screen", key=key)
    if shot is None:
        return None
    return f"camera:{shot.file_id}", "camera photo", shot.getvalue()


# ------------------------------------------------------------------------ click and drag
def clicked_colour(image_id: str) -> tuple[int, int, int] | None:
    """The trace colour the user clicked on in this image, or None."""
    clicked = st.session_state.get(CLICKED)
    if clicked and clicked.get("for") == image_id:
        return tuple(clicked["colour"])
    return None


def clicked_point(image_id: str) -> tuple[float, float] | None:
    """Where (x, y) in the picture's pixels the user clicked on this image, or None."""
    clicked = st.session_state.get(CLICKED)
    if clicked and clicked.get("for") == image_id:
        return tuple(clicked["point"])
    return None


def pointer_picker(
    image_id: str,
    rgb: np.ndarray,
    crop_box: tuple[int, int, int, int],
    *,
    key: str,
    crop_keys: Sequence[str],
    manual_key: str,
) -> None:
    """The picture to click on (the trace) or drag across (the plot area); a click sets the trace
    colour, a drag fills crop_keys (x0, y0, x1, y1) and ticks manual_key."""
    h, w = rgb.shape[:2]
    clicked = st.session_state.get(CLICKED)
    point = clicked["point"] if clicked and clicked.get("for") == image_id else None
    picture = _display_picture(rgb, crop_box, point)

    def on_pointer() -> None:
        _handle_pointer(st.session_state.get(key), image_id, rgb, crop_keys, manual_key)

    left, right = st.columns([3, 2])
    with left:
        streamlit_image_coordinates(
            picture,
            key=key,
            width="stretch",
            click_and_drag=True,
            on_click=on_pointer,
            image_format="JPEG",
            jpeg_quality=85,
            cursor="crosshair",
        )
    with right:
        st.markdown(
            "**Help it read the picture.** Click on the trace to choose it, or drag a box "
            "around the plot area to crop it."
        )
        st.caption(f"{w}×{h} pixels as read; the red box is the plot area used.")
        note = st.session_state.pop(POINTER_NOTE, None)
        if note:
            st.warning(note)
        if point is not None:
            colour = tuple(clicked["colour"])
            st.caption(
                f"Trace chosen by your click at ({point[0]:.0f}, {point[1]:.0f}): "
                "colour #{:02x}{:02x}{:02x}.".format(*colour)
            )
            st.button(
                "Let the page choose the trace again",
                key=f"{key}_forget",
                on_click=_forget,
            )


def _display_picture(rgb: np.ndarray, box, point) -> Image.Image:
    """A copy of rgb at most DISPLAY_WIDTH wide, the crop box outlined and the click marked."""
    h, w = rgb.shape[:2]
    s = min(1.0, DISPLAY_WIDTH / w)
    im = Image.fromarray(rgb)
    if s < 1:
        im = im.resize((max(1, round(w * s)), max(1, round(h * s))), Image.Resampling.BOX)
    d = ImageDraw.Draw(im)
    x0, y0, x1, y1 = (v * s for v in box)
    d.rectangle([x0, y0, x1 - 1, y1 - 1], outline=(255, 64, 64), width=2)
    if point is not None:
        px, py, r = point[0] * s, point[1] * s, 7
        d.ellipse([px - r, py - r, px + r, py + r], outline=(255, 0, 255), width=3)
    return im


def pointer_action(value: dict | None, rgb: np.ndarray) -> tuple | None:
    """What the component's value means in pixels of uint8 RGB (H, W, 3): ("colour", (r, g, b),
    (x, y)) for a click, ("crop", (x0, y0, x1, y1)) for a drag, ("note", sentence) for a drag too
    small to crop, None for no value."""
    if not value or "x1" not in value or not value.get("width") or not value.get("height"):
        return None
    h, w = rgb.shape[:2]
    sx, sy = w / value["width"], h / value["height"]
    x1, y1 = value["x1"] * sx, value["y1"] * sy
    x2, y2 = value["x2"] * sx, value["y2"] * sy
    moved = abs(value["x2"] - value["x1"]) + abs(value["y2"] - value["y1"])
    if moved <= CLICK_SLACK:
        x, y = min(max(x1, 0), w - 1), min(max(y1, 0), h - 1)
        return "colour", colour_at(rgb, x, y), (x, y)
    box = box_from_drag(x1, y1, x2, y2, w, h)
    if box is None:
        return "note", "That box is too small to hold a plot: drag a larger one."
    return "crop", box


def _handle_pointer(value, image_id: str, rgb: np.ndarray, crop_keys, manual_key: str) -> None:
    """The component's callback: a click picks the trace colour, a drag sets the crop."""
    action = pointer_action(value, rgb)
    if action is None:
        return
    if action[0] == "colour":
        st.session_state[CLICKED] = {"for": image_id, "colour": action[1], "point": action[2]}
    elif action[0] == "note":
        st.session_state[POINTER_NOTE] = action[1]
    else:
        st.session_state[manual_key] = True
        for k, v in zip(crop_keys, action[1]):
            st.session_state[k] = int(v)
        clicked = st.session_state.get(CLICKED)
        if clicked and clicked.get("for") == image_id and not in_box(clicked["point"], action[1]):
            _forget()  # the trace clicked lies outside the new plot area: its colour is not there


def _forget() -> None:
    st.session_state.pop(CLICKED, None)


# ------------------------------------------------------------------------- several files
@st.cache_data(max_entries=256, show_spinner=False)
def _answer(run_key: str, file_id: str, name: str, _data: bytes, _predictor: Predictor) -> dict:
    return answer_image(_predictor, _data, name).to_dict()


def answers_table(answers: list[dict], classes: list[str]) -> pd.DataFrame:
    """One row per answer: file, the answer in words, unsure, one probability column per class
    (blank where no trace was read: an empty input's probabilities say nothing), refused."""
    rows = []
    for a in answers:
        row = {"file": a["file"], "answer": answer_words(a), "unsure": a["unsure"]}
        found = a["refused"] is None and a.get("trace_found", True)
        row |= {c: a["probabilities"].get(c) if found else None for c in classes}
        row["refused"] = a["refused"] or ""
        rows.append(row)
    return pd.DataFrame(rows, columns=["file", "answer", "unsure", *classes, "refused"])


def batch_section(predictor: Predictor | None, run_key: str, key: str):
    """An uploader for several captures and a table of the network's answers; returns the file
    the user chose to look at closer (an UploadedFile), or None to keep the single picture."""
    # A folded expander still holds its uploader, so folding it away and back keeps the files
    # (a switch that removed the uploader would drop them); folded, nothing is read or shown.
    box = st.expander(
        "Classify several captures at once",
        key=f"{key}_on",
        on_change="rerun",
    )
    with box:
        files = st.file_uploader(
            f"Upload several captures (up to {MAX_BATCH})",
            accept_multiple_files=True,
            key=key,
            help="Each is read and classified on its own; the table says which were refused.",
        )
        if not box.open:
            return None
        if not files:
            st.caption("Every file gets a row: its class, how sure, or why it was refused.")
            return None
        if predictor is None:
            st.info("Pick a run with a trained network above to classify them.")
            return None
        if len(files) > MAX_BATCH:
            st.warning(f"{len(files)} files were uploaded; the first {MAX_BATCH} are classified.")
        bar = st.progress(0.0, text="Reading the captures…")
        answers = []
        for i, f in enumerate(files[:MAX_BATCH]):
            answers.append(_answer(run_key, f.file_id, f.name, f.getvalue(), predictor))
            bar.progress((i + 1) / min(len(files), MAX_BATCH), text=f"Read {f.name}")
        bar.empty()
        classes = predictor.classes
        # Whole percentages (a "percent" format shows 19.39% beside 0%): the bars' numbers only.
        scale = {"min_value": 0, "max_value": 100, "format": "%.0f"}
        config = {c: st.column_config.ProgressColumn(f"{c} (%)", **scale) for c in classes}
        config["refused"] = st.column_config.TextColumn("refused", width="large")
        table = answers_table(answers, classes)
        table[classes] = table[classes].astype(float) * 100
        st.dataframe(table, hide_index=True, column_config=config)
        refused = sum(1 for a in answers if a["refused"])
        unsure = sum(1 for a in answers if a["unsure"] and not a["refused"])
        st.caption(
            f"{len(answers)} file{'s' if len(answers) != 1 else ''}: "
            f"{len(answers) - refused - unsure} answered, "
            f"{unsure} unsure, {refused} refused."
        )
        # Chosen by the file's id, not its place: removing another file never swaps the file.
        shown = {f.file_id: f for f in files[:MAX_BATCH]}
        names, seen = {}, {}
        for fid, f in shown.items():  # by name; a name uploaded twice gets its count
            seen[f.name] = seen.get(f.name, 0) + 1
            names[fid] = f.name if seen[f.name] == 1 else f"{f.name} ({seen[f.name]})"
        # Folded, the choice's widget is not drawn and Streamlit forgets it: it is kept apart
        # and given back when the batch is unfolded, while that file is still in it.
        kept = st.session_state.get(f"{key}_closer_kept")
        if f"{key}_closer" not in st.session_state and kept in shown:
            st.session_state[f"{key}_closer"] = kept
        if st.session_state.get(f"{key}_closer") not in (None, *shown):
            st.session_state[f"{key}_closer"] = None  # that file was removed from the batch
        fid = st.selectbox(
            "Look closer at one of them",
            list(shown),
            index=None,
            format_func=names.get,
            placeholder="Choose a file to see how it was read…",
            key=f"{key}_closer",
            help="Its stages, the trace chosen and the network's answer appear below, where "
            "a click on the trace or a box around the plot can read it again. Clear the choice "
            "to see the single upload or sample again.",
        )
        st.session_state[f"{key}_closer_kept"] = fid
        return shown.get(fid)
