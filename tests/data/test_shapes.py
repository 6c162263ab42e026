"""Waveforms as scopes show them: artefacts, several peaks and distractor shapes."""

from __future__ import annotations

import dataclasses

import numpy as np
import pytest

from core.data.shapes import DISTRACTORS, add_artefacts, distractor_levels
from core.data.waveforms import (
    STUDY_SPEC,
    WaveformSpec,
    distractor_set,
    render_batch,
    render_distractors,
    trace_levels,
)
from core.errors import LabError


def test_study_spec_is_unchanged_by_the_new_settings():
    assert STUDY_SPEC.artefacts == 0 and STUDY_SPEC.bumps == (1, 1)
    assert STUDY_SPEC.distractors == 0
    assert distractor_set(STUDY_SPEC, 100, 0) is None


def test_ringing_overshoots_a_step_and_rounding_slows_it():
    step = np.zeros((1, 200), np.float32)
    step[:, 100:] = 1
    rng = np.random.default_rng(0)
    out = []
    for _ in range(40):  # each draw picks its own artefacts: collect both kinds
        v = add_artefacts(step.copy(), 1.0, rng)[0]
        out.append(v)
    overshoot = [v[100:115].max() > v[150:].mean() + 0.02 for v in out]
    rounded = [0.1 < v[101] < 0.9 for v in out]
    assert any(overshoot) and any(rounded)
    assert all(v.min() >= 0 and v.max() <= 1 for v in out)


def test_no_artefacts_leaves_levels_alone():
    v = np.linspace(0, 1, 50, dtype=np.float32)[None]
    assert np.array_equal(add_artefacts(v, 0.0, np.random.default_rng(0)), v)


def test_a_dc_level_stays_flat_after_noise():
    rng = np.random.default_rng(1)
    levels, names = distractor_levels(300, 100, rng)
    dc = levels[[n == "dc" for n in names]]
    assert len(dc) and (dc.max(1) - dc.min(1)).max() < 0.2  # its ripple is not blown up


def test_every_distractor_shape_is_drawn():
    _, names = distractor_levels(400, 64, np.random.default_rng(2))
    assert set(names) == set(DISTRACTORS)


def test_gaussians_get_several_peaks_when_asked():
    spec = WaveformSpec(bumps=(3, 3), artefacts=0.0, thickness=(1, 1), jitter=(0, 0),
                        flip_noise=(0, 0), polarity=0.0)  # fmt: skip
    rng = np.random.default_rng(3)
    peaks = []
    for _ in range(20):
        v, _ = trace_levels(spec, "gaussian", 200, rng)
        inner = (v[1:-1] > v[:-2]) & (v[1:-1] >= v[2:]) & (v[1:-1] > 0.05)
        peaks.append(inner.sum())
    assert max(peaks) >= 2


def test_distractor_images_are_seeded_binary_and_sized():
    spec = WaveformSpec()
    a, names = render_distractors(spec, 20, 5)
    b, _ = render_distractors(spec, 20, 5)
    assert a.shape == (20, 100, 100) and set(np.unique(a)) <= {0, 1}
    assert np.array_equal(a, b) and len(names) == 20
    assert a.reshape(20, -1).any(1).all()
    x = distractor_set(dataclasses.replace(spec, distractors=0.5), 40, 0)
    assert x.shape == (20, 1, 100, 100)


def test_artefacts_change_the_default_images_but_stay_in_view():
    plain = dataclasses.replace(WaveformSpec(), artefacts=0.0, bumps=(1, 1))
    a, _ = render_batch(WaveformSpec(), 60, 0)
    b, _ = render_batch(plain, 60, 0)
    assert not np.array_equal(a, b)
    assert a[:, 0].sum() + a[:, -1].sum() < 0.01 * a.sum()  # nothing runs along the border


def test_trace_levels_for_classes_and_other():
    rng = np.random.default_rng(4)
    v, name = trace_levels(WaveformSpec(), "sine", 500, rng)
    assert v.shape == (500,) and name == "sine" and 0 <= v.min() and v.max() <= 1
    _, name = trace_levels(WaveformSpec(), "other", 300, rng)
    assert name in DISTRACTORS
    with pytest.raises(LabError):
        trace_levels(WaveformSpec(), "triangle", 100, rng)


@pytest.mark.parametrize("changes", [{"artefacts": 1.5}, {"distractors": -1}, {"bumps": (0, 2)}])
def test_bad_new_settings_raise_a_sentence(changes):
    with pytest.raises(LabError):
        WaveformSpec(**changes)
