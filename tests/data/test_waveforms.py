"""Waveform spec and rasteriser: determinism, shapes, each class's defining feature, validation."""

from __future__ import annotations

import dataclasses
import json

import numpy as np
import pytest
import torch

from core.config import from_dict, to_dict
from core.data.waveforms import (
    CLASS_PARAMS,
    CLASSES,
    STUDY_SPEC,
    WaveformSpec,
    class_balance,
    class_names,
    generation_rate,
    make_datasets,
    render_batch,
    render_one,
)
from core.errors import LabError

SQUARE, GAUSSIAN, SINE, SAWTOOTH = range(4)
# Thin, noise-free traces: each column's lit run is exactly the span from the previous column's row.
CLEAN = WaveformSpec(
    include_sawtooth=True,
    thickness=(1, 1),
    flip_noise=(0, 0),
    jitter=(0, 0),
    artefacts=0.0,
    bumps=(1, 1),
)


def columns(images: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Top lit row, bottom lit row and lit count per column, each (n, W)."""
    lit = images.astype(bool)
    top = lit.argmax(axis=1)
    bottom = images.shape[1] - 1 - lit[:, ::-1].argmax(axis=1)
    return top, bottom, lit.sum(axis=1)


def edge_columns(image: np.ndarray) -> np.ndarray:
    """Columns whose lit run covers at least half the trace's height: vertical edges."""
    top, bottom, count = columns(image[None])
    extent = bottom.max() - top.min()
    return np.flatnonzero(count[0] - 1 >= 0.5 * extent)


def test_shapes_dtypes_binary_and_balance():
    images, labels = render_batch(WaveformSpec(), 301, seed=0)
    assert images.shape == (301, 100, 100) and images.dtype == np.uint8
    assert labels.shape == (301,) and labels.dtype == np.int64
    assert set(np.unique(images)) == {0, 1}
    counts = class_balance(labels, WaveformSpec())
    assert list(counts) == ["square", "gaussian", "sine"] and sum(counts.values()) == 301
    assert max(counts.values()) - min(counts.values()) <= 1
    assert not np.array_equal(labels, np.resize([0, 1, 2], 301))  # shuffled after round-robin


def test_other_sizes_draw_one_contiguous_run_per_column():
    for size in (32, 200):  # 200 takes the uint16 painting path
        images, _ = render_batch(dataclasses.replace(CLEAN, size=size), 80, seed=1)
        assert images.shape == (80, size, size)
        top, bottom, count = columns(images)
        assert (count == bottom - top + 1).all() and (count > 0).all()


def test_same_seed_same_images_other_seed_differs():
    a, la = render_batch(WaveformSpec(), 64, seed=5)
    b, lb = render_batch(WaveformSpec(), 64, seed=5)
    c, lc = render_batch(WaveformSpec(), 64, seed=6)
    assert np.array_equal(a, b) and np.array_equal(la, lb)
    assert not np.array_equal(a, c)


def test_make_datasets_types_and_independent_streams():
    x_tr, y_tr, x_te, y_te = make_datasets(WaveformSpec(), 90, 30, seed=3)
    assert x_tr.shape == (90, 1, 100, 100) and x_tr.dtype == torch.float32
    assert y_tr.dtype == torch.int64 and x_te.shape == (30, 1, 100, 100)
    assert set(torch.unique(x_tr).tolist()) == {0.0, 1.0}
    assert not torch.equal(x_tr[:30], x_te)
    _, _, x_te2, y_te2 = make_datasets(WaveformSpec(), 200, 30, seed=3)
    assert torch.equal(x_te, x_te2) and torch.equal(y_te, y_te2)
    _, _, x_te3, _ = make_datasets(WaveformSpec(), 90, 30, seed=4)
    assert not torch.equal(x_te, x_te3)
    # Each set has its own stream, not the plain seed's (which both would then share).
    plain, _ = render_batch(WaveformSpec(), 30, seed=3)
    assert not np.array_equal(x_te[:, 0].numpy(), plain)


def test_no_blank_images_and_no_clipping_at_the_extremes():
    # Thickest lines and largest jitter allowed, full amplitude: the margins must still hold.
    spec = dataclasses.replace(WaveformSpec(), include_sawtooth=True, flip_noise=(0, 0))
    for extreme in ({}, {"thickness": (8, 8), "jitter": (5, 5), "amplitude": (1, 1)}):
        images, _ = render_batch(dataclasses.replace(spec, **extreme), 800, seed=2)
        assert (images.sum(axis=1) > 0).all()  # the trace crosses every column
        assert images[:, 0].sum() == 0 and images[:, -1].sum() == 0


def test_square_shows_both_levels_and_separate_edges():
    spec = dataclasses.replace(CLEAN, duty=(0.05, 0.95), repetitions=(1, 12), width=(0.02, 0.8))
    images, _ = render_batch(spec, 300, seed=4, classes=[SQUARE])
    for image in images:
        edges = edge_columns(image)
        assert len(edges) >= 2
        assert np.diff(edges).min() >= 3  # high and low stretches between edges stay visible
        top, bottom, _ = columns(image[None])
        assert (top[0] == top.min()).sum() >= 2 and (bottom[0] == bottom.max()).sum() >= 2


@pytest.mark.parametrize("repetitions", [1, 3, 7])
def test_repetitions_give_two_edges_per_period(repetitions):
    image, _ = render_one(CLEAN, "square", seed=1, repetitions=repetitions, duty=0.5, phase=0.25)
    assert len(edge_columns(image)) == 2 * repetitions


def test_single_pulse_and_gaussian_sit_on_a_flat_baseline_inside_the_view():
    for cls in (SQUARE, GAUSSIAN):
        spec = dataclasses.replace(CLEAN, repetitions=(1, 1), width=(0.02, 0.8))
        images, _ = render_batch(spec, 200, seed=5, classes=[cls])
        top, bottom, _ = columns(images)
        # Both ends of the view show the same flat baseline (to a pixel of rounding), at the
        # trace's low or high level, and the pulse stands well away from it.
        ends = np.concatenate([top[:, :4], top[:, -4:]], axis=1)
        assert (ends.max(axis=1) - ends.min(axis=1) <= 1).all()
        low = np.abs(top[:, 0] - bottom.max(axis=1)) <= 1
        high = np.abs(top[:, 0] - top.min(axis=1)) <= 1
        assert (low | high).all()
        assert (bottom.max(axis=1) - top.min(axis=1) >= 8).all()


def test_sine_and_gaussian_have_no_vertical_edges_sawtooth_has():
    images, labels = render_batch(CLEAN, 400, seed=6)
    n_edges = np.array([len(edge_columns(im)) for im in images])
    assert (n_edges[(labels == SINE) | (labels == GAUSSIAN)] == 0).all()
    assert (n_edges[labels == SAWTOOTH] >= 1).all()


def test_short_sines_show_a_full_peak_and_trough_and_sawtooths_a_drop():
    spec = dataclasses.replace(CLEAN, cycles=(0.75, 1.3))
    images, labels = render_batch(spec, 400, seed=7, classes=[SINE, SAWTOOTH])
    top, bottom, _ = columns(images)
    for y, lab in zip(-(top + bottom) / 2, labels):  # height of the trace per column
        if lab == SAWTOOTH:
            continue
        ext = y.max() - y.min()
        for level in (y, -y):  # a peak, then a trough
            j = np.flatnonzero(level >= level.max() - 0.02 * ext)
            dips = [(level[:i].min(initial=np.inf), level[i + 1 :].min(initial=np.inf)) for i in j]
            assert any(max(d) <= level.max() - 0.05 * ext for d in dips)
    saw = images[labels == SAWTOOTH]
    assert all(len(edge_columns(im)) >= 1 for im in saw)


def test_polarity_flips_the_pulse():
    for cls in ("square", "gaussian"):
        fixed = {"position": 0.5, "baseline": 0.5, "amplitude": 0.8}
        if cls == "square":
            fixed |= {"repetitions": 1, "width": 0.3}
        up, _ = render_one(CLEAN, cls, seed=0, polarity=1, **fixed)
        down, _ = render_one(CLEAN, cls, seed=0, polarity=-1, **fixed)
        t_up, t_down = columns(up[None])[0][0], columns(down[None])[0][0]
        assert t_up[50] < t_up[0] - 20  # the pulse rises above its baseline
        assert t_down[50] > t_down[0] + 20
    # The spec's polarity is the chance of an inverted trace.
    for p, expect in ((0.0, 0.0), (1.0, 1.0), (0.5, 0.5)):
        spec = dataclasses.replace(CLEAN, polarity=p, repetitions=(1, 1))
        images, _ = render_batch(spec, 300, seed=8, classes=[GAUSSIAN])
        top, bottom, _ = columns(images)
        inverted = (top[:, 0] == top.min(axis=1)).mean()
        assert abs(inverted - expect) < 0.1


def test_thickness_widens_the_trace():
    counts = {}
    for t in (1, 3):
        images, _ = render_batch(dataclasses.replace(CLEAN, thickness=(t, t)), 60, seed=9)
        counts[t] = images.sum(axis=(1, 2)).astype(float)
    ratio = counts[3] / counts[1]
    assert (ratio > 1.8).all() and 2.3 < ratio.mean() < 3.5
    # Vertical edges thicken sideways too, as a scope's trace does.
    fixed = {"repetitions": 3, "duty": 0.5, "phase": 0.25}
    thin, _ = render_one(CLEAN, "square", seed=0, thickness=1, **fixed)
    thick, _ = render_one(CLEAN, "square", seed=0, thickness=3, **fixed)
    assert len(edge_columns(thick)) == 3 * len(edge_columns(thin)) == 18


def test_flip_noise_flips_the_requested_fraction_and_jitter_shakes_the_trace():
    noisy, _ = render_batch(dataclasses.replace(CLEAN, flip_noise=(0.05, 0.05)), 100, seed=10)
    clean, _ = render_batch(CLEAN, 100, seed=10)
    assert 0.045 < (noisy != clean).mean() < 0.055
    # A gaussian's flat tails are one pixel thick when clean and shake when jittered.
    for jitter, lo, hi in ((0, 0.0, 0.1), (2, 1.0, 4.0)):
        spec = dataclasses.replace(CLEAN, jitter=(jitter, jitter))
        images, _ = render_batch(spec, 100, seed=10, classes=[GAUSSIAN])
        top, bottom, _ = columns(images)
        assert lo <= (bottom[:, 1:5] - top[:, 1:5]).mean() <= hi


def test_sawtooth_off_by_default_and_on_when_enabled():
    assert class_names(WaveformSpec()) == ["square", "gaussian", "sine"]
    assert class_names(WaveformSpec(include_sawtooth=True)) == list(CLASSES)
    _, labels = render_batch(WaveformSpec(), 60, seed=0)
    assert labels.max() == 2
    _, labels = render_batch(WaveformSpec(include_sawtooth=True), 60, seed=0)
    assert set(labels.tolist()) == {0, 1, 2, 3}
    with pytest.raises(LabError, match="sawtooth"):
        render_batch(WaveformSpec(), 10, seed=0, classes=[SAWTOOTH])


def test_classes_restrict_the_batch():
    _, labels = render_batch(WaveformSpec(), 40, seed=0, classes=[GAUSSIAN, SINE])
    assert set(labels.tolist()) == {GAUSSIAN, SINE}


def test_render_one_reports_values_that_reproduce_the_image():
    for cls in CLASSES:
        for seed in range(4):
            image, params = render_one(WaveformSpec(), cls, seed=seed)
            assert image.shape == (100, 100) and image.dtype == np.uint8
            assert set(params) <= set(CLASS_PARAMS[cls])
            again, params2 = render_one(WaveformSpec(), cls, seed=seed, **params)
            assert np.array_equal(image, again) and params2 == pytest.approx(params)


def test_render_one_override_fixes_one_value_and_keeps_the_rest():
    _, base = render_one(WaveformSpec(), "sine", seed=3)
    _, fixed = render_one(WaveformSpec(), "sine", seed=3, amplitude=0.5, thickness=2)
    assert fixed["amplitude"] == 0.5 and fixed["thickness"] == 2
    assert fixed["cycles"] == base["cycles"] and fixed["phase"] == base["phase"]
    _, single = render_one(WaveformSpec(), "square", seed=0, repetitions=1)
    _, train = render_one(WaveformSpec(), "square", seed=0, repetitions=4)
    assert {"position", "width"} <= set(single) and "duty" not in single
    assert {"duty", "phase"} <= set(train) and "width" not in train


def test_study_spec_is_narrow_and_clean():
    spec = WaveformSpec.study()
    assert spec == STUDY_SPEC and not spec.include_sawtooth
    assert spec.repetitions == (1, 1) and spec.thickness == (1, 1) and spec.polarity == 0
    images, labels = render_batch(spec, 90, seed=0)
    top, bottom, count = columns(images)
    assert (count == bottom - top + 1).all()  # no noise pixels anywhere
    sq = labels == SQUARE
    assert (top[sq, 0] == bottom[sq].max(axis=1)).all()  # upright pulses from a low baseline


def test_spec_round_trips_through_json():
    custom = WaveformSpec(size=64, include_sawtooth=True, amplitude=(0.3, 0.6), repetitions=(2, 5))
    for spec in (WaveformSpec(), STUDY_SPEC, custom):
        d = json.loads(json.dumps(to_dict(spec)))
        assert d == to_dict(spec) and from_dict(WaveformSpec, d, "waveform") == spec
    assert from_dict(WaveformSpec, {"size": 64}, "waveform") == WaveformSpec(size=64)
    assert hash(from_dict(WaveformSpec, {"amplitude": [0.3, 0.6]}, "waveform")) == hash(
        WaveformSpec(amplitude=(0.3, 0.6))
    )


BAD_SPECS = [
    ({"amplitude": (0.8, 0.2)}, "amplitude"),
    ({"thickness": (-1, 2)}, "thickness"),
    ({"thickness": (1.5, 2)}, "thickness"),
    ({"width": (0.1, 0.95)}, "width"),
    ({"sigma": (0.1,)}, "sigma"),
    ({"cycles": (0.5, 2.0)}, "cycles"),
    ({"repetitions": (1, 20)}, "repetitions"),
    ({"jitter": (0.0, 10.0)}, "jitter"),
    ({"flip_noise": (0.0, float("nan"))}, "flip_noise"),
    ({"baseline": ("low", "high")}, "baseline"),
    ({"polarity": 1.5}, "polarity"),
    ({"size": 10}, "size"),
    ({"size": "100"}, "size"),
    ({"include_sawtooth": "yes"}, "sawtooth"),
]


@pytest.mark.parametrize("changes,word", BAD_SPECS)
def test_impossible_settings_raise_a_sentence(changes, word):
    with pytest.raises(LabError) as err:
        WaveformSpec(**changes)
    message = str(err.value)
    assert word in message and message[0].isupper() and message.endswith(".")


def test_bad_calls_raise_lab_errors():
    with pytest.raises(LabError, match="Unknown waveform setting"):
        from_dict(WaveformSpec, {"amplitud": [0.1, 0.2]}, "waveform")
    with pytest.raises(LabError):
        from_dict(WaveformSpec, [("size", 100)], "waveform")
    with pytest.raises(LabError, match="class"):
        render_one(WaveformSpec(), "triangle")
    with pytest.raises(LabError, match="no setting 'sigma'"):
        render_one(WaveformSpec(), "sine", sigma=0.05)
    with pytest.raises(LabError, match="amplitude"):
        render_one(WaveformSpec(), "sine", amplitude=2.0)
    with pytest.raises(LabError, match="polarity"):
        render_one(WaveformSpec(), "sine", polarity=0)
    with pytest.raises(LabError, match="seed"):
        render_batch(WaveformSpec(), 10, seed=-1)
    with pytest.raises(LabError, match="training set"):
        make_datasets(WaveformSpec(), -5, 10, seed=0)
    with pytest.raises(LabError, match="Labels"):
        class_balance(np.array([0, 3]), WaveformSpec())


def test_generation_rate_reports_images_per_second():
    assert generation_rate(n=300, seed=0, repeats=1) > 100


def test_zero_images_is_an_empty_batch_not_an_error():
    imgs, labels = render_batch(WaveformSpec(), 0, seed=1)
    assert imgs.shape == (0, 100, 100) and imgs.dtype == np.uint8 and labels.shape == (0,)


def test_a_gaussian_wider_than_its_tails_allow_is_centred_with_them_cut_by_the_edges():
    spec = WaveformSpec(artefacts=0.0, bumps=(1, 1), flip_noise=(0.0, 0.0), jitter=(0.0, 0.0))
    peaks = []
    for position in (0.0, 1.0):
        img, used = render_one(spec, "gaussian", sigma=0.2, position=position, polarity=1)
        assert used["sigma"] == 0.2
        top = np.flatnonzero(img.any(1))[0]
        peaks.append(np.flatnonzero(img[top]).mean())
    assert abs(peaks[0] - 49.5) <= 2 and abs(peaks[1] - 49.5) <= 2
    # a narrow one still moves with its position
    left, _ = render_one(spec, "gaussian", sigma=0.05, position=0.0, polarity=1)
    assert np.flatnonzero(left[np.flatnonzero(left.any(1))[0]]).mean() < 35
