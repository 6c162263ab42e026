"""Reading any uploaded image safely: the bad/odd battery, every source type, Pillow's globals."""

from __future__ import annotations

import io
import re
import threading
import warnings
from pathlib import Path

import numpy as np
import pytest
from PIL import Image, ImageFile

from core.capture.imagefile import (
    MAX_PIXELS,
    SUPPORTED_EXTENSIONS,
    describe_data,
    header_size,
    read_image,
    read_image_u8,
    repair_png,
    sniff_format,
)
from core.errors import ImageReadError, LabError
from tests.fixtures_images import (
    battery,
    bomb_png,
    noisy_rgb,
    png_bytes,
    rigol_style_png,
    transparent_line,
)

SHARED = Path(__file__).resolve().parents[2] / ".." / "shared"


def assert_one_sentence(msg: str, name: str | None = None) -> None:
    assert msg == msg.strip() and "\n" not in msg and msg.endswith(".")
    assert "Traceback" not in msg and "Error" not in msg
    # No sentence boundary inside: a full stop followed by a space and a capital letter.
    assert not re.search(r"[.!?]\s+[A-Z]", msg), msg
    if name:
        assert name in msg


@pytest.fixture(scope="module")
def files(tmp_path_factory) -> dict[str, tuple[Path, bool]]:
    return {p.name: (p, ok) for p, ok in battery(tmp_path_factory.mktemp("battery"))}


def test_battery_is_large_and_mixed(files):
    oks = [ok for _, ok in files.values()]
    assert len(files) >= 15 and oks.count(True) >= 8 and oks.count(False) >= 10


def test_battery_bad_files_raise_one_sentence(files):
    for name, (path, ok) in files.items():
        if ok:
            continue
        with pytest.raises(ImageReadError) as err:
            read_image(path)
        assert_one_sentence(str(err.value), name)
        assert isinstance(err.value, LabError)


def test_battery_good_files_read_as_float_rgb(files):
    for name, (path, ok) in files.items():
        if not ok:
            continue
        a = read_image(path)
        assert a.dtype == np.float32 and a.ndim == 3 and a.shape[2] == 3, name
        assert 0.0 <= a.min() and a.max() <= 1.0, name


@pytest.mark.parametrize(
    "name, phrase",
    [
        ("rigol.txt", "not an image (it looks like text)"),
        ("page.html", "HTML page"),
        ("report.pdf", "PDF document"),
        ("drawing.svg", "SVG drawing"),
        ("archive.zip", "ZIP archive"),
        ("random.bin", "not an image in a supported format"),
        ("empty.png", "is empty"),
        ("truncated.png", "truncated"),
        ("truncated.jpg", "truncated"),
        ("bomb.png", "says it is 100000x100000 pixels, more than the 50 megapixels"),
        ("bomb.gif", "65535x65535 pixels"),
        ("line.png", "is 1x500 pixels"),
        ("tiny.png", "at least 16 pixels"),
        ("huge.png", "31.0 MB, more than the 30 MB this lab reads"),
        ("garbage.png", "damaged"),
    ],
)
def test_bad_file_messages(files, name, phrase):
    with pytest.raises(ImageReadError, match=re.escape(phrase)):
        read_image(files[name][0])


def test_16_bit_grey_is_scaled_not_clipped(files):
    a = read_image(files["grey16.png"][0])
    assert a[..., 0].max() == pytest.approx(1.0) and a[..., 0].min() == 0.0
    assert a[16, 24, 0] == pytest.approx(0.5, abs=0.02)  # the ramp's middle
    assert len(np.unique(a[..., 0])) > 256  # finer than 8 bits
    u8 = read_image_u8(files["grey16.png"][0])
    assert u8.dtype == np.uint8 and u8.max() == 255


def test_animated_gif_gives_first_frame(files):
    a = read_image(files["anim.gif"][0])
    assert np.allclose(a[0, 0], (1, 0, 0), atol=0.02)


