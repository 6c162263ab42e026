"""Safe reading of any uploaded image: limits checked before decoding, one sentence per failure.

Every unreadable input raises `ImageReadError` with one sentence naming the file and what is wrong.
The format is decided from the bytes, never the name (a BMP called .png, a JPEG called .PNG).
Pillow's process-wide switches (`ImageFile.LOAD_TRUNCATED_IMAGES`, `Image.MAX_IMAGE_PIXELS`, the
warning filters) are never touched: the pixel limit is checked from the file's own header before
Pillow sees it (so Pillow's own bomb warning never fires while max_pixels stays below its ~89
megapixels; its bomb error, should it fire, becomes an ImageReadError), and the PNGs Rigol scopes
write (bad chunk CRCs, a cut-off IEND) are repaired in memory instead of decoded leniently.

`max_side` bounds the work on huge uploads: a JPEG is decoded at a reduced scale straight away
(libjpeg's DCT scaling, so a 4000x3000 photo never exists at full size; its longer side ends
between DRAFT_SLACK x max_side and max_side), other formats are reduced by area averaging right
after decoding, before any conversion to floats. The EXIF orientation tag is kept apart
(`Decoded.orientation`) so callers can try the image both as tagged and as stored.
"""

from __future__ import annotations

import io
from dataclasses import dataclass
from pathlib import Path
from typing import BinaryIO

import numpy as np
from PIL import Image, UnidentifiedImageError

from core.capture.formats import describe_data, header_size, repair_png, sniff_format
from core.capture.pixels import has_alpha, to_rgb_float, to_rgb_u8
from core.errors import ImageReadError

SUPPORTED_EXTENSIONS = (".png", ".jpg", ".jpeg", ".bmp", ".gif", ".webp", ".tif", ".tiff")
MAX_BYTES = 30_000_000  # bytes in a file
MAX_PIXELS = 50_000_000  # width x height
MIN_SIDE = 16  # pixels on the shorter side
CAPTURE_MAX_SIDE = 2048  # pixels: captures are reduced to this longer side for trace finding
# A JPEG may come out of libjpeg's scaled decoding down to this fraction of max_side (a 4000 px
# photo halved to 2000 px) rather than be decoded at full size and resized.
DRAFT_SLACK = 0.75

_PIL_FORMATS = {"png": "PNG", "jpeg": "JPEG", "bmp": "BMP", "gif": "GIF", "webp": "WEBP"}
_PIL_FORMATS["tiff"] = "TIFF"
_SUPPORTED_WORDS = "PNG, JPEG, BMP, GIF, WebP or TIFF"
_ORIENTATION = 0x0112  # the EXIF tag
# EXIF orientation value -> the transposition that shows the image upright (as exif_transpose)
TRANSPOSE = {
    2: Image.Transpose.FLIP_LEFT_RIGHT,
    3: Image.Transpose.ROTATE_180,
    4: Image.Transpose.FLIP_TOP_BOTTOM,
    5: Image.Transpose.TRANSPOSE,
    6: Image.Transpose.ROTATE_270,
    7: Image.Transpose.TRANSVERSE,
    8: Image.Transpose.ROTATE_90,
}
Source = bytes | bytearray | memoryview | str | Path | BinaryIO


@dataclass
class Decoded:
    """The first frame as stored in the file (maybe reduced), and its EXIF orientation tag."""

    image: Image.Image
    orientation: int  # 1..8; 1 where the tag is absent or invalid
    stored_size: tuple[int, int]  # (width, height) in the file
    name: str

    @property
    def scale(self) -> float:
        """Decoded width / stored width (1.0 unless max_side reduced it)."""
        return self.image.size[0] / self.stored_size[0]

    def upright(self) -> Image.Image:
        """The image turned as its EXIF orientation tag says."""
        op = TRANSPOSE.get(self.orientation)
        return self.image.transpose(op) if op is not None else self.image


