"""Streamlit helpers for the Scope page: cached reading, extraction, predictor, colour names,
charts."""

from __future__ import annotations

import colorsys
import dataclasses
import hashlib
from pathlib import Path

import altair as alt
import numpy as np
import pandas as pd
import streamlit as st

from core import render
from core.capture import CaptureResult
from core.capture.imagefile import MAX_BYTES
from core.capture.namer import WORDS
from core.capture.pointer import in_box
from core.errors import LabError
from core.interpret.snapshot import HEAT_EXPLANATION, HEAT_LABELS, HEAT_METHODS
from core.training.predict import (
    MIRRORED_BELOW,
    UNSURE_BELOW,
    Predictor,
    answer,
    load_predictor,
    read_automatically,
    recognised,
    shown_probability,
    training_thickness,
)
from core.training.runs import Run
from ui.insight import class_heat, model_slot
from ui.scope_input import upright_rgb
from ui.state import show_error

REPO = Path(__file__).resolve().parents[1]
SAMPLES_DIR = REPO / "examples" / "scope"
HEAT = "scope_heat"
UPLOAD_TYPES_TEXT = f"PNG, JPEG, BMP, GIF, WebP or TIFF, up to {MAX_BYTES // 1_000_000} MB"


def sample_files() -> list[Path]:
    """The bundled sample screenshots (examples/scope/*.png), by name."""
    return sorted(SAMPLES_DIR.glob("*.png")) if SAMPLES_DIR.is_dir() else []


# Decoded images and extractions are kept as shared objects (cache_resource): a full-HD capture is
# several MB and cache_data would copy it on every rerun. Nothing downstream mutates them.
@st.cache_resource(max_entries=6, show_spinner=False)
def _read(image_id: str, name: str, _data: bytes) -> np.ndarray:
    return upright_rgb(_data, name)


# No progress bar here: a 36-megapixel phone photo goes from its bytes to the answer in under a
# second on a 2-core machine (huge JPEGs are decoded at a reduced scale), below the 2 s at which
# the lab shows progress; the uploader shows the transfer itself.
def read_upload(file_id: str, name: str, data: bytes) -> tuple[str, np.ndarray]:
    """(image id, uint8 RGB (H, W, 3)) of an upload; ImageReadError with a sentence if bad."""
    image_id = f"upload:{file_id}:{len(data)}"
    return image_id, _read(image_id, name, data)


STAGE_SIDE = 1024  # longest side (px) of the first stage's picture as sent to the page


@st.cache_resource(max_entries=6, show_spinner=False)
def _stage_picture(image_id: str, _rgb: np.ndarray) -> tuple[np.ndarray, float]:
    """The picture at most STAGE_SIDE px and its scale, once per image (shrinking a
    12-megapixel photo takes about 70 ms, too much for every rerun of the page)."""
    return render.fit(_rgb, STAGE_SIDE)


def outlined(image_id: str, rgb: np.ndarray, box: tuple[int, int, int, int]) -> np.ndarray:
    """The first stage: the picture as read, at most STAGE_SIDE px, with the plot area `box` (in
    the picture's own pixels) outlined where it is."""
    small, s = _stage_picture(image_id, rgb)
    return render.with_box(small, tuple(round(v * s) for v in box))


SAMPLE_ID = "sample:"  # how a bundled sample's image id begins (read_sample)


def read_sample(path: Path) -> tuple[str, np.ndarray]:
    """(image id, uint8 RGB (H, W, 3)) of a bundled sample."""
    data = path.read_bytes()
    image_id = f"{SAMPLE_ID}{path.name}:{hashlib.md5(data).hexdigest()}"
    return image_id, _read(image_id, path.name, data)


@st.cache_resource(max_entries=12, show_spinner=False)
def _extract(
    image_id: str, crop, colour, tilt: float, size: int, thickness: int, run_key: str, _rgb,
    _predictor,
) -> CaptureResult:  # fmt: skip
    # The reading `predict` makes: automatic (in the user's box), asking the run's network, or
    # the user's colour read by the rules (straightened as the automatic reading was).
    return read_automatically(_rgb, crop=crop, colour=colour, tilt=tilt, predictor=_predictor,
                              size=size, thickness=thickness)  # fmt: skip


def read_choices(
    image_id: str,
    rgb: np.ndarray,
    auto: CaptureResult,
    *,
    crop=None,
    colour=None,
    point=None,
    size: int = 100,
    thickness: int = 2,
    predictor: Predictor | None = None,
    run_key: str = "",
) -> CaptureResult:
    """The reading the user's choices make of the picture: `auto` (the automatic reading) when
    there are none; with a box (`crop`) every automatic try inside it, or the chosen colour in
    it; with a colour clicked at `point` and no box, that colour where the automatic reading
    found the plot area if the click lies in it (the outline stays the automatic one)."""
    if crop is None and colour is None:
        return auto
    # A colour chosen without a box is read where and as the automatic reading read: in its
    # plot area, in the picture straightened as it straightened it (a box drawn is the user's).
    area = crop if crop is not None else click_area(auto, point)
    tilt = auto.tilt if crop is None and auto.read_box else 0.0  # (a colour was chosen)
    if tilt and area is not None:
        area = auto.read_box
    result = extract(image_id, rgb, crop=area, colour=colour, tilt=tilt, size=size,
                     thickness=thickness, predictor=predictor, run_key=run_key)  # fmt: skip
    if crop is None and area is not None:
        result = dataclasses.replace(result, crop_auto=True, crop_method=auto.crop_method)
    return result


