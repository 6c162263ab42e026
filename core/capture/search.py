"""The automatic reading: several ways to find the trace tried, the most waveform-like kept.

One set of rules cannot know in advance whether a picture is a scope screen, a photo of one, a
plot or a drawing, and a rule that suits one (a colour map's region is the plot) misleads on
another (a coloured poster behind a photographed scope). So the automatic reading tries the
plot-area rules, then the whole picture as plain content, then the other candidate colours, and
keeps the one whose network input is most like a waveform: spread across the width, one line
per column. Large pictures are first shrunk (area-averaged, so a thin trace stays as a fainter
line), which keeps a 4000x3000 photo within the speed budget.
"""

from __future__ import annotations

import numpy as np
from PIL import Image, ImageFilter

from core.capture.pipeline import CaptureResult, extract_trace

MAX_SIDE = 1024  # longest side (px) an automatic reading works at
GOOD = 0.8  # a reading this waveform-like is kept without trying others


def waveform_likeness(x: np.ndarray) -> float:
    """0..1 for a network input (size, size): the share of columns the trace covers, times the
    share of those holding one line (a trace is a function of time; text and grids are not),
    times the share holding a short one (a filled block or noise is not a line; a square's
    edges are a few columns)."""
    on = x > 0
    cols = on.any(0)
    if not cols.any():
        return 0.0
    starts = (on[1:] & ~on[:-1]).sum(0) + on[0]
    short = on.sum(0)[cols] <= 0.25 * len(on)
    return float(cols.mean() * (starts[cols] == 1).mean() * min(1.0, short.mean() / 0.7))


def line_contrast(rgb: np.ndarray) -> np.ndarray:
    """uint8 RGB (H, W, 3) with slow changes removed (glare, a lit background, the room): each
    pixel less a wide local average where the picture is dark, or the local average less the
    pixel where it is light, so a thin line of either polarity is bright on black."""
    h, w = rgb.shape[:2]
    r = max(3, int(0.015 * max(h, w)))
    img = Image.fromarray(rgb)
    bg = np.asarray(img.filter(ImageFilter.BoxBlur(r))).astype(np.int16)
    a = rgb.astype(np.int16)
    light = bg.mean(2, keepdims=True) > 128
    diff = np.where(light, bg - a, a - bg)
    smooth = Image.fromarray(np.clip(diff * 2, 0, 255).astype(np.uint8))
    return np.asarray(smooth.filter(ImageFilter.MedianFilter(3)))


def _shrink(rgb: np.ndarray) -> tuple[np.ndarray, float]:
    h, w = rgb.shape[:2]
    f = max(h, w) / MAX_SIDE
    if f <= 1:
        return rgb, 1.0
    size = (max(2, round(w / f)), max(2, round(h / f)))
    return np.asarray(Image.fromarray(rgb).resize(size, Image.BOX)), f


def read_capture(rgb: np.ndarray, *, size: int = 100, thickness: int = 2) -> CaptureResult:
    """The automatic reading of uint8 RGB (H, W, 3): the most waveform-like of several tries;
    crop_box is in the given image's pixels."""
    small, f = _shrink(np.ascontiguousarray(rgb[:, :, :3]))
    best, best_q = None, -1.0
    tries: list[dict] = [{}, {"find_area": False}, {"contrast": True}]
    k, flat = 0, None
    while k < len(tries):
        opts = dict(tries[k])
        img = small
        if opts.pop("contrast", False):
            flat = line_contrast(small) if flat is None else flat
            img = flat
        res = extract_trace(img, size=size, thickness=thickness, **opts)
        q = waveform_likeness(res.network_input)
        if q > best_q:
            best, best_q = res, q
        if best_q >= GOOD:
            break
        if k == 0:  # the other colours the first reading saw, most trace-like first
            for rgb_c, _ in res.candidate_colours[1:3]:
                tries.append({"colour": rgb_c})
        k += 1
    if best.original is not small:  # the contrast reading shows the picture, not the residue
        best.original = small
    if f != 1.0:
        x0, y0, x1, y1 = best.crop_box
        h, w = rgb.shape[:2]
        best.crop_box = (int(x0 * f), int(y0 * f), min(w, int(x1 * f)), min(h, int(y1 * f)))
    return best