def test_cmyk_jpeg_converted(files):
    a = read_image(files["cmyk.jpg"][0])
    assert np.allclose(a.mean((0, 1)), (0, 1, 1), atol=0.05)  # pure cyan ink


@pytest.mark.parametrize("name", ["grey-alpha.png", "rgba.png", "palette.png"])
def test_transparency_composited_so_the_dark_trace_stays_visible(files, name):
    a = read_image(files[name][0])
    assert np.allclose(a[0, 0], 1.0)  # transparent -> white behind dark content
    assert a[16, 10].max() < 0.05  # the opaque black line


def test_transparent_border_takes_the_screens_own_colour():
    a = np.zeros((40, 60, 4), np.uint8)
    a[..., :3] = (10, 20, 30)
    a[4:-4, 4:-4, 3] = 255  # opaque screen, transparent 4-px border
    out = read_image(png_bytes(Image.fromarray(a, "RGBA")))
    assert np.allclose(out[0, 0] * 255, (10, 20, 30), atol=1)


def test_white_content_on_transparent_gets_black_background():
    a = np.zeros((32, 48, 4), np.uint8)
    a[16, :] = (255, 255, 255, 255)
    out = read_image(png_bytes(Image.fromarray(a, "RGBA")))
    assert out[0, 0].max() == 0.0 and out[16, 5].min() == 1.0


def test_exif_orientation_applied(files):
    a = read_image(files["rotated.jpg"][0])
    assert a.shape == (48, 32, 3)  # stored 48x32 landscape, shown portrait
    assert a[2, 16, 0] > 0.8 and a[2, 16, 2] < 0.2  # the stored left (red) half is on top
    assert a[-3, 16, 2] > 0.6  # blue at the bottom


@pytest.mark.parametrize("name", ["capture.tiff", "capture.webp", "capture.bmp"])
def test_other_formats(files, name):
    a = read_image(files[name][0])
    assert np.allclose(a[5, 5] * 255, (200, 40, 40), atol=2)


def test_rigol_style_png_loads_exactly_and_leaves_the_global_alone(files):
    assert ImageFile.LOAD_TRUNCATED_IMAGES is False
    a = read_image_u8(files["rigol-style.png"][0])
    assert np.array_equal(a, np.asarray(noisy_rgb()))
    assert ImageFile.LOAD_TRUNCATED_IMAGES is False
    with pytest.raises((SyntaxError, OSError)):  # Pillow itself refuses the raw bytes
        Image.open(files["rigol-style.png"][0]).load()


def test_global_never_flips_while_reading(files):
    seen: list[bool] = []
    stop = threading.Event()

    def watch() -> None:
        while not stop.is_set():
            seen.append(ImageFile.LOAD_TRUNCATED_IMAGES)

    t = threading.Thread(target=watch)
    t.start()
    try:
        for _ in range(20):
            read_image(files["rigol-style.png"][0])
            with pytest.raises(ImageReadError):
                read_image(files["truncated.png"][0])
    finally:
        stop.set()
        t.join()
    assert seen and not any(seen)


def test_pillow_globals_and_warning_filters_untouched(files):
    def globals_now():
        return Image.MAX_IMAGE_PIXELS, ImageFile.LOAD_TRUNCATED_IMAGES, list(warnings.filters)

    before = globals_now()
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        for path, _ in files.values():
            try:
                read_image(path)
            except ImageReadError:
                pass
    assert not [w for w in caught if issubclass(w.category, Image.DecompressionBombWarning)]
    assert globals_now() == before


def test_pixel_limit_checked_before_decoding():
    big = png_bytes(Image.new("L", (2000, 1000)))
    msg = (
        r"^big\.png says it is 2000x1000 pixels, more than the 1 megapixels this lab reads, so it "
        r"was not read; upload a smaller copy \(if the picture is not that large, the file is "
        r"damaged\)\.$"
    )
    with pytest.raises(ImageReadError, match=msg):
        read_image(big, name="big.png", max_pixels=1_000_000)
    assert read_image(big, max_pixels=2_000_000).shape == (1000, 2000, 3)
    assert MAX_PIXELS == 50_000_000


