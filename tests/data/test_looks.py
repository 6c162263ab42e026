"""Generated captures: every look draws its labelled trace, with a mask that lies on it."""

from __future__ import annotations

import numpy as np
import pytest
from PIL import Image, ImageFilter

from core.data.looks import (
    KIND_OF_LOOK,
    LOOKS,
    _glow,
    _spread,
    render_capture,
    render_captures,
)
from core.errors import LabError


@pytest.mark.parametrize("look", LOOKS)
@pytest.mark.parametrize("cls", ["square", "other"])
def test_each_look_draws_a_masked_trace_across_the_view(look, cls):
    cap = render_capture(look, cls, seed=3)
    h, w = cap.mask.shape
    assert cap.image.shape == (h, w, 3) and cap.image.dtype == np.uint8
    assert cap.label == cls and cap.look == look and cap.kind == KIND_OF_LOOK[look]
    cols = np.flatnonzero(cap.mask.any(0))
    # a trace runs across much of the picture (of a photo, across the screen in it)
    assert cols[-1] - cols[0] >= (0.25 if look == "photo" else 0.4) * w
    rows = cap.mask.any(1).sum()
    assert rows < 0.8 * h  # and is a line, not a filled region
    # The mask lies on drawn pixels: they differ from the picture's typical colour.
    bg = np.median(cap.image.reshape(-1, 3), axis=0)
    on = np.abs(cap.image[cap.mask].astype(int) - bg).sum(1) > 30
    assert on.mean() > 0.5
    if cls != "other":
        assert cls in cap.labels
    else:
        assert cap.shape != "other" and cap.shape not in ("square", "gaussian", "sine")


@pytest.mark.parametrize("look", ["screen", "photo", "plot"])
def test_none_has_no_trace(look):
    cap = render_capture(look, "none", seed=1)
    assert not cap.mask.any() and cap.labels == () and cap.label == "none"


def test_same_seed_same_capture_other_seed_differs():
    a, b = render_capture("photo", "sine", 5), render_capture("photo", "sine", 5)
    assert np.array_equal(a.image, b.image) and np.array_equal(a.mask, b.mask)
    c = render_capture("photo", "sine", 6)
    assert a.image.shape != c.image.shape or not np.array_equal(a.image, c.image)


@pytest.mark.parametrize("cls", ["gaussian", "sine"])
def test_classes_keep_their_label_in_a_plot(cls):
    cap = render_capture("plot", cls, seed=4)
    assert cap.label == cls == cap.shape and cls in cap.labels and cap.mask.any()


def test_render_captures_cycles_looks_and_classes():
    caps = render_captures(6, seed=0, looks=("paper", "drawing"))
    assert [c.look for c in caps] == ["paper", "drawing"] * 3
    assert [c.label for c in caps] == ["square"] * 2 + ["gaussian"] * 2 + ["sine"] * 2


def test_photo_warps_the_screen_into_a_room():
    cap = render_capture("photo", "square", 2)
    h, w = cap.mask.shape
    # The screen sits inside the picture, with the room around it.
    ys, xs = np.nonzero(cap.mask)
    assert xs.min() > 0.02 * w and xs.max() < 0.98 * w and ys.min() > 0.02 * h


class _Draws:
    """A stand-in generator whose uniform draws are given: (reach share, strength)."""

    def __init__(self, *values):
        self.values = list(values)

    def uniform(self, lo, hi):
        return self.values.pop(0)


def test_a_photographed_trace_glows_wider_at_its_own_colour():
    """A phone sees a lit one-pixel trace as a line several of the screen's pixels wide, at
    nearly its full colour; the masks widen with it, so they lie on what is seen."""
    scr = np.full((100, 400, 3), 20.0, np.float32)
    line = np.zeros((100, 400), bool)
    line[50, 20:380] = True
    scr[line] = (250, 230, 40)  # a yellow channel
    out, mask, traces = _glow(scr, line, line.copy(), _Draws(0.005, 1.0))  # reach 2 px
    lit = (np.abs(out[:, 200] - 20).sum(1) > 200).sum()  # rows lit well above the screen
    assert 3 <= lit <= 7
    assert out[49, 200, 0] > 200 and out[49, 200, 2] < 120  # still yellow beside the line
    assert mask[48:53, 200].all() and not mask[40, 200] and np.array_equal(mask, traces)
    assert out[50, 390].sum() < 100  # nothing lit beyond the trace's end
    same = _glow(scr, line, line.copy(), _Draws(0.0005, 1.0))  # a far camera: no glow
    assert np.array_equal(same[0], scr) and np.array_equal(same[1], line)


def test_spread_is_a_square_max_filter():
    rng = np.random.default_rng(0)
    img = rng.integers(0, 256, (40, 60, 3)).astype(np.uint8)
    for reach in (1, 3):
        square = Image.fromarray(img).filter(ImageFilter.MaxFilter(2 * reach + 1))
        assert np.array_equal(_spread(img, reach), np.asarray(square))
    dot = np.zeros((9, 9), bool)
    dot[4, 4] = True
    assert _spread(dot, 2).sum() == 25 and _spread(dot, 2)[2:7, 2:7].all()


def test_bad_look_or_class_is_a_sentence():
    with pytest.raises(LabError, match="look"):
        render_capture("poster", "sine", 0)
    with pytest.raises(LabError, match="class"):
        render_capture("screen", "triangle", 0)
