"""The everyday changes a picture goes through before a student uploads it.

A screenshot sent through a chat app comes back as a JPEG, smaller; a phone photo is taken a
little askew or framed a little tighter. None of this changes what the picture shows, so a
reading that is right on the file as it was should stay right on each of these. Reading the
real dev captures through them (`python scripts/capture_figures.py --variants`) tells how much
of a figure on a few dozen pictures is luck of their exact pixels: a rule fitted to those
pixels loses its answers here, a general one keeps them.
"""

from __future__ import annotations

import io

import numpy as np
from PIL import Image

VARIANTS = (
    "as is", "0.7 size", "half size", "JPEG 80", "JPEG 60", "cropped 4%", "tilted 2°",
    "askew 2°",
)  # fmt: skip


def everyday_variants(rgb: np.ndarray) -> dict[str, np.ndarray]:
    """uint8 RGB (H, W, 3) -> {variant name: uint8 RGB} for each of VARIANTS, in that order:
    the picture itself; resized to 0.7 and 0.5 of its sides (Lanczos, as image viewers shrink);
    saved as JPEG at quality 80 and 60 (chroma halved, as phones and chat apps save); cropped by
    4% of each side; turned 2 degrees anticlockwise onto its own commonest colour (a picture
    pasted askew into a page); turned 2 degrees clockwise and cut to its own pixels, no fill (a
    phone held askew: the picture fills the frame, a little of its edges lost)."""
    rgb = np.ascontiguousarray(rgb[:, :, :3], dtype=np.uint8)
    im = Image.fromarray(rgb)
    w, h = im.size

    def resized(f: float) -> np.ndarray:
        size = (max(8, round(w * f)), max(8, round(h * f)))
        return np.asarray(im.resize(size, Image.Resampling.LANCZOS))

    def jpeg(quality: int) -> np.ndarray:
        buf = io.BytesIO()
        im.save(buf, "JPEG", quality=quality)
        return np.asarray(Image.open(buf).convert("RGB"))

    def askew(angle: float) -> np.ndarray:
        turned = np.asarray(im.rotate(angle, resample=Image.Resampling.BICUBIC))
        s = abs(np.sin(np.radians(angle)))  # the corners the turn uncovers are cut away
        ax, ay = int(np.ceil(h * s / 2)) + 1, int(np.ceil(w * s / 2)) + 1
        return turned[ay : h - ay, ax : w - ax]

    dx, dy = int(0.04 * w), int(0.04 * h)
    fill = tuple(int(v) for v in np.median(rgb.reshape(-1, 3), axis=0))
    tilted = im.rotate(2, resample=Image.Resampling.BICUBIC, expand=True, fillcolor=fill)
    out = [rgb, resized(0.7), resized(0.5), jpeg(80), jpeg(60), rgb[dy : h - dy, dx : w - dx],
           np.asarray(tilted), askew(-2.0)]  # fmt: skip
    return dict(zip(VARIANTS, (np.ascontiguousarray(a) for a in out)))
