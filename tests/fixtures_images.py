"""Bad and odd image files rendered on the fly, for the image-reading tests, the CLI and the app.

`cases()` gives [(file name, bytes, expect_ok)] and `battery(folder)` writes them into `folder`
and returns [(path, expect_ok)], so other tests (CLI, AppTest pages) can feed the same files
through their own entry points.
"""

from __future__ import annotations

import io
import struct
import zipfile
import zlib
from pathlib import Path

import numpy as np
from PIL import Image

SIZE = (48, 32)  # (width, height) of the small valid images


def noisy_rgb(w: int = 96, h: int = 64, seed: int = 0) -> Image.Image:
    """An RGB image of noise (so it compresses badly and truncation bites)."""
    rng = np.random.default_rng(seed)
    return Image.fromarray(rng.integers(0, 256, (h, w, 3), dtype=np.uint8))


def png_bytes(im: Image.Image, **kw) -> bytes:
    buf = io.BytesIO()
    im.save(buf, format="PNG", **kw)
    return buf.getvalue()


def chunk(ctype: bytes, body: bytes, crc: int | None = None) -> bytes:
    """One PNG chunk; crc defaults to the correct checksum."""
    good = zlib.crc32(ctype + body)
    return (
        struct.pack(">I", len(body))
        + ctype
        + body
        + struct.pack(">I", good if crc is None else crc)
    )


def split_chunks(data: bytes) -> list[tuple[bytes, bytes]]:
    """[(type, body)] of a valid PNG."""
    out, pos = [], 8
    while pos < len(data):
        (n,) = struct.unpack(">I", data[pos : pos + 4])
        out.append((data[pos + 4 : pos + 8], data[pos + 8 : pos + 8 + n]))
        pos += 12 + n
    return out


def rigol_style_png(im: Image.Image) -> bytes:
    """A PNG the way Rigol scopes write it: text chunks, every CRC wrong, IEND cut short."""
    chunks = split_chunks(png_bytes(im))
    out = [b"\x89PNG\r\n\x1a\n"]
    for ctype, body in chunks:
        if ctype == b"IEND":
            continue
        out.append(chunk(ctype, body, crc=0xD2659EA2))
        if ctype == b"IHDR":
            out.append(chunk(b"tEXt", b"Author\x00RIGOL", crc=0xD2659EA2))
    out.append(b"\x00\x00\x00\x00IEND\xae")  # the end chunk's checksum cut off
    return b"".join(out)


def bomb_png(w: int = 100_000, h: int = 100_000) -> bytes:
    """A tiny PNG whose header claims w x h pixels (a decompression bomb)."""
    ihdr = struct.pack(">IIBBBBB", w, h, 8, 0, 0, 0, 0)
    idat = zlib.compress(b"\x00" * 1000)
    return b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", ihdr) + chunk(b"IDAT", idat) + chunk(b"IEND", b"")


def bomb_gif() -> bytes:
    """A GIF header claiming a 65535 x 65535 screen."""
    return (
        b"GIF89a"
        + struct.pack("<HHBBB", 65535, 65535, 0, 0, 0)
        + b",\x00\x00\x00\x00\x01\x00\x01\x00\x00\x02\x02D\x01\x00;"
    )


