"""Reading what students bring: names that lie, old scope formats, transparent drawings, EXIF
orientation (honest and lying), and huge files reduced while decoding."""

from __future__ import annotations

import io

import numpy as np
import pytest
from PIL import Image

from core.capture import (
    capture_file,
    choose_reading,
    extract_trace,
    read_image_u8,
    read_orientations,
)
from core.capture.imagefile import decode
from core.capture.orient import left_to_right
from core.data.scope_samples import demo_screenshot
from tests.capture.format_files import (
    PALETTE,
    bmp_16bit,
    bmp_palette4,
    bmp_rle8,
    jpeg_bytes,
    palette_picture,
    tiff_1bit_white_is_zero,
    transparent_drawing,
)
from tests.fixtures_images import png_bytes


@pytest.fixture(scope="module")
def screen() -> np.ndarray:
    """A small dark scope screen with one yellow square wave."""
    return demo_screenshot(480, 320, (("square", "yellow"),))[0]


def test_format_comes_from_the_content_not_the_name(tmp_path):
    rgb = PALETTE[palette_picture()]
    bmp = io.BytesIO()
    Image.fromarray(rgb).save(bmp, format="BMP")
    (tmp_path / "capture.png").write_bytes(bmp.getvalue())  # a BMP called .png
    (tmp_path / "photo.PNG").write_bytes(jpeg_bytes(rgb, quality=100))  # a JPEG called .PNG
    (tmp_path / "scope.jpg").write_bytes(png_bytes(Image.fromarray(rgb)))  # a PNG called .jpg
    assert np.array_equal(read_image_u8(tmp_path / "capture.png"), rgb)
    assert np.array_equal(read_image_u8(tmp_path / "scope.jpg"), rgb)
    jpeg = read_image_u8(tmp_path / "photo.PNG")
    assert jpeg.shape == rgb.shape and np.abs(jpeg.astype(int) - rgb).mean() < 8


@pytest.mark.parametrize("maker", [bmp_rle8, bmp_palette4], ids=["rle8", "palette4"])
def test_palette_bmps_read_exactly(maker):
    idx = palette_picture()
    assert np.array_equal(read_image_u8(maker(idx), name="tek.bmp"), PALETTE[idx])


@pytest.mark.parametrize("bitfields", [True, False], ids=["565-bitfields", "555"])
def test_16_bit_bmp_reads_to_within_its_precision(bitfields):
    rgb = PALETTE[palette_picture()]
    out = read_image_u8(bmp_16bit(rgb, bitfields=bitfields), name="siglent.png")
    assert out.shape == rgb.shape
    assert np.abs(out.astype(int) - rgb).max() <= 8  # 5 or 6 bits a channel


def test_one_bit_white_is_zero_tiff_is_black_ink_on_white():
    idx = palette_picture()
    ink = idx >= 1
    out = read_image_u8(tiff_1bit_white_is_zero(ink), name="tds320.tiff")
    assert np.array_equal(out[..., 0] == 0, ink) and out[~ink].min() == 255


def test_transparent_drawing_is_flattened_onto_white():
    rgba = transparent_drawing()
    out = read_image_u8(png_bytes(Image.fromarray(rgba, "RGBA")), name="textbook.png")
    line = rgba[..., 3] == 255
    assert out[rgba[..., 3] == 0].min() == 255  # the page is white, not black
    assert out[line].max() == 0  # the lines stay black


def test_white_panel_in_a_transparent_margin_keeps_a_white_margin():
    a = np.zeros((200, 300, 4), np.uint8)  # transparent, hidden colour black
    a[60:140, 80:220] = (255, 255, 255, 255)  # a white figure panel, 19% of the image
    a[100, 90:210, :3] = 0  # a black line on it
    out = read_image_u8(png_bytes(Image.fromarray(a, "RGBA")))
    assert out[5, 5].min() == 255 and out[100, 150].max() == 0


