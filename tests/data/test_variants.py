"""core.data.variants: each everyday change gives a picture of what it says, and none changes
what the picture shows beyond it."""

import numpy as np
import pytest

from core.data.variants import VARIANTS, everyday_variants


@pytest.fixture
def picture():
    """A 200x120 white picture with a black sine across it and a red square in a corner."""
    rgb = np.full((120, 200, 3), 255, np.uint8)
    x = np.arange(200)
    y = (60 + 30 * np.sin(2 * np.pi * x / 100)).astype(int)
    for d in (-1, 0, 1):
        rgb[y + d, x] = 0
    rgb[5:25, 5:25] = (220, 30, 30)
    return rgb


def test_every_variant_in_order_as_uint8_rgb(picture):
    out = everyday_variants(picture)
    assert list(out) == list(VARIANTS)
    for a in out.values():
        assert a.dtype == np.uint8 and a.ndim == 3 and a.shape[2] == 3


def test_sizes_follow_the_change(picture):
    out = everyday_variants(picture)
    assert out["as is"].shape == picture.shape and (out["as is"] == picture).all()
    assert out["0.7 size"].shape == (84, 140, 3)
    assert out["half size"].shape == (60, 100, 3)
    assert out["cropped 4%"].shape == (120 - 2 * 4, 200 - 2 * 8, 3)
    h, w = out["tilted 2°"].shape[:2]
    assert w > 200 and h > 120  # turned with the corners kept


def test_jpeg_changes_pixels_a_little_and_more_at_lower_quality(picture):
    out = everyday_variants(picture)
    err80 = np.abs(out["JPEG 80"].astype(int) - picture).mean()
    err60 = np.abs(out["JPEG 60"].astype(int) - picture).mean()
    assert 0 < err80 < err60 < 20


def test_tilt_fills_with_the_pictures_own_background(picture):
    tilted = everyday_variants(picture)["tilted 2°"]
    assert (tilted[0, 0] == 255).all() and (tilted[-1, -1] == 255).all()
    # the trace is still there: about as many dark pixels as before
    dark = lambda a: (a.max(2) < 100).sum()  # noqa: E731
    assert 0.8 < dark(tilted) / dark(picture) < 1.25


def test_askew_is_turned_clockwise_and_cut_to_the_pictures_own_pixels():
    white = np.full((120, 200, 3), 255, np.uint8)
    assert (everyday_variants(white)["askew 2°"] == 255).all()  # no fill left in the corners
    level = white.copy()
    level[59:62] = 0  # a level line across the middle
    askew = everyday_variants(level)["askew 2°"]
    h, w = askew.shape[:2]
    assert 100 < h < 120 and 180 < w < 200
    dark = askew.max(2) < 128
    left, right = (np.flatnonzero(dark[:, c]).mean() for c in (2, w - 3))
    # turned clockwise: the line falls to the right, by about tan(2°) of the width between
    assert 0.7 < (right - left) / ((w - 5) * np.tan(np.radians(2))) < 1.3


def test_a_four_channel_picture_is_read_as_its_colours(picture):
    rgba = np.dstack([picture, np.full(picture.shape[:2], 255, np.uint8)])
    out = everyday_variants(rgba)
    assert out["as is"].shape == picture.shape
