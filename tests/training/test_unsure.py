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


def _png(traces) -> bytes:
    import io

    from PIL import Image

    from core.data.scope_samples import demo_screenshot

    buf = io.BytesIO()
    Image.fromarray(demo_screenshot(800, 480, traces)[0]).save(buf, format="PNG")
    return buf.getvalue()


def test_a_known_shape_beside_an_unknown_one_is_answered_about_the_known_one(example):
    from core.training.predict import predict_file

    alone = predict_file(example, _png((("sawtooth", "yellow"),)), name="saw.png")
    assert alone["unsure"]  # a sawtooth on its own is none of the shapes it knows
    both = predict_file(example, _png((("sawtooth", "yellow"), ("sine", "cyan"))), name="2.png")
    assert both["label"] == "sine" and not both["unsure"], both


class _SureOf:
    """A stand-in network, sure of one network input only."""

    def __init__(self, x):
        self.x = x

    def probabilities(self, xs):
        return np.array([[0.99, 0.01] if np.array_equal(x, self.x) else [0.5, 0.5] for x in xs])


def test_recognised_answers_about_the_trace_the_network_is_surest_of_and_offers_the_rest():
    from core.capture import read_capture, read_image_u8
    from core.training.predict import recognised

    rgb = read_image_u8(_png((("sawtooth", "yellow"), ("sine", "cyan"))), name="2.png")
    res = read_capture(rgb, recognise=lambda x: 0.5)
    (other,) = res.others
    chosen = recognised(_SureOf(other.network_input), res)
    assert np.array_equal(chosen.network_input, other.network_input)
    assert [r.network_input.tobytes() for r in chosen.others] == [res.network_input.tobytes()]
    assert recognised(_SureOf(res.network_input), res) is res
    assert recognised(_SureOf(res.network_input), other) is other  # nothing else to choose from
