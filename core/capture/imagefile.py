"""Safe reading of any uploaded image: limits checked before decoding, one sentence per failure.

Every unreadable input raises `ImageReadError` with one sentence naming the file and what is wrong.
Pillow's process-wide switches (`ImageFile.LOAD_TRUNCATED_IMAGES`, `Image.MAX_IMAGE_PIXELS`, the
warning filters) are never touched: the pixel limit is checked from the file's own header before
Pillow sees it (so Pillow's own bomb warning never fires while max_pixels stays below its ~89
megapixels; its bomb error, should it fire, becomes an ImageReadError), and the PNGs Rigol scopes
write (bad chunk CRCs, a cut-off IEND) are repaired in memory instead of decoded leniently.

Transparency is composited onto a background chosen per image: where most pixels are opaque, the
median colour of the opaque pixels (the image's own background, so a transparent border looks
like the rest of the screen); where most are transparent (a bare trace on nothing), white behind
dark content and black behind light content, so the trace stays visible.
"""

from __future__ import annotations

import io
import struct
import zlib
from pathlib import Path
from typing import BinaryIO

import numpy as np
from PIL import Image, ImageOps, UnidentifiedImageError

from core.errors import ImageReadError

SUPPORTED_EXTENSIONS = (".png", ".jpg", ".jpeg", ".bmp", ".gif", ".webp", ".tif", ".tiff")
MAX_BYTES = 30_000_000  # bytes in a file
MAX_PIXELS = 50_000_000  # width x height
MIN_SIDE = 16  # pixels on the shorter side

_PIL_FORMATS = {"png": "PNG", "jpeg": "JPEG", "bmp": "BMP", "gif": "GIF", "webp": "WEBP"}
_PIL_FORMATS["tiff"] = "TIFF"
_SUPPORTED_WORDS = "PNG, JPEG, BMP, GIF, WebP or TIFF"
_PNG_SIG = b"\x89PNG\r\n\x1a\n"
_IEND = b"\x00\x00\x00\x00IEND\xaeB`\x82"
Source = bytes | bytearray | memoryview | str | Path | BinaryIO


def sniff_format(data: bytes) -> str | None:
    """'png', 'jpeg', 'bmp', 'gif', 'webp' or 'tiff' from the first bytes; None for others."""
    if data.startswith(_PNG_SIG):
        return "png"
    if data.startswith(b"\xff\xd8\xff"):
        return "jpeg"
    if data.startswith(b"BM") and len(data) >= 26:
        return "bmp"
    if data[:6] in (b"GIF87a", b"GIF89a"):
        return "gif"
    if data[:4] == b"RIFF" and data[8:12] == b"WEBP":
        return "webp"
    if data[:4] in (b"II*\x00", b"MM\x00*"):
        return "tiff"
    return None


def describe_data(data: bytes) -> str:
    """What a non-image file looks like, as a phrase: 'text', 'a PDF document', ..."""
    head = data[:2048]
    low = head.lstrip(b"\xef\xbb\xbf \t\r\n").lower()
    kinds = (
        (b"%pdf", "a PDF document"),
        (b"pk\x03\x04", "a ZIP archive"),
        (b"\x1f\x8b", "a gzip archive"),
        (b"<!doctype html", "an HTML page"),
        (b"<html", "an HTML page"),
        (b"8bps", "a Photoshop file"),
        (b"\x00\x00\x01\x00", "a Windows icon"),
        (b"\xff\x0a", "a JPEG XL image"),
    )
    for magic, what in kinds:
        if low.startswith(magic):
            return what
    if head[4:8] == b"ftyp":
        return "a HEIC/AVIF image or a video"
    if b"<svg" in low:
        return "an SVG drawing"
    if low.startswith(b"<?xml"):
        return "an XML document"
    try:
        text = head.decode("utf-8-sig")
    except UnicodeDecodeError as e:  # a character cut at the end of the sample is fine
        text = head[: e.start].decode("utf-8-sig") if e.start >= len(head) - 3 else ""
    if text and sum(c.isprintable() or c in "\r\n\t" for c in text) >= 0.95 * len(text):
        return "text"
    return "binary data"


def header_size(data: bytes, fmt: str) -> tuple[int, int] | None:
    """(width, height) read from the file header without decoding; None if it cannot be read."""
    try:
        if fmt == "png" and data[12:16] == b"IHDR":
            return struct.unpack(">II", data[16:24])
        if fmt == "gif":
            return struct.unpack("<HH", data[6:10])
        if fmt == "bmp":
            if struct.unpack("<I", data[14:18])[0] == 12:  # OS/2 core header
                return struct.unpack("<HH", data[18:22])
            w, h = struct.unpack("<ii", data[18:26])
            return abs(w), abs(h)
        if fmt == "jpeg":
            return _jpeg_size(data)
        if fmt == "webp":
            return _webp_size(data)
        if fmt == "tiff":
            return _tiff_size(data)
    except (struct.error, IndexError):
        return None
    return None


def _jpeg_size(data: bytes) -> tuple[int, int] | None:
    pos = 2
    while pos + 9 < len(data):
        if data[pos] != 0xFF:
            return None
        marker = data[pos + 1]
        if marker == 0xFF:  # fill byte
            pos += 1
            continue
        if 0xC0 <= marker <= 0xCF and marker not in (0xC4, 0xC8, 0xCC):
            h, w = struct.unpack(">HH", data[pos + 5 : pos + 9])
            return w, h
        pos += 2 + struct.unpack(">H", data[pos + 2 : pos + 4])[0]
    return None


