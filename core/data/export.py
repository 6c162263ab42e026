"""Generated waveform datasets as a user sees them: preview rows, class counts, a zip download."""

from __future__ import annotations

import csv
import io
import json
import zipfile

import numpy as np
from PIL import Image

from core.config import to_dict
from core.data.waveforms import WaveformSpec, class_balance, class_names, render_batch
from core.errors import LabError

MAX_DOWNLOAD_IMAGES = 5000  # keeps the zip under ~3 MB and its build to a couple of seconds


def png_bytes(image: np.ndarray, upscale: int = 1) -> bytes:
    """A one-bit PNG of a uint8 (H, W) image in {0, 1} (white trace on black), nearest-upscaled."""
    a = np.asarray(image, dtype=np.uint8)
    if upscale > 1:
        a = a.repeat(upscale, axis=0).repeat(upscale, axis=1)
    img = Image.frombytes("1", (a.shape[1], a.shape[0]), np.packbits(a, axis=1).tobytes())
    buf = io.BytesIO()
    img.save(buf, format="PNG")
    return buf.getvalue()


_GREY = 2  # palette index of the gap between images in a preview row
_PALETTE = bytes([0, 0, 0, 255, 255, 255, 110, 110, 110])


def preview_rows(
    spec: WaveformSpec, per_class: int, seed: int, upscale: int = 2, gap: int = 6
) -> dict[str, bytes]:
    """One PNG per active class name: `per_class` samples side by side, nearest-upscaled, grey
    gaps between. Samples change with the seed; no two classes share their drawn values."""
    out = {}
    for c, name in enumerate(class_names(spec)):
        images, _ = render_batch(spec, per_class, seed * 4 + c, classes=[c])  # 4 = most classes
        big = images.repeat(upscale, axis=1).repeat(upscale, axis=2)  # (n, H*u, W*u)
        n, h, w = big.shape
        row = np.full((h, n * w + (n - 1) * gap), _GREY, dtype=np.uint8)
        for i, img in enumerate(big):
            row[:, i * (w + gap) : i * (w + gap) + w] = img
        pic = Image.frombytes("P", row.shape[::-1], row.tobytes())
        pic.putpalette(_PALETTE)
        buf = io.BytesIO()
        pic.save(buf, format="PNG")
        out[name] = buf.getvalue()
    return out


def dataset_balance(spec: WaveformSpec, n: int) -> dict[str, int]:
    """Images per class in a dataset of n images from this spec (render_batch balances by cycling
    through the classes, so the counts differ by at most one)."""
    if isinstance(n, bool) or not isinstance(n, int | np.integer) or n < 0:
        raise LabError(f"The image count must be a whole number of at least 0, got {n!r}.")
    return class_balance(np.resize(np.arange(len(class_names(spec))), int(n)), spec)


def dataset_zip(spec: WaveformSpec, n: int, seed: int) -> bytes:
    """Zip bytes of n images (images/00000_square.png ...), labels.csv and spec.json."""
    if isinstance(n, bool) or not isinstance(n, int | np.integer):
        raise LabError(f"The number of images must be a whole number, got {n!r}.")
    if not 1 <= n <= MAX_DOWNLOAD_IMAGES:
        raise LabError(f"Choose between 1 and {MAX_DOWNLOAD_IMAGES} images to download, got {n}.")
    images, labels = render_batch(spec, int(n), seed)
    names = class_names(spec)
    table = io.StringIO()
    writer = csv.writer(table, lineterminator="\n")
    writer.writerow(["file", "label", "class"])
    buf = io.BytesIO()
    # PNGs are compressed already; storing them keeps the build fast.
    with zipfile.ZipFile(buf, "w", compression=zipfile.ZIP_STORED) as z:
        for i, (img, y) in enumerate(zip(images, labels.tolist())):
            name = f"images/{i:05d}_{names[y]}.png"
            z.writestr(name, png_bytes(img))
            writer.writerow([name, y, names[y]])
        z.writestr("labels.csv", table.getvalue())
        meta = {"seed": seed, "n": int(n), "classes": names, "waveforms": to_dict(spec)}
        z.writestr("spec.json", json.dumps(meta, indent=2))
    return buf.getvalue()