def source_name(src: Source, name: str | None = None) -> str:
    """The name messages use: name, a path's file name, a file object's name, or 'The image'."""
    if name:
        return name
    if isinstance(src, str | Path):
        return Path(src).name or str(src)
    attr = getattr(src, "name", None)
    return Path(attr).name if isinstance(attr, str) and attr else "The image"


def _read_bytes(src: Source, name: str, max_bytes: int) -> bytes:
    """The raw bytes of a path, bytes object or file-like object, refusing files over max_bytes."""
    if isinstance(src, str | Path):
        path = Path(src)
        try:
            exists, is_file = path.exists(), path.is_file()
        except (OSError, ValueError):  # a name too long, a NUL byte in it
            exists = is_file = False
        if not exists:
            raise ImageReadError(f"{name} was not found.")
        if not is_file:
            raise ImageReadError(f"{name} is a folder or device, not an image file.")
        _check_bytes(name, path.stat().st_size, max_bytes)
        try:
            return path.read_bytes()
        except OSError as e:
            raise ImageReadError(f"{name} could not be opened ({e.strerror or 'error'}).") from None
    if isinstance(src, bytes | bytearray | memoryview):
        data = bytes(src)
    elif hasattr(src, "getvalue"):  # BytesIO, Streamlit's UploadedFile: the whole upload
        data = src.getvalue()
    elif hasattr(src, "read"):
        data = src.read(max_bytes + 1)
    else:
        raise ImageReadError(f"{name} is a {type(src).__name__}, not a file, path or bytes.")
    if not isinstance(data, bytes | bytearray):
        raise ImageReadError(f"{name} did not give bytes when read (was it opened as text?).")
    _check_bytes(name, len(data), max_bytes)
    return bytes(data)


def _check_bytes(name: str, n: int, max_bytes: int) -> None:
    if n == 0:
        raise ImageReadError(f"{name} is empty.")
    if n > max_bytes:
        raise ImageReadError(
            f"{name} is {n / 1e6:.1f} MB, more than the {max_bytes / 1e6:g} MB this lab reads, so "
            "it was not read: save the screen as a PNG (or crop it) and upload that."
        )


def _check_size(name: str, w: int, h: int, max_pixels: int) -> None:
    if w * h > max_pixels:
        # Only the header has been read: a damaged file's header may claim any size.
        raise ImageReadError(
            f"{name} says it is {w}x{h} pixels, more than the {max_pixels / 1e6:g} megapixels "
            "this lab reads, so it was not read; upload a smaller copy (if the picture is not "
            "that large, the file is damaged)."
        )
    if min(w, h) < MIN_SIDE:
        raise ImageReadError(
            f"{name} is {w}x{h} pixels; an image needs at least {MIN_SIDE} pixels on each side."
        )


def decode(
    src: Source,
    *,
    name: str | None = None,
    max_pixels: int = MAX_PIXELS,
    max_bytes: int = MAX_BYTES,
    max_side: int | None = None,
) -> Decoded:
    """The file's first frame, its longer side reduced to max_side if given (ImageReadError)."""
    name = source_name(src, name)
    data = _read_bytes(src, name, max_bytes)
    fmt = sniff_format(data)
    if fmt is None:
        what = describe_data(data)
        if what == "binary data":
            msg = f"{name} is not an image in a supported format ({_SUPPORTED_WORDS})."
        else:
            msg = f"{name} is not an image (it looks like {what})."
        raise ImageReadError(msg)
    size = header_size(data, fmt)
    if size is not None:  # before Pillow sees it, so no bomb is ever decoded
        _check_size(name, *size, max_pixels)
    if fmt == "png":
        data = repair_png(data, name)
    try:
        im = Image.open(io.BytesIO(data), formats=[_PIL_FORMATS[fmt]])
        stored = im.size
        _check_size(name, *stored, max_pixels)
        im.seek(0)  # the first frame of an animation
        orientation = _orientation(im)
        target = _target_size(stored, max_side)
        if target is not None and fmt == "jpeg":  # decoded at 1/2, 1/4 or 1/8 straight away
            draft = tuple(int(DRAFT_SLACK * v) for v in target)
            im.draft("RGB" if im.mode == "RGB" else None, draft)
        im.load()
    except ImageReadError:
        raise
    except Image.DecompressionBombError:
        raise ImageReadError(f"{name} is too large to decode safely.") from None
    except UnidentifiedImageError:
        raise ImageReadError(
            f"{name} is damaged: it is not a readable {fmt.upper()} file."
        ) from None
    except Exception as e:  # Pillow raises OSError, SyntaxError, ValueError, zlib.error, ...
        cut = "truncated" in str(e) or isinstance(e, EOFError)
        what = "truncated: the file ends before its image does" if cut else "damaged"
        raise ImageReadError(f"{name} is {what}.") from None
    if target is not None:
        im = _shrink(im, target, name)
    return Decoded(image=im, orientation=orientation, stored_size=stored, name=name)