def test_byte_limit():
    data = png_bytes(noisy_rgb())
    with pytest.raises(ImageReadError, match="more than the 0.001 MB this lab reads"):
        read_image(data, name="x.png", max_bytes=1000)
    with pytest.raises(ImageReadError, match="MB this lab reads"):
        read_image(_Stream(data), max_bytes=1000)


class _Stream:
    """A file-like object with read() only, like a socket or a pipe."""

    def __init__(self, data: bytes, name: str = "upload.png") -> None:
        self._buf, self.name = io.BytesIO(data), name

    def read(self, n: int = -1) -> bytes:
        return self._buf.read(n)


class _Uploaded(io.BytesIO):
    """Like Streamlit's UploadedFile: a BytesIO with a name, possibly already read."""

    def __init__(self, data: bytes, name: str) -> None:
        super().__init__(data)
        self.name = name


def test_every_source_kind(tmp_path):
    data = png_bytes(noisy_rgb())
    path = tmp_path / "shot.png"
    path.write_bytes(data)
    want = np.asarray(noisy_rgb())
    uploaded = _Uploaded(data, "shot.png")
    uploaded.read()  # the position is at the end: the whole upload is still read
    with open(path, "rb") as f:
        for src in (data, bytearray(data), memoryview(data), str(path), path, uploaded, f):
            assert np.array_equal(read_image_u8(src), want)
    assert np.array_equal(read_image_u8(_Stream(data)), want)


def test_names_in_messages(tmp_path):
    with pytest.raises(ImageReadError, match=r"^notes\.png is not an image"):
        read_image(_Uploaded(b"hello there", "notes.png"))
    with pytest.raises(ImageReadError, match=r"^mine\.png is empty\.$"):
        read_image(b"", name="mine.png")
    with pytest.raises(ImageReadError, match=r"^The image is empty\.$"):
        read_image(b"")
    with pytest.raises(ImageReadError, match=r"nothere\.png was not found\."):
        read_image(tmp_path / "nothere.png")
    with pytest.raises(ImageReadError, match="is a folder"):
        read_image(tmp_path)
    with open(tmp_path / "t.txt", "w") as f, pytest.raises(ImageReadError, match="opened as text"):
        f.write("x")
        f.flush()
        with open(tmp_path / "t.txt") as text_file:
            read_image(text_file)
    with pytest.raises(ImageReadError, match="not a file, path or bytes"):
        read_image(12345)


def test_integer_and_float_tiffs(tmp_path):
    i = np.array([[0, 32768], [65535, 100]] * 8, np.int32).repeat(8, 1)  # 16 x 16, mode I
    Image.fromarray(i, "I").save(tmp_path / "i.tif")
    a = read_image(tmp_path / "i.tif")
    assert a[0, 0, 0] == 0 and a[1, 0, 0] == pytest.approx(1.0)
    assert a[0, 15, 0] == pytest.approx(0.5, abs=1e-3)
    f = np.linspace(-2, 6, 256, dtype=np.float32).reshape(16, 16)
    Image.fromarray(f, "F").save(tmp_path / "f.tif")
    b = read_image(tmp_path / "f.tif")
    assert b.min() == 0 and b.max() == pytest.approx(1.0)  # stretched: outside 0..1


def test_u8_matches_float_for_8_bit(files):
    for name in ("capture.bmp", "rigol-style.png", "jpeg-named.png"):
        f, u = read_image(files[name][0]), read_image_u8(files[name][0])
        assert np.array_equal(np.round(f * 255).astype(np.uint8), u)


