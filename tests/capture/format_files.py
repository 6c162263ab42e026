"""Image files in the formats scopes and textbooks write, built byte by byte where Pillow cannot
write them (RLE8 and 16-bit BMP, 1-bit WhiteIsZero TIFF), for the reader's tests."""

from __future__ import annotations

import io
import struct

import numpy as np
from PIL import Image

PALETTE = np.array([(255, 255, 255), (0, 0, 0), (255, 200, 0), (0, 160, 255)], np.uint8)


def palette_picture(w: int = 64, h: int = 40) -> np.ndarray:
    """uint8 (h, w) palette indices: white page (0), a black frame (1), a yellow square wave (2)."""
    a = np.zeros((h, w), np.uint8)
    a[0, :] = a[-1, :] = a[:, 0] = a[:, -1] = 1
    level = np.where((np.arange(w) // 16) % 2 == 0, h // 3, 2 * h // 3)
    a[level, np.arange(w)] = 2
    for x in range(16, w, 16):  # the edges
        a[h // 3 : 2 * h // 3 + 1, x] = 2
    a[h // 2, 4:8] = 3  # a small cyan marker
    return a


def _bmp(width: int, height: int, bpp: int, compression: int, extra: bytes, pixels: bytes):
    offset = 14 + 40 + len(extra)
    info = struct.pack(
        "<IiiHHIIiiII", 40, width, height, 1, bpp, compression, len(pixels), 2835, 2835, 0, 0
    )
    head = b"BM" + struct.pack("<IHHI", offset + len(pixels), 0, 0, offset)
    return head + info + extra + pixels


def _palette_bytes(n: int = 256) -> bytes:
    pal = np.zeros((n, 4), np.uint8)
    pal[: len(PALETTE), :3] = PALETTE[:, ::-1]  # BGR0
    return pal.tobytes()


def bmp_rle8(indices: np.ndarray) -> bytes:
    """An 8-bit run-length encoded (BI_RLE8) bottom-up BMP of uint8 (h, w) palette indices."""
    h, w = indices.shape
    out = bytearray()
    for row in indices[::-1]:
        x = 0
        while x < w:
            n = 1
            while x + n < w and row[x + n] == row[x] and n < 255:
                n += 1
            out += bytes([n, int(row[x])])
            x += n
        out += b"\x00\x00"  # end of line
    out += b"\x00\x01"  # end of bitmap
    return _bmp(w, h, 8, 1, _palette_bytes(), bytes(out))


def bmp_palette4(indices: np.ndarray) -> bytes:
    """A 4-bit palette bottom-up BMP (16 colours), rows padded to 4 bytes."""
    h, w = indices.shape
    rows = []
    for row in indices[::-1]:
        padded = np.append(row, 0) if w % 2 else row
        packed = (padded[0::2] << 4 | padded[1::2]).astype(np.uint8).tobytes()
        rows.append(packed + b"\x00" * (-len(packed) % 4))
    return _bmp(w, h, 4, 0, _palette_bytes(16), b"".join(rows))


def bmp_16bit(rgb: np.ndarray, *, bitfields: bool = True) -> bytes:
    """A 16-bit top-down BMP of uint8 (h, w, 3): 5-6-5 BI_BITFIELDS as Siglent scopes write, or
    5-5-5 BI_RGB."""
    h, w = rgb.shape[:2]
    r, g, b = (rgb[..., i].astype(np.uint16) for i in range(3))
    if bitfields:
        v = (r >> 3) << 11 | (g >> 2) << 5 | (b >> 3)
        extra, comp = struct.pack("<III", 0xF800, 0x07E0, 0x001F), 3
    else:
        v = (r >> 3) << 10 | (g >> 3) << 5 | (b >> 3)
        extra, comp = b"", 0
    rows = [row.astype("<u2").tobytes() for row in v]
    rows = [row + b"\x00" * (-len(row) % 4) for row in rows]
    return _bmp(w, -h, 16, comp, extra, b"".join(rows))


def tiff_1bit_white_is_zero(ink: np.ndarray) -> bytes:
    """A big-endian uncompressed 1-bit TIFF, PhotometricInterpretation=WhiteIsZero, of bool (h, w)
    ink (True = black), as old Tektronix scopes write hardcopies."""
    h, w = ink.shape
    data = np.packbits(ink.astype(np.uint8), axis=1).tobytes()
    entries = [
        (256, 3, 1, w),
        (257, 3, 1, h),
        (258, 3, 1, 1),
        (259, 3, 1, 1),
        (262, 3, 1, 0),  # WhiteIsZero
        (273, 4, 1, 0),  # strip offset, filled in below
        (277, 3, 1, 1),
        (278, 3, 1, h),
        (279, 4, 1, len(data)),
    ]
    ifd_size = 2 + 12 * len(entries) + 4
    offset = 8 + ifd_size
    body = b""
    for tag, typ, count, value in entries:
        value = offset if tag == 273 else value
        packed = struct.pack(">HH", value, 0) if typ == 3 else struct.pack(">I", value)
        body += struct.pack(">HHI", tag, typ, count) + packed
    ifd = struct.pack(">H", len(entries)) + body + struct.pack(">I", 0)
    return b"MM\x00*" + struct.pack(">I", 8) + ifd + data


def jpeg_bytes(rgb: np.ndarray, *, orientation: int | None = None, quality: int = 92) -> bytes:
    """JPEG bytes of uint8 (h, w, 3), with an EXIF orientation tag if given."""
    buf = io.BytesIO()
    kw = {}
    if orientation is not None:
        exif = Image.Exif()
        exif[0x0112] = orientation
        kw["exif"] = exif.tobytes()
    Image.fromarray(rgb).save(buf, format="JPEG", quality=quality, **kw)
    return buf.getvalue()


def transparent_drawing(w: int = 300, h: int = 160) -> np.ndarray:
    """uint8 RGBA (h, w, 4) as textbook figures are saved: a fully transparent canvas whose hidden
    colour is black, with black anti-aliased lines (a sine) drawn only in the alpha channel."""
    a = np.zeros((h, w, 4), np.uint8)
    x = np.arange(w)
    y = h / 2 - 0.35 * h * np.sin(2 * np.pi * 2 * x / w)
    rows = np.arange(h)[:, None]
    dist = np.abs(rows - y[None, :])
    a[..., 3] = (np.clip(2.0 - dist, 0, 1) * 255).astype(np.uint8)  # ~3 px line, soft edges
    a[h - 12, 10 : w - 10, 3] = 255  # an axis
    return a
