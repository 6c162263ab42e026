"""A curve that is not a picture -> the network's input: samples from a scope's CSV, or the
strokes a student draws. Both become a trace mask and go through the same last stage as a
screenshot (`rasterise`: the height stretched to FILL of the view, a line `thickness` px thick),
so the network sees them as it sees any capture.
"""

from __future__ import annotations

import numpy as np

from core.capture.rasterise import rasterise
from core.errors import LabError

MASK_HEIGHT = 400  # rows of the intermediate trace mask: finer than any network input
MAX_COLUMNS = 1000  # samples beyond this many per mask column are summed up as min..max


def samples_mask(values: np.ndarray, height: int = MASK_HEIGHT) -> np.ndarray:
    """bool (height, W) of samples (N,) drawn as a connected line, top = highest value; W is N
    up to MAX_COLUMNS, beyond that each column spans the min..max of its samples (as a scope
    draws a long record)."""
    v = np.asarray(values, dtype=np.float64).ravel()
    v = v[np.isfinite(v)]
    if len(v) < 2:
        raise LabError("A waveform needs at least two samples.")
    cols = min(len(v), MAX_COLUMNS)
    edges = np.linspace(0, len(v), cols + 1).astype(int)
    lo = np.minimum.reduceat(v, edges[:-1])
    hi = np.maximum.reduceat(v, edges[:-1])
    span = v.max() - v.min()
    scale = (height - 1) / span if span > 0 else 0.0
    row = lambda a: np.rint((height - 1) / 2 if span == 0 else (v.max() - a) * scale)  # noqa: E731
    top, bot = row(hi).astype(int), row(lo).astype(int)
    # Join each column to the previous one, so a square wave's edges are drawn as a scope does.
    top = np.minimum(top, np.concatenate([top[:1], bot[:-1]]))
    bot = np.maximum(bot, np.concatenate([bot[:1], top[:-1]]))
    r = np.arange(height)[:, None]
    return (r >= top[None, :]) & (r <= bot[None, :])


def samples_to_input(values: np.ndarray, size: int = 100, thickness: int = 2) -> np.ndarray:
    """float32 (size, size) in {0, 1}: samples (N,) as the network's input."""
    mask = samples_mask(values)
    return rasterise(mask, (0, mask.shape[1]), size, thickness)


def drawing_to_input(
    rgba: np.ndarray, size: int = 100, thickness: int = 2
) -> tuple[np.ndarray, tuple[int, int, int, int]] | None:
    """(float32 (size, size) input, ink box (x0, y0, x1, y1)) of a drawing (H, W, 4) uint8 whose
    strokes are its opaque pixels; None when nothing is drawn yet."""
    a = np.asarray(rgba)
    if a.ndim != 3 or a.shape[2] != 4:
        raise LabError(f"A drawing is an RGBA image, not an array of shape {a.shape}.")
    ink = a[..., 3] > 127
    cols, rows = np.flatnonzero(ink.any(0)), np.flatnonzero(ink.any(1))
    if len(cols) < 2:
        return None
    x0, x1 = int(cols[0]), int(cols[-1]) + 1
    box = (x0, int(rows[0]), x1, int(rows[-1]) + 1)
    return rasterise(ink, (x0, x1), size, thickness), box
