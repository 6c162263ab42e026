"""A decoded Pillow image of any mode -> RGB arrays, transparency flattened onto a background.

Transparency is composited onto a background chosen per image. Where the opaque pixels are the
picture (most of it, or a solid panel inside a transparent margin), the background is their median
colour, so a transparent border looks like the rest of the screen or page. Where they are a bare
drawing on nothing (thin lines on a fully transparent canvas, as textbook figures are saved), it is
white behind dark lines and black behind light lines, so the lines stay visible: flattening such a
file onto black, as dropping the alpha channel does, would leave a black page with black lines.
"""

from __future__ import annotations

import numpy as np
from PIL import Image

from core.errors import ImageReadError

SOLID = 0.7  # share of opaque pixels with opaque neighbours above which they form a panel


def has_alpha(im: Image.Image) -> bool:
    """True where the image carries transparency (an alpha band or a transparent palette entry)."""
    return "A" in im.mode or "a" in im.mode or "transparency" in im.info


def to_rgb_u8(im: Image.Image, name: str) -> np.ndarray:
    """uint8 RGB (H, W, 3) of any Pillow mode; 8-bit opaque images skip the float detour."""
    if im.mode in ("RGB", "L", "1", "CMYK", "YCbCr") or (im.mode == "P" and not has_alpha(im)):
        return np.asarray(im.convert("RGB"))
    return (to_rgb_float(im, name) * 255 + 0.5).astype(np.uint8)


def to_rgb_float(im: Image.Image, name: str) -> np.ndarray:
    """float32 (H, W, 3) in [0, 1] for any Pillow mode; 16-bit data keeps its 0..65535 range."""
    mode = im.mode
    if mode.startswith("I;16"):
        grey = np.asarray(im).astype(np.float32) / 65535
    elif mode in ("I", "F"):
        grey = np.asarray(im).astype(np.float64)
        lo, hi = (grey.min(), grey.max()) if grey.size else (0, 1)
        if mode == "I" and lo >= 0 and hi <= 65535:
            grey = grey / 65535  # 16-bit samples Pillow stored as 32-bit integers
        elif mode == "F" and lo >= 0 and hi <= 1:
            pass
        else:  # other ranges: stretched to fill 0..1
            grey = (grey - lo) / (hi - lo) if hi > lo else np.zeros_like(grey)
        grey = np.nan_to_num(grey).astype(np.float32)
    else:
        try:
            rgba = im.convert("RGBA") if has_alpha(im) else im.convert("RGB")
        except (ValueError, OSError):
            msg = f"{name} uses the {mode} colour mode, which is not supported."
            raise ImageReadError(msg) from None
        a = np.asarray(rgba, dtype=np.float32) / 255
        return composite(a) if a.shape[2] == 4 else a
    return np.repeat(grey[:, :, None], 3, axis=2)


def composite(rgba: np.ndarray) -> np.ndarray:
    """RGBA (H, W, 4) in [0, 1] -> RGB (H, W, 3) over the background the module docstring says."""
    rgb, alpha = rgba[..., :3], rgba[..., 3:]
    opaque = alpha[..., 0] > 0.5
    if opaque.all():
        return np.ascontiguousarray(rgb)
    step = max(1, int(np.sqrt(opaque.size / 250_000)))  # a sample is enough for a median
    sample, sample_opaque = rgb[::step, ::step], opaque[::step, ::step]
    ink = sample[sample_opaque]
    if sample_opaque.mean() >= 0.5 or _solid(opaque):
        bg = np.median(ink, axis=0)
    else:
        bg = np.ones(3) if not ink.size or ink.mean() < 0.5 else np.zeros(3)
    return (rgb * alpha + bg.astype(np.float32) * (1 - alpha)).astype(np.float32)


def _solid(opaque: np.ndarray) -> bool:
    """True where the opaque pixels (bool (H, W)) are mostly inside filled areas, not thin lines."""
    n = int(opaque.sum())
    if n == 0:
        return False
    inner = opaque[1:-1, 1:-1] & opaque[:-2, 1:-1] & opaque[2:, 1:-1]
    inner &= opaque[1:-1, :-2] & opaque[1:-1, 2:]
    return int(inner.sum()) >= SOLID * n
