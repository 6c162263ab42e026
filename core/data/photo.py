"""A phone photo of a scope screen, made from a screenshot: for benchmarks and upload tests.

The screen is shrunk into a bezel, tilted in perspective, set in a dim room, lit with a soft glare,
blurred a little and given sensor noise, then saved as a JPEG the size phones write (4000x3000).
It exercises what a photo costs the reader (size, JPEG decoding, EXIF) rather than every way real
photos differ; the looks generator is the place for those.
"""

from __future__ import annotations

import io

import numpy as np
from PIL import Image, ImageFilter

ROOM = (96, 88, 80)
BEZEL = (34, 34, 38)


def screen_photo(
    screen: np.ndarray, *, width: int = 4000, height: int = 3000, seed: int = 0
) -> np.ndarray:
    """uint8 (height, width, 3) photo of the uint8 (h, w, 3) screen, seeded."""
    rng = np.random.default_rng(seed)
    h, w = screen.shape[:2]
    scale = 0.62 * width / w
    sw, sh = int(w * scale), int(h * scale)
    pad = int(0.06 * sw)
    face = Image.new("RGB", (sw + 2 * pad, sh + 2 * pad), BEZEL)
    face.paste(Image.fromarray(screen).resize((sw, sh), Image.Resampling.BILINEAR), (pad, pad))
    fw, fh = face.size
    room = (
        np.linspace(0.8, 1.1, width)[None, :, None] * np.linspace(1.05, 0.85, height)[:, None, None]
    )
    photo = Image.fromarray(np.clip(np.array(ROOM) * room, 0, 255).astype(np.uint8))
    x0, y0 = (width - fw) // 2, (height - fh) // 2
    # A slight perspective: the far (right) edge of the screen a little shorter.
    k = rng.uniform(0.02, 0.05)
    corners = [(0, 0), (fw, -k * fh), (fw, (1 + k) * fh), (0, fh)]
    tilted = face.transform(
        (fw, fh), Image.Transform.PERSPECTIVE, _coeffs(corners, fw, fh), Image.Resampling.BILINEAR
    )
    mask = Image.new("L", (fw, fh), 255).transform(
        (fw, fh), Image.Transform.PERSPECTIVE, _coeffs(corners, fw, fh)
    )
    photo.paste(tilted, (x0, y0), mask)
    a = np.asarray(photo.filter(ImageFilter.GaussianBlur(1.2)), dtype=np.float32)
    yy, xx = np.mgrid[0:height:8, 0:width:8]  # glare: a soft bright patch, at 1/8 resolution
    cx, cy = rng.uniform(0.3, 0.7) * width, rng.uniform(0.25, 0.5) * height
    glare = 40 * np.exp(-(((xx - cx) / (0.2 * width)) ** 2 + ((yy - cy) / (0.15 * height)) ** 2))
    glare = np.asarray(Image.fromarray(glare.astype(np.float32)).resize((width, height)))
    a += glare[:, :, None] + rng.normal(0, 4, (height, width, 1)).astype(np.float32)
    return np.clip(a, 0, 255).astype(np.uint8)


def _coeffs(corners, w: int, h: int) -> list[float]:
    """Pillow PERSPECTIVE coefficients taking output (w, h) to the quad `corners` of the input."""
    src = [(0, 0), (w, 0), (w, h), (0, h)]
    rows, rhs = [], []
    for (x, y), (u, v) in zip(src, corners):
        rows.append([x, y, 1, 0, 0, 0, -u * x, -u * y])
        rows.append([0, 0, 0, x, y, 1, -v * x, -v * y])
        rhs += [u, v]
    return np.linalg.solve(np.array(rows, float), np.array(rhs, float)).tolist()


def photo_jpeg(photo: np.ndarray, *, quality: int = 88, orientation: int | None = None) -> bytes:
    """JPEG bytes of a uint8 (H, W, 3) photo, with an EXIF orientation tag if given."""
    im = Image.fromarray(photo)
    buf = io.BytesIO()
    kw = {}
    if orientation is not None:
        exif = Image.Exif()
        exif[0x0112] = orientation
        kw["exif"] = exif.tobytes()
    im.save(buf, format="JPEG", quality=quality, **kw)
    return buf.getvalue()
