"""Which way up a capture is: its EXIF orientation tag, or the pixels as stored when the tag lies.

A phone photo carries an EXIF orientation tag and is honoured first. Some tags lie (pixels already
upright, the tag still says "turn 90°"), and an oscilloscope turned sideways shows no waveform a
network could read. So a tagged image is read both ways, the trace is looked for in each, and the
reading in which a trace is found and runs left to right is kept; the tagged reading wins ties.

"Runs left to right" is measured on the trace pixels: a waveform is a function of time, so a column
crosses it about once while a row crosses it once per rising or falling stretch. A trace turned
sideways swaps the two.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np

from core.capture.imagefile import CAPTURE_MAX_SIDE, MAX_BYTES, MAX_PIXELS, Source, decode
from core.capture.pipeline import CaptureResult, extract_trace
from core.capture.pixels import to_rgb_u8

MARGIN = 1.25  # how much more left-to-right the stored reading must be to beat the tagged one
CLEAR = 1.5  # a trace this left-to-right in the tagged reading is kept without trying the other

_TURNS = {
    2: "mirrored",
    3: "turned 180°",
    4: "flipped upside down",
    5: "turned 90° anticlockwise and mirrored",
    6: "turned 90° clockwise",
    7: "turned 90° clockwise and mirrored",
    8: "turned 90° anticlockwise",
}


@dataclass
class Reading:
    """One way of showing the file's pixels: uint8 RGB (H, W, 3) and how it was turned."""

    rgb: np.ndarray
    how: str  # a phrase for the UI: "as stored", "turned 90° clockwise (EXIF tag 6)", ...
    exif_applied: bool
    scale: float  # reading pixels per stored pixel (below 1 where a huge file was reduced)


def read_orientations(
    src: Source,
    *,
    name: str | None = None,
    max_pixels: int = MAX_PIXELS,
    max_bytes: int = MAX_BYTES,
    max_side: int | None = CAPTURE_MAX_SIDE,
) -> list[Reading]:
    """The image as its EXIF tag says first, then as stored where the tag turns it (ImageReadError).

    The file is decoded once; huge files are reduced to max_side on the way (see imagefile).
    """
    d = decode(src, name=name, max_pixels=max_pixels, max_bytes=max_bytes, max_side=max_side)
    stored = to_rgb_u8(d.image, d.name)
    if d.orientation == 1:
        return [Reading(stored, "as stored", False, d.scale)]
    turned = to_rgb_u8(d.upright(), d.name)
    how = f"{_TURNS[d.orientation]} as its EXIF tag says"
    return [
        Reading(turned, how, True, d.scale),
        Reading(stored, "as stored, its EXIF orientation tag ignored", False, d.scale),
    ]


def left_to_right(mask: np.ndarray) -> float:
    """How much the trace in bool (h, w) runs across rather than down: crossings per occupied row
    / crossings per occupied column; 0 for an empty mask."""
    m = np.asarray(mask, bool)
    if not m.any():
        return 0.0
    per_col = _runs(m, axis=0)
    per_row = _runs(m, axis=1)
    return float(per_row / per_col) if per_col else 0.0


def _runs(m: np.ndarray, axis: int) -> float:
    """Mean number of separate runs of True along `axis` in the lines that have any."""
    starts = np.diff(m.astype(np.int8), axis=axis, prepend=0) == 1
    counts = starts.sum(axis=axis)
    occupied = counts > 0
    return float(counts[occupied].mean()) if occupied.any() else 0.0


def choose_reading(
    readings: list[Reading], *, extract: Callable[..., CaptureResult] = extract_trace, **opts
) -> tuple[int, CaptureResult]:
    """(index of the reading to use, its extract_trace result): the first reading whose trace is
    found, unless another finds one that runs left to right by MARGIN more. A first reading whose
    trace clearly runs left to right (CLEAR) is kept without looking further, so an honest tag
    costs one extraction. extract(rgb, **opts) finds the trace (extract_trace, or any search
    built on it that returns a CaptureResult); a manual crop refers to the first reading, so only
    that one is tried."""
    first = extract(readings[0].rgb, **opts)
    best_score = left_to_right(first.mask) if first.found else -1.0
    if len(readings) == 1 or opts.get("crop") is not None or best_score >= CLEAR:
        return 0, first
    best, best_result = 0, first
    for i, reading in enumerate(readings[1:], start=1):
        result = extract(reading.rgb, **opts)
        if not result.found:
            continue
        score = left_to_right(result.mask)
        if best_score < 0 or score > MARGIN * best_score:
            best, best_result, best_score = i, result, score
    return best, best_result


def capture_file(
    src: Source,
    *,
    name: str | None = None,
    extract: Callable[..., CaptureResult] = extract_trace,
    **opts,
) -> tuple[CaptureResult, Reading]:
    """Read an image file (path, bytes or file) the right way up and find its trace.

    opts go to extract (crop, colour, size, thickness); a crop is in the file's pixels (upright
    as its EXIF tag says) and is scaled to the reading's where a huge file was reduced.
    ImageReadError if unreadable; the result's `found` says whether a trace was found.
    """
    readings = read_orientations(src, name=name)
    crop, scale = opts.get("crop"), readings[0].scale
    if crop is not None and scale != 1:
        try:
            opts["crop"] = tuple(float(v) * scale for v in crop)
        except (TypeError, ValueError):
            pass  # extract_trace says what is wrong with it
    i, result = choose_reading(readings, extract=extract, **opts)
    return result, readings[i]
