"""Curves of one colour that cross, told apart (core.capture.crossing)."""

from __future__ import annotations

import numpy as np
import pytest

from core.capture.crossing import crossing_curves

H, W = 200, 400
X = np.arange(W)


def line(y: np.ndarray, thick: int = 2) -> np.ndarray:
    """Bool (H, W): the curve through row y[x] of each column, `thick` px, its jumps filled."""
    m = np.zeros((H, W), bool)
    for k in range(W):
        lo, hi = sorted((int(y[k]), int(y[min(W - 1, k + 1)])))
        m[max(0, lo - thick // 2) : hi + thick // 2 + 1, k] = True
    return m


SINE = line(100 + 60 * np.sin(X / 20))
SHIFTED = line(100 + 60 * np.sin(X / 20 + 2))
GAUSSIAN = line(170 - 120 * np.exp(-(((X - 200) / 40) ** 2)))
SQUARE = line(np.where((X // 50) % 2, 40, 160))
LOW_SINE = line(100 + 30 * np.sin(X / 25))
FLAT = line(np.full(W, 100.0))


def _found(curves: list[np.ndarray], curve: np.ndarray) -> tuple[float, float]:
    """(share of `curve` the curve found that holds most of it covers, share of that found
    curve lying off `curve`)."""
    best = max(curves, key=lambda c: (c & curve).sum())
    return (best & curve).sum() / curve.sum(), (best & ~curve).sum() / best.sum()


@pytest.mark.parametrize(
    ("first", "second"),
    [(SINE, SHIFTED), (SINE, GAUSSIAN), (SQUARE, LOW_SINE), (SQUARE, FLAT)],
    ids=["two sines", "a sine and a gaussian", "a square wave and a sine", "a square and a line"],
)
def test_crossing_curves_of_one_colour_are_followed_each_on_its_own_path(first, second):
    curves = crossing_curves(first | second)
    assert len(curves) == 2
    for curve in (first, second):
        covered, off = _found(curves, curve)
        # a run two curves share where they cross belongs to both, a few columns' worth
        assert covered > 0.97 and off < 0.06, (covered, off)


def test_one_curve_is_not_split():
    for curve in (SINE, GAUSSIAN, SQUARE):
        assert crossing_curves(curve) == []
    assert crossing_curves(np.zeros((H, W), bool)) == []
    # a curve with specks about it (text, noise) is still one curve: no second one runs across
    specks = SINE.copy()
    specks[5:10, ::40] = True
    assert crossing_curves(specks) == []


@pytest.mark.parametrize(
    ("cls", "seed", "want"),
    [("sine", 181186, {"sine"}), ("gaussian", 170130, {"gaussian", "sine"})],
    ids=["two black sines", "a sine and a grey gaussian dip"],
)
def test_a_figure_of_crossing_curves_in_one_colour_is_answered_about_one_of_them(cls, seed, want):
    # Generated textbook drawings: read as one, the two curves made no waveform and the
    # example network's answer was unsure (or its reading not trusted); followed apart, one
    # of them is answered surely.
    from core.data.looks import render_capture
    from core.training.predict import EXAMPLE_RUN, load_predictor, predict_capture

    out = predict_capture(load_predictor(EXAMPLE_RUN), render_capture("drawing", cls, seed).image)
    assert out["label"] in want and not out["unsure"], out