def _webp_size(data: bytes) -> tuple[int, int] | None:
    chunk = data[12:16]
    if chunk == b"VP8 ":
        w, h = struct.unpack("<HH", data[26:30])
        return w & 0x3FFF, h & 0x3FFF
    if chunk == b"VP8L":
        b = data[21:25]
        return 1 + (b[0] | (b[1] & 0x3F) << 8), 1 + (b[1] >> 6 | b[2] << 2 | (b[3] & 0xF) << 10)
    if chunk == b"VP8X":
        return 1 + int.from_bytes(data[24:27], "little"), 1 + int.from_bytes(data[27:30], "little")
    return None


def _tiff_size(data: bytes) -> tuple[int, int] | None:
    e = "<" if data[:2] == b"II" else ">"
    ifd = struct.unpack(e + "I", data[4:8])[0]
    (count,) = struct.unpack(e + "H", data[ifd : ifd + 2])
    size: dict[int, int] = {}
    for i in range(min(count, 200)):
        tag, typ, _, raw = struct.unpack(e + "HHI4s", data[ifd + 2 + 12 * i : ifd + 14 + 12 * i])
        if tag in (256, 257):  # width, height: SHORT (3) or LONG
            size[tag] = (
                struct.unpack(e + "H", raw[:2])[0] if typ == 3 else struct.unpack(e + "I", raw)[0]
            )
    return (size[256], size[257]) if len(size) == 2 else None


def repair_png(data: bytes, name: str = "The image") -> bytes:
    """The PNG with every chunk CRC recomputed and an IEND chunk at the end, as Rigol scopes omit.

    Only checksums and the end marker are repaired: a chunk whose data is cut short means the file
    is truncated, which raises ImageReadError.
    """
    pos, out, changed = 8, [_PNG_SIG], False
    while pos + 8 <= len(data):
        length, ctype = struct.unpack(">I4s", data[pos : pos + 8])
        if not ctype.isalpha():
            break  # trailing bytes that are no chunk: dropped
        end = pos + 8 + length
        if end > len(data):
            raise ImageReadError(f"{name} is truncated: the file ends inside its image data.")
        crc = zlib.crc32(data[pos + 4 : end])
        if data[end : end + 4] != struct.pack(">I", crc):
            changed = True
        out += [data[pos:end], struct.pack(">I", crc)]
        pos = end + 4
        if ctype == b"IEND":
            return b"".join(out) if changed else data
    return b"".join(out) + _IEND


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
        limit = f"{max_pixels / 1e6:g} megapixels"
        raise ImageReadError(f"{name} is {w}x{h} pixels; the limit is {limit}.")
    if min(w, h) < MIN_SIDE:
        raise ImageReadError(
            f"{name} is {w}x{h} pixels; an image needs at least {MIN_SIDE} pixels on each side."
        )


def open_image(
    src: Source,
    *,
    name: str | None = None,
    max_pixels: int = MAX_PIXELS,
    max_bytes: int = MAX_BYTES,
) -> Image.Image:
    """The decoded first frame as a Pillow image, EXIF orientation applied (ImageReadError)."""
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
        _check_size(name, *im.size, max_pixels)
        im.seek(0)  # the first frame of an animation
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
    try:
        im = ImageOps.exif_transpose(im)
    except Exception:  # a broken EXIF block: show the pixels as stored
        pass
    return im


def read_image(
    src: Source,
    *,
    name: str | None = None,
    max_pixels: int = MAX_PIXELS,
    max_bytes: int = MAX_BYTES,
) -> np.ndarray:
    """Any supported image as float32 RGB (H, W, 3) in [0, 1]; ImageReadError if unreadable."""
    im = open_image(src, name=name, max_pixels=max_pixels, max_bytes=max_bytes)
    return _to_float_rgb(im, source_name(src, name))


def read_image_u8(
    src: Source,
    *,
    name: str | None = None,
    max_pixels: int = MAX_PIXELS,
    max_bytes: int = MAX_BYTES,
) -> np.ndarray:
    """Like read_image but uint8 RGB (H, W, 3): for display, and faster for 8-bit files."""
    im = open_image(src, name=name, max_pixels=max_pixels, max_bytes=max_bytes)
    if im.mode in ("RGB", "L", "1", "CMYK", "YCbCr") or (im.mode == "P" and not _has_alpha(im)):
        return np.asarray(im.convert("RGB"))
    rgb = _to_float_rgb(im, source_name(src, name))
    return (rgb * 255 + 0.5).astype(np.uint8)


def _has_alpha(im: Image.Image) -> bool:
    return "A" in im.mode or "a" in im.mode or "transparency" in im.info


def _to_float_rgb(im: Image.Image, name: str) -> np.ndarray:
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
            rgba = im.convert("RGBA") if _has_alpha(im) else im.convert("RGB")
        except (ValueError, OSError):
            msg = f"{name} uses the {mode} colour mode, which is not supported."
            raise ImageReadError(msg) from None
        a = np.asarray(rgba, dtype=np.float32) / 255
        return _composite(a) if a.shape[2] == 4 else a
    return np.repeat(grey[:, :, None], 3, axis=2)


def _composite(rgba: np.ndarray) -> np.ndarray:
    """RGBA (H, W, 4) in [0, 1] over the background the module docstring describes."""
    rgb, alpha = rgba[..., :3], rgba[..., 3:]
    opaque = alpha[..., 0] > 0.5
    if opaque.all():
        return np.ascontiguousarray(rgb)
    step = max(1, int(np.sqrt(opaque.size / 250_000)))  # a sample is enough for a median
    sample, sample_opaque = rgb[::step, ::step], opaque[::step, ::step]
    ink = sample[sample_opaque]
    if sample_opaque.mean() >= 0.5:
        bg = np.median(ink, axis=0)
    else:
        bg = np.ones(3) if not ink.size or ink.mean() < 0.5 else np.zeros(3)
    return (rgb * alpha + bg.astype(np.float32) * (1 - alpha)).astype(np.float32)
