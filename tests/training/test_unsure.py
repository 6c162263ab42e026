"""Unsure answers: the top class is always given, and "unsure" says it is none of them."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from core.data.waveforms import WaveformSpec, render_batch, render_distractors
from core.training.predict import UNSURE_BELOW, is_unsure, load_predictor

EXAMPLE = Path(__file__).resolve().parents[2] / "examples" / "runs" / "example-fast"


@pytest.fixture(scope="module")
def example():
    return load_predictor(EXAMPLE)


def test_rule_uses_the_top_probability_and_the_trace():
    assert is_unsure(np.array([0.4, 0.3, 0.3]))
    assert not is_unsure(np.array([UNSURE_BELOW + 0.01, 0.1, 0.1]))
    assert is_unsure(np.array([0.98, 0.01, 0.01]), trace_found=False)


def test_an_empty_input_is_unsure_with_a_top_class(example):
    out = example.predict(np.zeros((1, 100, 100), np.float32))[0]
    assert out["unsure"] is True and out["label"] in example.classes
    assert set(out) == {"label", "unsure", "probabilities"}


def test_the_example_run_is_surer_of_its_classes_than_of_other_shapes(example):
    spec = WaveformSpec()
    x, y = render_batch(spec, 90, seed=11)
    d, _ = render_distractors(spec, 90, seed=12)
    pin = example.probabilities(x.astype(np.float32))
    pout = example.probabilities(d.astype(np.float32))
    assert (pin.argmax(1) == y).mean() > 0.8
    sure_in = np.mean([not is_unsure(p) for p in pin])
    unsure_out = np.mean([is_unsure(p) for p in pout])
    # Trained towards a uniform answer on distractors: most of them fall under the threshold.
    assert unsure_out > 0.5 and sure_in > 0.6
    assert pout.max(1).mean() < pin.max(1).mean() - 0.15
