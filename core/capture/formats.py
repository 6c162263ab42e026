"""What an image file is, from its bytes: the format, a phrase for non-images, the header size.

Nothing here decodes pixels: `header_size` reads width and height from the header so limits are
checked before Pillow sees the file, and `repair_png` fixes the checksums Rigol scopes get wrong.
"""

from __future__ import annotations

import struct
import zlib

from core.errors import ImageReadError

_PNG_SIG = b"\x89PNG\r\n\x1a\n"
_IEND = b"\x00\x00\x00\x00IEND\xaeB`\x82"


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