def test_exif_tag_is_honoured_first_and_the_stored_reading_offered(screen):
    sideways = np.ascontiguousarray(np.rot90(screen))  # as a phone held upright stores it
    readings = read_orientations(jpeg_bytes(sideways, orientation=6))
    assert [r.exif_applied for r in readings] == [True, False]
    assert readings[0].rgb.shape == screen.shape and readings[1].rgb.shape == sideways.shape
    assert "90° clockwise" in readings[0].how
    assert np.abs(readings[0].rgb.astype(int) - screen).mean() < 6  # upright again
    assert len(read_orientations(jpeg_bytes(screen))) == 1


def test_an_honest_tag_wins(screen):
    sideways = np.ascontiguousarray(np.rot90(screen))
    result, reading = capture_file(jpeg_bytes(sideways, orientation=6))
    assert reading.exif_applied and result.found
    assert result.original.shape == screen.shape


def test_a_lying_tag_loses_to_the_reading_whose_trace_runs_left_to_right(screen):
    # Pixels already upright, the tag says "turn 90° clockwise": the scope would lie on its side.
    readings = read_orientations(jpeg_bytes(screen, orientation=6))
    i, result = choose_reading(readings)
    assert not readings[i].exif_applied and result.found
    assert result.original.shape == screen.shape
    assert left_to_right(result.mask) > 1.5


def test_a_manual_crop_uses_the_tagged_reading_only(screen):
    readings = read_orientations(jpeg_bytes(screen, orientation=6))
    i, _ = choose_reading(readings, crop=(0, 0, 200, 300))
    assert i == 0


def test_left_to_right_tells_a_waveform_from_one_on_its_side():
    x = np.arange(300)
    mask = np.zeros((120, 300), bool)
    mask[(60 + 40 * np.sin(2 * np.pi * 3 * x / 300)).astype(int), x] = True
    assert left_to_right(mask) > 2 and left_to_right(mask.T) < 0.5
    assert left_to_right(np.zeros((5, 5), bool)) == 0.0


def test_a_huge_jpeg_is_decoded_reduced():
    rng = np.random.default_rng(0)
    big = rng.integers(0, 255, (300, 400, 3), dtype=np.uint8).repeat(10, 0).repeat(10, 1)
    data = jpeg_bytes(big, quality=70)  # 4000x3000
    d = decode(data, max_side=2048)
    assert d.stored_size == (4000, 3000) and max(d.image.size) <= 2048
    assert d.image.size == (2000, 1500)  # libjpeg's 1/2 scale, never decoded at full size
    assert d.scale == pytest.approx(0.5)
    (reading,) = read_orientations(data)
    assert reading.rgb.shape == (1500, 2000, 3) and reading.scale == pytest.approx(0.5)


@pytest.mark.parametrize("mode", ["RGB", "P", "1"])
def test_a_huge_png_is_reduced_and_a_thin_line_survives(mode):
    a = np.full((600, 6000), 255, np.uint8)
    a[300, :] = 0  # a 1-px black line
    im = Image.fromarray(a).convert(mode)
    (reading,) = read_orientations(png_bytes(im), max_side=2000)
    out = reading.rgb
    assert out.shape == (200, 2000, 3)
    assert out[100].min() < 200 and out[5].min() == 255  # averaged, not dropped by sampling


def test_the_trace_finder_is_a_parameter(screen):
    calls = []

    def finder(rgb, **opts):
        calls.append((rgb.shape, opts))
        return extract_trace(rgb, **opts)

    sideways = np.ascontiguousarray(np.rot90(screen))
    result, reading = capture_file(jpeg_bytes(sideways, orientation=6), extract=finder, size=64)
    assert calls[0] == (screen.shape, {"size": 64}) and result.network_input.shape == (64, 64)


def test_a_crop_in_file_pixels_is_scaled_to_a_reduced_reading():
    big = demo_screenshot(4000, 2400, (("square", "yellow"),))[0]
    result, reading = capture_file(png_bytes(Image.fromarray(big)), crop=(400, 200, 3600, 2200))
    assert reading.scale == pytest.approx(2048 / 4000)
    assert result.crop_box == (205, 102, 1843, 1126)  # the same region, in reading pixels