def click_area(auto: CaptureResult, point) -> tuple[int, int, int, int] | None:
    """Where to read the trace colour a click chose when the user drew no box: the automatic
    reading's plot area if the click lies in it (looking for the plot area again from the whole
    picture finds a photo's bezel as readily as its screen), else None (the whole picture)."""
    if point is None:
        return None
    return auto.crop_box if in_box(point, auto.crop_box) else None


def extract(
    image_id: str,
    rgb: np.ndarray,
    *,
    crop=None,
    colour=None,
    tilt: float = 0.0,
    size=100,
    thickness=2,
    predictor: Predictor | None = None,
    run_key: str = "",
):
    """The reading `predict` makes (core.training.predict.read_automatically: the automatic
    reading, inside `crop` where given; the rules' reading of `colour` where given, in the
    picture straightened by `tilt`), cached per image and settings; with the run's `predictor`
    (and its `run_key`) the reading looks for the picture's other traces where the network is
    not sure of the first, as `predict` does."""
    crop = tuple(int(v) for v in crop) if crop is not None else None
    colour = tuple(int(v) for v in colour) if colour is not None else None
    key = run_key if predictor is not None else ""
    return _extract(image_id, crop, colour, float(tilt), int(size), int(thickness),
                    key, rgb, predictor)  # fmt: skip


@st.cache_resource(max_entries=4, show_spinner=False)
def _predictor(path: str, mtime_ns: int) -> Predictor:
    return load_predictor(path)


def predictor_for(run: Run) -> Predictor:
    """The run's trained network, loaded once per model file version; RunError if unusable."""
    return _predictor(str(run.path), (run.path / "model.pt").stat().st_mtime_ns)


def run_key(run: Run | None) -> str:
    """A key that changes when the run's network file does (for caching answers)."""
    if run is None or not run.has_model():
        return ""
    return f"{run.path}:{(run.path / 'model.pt').stat().st_mtime_ns}"


def network_geometry(predictor: Predictor | None) -> tuple[int, int]:
    """(input size, line thickness) the run's network was trained with; (100, 2) without one."""
    if predictor is None:
        return 100, 2
    return predictor.image_size, training_thickness(predictor.experiment)


_HUE_NAMES = (
    (15, "red"), (40, "orange"), (70, "yellow"), (160, "green"), (200, "cyan"), (255, "blue"),
    (285, "purple"), (330, "magenta"), (345, "pink"), (360, "red"),
)  # fmt: skip


def colour_name(rgb) -> str:
    """An everyday name for an RGB colour ('yellow', 'cyan', ...), by hue as people name them."""
    h, s, v = colorsys.rgb_to_hsv(*(float(c) / 255 for c in rgb))
    if v < 0.15:
        return "black"
    if s < 0.25:
        return "white" if v > 0.75 else "grey"
    return next(name for top, name in _HUE_NAMES if h * 360 < top)


def traces(predictor: Predictor | None, result: CaptureResult) -> list[CaptureResult]:
    """The traces the automatic reading found, the one the answer is about first (the one the
    network recognises most surely, as `predict` answers), then the others."""
    if predictor is not None:
        result = recognised(predictor, result)
    return [result, *result.others]


def trace_label(predictor: Predictor | None, i: int, reading: CaptureResult, height: int) -> str:
    """'2: red trace, bottom (sine, 97%)': a trace to choose, by its colour, where it is in the
    picture (`height` px tall) and the network's answer."""
    colour = colour_name(reading.trace_colour) if reading.trace_colour else "grey"
    _, y0, _, y1 = reading.crop_box
    rows = np.flatnonzero(reading.mask.any(1))  # the trace's rows within its crop
    share = (rows.mean() + 0.5) / reading.mask.shape[0] if len(rows) else 0.5
    middle = (y0 + share * (y1 - y0)) / max(1, height)
    place = "top" if middle < 1 / 3 else "bottom" if middle > 2 / 3 else "middle"
    name = f"{i + 1}: {colour} trace, {place}"
    if predictor is None:
        return name
    said = answer(predictor, reading)
    top = max(said["probabilities"].values())
    if said["unsure"]:
        return f"{name} (unsure, {percent(top, UNSURE_BELOW)})"
    return f"{name} ({said['label']}, {top:.0%})"


def colour_label(rgb, fraction: float) -> str:
    hexa = "#{:02x}{:02x}{:02x}".format(*rgb)
    return f"{colour_name(rgb)} {hexa} ({fraction:.1%} of the plot)"


