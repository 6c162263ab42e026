"""A picture's tilt: the small turn that makes its long straight lines level and upright.

A phone held a little askew turns a scope's graticule, a plot's frame and axes a degree or
two. The plot-area rules look for lines along whole rows and columns (a grid line, a frame,
an axis), so a turned line is no longer one of them: it is read as part of the trace, or
breaks the plot area found. Straightening the picture first keeps those rules working on
photos as they are taken. The tilt is the angle at which the picture's edge pixels line up
best along rows and columns (projection profiles, as document scanners deskew a page): long
straight lines pile up in a few rows or columns at the right angle and spread out at others,
while a trace's curves and text look much the same at every angle near it.
"""

from __future__ import annotations

import numpy as np
from PIL import Image

MAX_TILT = 6.0  # degrees: a larger turn is a picture taken sideways or a drawing's slant
STEP = 0.1  # degrees between the angles tried
MIN_TILT = 0.4  # degrees: a smaller turn barely moves a line by a pixel across a plot area
GAIN = 1.25  # the lines must line up this much better at the tilt than as the picture is
SIDE = 512  # longest side (px) the tilt is measured at
MIN_POINTS = 200  # edge points a kind of line (level or upright) needs to have a say
FAMILY_GAIN = 1.1  # each kind of line must line up this much better at the tilt too
EDGE = 24  # grey levels a pixel must differ from its neighbour by to be on an edge


def _edges(grey: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """(points on edges across rows (a level line's top and bottom), on edges across columns),
    each float (n, 2) of (x, y): where the grey step to the next pixel is at least EDGE and at
    least twice the step the other way, so a line's edges count and a blob's corners do not."""
    g = grey.astype(np.int16)
    dy = np.abs(np.diff(g, axis=0))[:, :-1]
    dx = np.abs(np.diff(g, axis=1))[:-1, :]
    level = (dy >= EDGE) & (dy >= 2 * dx)
    upright = (dx >= EDGE) & (dx >= 2 * dy)
    ys, xs = np.nonzero(level)
    yu, xu = np.nonzero(upright)
    return np.stack([xs, ys], 1).astype(np.float32), np.stack([xu, yu], 1).astype(np.float32)


def _alignment(values: np.ndarray) -> float:
    """How much `values` pile up on whole pixels: the sum of the squared counts per pixel."""
    if len(values) == 0:
        return 0.0
    counts = np.bincount(np.rint(values - values.min()).astype(np.int64))
    return float((counts.astype(np.float64) ** 2).sum())


def tilt_angle(rgb: np.ndarray) -> float:
    """Degrees to turn uint8 RGB (H, W, 3) anticlockwise (as PIL's rotate turns) so that its
    long straight lines are level and upright; 0.0 where it has none, where they are already
    (within MIN_TILT), or where no angle within MAX_TILT lines them up GAIN times better."""
    h, w = rgb.shape[:2]
    im = Image.fromarray(np.ascontiguousarray(rgb[:, :, :3])).convert("L")
    f = max(h, w) / SIDE
    if f > 1:
        im = im.resize((max(2, round(w / f)), max(2, round(h / f))), Image.BOX)
    level, upright = _edges(np.asarray(im))
    if len(level) + len(upright) < 50:
        return 0.0
    angles = np.arange(-MAX_TILT, MAX_TILT + STEP / 2, STEP)
    # A picture turned anticlockwise by `a` has its level lines rising to the right by tan(a)
    # per pixel (rows grow downwards) and its upright lines leaning left at the top; the
    # profiles are taken along those slants, and the turn that undoes them is -a.
    t = np.tan(np.radians(angles))
    scores = np.array(
        [
            [_alignment(level[:, 1] + k * level[:, 0]) for k in t],
            [_alignment(upright[:, 0] - k * upright[:, 1]) for k in t],
        ]
    )
    total = scores.sum(0)
    best, zero = int(total.argmax()), int(np.argmin(np.abs(angles)))
    if abs(angles[best]) < MIN_TILT or total[best] < GAIN * total[zero]:
        return 0.0
    # A turn leans both kinds of line alike; a photo's perspective (a screen's far side
    # shorter) slants its level lines but not its upright ones, and turning it would lean them.
    for family, points in zip(scores, (level, upright)):
        if len(points) >= MIN_POINTS and family[best] < FAMILY_GAIN * family[zero]:
            return 0.0
    return round(-float(angles[best]), 2)  # to the step, without the arange's float dust


def straightened(rgb: np.ndarray, angle: float) -> np.ndarray:
    """uint8 RGB turned anticlockwise by `angle` degrees about its centre, the same size: the
    corners the turn uncovers take the median colour of its border, and as much of its own
    corners is lost (a few pixels of a small turn; enlarging the picture instead moves the
    plot area's share of it, which the rules measure)."""
    rgb = np.ascontiguousarray(rgb[:, :, :3])
    border = np.concatenate([rgb[0], rgb[-1], rgb[:, 0], rgb[:, -1]])
    fill = tuple(int(v) for v in np.median(border, axis=0))
    im = Image.fromarray(rgb).rotate(
        angle, resample=Image.Resampling.BICUBIC, expand=False, fillcolor=fill
    )
    return np.asarray(im)


def box_back(
    box: tuple[int, int, int, int], angle: float, shape: tuple[int, int]
) -> tuple[int, int, int, int]:
    """The box (x0, y0, x1, y1) of a picture `straightened` by `angle` (both of size (h, w)
    `shape`) as the upright box around the same region in the picture before: a turned box's
    corners turned back, so it holds the region and the wedges beside it."""
    h, w = shape
    t = np.radians(angle)
    x0, y0, x1, y1 = box
    xs = np.array([x0, x1, x1, x0], float) - w / 2
    ys = np.array([y0, y0, y1, y1], float) - h / 2
    # PIL turns anticlockwise about the centre (rows grow downwards); this is the turn back.
    ox = xs * np.cos(t) - ys * np.sin(t) + w / 2
    oy = xs * np.sin(t) + ys * np.cos(t) + h / 2
    return (
        int(np.clip(np.floor(ox.min()), 0, w - 1)),
        int(np.clip(np.floor(oy.min()), 0, h - 1)),
        int(np.clip(np.ceil(ox.max()), 1, w)),
        int(np.clip(np.ceil(oy.max()), 1, h)),
    )
