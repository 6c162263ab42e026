"""The shape namer: a second opinion that names a network input's shape among many families, and
makes a run's answer unsure where it sees a shape outside the run's classes."""

from __future__ import annotations

import numpy as np
import pytest
import torch

import core.capture.namer as namer
from core.capture.curves import samples_to_input
from core.capture.namer import ALIKE, FAMILIES, OFF_CLASS_ABOVE, WORDS, load_namer, off_class
from core.capture.namertrain import (
    accuracy_by_family,
    read_example,
    rendered_examples,
    save_namer,
    train_namer,
)
from core.data.shapes import DISTRACTORS
from core.training.predict import EXAMPLE_RUN, load_predictor

HELD_OUT = 10**7  # as scripts/train_namer.py: read examples it never trained on


@pytest.fixture(scope="module")
def example():
    return load_predictor(EXAMPLE_RUN)


def test_every_family_has_words_and_the_classes_come_first():
    assert FAMILIES[:3] == ("square", "gaussian", "sine") and set(DISTRACTORS) <= set(FAMILIES)
    assert set(WORDS) == set(FAMILIES)


def test_the_shipped_namer_names_the_families_it_was_taught():
    """On examples it did not train on, drawn both ways (read and rendered), it names most of
    every family right, and far more than a guess among 14."""
    net = load_namer()
    assert net is not None, "core/capture/namer.pt is shipped"
    got = [read_example(i) for i in range(HELD_OUT, HELD_OUT + 420)]
    xr, yr = np.stack([g[0] for g in got]), np.array([g[1] for g in got])
    xn, yn = rendered_examples(140, 10**6)
    x, y = np.concatenate([xr, xn]), np.concatenate([yr, yn])
    scores = accuracy_by_family(net, x, y)  # an RC charge and decay: one family, and so on
    assert set(scores) == set(FAMILIES) - set(ALIKE)
    assert min(scores.values()) >= 0.5 and np.mean(list(scores.values())) >= 0.8, scores


def _decay(n: int = 600) -> np.ndarray:
    t = np.linspace(0, 1, n)
    return np.where(t < 0.15, 1.0, np.exp(-(t - 0.15) / 0.12))


def _rectified(n: int = 600) -> np.ndarray:
    """A full-wave rectified sine, five half periods: what a bridge rectifier's output shows."""
    return np.abs(np.sin(5 * np.pi * np.linspace(0, 1, n)))


def test_a_shape_the_run_was_not_taught_is_answered_unsure_with_what_it_looks_like(
    example, monkeypatch, tmp_path
):
    """A rectified sine read from a scope's samples: the example network alone names it surely
    (a sine); with the namer's second opinion it is unsure, and the answer says what it looks
    like. A sine stays a sure sine with nothing said about its look."""
    rectified = samples_to_input(_rectified())[None]
    sine = samples_to_input(np.sin(np.linspace(0, 6 * np.pi, 600)))[None]
    shipped = namer.WEIGHTS
    monkeypatch.setattr(namer, "WEIGHTS", tmp_path / "absent.pt")
    load_namer.cache_clear()
    alone = example.predict(rectified)[0]
    assert not alone["unsure"] and alone["looks_like"] is None  # no weights: the run alone
    monkeypatch.setattr(namer, "WEIGHTS", shipped)
    load_namer.cache_clear()
    said = example.predict(np.concatenate([rectified, sine]))
    assert alone["label"] == "sine" and said[0]["unsure"] and said[0]["looks_like"] == "rectified"
    assert said[0]["label"] == alone["label"]  # the closest class is still given
    assert not said[1]["unsure"] and said[1]["label"] == "sine" and said[1]["looks_like"] is None


class _Fixed(torch.nn.Module):
    """A namer that answers the same belief for every input."""

    def __init__(self, probs):
        super().__init__()
        self.logits = torch.log(torch.tensor(probs, dtype=torch.float32))

    def forward(self, x):
        return self.logits.expand(len(x), -1)


def test_off_class_counts_the_runs_own_classes_as_known():
    belief = np.full(len(FAMILIES), 0.01)
    belief[FAMILIES.index("sawtooth")] = 1 - 0.01 * (len(FAMILIES) - 1)
    net = _Fixed(belief)
    x = np.zeros((2, 100, 100), np.float32)
    (share, shape), _ = off_class(x, ["square", "gaussian", "sine"], net)
    assert shape == "sawtooth" and share == pytest.approx(1 - 0.03, abs=1e-4)
    assert share > OFF_CLASS_ABOVE
    (share, _), _ = off_class(x, ["square", "gaussian", "sine", "sawtooth"], net)
    assert share == pytest.approx(1 - 0.03 - belief[FAMILIES.index("sawtooth")], abs=1e-4)
    assert off_class(np.zeros((1, 64, 64), np.float32), ["sine"], net) is None  # other size


def test_without_weights_or_with_damaged_ones_the_run_answers_alone(example, tmp_path,
                                                                    monkeypatch):  # fmt: skip
    broken = tmp_path / "namer.pt"
    broken.write_bytes(b"not a torch file")
    for path in (tmp_path / "absent.pt", broken):
        monkeypatch.setattr(namer, "WEIGHTS", path)
        load_namer.cache_clear()
        assert load_namer() is None
        said = example.predict(samples_to_input(_decay())[None])[0]
        assert said["looks_like"] is None and said["label"] in example.classes
    load_namer.cache_clear()


def test_train_and_save_a_namer_that_loads_back(tmp_path):
    got = [read_example(i) for i in range(60)]
    x, y = np.stack([g[0] for g in got]), np.array([g[1] for g in got])
    seen = []
    net = train_namer(x, y, epochs=2, batch=16, width=4, progress=lambda e, loss: seen.append(loss))
    assert len(seen) == 2 and all(np.isfinite(seen))
    save_namer(net, tmp_path / "n.pt", epochs=2)
    back = load_namer(str(tmp_path / "n.pt"))
    assert back is not None and back[1].out_channels == 4
    with torch.inference_mode():
        a = net(torch.from_numpy(x[:3].astype(np.float32))[:, None])
        b = back(torch.from_numpy(x[:3].astype(np.float32))[:, None])
    assert a.shape == (3, len(FAMILIES)) and torch.allclose(a, b)