def probability_chart(classes: list[str], probs) -> alt.Chart:
    """Horizontal bars of class probabilities, the winner highlighted."""
    probs = [float(p) for p in probs]
    best = int(np.argmax(probs))
    df = pd.DataFrame(
        {"class": classes, "probability": probs, "winner": [i == best for i in range(len(probs))]}
    )
    bars = (
        alt.Chart(df)
        .mark_bar(cornerRadiusEnd=3)
        .encode(
            y=alt.Y("class:N", sort=classes, title=None, axis=alt.Axis(labelFontSize=15)),
            x=alt.X(
                "probability:Q",
                scale=alt.Scale(domain=[0, 1]),
                axis=alt.Axis(format=".0%", tickCount=5),
                title="probability",
            ),
            color=alt.condition("datum.winner", alt.value("#f5c518"), alt.value("#607080")),
            tooltip=["class", alt.Tooltip("probability:Q", format=".1%")],
        )
    )
    text = bars.mark_text(align="left", dx=4, fontSize=14, color="#e8e8e8").encode(
        text=alt.Text("probability:Q", format=".0%"), color=alt.value("#e8e8e8")
    )
    return (bars + text).properties(height=36 * len(classes) + 30)


# -- what the network says about a capture, and where it looks ----------------------------------
def percent(p: float, below: float | None = None) -> str:
    """A probability as a whole percentage, or with one decimal where it is under `below` (a
    threshold of the unsure rule) but would round up to it: 69.8% is unsure, "70%" reads as not."""
    return shown_probability(p, below, percent=True)


def mirror_reason(predictor: Predictor, said: dict, confident: bool) -> str | None:
    """Why an answer sure enough of its class (`said`, from predict.answer) is unsure all the
    same: it does not survive the trace's mirror images. None where that is not the reason."""
    top = max(said["probabilities"].values())
    if not said["unsure"] or not confident or top < UNSURE_BELOW:
        return None
    turned = "reversed in time" if len(predictor.mirrors) == 1 else (
        "reversed in time, turned upside down, or both")  # fmt: skip
    kinds = ", ".join(predictor.classes[:-1]) + f" or {predictor.classes[-1]}"
    return (
        f"Why unsure at {top:.0%}: a {kinds} stays one when {turned}, so a network that knows "
        "the shape gives those mirror images the same answer. Averaged over this trace and its "
        f"mirror images it says {said['label']} at {percent(said['mirrored'], MIRRORED_BELOW)} "
        "only: a guess about a shape it was not taught."
    )


ADVICE = (
    "If the picture holds a waveform, click on its trace in the picture above, or drag a box "
    "around the plot area."
)


def show_answer(
    predictor: Predictor, said: dict, confident: bool, heading: str = "", doubt: str | None = None
) -> None:
    """'The network says: sine (97%)', or unsure with the closest class (and why: the reading's
    `doubt`, a second network's shape, or its mirror images), for an answer `said`
    (predict.answer or Predictor.predict). heading: a Markdown heading prefix ('### ') where the
    answer is the page's headline; doubt: CaptureResult.doubt of the reading answered."""
    top = max(said["probabilities"].values())
    if not said["unsure"]:
        st.markdown(f"{heading}The network says: **{said['label']}** ({top:.0%})")
        return
    closest = f"closest: {said['label']}, {percent(top, UNSURE_BELOW)}"
    if doubt:  # the reason is the line read, not a shape the network was not taught
        st.markdown(f"{heading}The network says: **unsure** ({closest}).")
        st.caption(f"{doubt} {ADVICE}")
        return
    st.markdown(f"{heading}The network says: **unsure**, none of the shapes it knows ({closest}).")
    shape = said.get("looks_like")
    if shape in WORDS:
        st.caption(f"A second network that knows more shapes sees {WORDS[shape]} here: a shape "
                   "this network was not taught.")  # fmt: skip
        return
    why = mirror_reason(predictor, said, confident)
    if why:
        st.caption(why)


def prediction_section(predictor, result) -> None:
    if predictor is None:
        st.info("This run has no saved network yet (it is written when training ends).")
        return
    if not result.found:
        st.info("No trace was found, so there is nothing to classify.")
        return
    said = answer(predictor, result)
    show_answer(predictor, said, result.confident, doubt=result.doubt)
    probs = list(said["probabilities"].values())
    st.altair_chart(probability_chart(predictor.classes, probs), key="scope_probs")
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
        maps = class_heat(model_slot(run), run, result.network_input, method)
    except (LabError, OSError) as e:
        show_error(e)
        return
    probs = predictor.probabilities(result.network_input[None])[0]
    best = int(probs.argmax())
    cols = st.columns(len(maps))
    for c, (col, heat) in enumerate(zip(cols, maps)):
        its = " · its answer" if c == best else ""
        col.image(
            render.heat_picture(result.network_input, heat, 3),
            caption=f"for {predictor.classes[c]} ({float(probs[c]):.0%}){its}",
            width="stretch",
        )
    st.caption(HEAT_EXPLANATION[method] + " One map per class, with the run's final network.")
