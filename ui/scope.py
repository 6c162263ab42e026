"""Streamlit helpers for the Scope page: cached reading, extraction, predictor and drawings."""

from __future__ import annotations

import colorsys
import hashlib
from pathlib import Path

import altair as alt
import numpy as np
import pandas as pd
import streamlit as st
from PIL import Image, ImageDraw

from core.capture import CaptureResult, extract_trace
from core.capture.imagefile import MAX_BYTES, read_image_u8
from core.training.predict import Predictor, load_predictor, training_thickness
from core.training.runs import Run

REPO = Path(__file__).resolve().parents[1]
SAMPLES_DIR = REPO / "examples" / "scope"
UPLOAD_TYPES_TEXT = f"PNG, JPEG, BMP, GIF, WebP or TIFF, up to {MAX_BYTES // 1_000_000} MB"
BOX_RGB = (255, 64, 64)


def sample_files() -> list[Path]:
    """The bundled sample screenshots (examples/scope/*.png), by name."""
    return sorted(SAMPLES_DIR.glob("*.png")) if SAMPLES_DIR.is_dir() else []


# Decoded images and extractions are kept as shared objects (cache_resource): a full-HD capture is
# several MB and cache_data would copy it on every rerun. Nothing downstream mutates them.
@st.cache_resource(max_entries=6, show_spinner=False)
def _read(image_id: str, name: str, _data: bytes) -> np.ndarray:
    return read_image_u8(_data, name=name)


def read_upload(file_id: str, name: str, data: bytes) -> tuple[str, np.ndarray]:
    """(image id, uint8 RGB (H, W, 3)) of an upload; ImageReadError with a sentence if bad."""
    image_id = f"upload:{file_id}:{len(data)}"
    return image_id, _read(image_id, name, data)


def read_sample(path: Path) -> tuple[str, np.ndarray]:
    """(image id, uint8 RGB (H, W, 3)) of a bundled sample."""
    data = path.read_bytes()
    image_id = f"sample:{path.name}:{hashlib.md5(data).hexdigest()}"
    return image_id, _read(image_id, path.name, data)


@st.cache_resource(max_entries=12, show_spinner=False)
def _extract(image_id: str, crop, colour, size: int, thickness: int, _rgb) -> CaptureResult:
    return extract_trace(_rgb, crop=crop, colour=colour, size=size, thickness=thickness)


def extract(image_id: str, rgb: np.ndarray, *, crop=None, colour=None, size=100, thickness=2):
    """core.capture.extract_trace, cached per image and settings."""
    crop = tuple(int(v) for v in crop) if crop is not None else None
    colour = tuple(int(v) for v in colour) if colour is not None else None
    return _extract(image_id, crop, colour, int(size), int(thickness), rgb)


@st.cache_resource(max_entries=4, show_spinner=False)
def _predictor(path: str, mtime_ns: int) -> Predictor:
    return load_predictor(path)


def predictor_for(run: Run) -> Predictor:
    """The run's trained network, loaded once per model file version; RunError if unusable."""
    return _predictor(str(run.path), (run.path / "model.pt").stat().st_mtime_ns)


def network_geometry(predictor: Predictor | None) -> tuple[int, int]:
    """(input size, line thickness) the run's network was trained with; (100, 2) without one."""
    if predictor is None:
        return 100, 2
    return predictor.image_size, training_thickness(predictor.experiment)


def with_box(img: np.ndarray, box: tuple[int, int, int, int], rgb=BOX_RGB) -> np.ndarray:
    """uint8 (H, W, 3) copy of img with the box (x0, y0, x1, y1), x1/y1 exclusive, outlined."""
    im = Image.fromarray(img)
    width = max(2, round(max(img.shape[:2]) / 300))
    x0, y0, x1, y1 = box
    ImageDraw.Draw(im).rectangle([x0, y0, x1 - 1, y1 - 1], outline=rgb, width=width)
    return np.asarray(im)


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


def colour_label(rgb, fraction: float) -> str:
    hexa = "#{:02x}{:02x}{:02x}".format(*rgb)
    return f"{colour_name(rgb)} {hexa} ({fraction:.1%} of the plot)"


def swatches(colours: list[tuple[int, int, int]], *, side: int = 28, gap: int = 6) -> np.ndarray:
    """uint8 image of colour squares in a row, for telling the candidate traces apart."""
    n = max(1, len(colours))
    out = np.full((side, n * side + (n - 1) * gap, 3), 14, np.uint8)
    for i, c in enumerate(colours):
        out[:, i * (side + gap) : i * (side + gap) + side] = c
    return out


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


def grey(image: np.ndarray) -> np.ndarray:
    """A {0,1}/bool/float image as uint8 grey (H, W) for display."""
    return (np.clip(np.asarray(image, np.float32), 0, 1) * 255 + 0.5).astype(np.uint8)


def input_with_patch(image: np.ndarray, patch: tuple[int, int, int, int], upscale: int = 3):
    """uint8 RGB of a network input (H, W) upscaled, with the patch (row, col, kh, kw) outlined."""
    row, col, kh, kw = patch
    g = grey(image).repeat(upscale, 0).repeat(upscale, 1)
    box = (col * upscale, row * upscale, (col + kw) * upscale, (row + kh) * upscale)
    return with_box(np.repeat(g[..., None], 3, axis=2), box)


def mark_point(rgb: np.ndarray, row: int, col: int, upscale: int) -> np.ndarray:
    """uint8 RGB (an image upscaled by `upscale`) with a small box around pixel (row, col)."""
    pad = max(3, upscale)
    x, y = col * upscale, row * upscale
    box = (x - pad, y - pad, x + upscale + pad, y + upscale + pad)
    return with_box(rgb, box, rgb=(20, 20, 20))
