"""The Scope and Draw pages' percentages never contradict the unsure rule: a probability under
one of its thresholds is never printed as the threshold itself."""

from __future__ import annotations

from types import SimpleNamespace

import pytest

from core.training.predict import MIRRORED_BELOW, UNSURE_BELOW
from ui.scope import mirror_reason, percent


@pytest.mark.parametrize(
    "p, below, want",
    [
        (0.698, UNSURE_BELOW, "69.8%"),  # would round to 70%, the threshold: a decimal shows why
        (0.6999, UNSURE_BELOW, "69.9%"),  # cut, not rounded up to 70.0%
        (0.694, UNSURE_BELOW, "69%"),  # rounds below the threshold: a whole percentage will do
        (0.70, UNSURE_BELOW, "70%"),
        (0.97, UNSURE_BELOW, "97%"),
        (0.4972, MIRRORED_BELOW, "49.7%"),
        (0.698, None, "70%"),  # no threshold asked: plain rounding
    ],
)
def test_percent(p, below, want):
    assert percent(p, below) == want


def test_the_mirror_reason_keeps_its_figure_under_the_threshold():
    predictor = SimpleNamespace(classes=["square", "gaussian", "sine"], mirrors=[(2,), (1,)])
    said = {"label": "sine", "unsure": True, "mirrored": 0.4968,
            "probabilities": {"square": 0.1, "gaussian": 0.12, "sine": 0.78}}  # fmt: skip
    why = mirror_reason(predictor, said, confident=True)
    assert why.startswith("Why unsure at 78%:") and "sine at 49.6% only" in why
