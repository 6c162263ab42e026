"""A picture taken askew is straightened before it is read (core.capture.deskew)."""

from __future__ import annotations

import numpy as np
import pytest
from PIL import Image

from core.capture import read_capture, waveform_likeness
from core.capture.deskew import box_back, straightened, tilt_angle
from core.capture.search import read_colour
from core.data.looks import render_capture


def turned(rgb: np.ndarray, angle: float) -> np.ndarray:
    """rgb turned anticlockwise by `angle` degrees onto its commonest colour, enlarged to hold
    all of it, as a phone held askew (and core.data.variants) turns a picture."""
    fill = tuple(int(v) for v in np.median(rgb.reshape(-1, 3), axis=0))
    im = Image.fromarray(rgb).rotate(angle, Image.Resampling.BICUBIC, expand=True, fillcolor=fill)
    return np.asarray(im)


@pytest.mark.parametrize("look, cls, seed", [("screen", "sine", 502), ("paper", "square", 503)])
@pytest.mark.parametrize("angle", [-3.0, 2.0])
def test_the_tilt_of_a_turned_screen_or_plot_is_measured(look, cls, seed, angle):
    cap = render_capture(look, cls, seed)
    assert tilt_angle(cap.image) == 0.0  # level already: left as it is
    assert tilt_angle(turned(cap.image, angle)) == pytest.approx(-angle, abs=0.25)


def test_a_picture_without_straight_lines_is_not_turned():
    # A sine drawn alone, no grid, frame or axes: no angle lines anything up.
    img = np.full((300, 400, 3), 255, np.uint8)
    x = np.arange(400)
    y = (150 + 100 * np.sin(x / 400 * 6 * np.pi)).astype(int)
    for dy in range(-1, 2):
        img[y + dy, x] = 0
    assert tilt_angle(turned(img, 2.5)) == 0.0


def test_perspective_alone_is_not_taken_for_a_turn():
    # A screen seen in perspective: its level lines slant (here all one way, about 2 degrees),
    # its upright sides do not. Turning the picture to level the first would lean the second.
    img = np.full((400, 600, 3), 20, np.uint8)
    xs = np.arange(50, 551)
    for k in range(10):
        img[np.rint(80 + 25 * k - 0.035 * (xs - 50)).astype(int), xs] = 200
    img[60:260, 50] = img[60:260, 550] = 200
    assert tilt_angle(img) == 0.0
    img[60:260, 50] = img[60:260, 550] = 20  # the same lines with no upright ones: a turn
    assert tilt_angle(img) == pytest.approx(-2.0, abs=0.25)


def test_straightening_keeps_the_size_and_undoes_the_turn():
    img = np.zeros((200, 300, 3), np.uint8)
    img[60:141:20, 20:280] = 255  # level lines
    t = straightened(img, 3.0)
    assert t.shape == img.shape
    assert tilt_angle(t) == pytest.approx(-3.0, abs=0.25)
    assert straightened(t, -3.0)[100, 40:260].min() > 100


@pytest.mark.parametrize("look, cls, seed", [("screen", "square", 503), ("paper", "square", 503),
                                             ("plot_dark", "gaussian", 501)])  # fmt: skip
def test_a_screen_or_plot_taken_askew_is_read_in_its_plot_area(look, cls, seed):
    # Turned 3 degrees, a graticule's lines no longer run along whole rows and columns; read
    # straightened, the plot area is found again and the reading is the trace alone.
    cap = render_capture(look, cls, seed)
    img = turned(cap.image, 3.0)
    res = read_capture(img)
    assert res.tilt == pytest.approx(-3.0, abs=0.25)
    assert res.crop_method == "graticule"
    assert waveform_likeness(res.network_input) >= 0.9
    # The box is in the turned picture's own pixels and holds the turned trace.
    mask = np.asarray(Image.fromarray(cap.mask).rotate(3.0, expand=True)) > 0
    x0, y0, x1, y1 = res.crop_box
    assert mask[y0:y1, x0:x1].sum() >= 0.95 * mask.sum()
    assert (x1 - x0) * (y1 - y0) < 0.8 * img.shape[0] * img.shape[1]


def test_a_box_found_in_the_straightened_picture_is_placed_back_around_the_same_region():
    # A patch turned with the picture: the box around it in the straightened picture, placed
    # back, holds the patch where it was and not much more.
    img = np.zeros((200, 300, 3), np.uint8)
    img[30:70, 30:130] = 255  # off the centre the turn is about
    t = straightened(img, 10.0)
    ys, xs = np.nonzero(t[:, :, 0] > 128)
    box = (xs.min(), ys.min(), xs.max() + 1, ys.max() + 1)
    x0, y0, x1, y1 = box_back(box, 10.0, img.shape[:2])
    assert x0 <= 30 and y0 <= 30 and x1 >= 130 and y1 >= 70
    # the box around a turned box, turned back: 2.1 times the patch at 10 degrees
    assert (x1 - x0) * (y1 - y0) < 2.5 * 100 * 40


def test_a_colour_chosen_in_a_picture_taken_askew_is_read_straightened():
    # A click on the trace reads its colour where the automatic reading read: in the plot area
    # of the straightened picture (read_box), its box placed back around it in the picture.
    cap = render_capture("screen", "square", 503)
    img = turned(cap.image, 3.0)
    auto = read_capture(img)
    chosen = read_colour(img, auto.read_box, auto.trace_colour, tilt=auto.tilt)
    assert chosen.tilt == auto.tilt and chosen.crop_box == auto.crop_box
    assert waveform_likeness(chosen.network_input) >= 0.9
    level = read_colour(img, auto.crop_box, auto.trace_colour)  # the turned picture as it is
    assert waveform_likeness(level.network_input) < waveform_likeness(chosen.network_input)
