"""Unsure answers: the top class is always given, and "unsure" says it is none of them."""

from __future__ import annotations

import dataclasses
from pathlib import Path

import numpy as np
import pytest
import torch

from core.data.waveforms import WaveformSpec, render_batch, render_distractors
from core.training.predict import (
    MIRRORED_BELOW,
    UNSURE_BELOW,
    is_unsure,
    load_predictor,
    mirror_axes,
    shown_probability,
)

EXAMPLE = Path(__file__).resolve().parents[2] / "examples" / "runs" / "example-fast"


@pytest.fixture(scope="module")
def example():
    return load_predictor(EXAMPLE)


@pytest.mark.parametrize(
    "p, below, percent, want",
    [
        (0.698, UNSURE_BELOW, False, "0.698"),  # "0.70" would read as sure
        (0.69996, UNSURE_BELOW, False, "0.699"),  # cut, not rounded up to 0.700
        (0.694, UNSURE_BELOW, False, "0.69"),
        (0.70, UNSURE_BELOW, False, "0.70"),
        (0.698, UNSURE_BELOW, True, "69.8%"),
        (0.698, None, False, "0.70"),
    ],
)
def test_shown_probability_never_reads_as_past_a_threshold_it_is_under(p, below, percent, want):
    assert shown_probability(p, below, percent=percent) == want


def test_rule_uses_the_top_probability_and_the_trace():
    assert is_unsure(np.array([0.4, 0.3, 0.3]))
    assert not is_unsure(np.array([UNSURE_BELOW + 0.01, 0.1, 0.1]))
    assert is_unsure(np.array([0.98, 0.01, 0.01]), trace_found=False)


def test_an_answer_that_mirroring_does_not_keep_is_unsure():
    sure = np.array([UNSURE_BELOW + 0.2, 0.05, 0.05])
    assert not is_unsure(sure, mirrored=MIRRORED_BELOW + 0.01)
    assert is_unsure(sure, mirrored=MIRRORED_BELOW - 0.01)
    assert not is_unsure(sure)  # no mirror images asked: the top probability alone


def test_the_mirror_images_are_those_that_keep_every_class_in_its_class():
    study = ["square", "gaussian", "sine"]
    assert mirror_axes(study, both_polarities=True) == [(-1,), (-2,), (-2, -1)]
    assert mirror_axes(study, both_polarities=False) == [(-1,)]  # no dips were trained
    # A sawtooth trained rising only falls when reversed: no mirror keeps it a sawtooth.
    assert mirror_axes([*study, "sawtooth"], both_polarities=False) == []
    assert mirror_axes([*study, "sawtooth"], both_polarities=True) == [(-1,), (-2,), (-2, -1)]


