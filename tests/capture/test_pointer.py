"""A click near a trace gives its colour, even on a blurred photo; a drag gives a crop; and the
colour a click gives makes extract_trace read that trace."""

from __future__ import annotations

import numpy as np
import pytest
from PIL import Image, ImageFilter

from core.capture import extract_trace
from core.capture.pointer import box_from_drag, colour_at
from core.data.scope_samples import demo_screenshot
from core.errors import LabError


@pytest.fixture(scope="module")
def two_traces() -> np.ndarray:
    return demo_screenshot(800, 480, (("square", "yellow"), ("sine", "cyan")))[0]


def _trace_pixel(rgb: np.ndarray, colour: tuple[int, int, int]) -> tuple[int, int]:
    ys, xs = np.nonzero(np.abs(rgb.astype(int) - colour).sum(2) < 30)
    i = len(xs) // 2
    return int(xs[i]), int(ys[i])


def test_a_click_next_to_a_thin_trace_gives_its_colour(two_traces):
    x, y = _trace_pixel(two_traces, (0, 255, 255))
    assert colour_at(two_traces, x + 3, y + 2) == (0, 255, 255)  # 3 px off, on the background
    x, y = _trace_pixel(two_traces, (255, 255, 0))
    assert colour_at(two_traces, x, y - 3) == (255, 255, 0)


def test_a_click_on_a_blurred_photo_gives_a_colour_near_the_traces(two_traces):
    blurred = np.asarray(Image.fromarray(two_traces).filter(ImageFilter.GaussianBlur(1.5)))
    x, y = _trace_pixel(two_traces, (0, 255, 255))
    r, g, b = colour_at(blurred, x + 1, y)
    assert b > 2 * r and g > 2 * r  # cyan, dimmed by the blur


def test_the_clicked_colour_picks_that_trace(two_traces):
    x, y = _trace_pixel(two_traces, (0, 255, 255))
    result = extract_trace(two_traces, colour=colour_at(two_traces, x + 2, y))
    assert result.found and result.trace_colour is not None
    assert result.trace_colour[2] > 200 and result.trace_colour[0] < 60


def test_a_click_outside_the_image_is_a_sentence(two_traces):
    with pytest.raises(LabError, match="outside the 800x480 image"):
        colour_at(two_traces, 900, 10)


def test_box_from_drag_sorts_clips_and_refuses_slivers():
    assert box_from_drag(300, 200, 100, 50, 640, 480) == (100, 50, 301, 201)
    assert box_from_drag(-20, -5, 700, 600, 640, 480) == (0, 0, 640, 480)
    assert box_from_drag(10, 10, 20, 200, 640, 480) is None