def _orientation(im: Image.Image) -> int:
    try:
        value = im.getexif().get(_ORIENTATION, 1)
    except Exception:  # a broken EXIF block: show the pixels as stored
        return 1
    return value if isinstance(value, int) and value in TRANSPOSE else 1


def _target_size(size: tuple[int, int], max_side: int | None) -> tuple[int, int] | None:
    """(w, h) fitting max_side with the aspect kept, the short side at least MIN_SIDE; None if
    the image already fits."""
    w, h = size
    if not max_side or max(w, h) <= max_side:
        return None
    scale = max_side / max(w, h)
    return max(MIN_SIDE, round(w * scale)), max(MIN_SIDE, round(h * scale))


def _shrink(im: Image.Image, target: tuple[int, int], name: str) -> Image.Image:
    """im reduced to target (w, h) by area averaging, so a thin line fades but never vanishes."""
    if im.size[0] <= target[0] and im.size[1] <= target[1]:
        return im  # the JPEG draft already got there
    if im.mode == "1":
        im = im.convert("L")
    elif im.mode in ("P", "PA"):  # palette indices cannot be averaged
        im = im.convert("RGBA" if has_alpha(im) else "RGB")
    elif im.mode.startswith("I;16"):
        im = im.convert("I")
    elif im.mode not in ("L", "LA", "RGB", "RGBA", "I", "F"):
        im = Image.fromarray(to_rgb_u8(im, name))
    return im.resize(target, Image.Resampling.BOX)


def open_image(
    src: Source,
    *,
    name: str | None = None,
    max_pixels: int = MAX_PIXELS,
    max_bytes: int = MAX_BYTES,
    max_side: int | None = None,
) -> Image.Image:
    """The decoded first frame as a Pillow image, EXIF orientation applied (ImageReadError)."""
    decoded = decode(src, name=name, max_pixels=max_pixels, max_bytes=max_bytes, max_side=max_side)
    return decoded.upright()


def read_image(
    src: Source,
    *,
    name: str | None = None,
    max_pixels: int = MAX_PIXELS,
    max_bytes: int = MAX_BYTES,
    max_side: int | None = None,
) -> np.ndarray:
    """Any supported image as float32 RGB (H, W, 3) in [0, 1]; ImageReadError if unreadable."""
    im = open_image(src, name=name, max_pixels=max_pixels, max_bytes=max_bytes, max_side=max_side)
    return to_rgb_float(im, source_name(src, name))


def read_image_u8(
    src: Source,
    *,
    name: str | None = None,
    max_pixels: int = MAX_PIXELS,
    max_bytes: int = MAX_BYTES,
    max_side: int | None = None,
) -> np.ndarray:
    """Like read_image but uint8 RGB (H, W, 3): for display, and faster for 8-bit files."""
    im = open_image(src, name=name, max_pixels=max_pixels, max_bytes=max_bytes, max_side=max_side)
    return to_rgb_u8(im, source_name(src, name))