class _TopLeft(torch.nn.Module):
    """A stand-in network that answers class 0 for ink in the top-left quarter, class 1 for ink
    anywhere: it does not know a shape, only where the ink lies."""

    def forward(self, x):
        h, w = x.shape[-2:]
        ink = x.sum((1, 2, 3)).clamp(min=1)
        corner = x[..., : h // 2, : w // 2].sum((1, 2, 3)) / ink
        return torch.stack(
            [20 * (corner - 0.5), torch.zeros_like(corner), -torch.ones_like(corner)], 1
        )


def test_the_mirrored_answer_is_averaged_over_the_run_s_mirror_images(example):
    net = dataclasses.replace(example, model=_TopLeft())
    corner = np.zeros((1, 100, 100), np.float32)
    corner[0, 10:20, 5:30] = 1
    out = net.predict(corner)[0]
    assert out["label"] == "square" and out["probabilities"]["square"] > 0.99
    # Reversed, upside down or both, the ink leaves the corner: class 0 is nearly 0 in three of
    # the four pictures, so the answer does not survive mirroring.
    assert net.mirrored(corner)[0] == pytest.approx(0.25, abs=0.01)
    assert out["unsure"]
    # A run trained one way up, with a rising sawtooth: no mirror image, the answer stands.
    upright = dataclasses.replace(
        example.experiment,
        waveforms=dataclasses.replace(example.experiment.waveforms, polarity=0.0),
    )
    config = example.run.config | {"classes": ["square", "gaussian", "sine", "sawtooth"]}
    saw = dataclasses.replace(
        net, experiment=upright, run=dataclasses.replace(example.run, config=config)
    )
    assert saw.mirrored(corner)[0] == pytest.approx(out["probabilities"]["square"])
    # Trained on inverted traces only, upside down is no mirror image either: reversed in time.
    waves = dataclasses.replace(example.experiment.waveforms, polarity=1.0)
    inverted = dataclasses.replace(
        net, experiment=dataclasses.replace(example.experiment, waveforms=waves)
    )
    assert inverted.mirrors == [(-1,)]


def test_the_mirror_check_marks_unsure_other_shapes_the_example_run_guessed_at(example):
    spec = WaveformSpec()
    seen = {}
    for name, imgs in (("in", render_batch(spec, 300, seed=11)[0]),
                       ("out", render_distractors(spec, 300, seed=12)[0])):  # fmt: skip
        x = imgs.astype(np.float32)
        p = example.probabilities(x)
        guessed = (p.max(1) >= UNSURE_BELOW) & (example.mirrored(x, p) < MIRRORED_BELOW)
        seen[name] = int(guessed.sum())
    # Sure answers that mirroring does not keep are mostly about shapes outside the classes.
    assert seen["out"] >= 5 and seen["in"] <= 3 and seen["out"] >= 3 * seen["in"], seen


def test_an_empty_input_is_unsure_with_a_top_class(example):
    out = example.predict(np.zeros((1, 100, 100), np.float32))[0]
    assert out["unsure"] is True and out["label"] in example.classes
    assert set(out) == {"label", "unsure", "probabilities", "mirrored", "looks_like"}
    assert out["looks_like"] is None  # nothing drawn: no shape to name


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
    """A stand-in predictor, sure of one network input only (top class `sure`); `doubted`:
    inputs it gives a higher top class (0.99) but answers unsure of all the same, as the shape
    namer or the mirror images make it."""

    def __init__(self, x, doubted=(), sure=0.95):
        self.x, self.doubted, self.sure = x, doubted, sure

    def _doubts(self, x) -> bool:
        return any(np.array_equal(x, d) for d in self.doubted)

    def probabilities(self, xs):
        return np.array([[self.sure, 1 - self.sure] if np.array_equal(x, self.x) else
                         [0.99, 0.01] if self._doubts(x) else [0.5, 0.5] for x in xs])  # fmt: skip

    def predict(self, xs):
        return [
            {"probabilities": {"a": p[0], "b": p[1]}, "unsure": p.max() < 0.7 or self._doubts(x)}
            for x, p in zip(xs, self.probabilities(xs))
        ]


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


def test_a_reading_answered_unsure_is_not_chosen_over_one_answered_surely_nor_ends_the_search():
    from core.capture import read_capture, read_image_u8
    from core.capture.search import SURE
    from core.training.predict import recognised, recogniser

    rgb = read_image_u8(_png((("sawtooth", "yellow"), ("sine", "cyan"))), name="2.png")
    res = read_capture(rgb, recognise=lambda x: 0.5)
    (other,) = res.others
    # The first reading has the higher top class (0.99), but its answer would be unsure: the
    # other, answered surely at 0.8, is the one answered.
    doubting = _SureOf(other.network_input, doubted=[res.network_input], sure=0.8)
    chosen = recognised(doubting, res)
    assert np.array_equal(chosen.network_input, other.network_input)
    # Recognised at 0.99 yet answered unsure counts as not recognised at SURE, so the automatic
    # reading does not stop at it; answered surely at 0.95, it does.
    assert recogniser(doubting)(res.network_input) < SURE
    assert recogniser(_SureOf(res.network_input))(res.network_input) >= SURE


def test_a_reading_the_finder_does_not_trust_is_not_chosen_however_surely_it_is_recognised():
    import dataclasses

    from core.capture import read_capture, read_image_u8
    from core.training.predict import recognised

    rgb = read_image_u8(_png((("sawtooth", "yellow"), ("sine", "cyan"))), name="2.png")
    res = read_capture(rgb, recognise=lambda x: 0.5)
    (other,) = res.others

    class _AlsoSureOf(_SureOf):
        """Sure of `x` at 0.8, and of `also` at 0.99."""

        def __init__(self, x, also):
            super().__init__(x, sure=0.8)
            self.also = also

        def probabilities(self, xs):
            p = super().probabilities(xs)
            p[[np.array_equal(x, self.also) for x in xs]] = [0.99, 0.01]
            return p

    # The first reading cut to a scrap a third of the width across: the finder's doubt makes
    # its answer unsure whatever the network says, so the other trace, answered surely at 0.8,
    # is the one answered, though the scrap's top class is the higher.
    scrap = res.network_input.copy()
    scrap[:, 30:] = 0
    doubted = dataclasses.replace(res, network_input=scrap, others=[other])
    assert not doubted.confident and other.confident
    chosen = recognised(_AlsoSureOf(other.network_input, also=scrap), doubted)
    assert np.array_equal(chosen.network_input, other.network_input)
    # trusted, the first reading recognised at 0.99 is the one answered
    trusted = dataclasses.replace(res, others=[other])
    assert recognised(_AlsoSureOf(other.network_input, also=res.network_input), trusted) is trusted