def test_sniff_and_describe():
    assert sniff_format(png_bytes(noisy_rgb())) == "png"
    assert sniff_format(b"\xff\xd8\xff\xe0") == "jpeg"
    assert sniff_format(b"GIF89a....") == "gif"
    assert sniff_format(b"RIFF\x00\x00\x00\x00WEBPVP8 ") == "webp"
    assert sniff_format(b"II*\x00") == "tiff" and sniff_format(b"MM\x00*") == "tiff"
    assert sniff_format(b"BM" + b"\x00" * 30) == "bmp"
    assert sniff_format(b"hello") is None
    assert describe_data(b"\xef\xbb\xbfplain text") == "text"
    assert describe_data(b"\x00\x00\x00\x18ftypheic") == "a HEIC/AVIF image or a video"
    assert describe_data(bytes(range(256))) == "binary data"


@pytest.mark.parametrize("fmt", ["PNG", "JPEG", "GIF", "BMP", "TIFF", "WEBP"])
def test_header_size_matches_pillow(fmt):
    buf = io.BytesIO()
    extra = {"lossless": True} if fmt == "WEBP" else {}
    noisy_rgb(123, 45).save(buf, format=fmt, **extra)
    data = buf.getvalue()
    assert header_size(data, sniff_format(data)) == (123, 45)
    if fmt == "WEBP":
        lossy = io.BytesIO()
        noisy_rgb(123, 45).save(lossy, format="WEBP", quality=50)
        assert header_size(lossy.getvalue(), "webp") == (123, 45)


def test_repair_png():
    good = png_bytes(noisy_rgb())
    assert repair_png(good) is good
    fixed = repair_png(rigol_style_png(noisy_rgb()))
    assert np.array_equal(np.asarray(Image.open(io.BytesIO(fixed))), np.asarray(noisy_rgb()))
    with pytest.raises(ImageReadError, match="truncated"):
        repair_png(good[:200], "cut.png")
    assert header_size(bomb_png(), "png") == (100_000, 100_000)


def test_supported_extensions():
    assert ".png" in SUPPORTED_EXTENSIONS and ".jpg" in SUPPORTED_EXTENSIONS
    assert all(e.startswith(".") and e == e.lower() for e in SUPPORTED_EXTENSIONS)


def test_transparent_line_fixture_shape():
    assert transparent_line("LA").mode == "LA"


@pytest.mark.real_captures
def test_every_real_capture_and_study_image_loads():
    folders = [SHARED / "real-captures", SHARED / "study" / "images"]
    if not all(f.is_dir() for f in folders):
        pytest.skip("../shared is not here")
    paths = [p for f in folders for p in sorted(f.iterdir())]
    paths = [p for p in paths if p.suffix.lower() in SUPPORTED_EXTENSIONS]
    assert len(paths) >= 20
    for p in paths:
        a = read_image(p)
        assert a.dtype == np.float32 and a.shape[2] == 3 and a.shape[0] >= 400, p.name
    assert ImageFile.LOAD_TRUNCATED_IMAGES is False
    with pytest.raises(ImageReadError, match="not an image"):
        read_image(SHARED / "real-captures" / "labels.csv")


def test_huge_dimensions_are_shrunk_on_reading_when_asked():
    """A small file of huge dimensions (issue: 143 KB, 7000x7000) is shrunk right after decoding,
    by a whole factor, so the pipeline after it works on at most max_side pixels a side."""
    import io

    from PIL import Image, ImageDraw

    from core.capture import extract_trace
    from core.capture.imagefile import read_image_u8

    im = Image.new("RGB", (3000, 2000), (10, 10, 10))
    draw = ImageDraw.Draw(im)
    pts = [(x, 1000 + int(600 * np.sin(x / 300))) for x in range(0, 3000, 10)]
    draw.line(pts, fill=(255, 230, 0), width=12)
    buf = io.BytesIO()
    im.save(buf, format="PNG")
    full = read_image_u8(buf.getvalue(), name="big.png")
    small = read_image_u8(buf.getvalue(), name="big.png", max_side=1000)
    assert full.shape == (2000, 3000, 3)
    assert small.shape == (667, 1000, 3) and small.dtype == np.uint8  # factor 3, edges kept
    assert extract_trace(small).found
