"""What a click or a dragged box on a capture means for extract_trace: a trace colour or a crop.

People click near a thin trace rather than on it, and photos blur and compress its colour, so the
colour is not the clicked pixel's: it is the median of the pixels near the click that stand out
most from the background around it (the commonest colour of a wider window).
"""

from __future__ import annotations

import numpy as np

from core.errors import LabError

MIN_BOX = 16  # pixels a side, as extract_trace's crop needs
NEAR = 0.8  # pixels within this share of the strongest contrast count towards the colour


def click_radius(shape: tuple[int, ...]) -> int:
    """Pixels around a click searched for the trace: about 1% of the longer side, at least 4."""
    return max(4, round(0.01 * max(shape[:2])))


def colour_at(
    rgb: np.ndarray, x: float, y: float, radius: int | None = None
) -> tuple[int, int, int]:
    """The trace colour (R, G, B) a click at pixel (x, y) of uint8 RGB (H, W, 3) points at."""
    h, w = rgb.shape[:2]
    if not (0 <= x < w and 0 <= y < h):
        raise LabError(f"The point ({x:.0f}, {y:.0f}) is outside the {w}x{h} image.")
    r = radius or click_radius(rgb.shape)
    xi, yi = int(x), int(y)
    window = rgb[max(0, yi - r) : yi + r + 1, max(0, xi - r) : xi + r + 1].reshape(-1, 3)
    wide = rgb[max(0, yi - 4 * r) : yi + 4 * r + 1, max(0, xi - 4 * r) : xi + 4 * r + 1]
    background = np.median(wide.reshape(-1, 3), axis=0)
    contrast = np.abs(window.astype(np.int32) - background).sum(axis=1)
    near = window[contrast >= NEAR * contrast.max()]
    return tuple(int(v) for v in np.median(near, axis=0).round())


def box_from_drag(
    x0: float, y0: float, x1: float, y1: float, width: int, height: int
) -> tuple[int, int, int, int] | None:
    """The crop (x0, y0, x1, y1), x1/y1 exclusive, spanned by two corners in either order and
    clipped to the width x height image; None when it is smaller than MIN_BOX a side."""
    left, right = sorted((x0, x1))
    top, bottom = sorted((y0, y1))
    box = (
        max(0, int(left)),
        max(0, int(top)),
        min(width, int(np.ceil(right)) + 1),
        min(height, int(np.ceil(bottom)) + 1),
    )
    if box[2] - box[0] < MIN_BOX or box[3] - box[1] < MIN_BOX:
        return None
    return box


def in_box(point, box) -> bool:
    """Whether the point (x, y) lies in the box (x0, y0, x1, y1), x1 and y1 exclusive."""
    x0, y0, x1, y1 = box
    return x0 <= point[0] < x1 and y0 <= point[1] < y1