def transparent_line(mode: str) -> Image.Image:
    """A black horizontal line on a fully transparent background, in mode 'LA' or 'RGBA'."""
    a = np.zeros((SIZE[1], SIZE[0], 4), np.uint8)
    a[SIZE[1] // 2, :, 3] = 255  # opaque black line
    im = Image.fromarray(a, "RGBA")
    return im.convert("LA") if mode == "LA" else im


def exif_rotated_jpeg() -> bytes:
    """A 48x32 JPEG, left half red, right half blue, EXIF orientation 6 (shown rotated 90 CW)."""
    a = np.zeros((32, 48, 3), np.uint8)
    a[:, :24] = (255, 0, 0)
    a[:, 24:] = (0, 0, 255)
    exif = Image.Exif()
    exif[0x0112] = 6
    buf = io.BytesIO()
    Image.fromarray(a).save(buf, format="JPEG", quality=95, exif=exif.tobytes())
    return buf.getvalue()


def _saved(im: Image.Image, fmt: str, **kw) -> bytes:
    buf = io.BytesIO()
    im.save(buf, format=fmt, **kw)
    return buf.getvalue()


def _grey16() -> bytes:
    ramp = np.linspace(0, 65535, SIZE[0] * SIZE[1]).reshape(SIZE[1], SIZE[0])
    return _saved(Image.fromarray(ramp.astype(np.uint16)), "PNG")


def _anim_gif() -> bytes:
    frames = [Image.new("RGB", SIZE, c) for c in ((255, 0, 0), (0, 0, 255))]
    return _saved(frames[0], "GIF", save_all=True, append_images=frames[1:], duration=100, loop=0)


def _palette_png() -> bytes:
    """White (transparent) palette image with a two-row black line across the middle."""
    pal = Image.new("P", SIZE, 0)
    pal.putpalette([255, 255, 255, 0, 0, 0] + [0] * 762)
    pal.paste(1, (0, SIZE[1] // 2, SIZE[0], SIZE[1] // 2 + 2))
    return _saved(pal, "PNG", transparency=0)


HUGE = 31_000_000  # bytes: over the 30 MB limit


def cases() -> list[tuple[str, bytes, bool]]:
    """(file name, bytes, expect_ok) of every bad and odd file, in a fixed order."""
    rng = np.random.default_rng(0)
    solid = Image.new("RGB", SIZE, (200, 40, 40))
    noisy = noisy_rgb()
    full_png, full_jpeg = png_bytes(noisy), _saved(noisy, "JPEG", quality=90)
    zbuf = io.BytesIO()
    with zipfile.ZipFile(zbuf, "w") as z:
        z.writestr("capture.png", png_bytes(solid))
    return [
        ("empty.png", b"", False),
        ("random.bin", rng.bytes(4096), False),
        ("rigol.txt", b"Rigol DS1054Z capture notes\nCH1 1 kHz square\n", False),
        ("page.html", b"<!DOCTYPE html><html><body><img src=x.png></body></html>", False),
        ("report.pdf", b"%PDF-1.4\n1 0 obj\n<< /Type /Catalog >>\nendobj\n", False),
        ("drawing.svg", b'<?xml version="1.0"?>\n<svg xmlns="http://www.w3.org/2000/svg"/>', False),
        ("archive.zip", zbuf.getvalue(), False),
        ("truncated.png", full_png[: len(full_png) // 2], False),
        ("truncated.jpg", full_jpeg[: len(full_jpeg) // 2], False),
        ("bomb.png", bomb_png(), False),
        ("bomb.gif", bomb_gif(), False),
        ("line.png", png_bytes(Image.new("L", (1, 500), 255)), False),
        ("tiny.png", png_bytes(Image.new("RGB", (10, 10))), False),
        ("huge.png", b"\x89PNG\r\n\x1a\n" + bytes(HUGE), False),
        ("garbage.png", b"\x89PNG\r\n\x1a\n" + rng.bytes(2000), False),
        ("grey16.png", _grey16(), True),
        ("anim.gif", _anim_gif(), True),
        ("cmyk.jpg", _saved(Image.new("CMYK", SIZE, (255, 0, 0, 0)), "JPEG", quality=95), True),
        ("grey-alpha.png", png_bytes(transparent_line("LA")), True),
        ("rgba.png", png_bytes(transparent_line("RGBA")), True),
        ("rotated.jpg", exif_rotated_jpeg(), True),
        ("capture.tiff", _saved(solid, "TIFF"), True),
        ("capture.webp", _saved(solid, "WEBP", lossless=True), True),
        ("capture.bmp", _saved(solid, "BMP"), True),
        ("palette.png", _palette_png(), True),
        ("rigol-style.png", rigol_style_png(noisy), True),
        ("jpeg-named.png", full_jpeg, True),
    ]


def battery(folder: Path) -> list[tuple[Path, bool]]:
    """Write every case into folder; [(path, expect_ok)] in cases()' order."""
    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    out = []
    for name, data, ok in cases():
        path = folder / name
        if len(data) >= HUGE:  # sparse on disk: the size is what matters
            with open(path, "wb") as f:
                f.write(data[:8])
                f.seek(len(data) - 1)
                f.write(b"\x00")
        else:
            path.write_bytes(data)
        out.append((path, ok))
    return out
