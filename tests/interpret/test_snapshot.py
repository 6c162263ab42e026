"""The page-level insight calls: held-out set, snapshot evaluation, cells, heat maps, preferred
inputs, strokes, one-thread scoping; and the words and rows made from kernel diagnostics."""

from __future__ import annotations

import threading

import numpy as np
import pytest
import torch

from core import render
from core.errors import LabError
from core.interpret import diagnostics as A
from core.interpret import snapshot as insight
from core.interpret import verdict
from core.nn.threads import single_threaded
from core.training.experiment import run_experiment
from core.training.predict import load_predictor
from core.training.presets import preset
from core.training.runs import RunStore, load_run

K = 25


@pytest.fixture(scope="module")
def run(tmp_path_factory):
    """One smoke-sized trained run of the fast preset."""
    exp = preset("fast").with_changes(n_train=240, n_test=60, batch_size=24, epochs=1)
    return load_run(run_experiment(exp, RunStore(tmp_path_factory.mktemp("runs"))).run_dir)


def test_heldout_set_is_the_one_the_run_was_checked_on(run):
    held = insight.heldout_set(run)
    assert held.x.shape == (60, 1, 100, 100) and len(held) == 60
    assert held.classes == ["square", "gaussian", "sine"]
    assert set(np.unique(held.x.numpy())) <= {0.0, 1.0}
    predictor = load_predictor(run)
    snaps = run.snapshots()
    ev = insight.evaluate_snapshot(predictor.model, held, "cross_entropy", *_last(snaps))
    assert ev.confusion.tolist() == run.status["confusion"]  # what training recorded
    assert ev.accuracy == pytest.approx(run.final_metric("test_accuracy"), abs=1e-6)
    assert ev.probs.shape == (60, 3) and np.allclose(ev.probs.sum(axis=1), 1, atol=1e-5)
    assert len(insight.heldout_set(run, limit=10)) == 10


def _last(snaps):
    return snaps.weights[-1], snaps.bias[-1]


def test_evaluating_an_early_snapshot_restores_the_network(run):
    predictor = load_predictor(run)
    held = insight.heldout_set(run)
    snaps = run.snapshots()
    before = predictor.model.conv1.weight.detach().clone()
    early = insight.evaluate_snapshot(
        predictor.model, held, "cross_entropy", snaps.weights[0], snaps.bias[0]
    )
    late = insight.evaluate_snapshot(predictor.model, held, "cross_entropy", *_last(snaps))
    assert torch.equal(predictor.model.conv1.weight, before)
    assert not np.array_equal(early.probs, late.probs)
    assert early.confusion.sum() == late.confusion.sum() == 60


def test_cells_and_the_worst_cell():
    probs = np.array([[0.8, 0.1, 0.1], [0.2, 0.7, 0.1], [0.1, 0.6, 0.3], [0.1, 0.9, 0.0]])
    y = np.array([0, 2, 2, 2])
    cm = np.zeros((3, 3), np.int64)
    np.add.at(cm, (y, probs.argmax(1)), 1)
    ev = insight.SnapshotEval(probs=probs, confusion=cm, pred=probs.argmax(1), accuracy=0.25)
    members = insight.cell_members(ev, y, true_cls=2, pred_cls=1)
    assert [i for i, _ in members] == [3, 1, 2]  # most confident first
    assert insight.cell_members(ev, y, 0, 0)[0][0] == 0
    assert insight.cell_members(ev, y, 1, 1) == []
    assert insight.worst_cell(cm) == (2, 1)
    assert insight.worst_cell(np.diag([3, 3, 3])) == (0, 0)


@pytest.mark.parametrize("method", insight.HEAT_METHODS)
def test_heat_maps_are_images_in_unit_range(run, method):
    predictor = load_predictor(run)
    held = insight.heldout_set(run, limit=3)
    snaps = run.snapshots()
    maps = insight.heat_maps(
        predictor.model, held.x, [0, 1, 2], method, weights=snaps.weights[2], bias=snaps.bias[2]
    )
    assert maps.shape == (3, 100, 100) and maps.dtype == np.float32
    assert maps.min() >= 0 and maps.max() <= 1 and maps.max() > 0
    with pytest.raises(LabError, match="Unknown heat map"):
        insight.heat_maps(predictor.model, held.x, [0], "occlusion")


def test_preferred_inputs_and_top_patches(run):
    predictor = load_predictor(run)
    snaps = run.snapshots()
    found = insight.preferred_inputs(
        predictor.model, [0, 1], [2], weights=snaps.weights[-1], bias=snaps.bias[-1], steps=3
    )
    assert sorted(found["kernel"]) == [0, 1] and list(found["class"]) == [2]
    for image in [*found["kernel"].values(), *found["class"].values()]:
        assert image.shape == (100, 100) and set(np.unique(image)) <= {0.0, 1.0}
    tops = insight.kernel_top_patches(predictor.model, insight.heldout_set(run), [0, 4], n=3)
    assert sorted(tops) == [0, 4] and tops[0].shape == (3, K, K)


def test_kernel_strokes_follow_the_kernel():
    w = np.zeros((2, 1, K, K))
    w[0, 0, 7, :] = 1.0  # a horizontal bar on row 7
    w[1, 0, :, 3] = 1.0  # a vertical bar on column 3
    strokes = insight.kernel_strokes(w)
    assert strokes.shape == (2, K, K) and strokes.dtype == np.float32
    assert strokes[0, 7].all()
    assert strokes[1, :, 3].sum() > K // 2


def test_single_threaded_scopes_restores_and_nests():
    before = torch.get_num_threads()
    seen = []
    with single_threaded():
        seen.append(torch.get_num_threads())
        with single_threaded():
            seen.append(torch.get_num_threads())
        seen.append(torch.get_num_threads())  # the inner exit keeps the outer one's setting
        t = threading.Thread(target=lambda: seen.append(torch.get_num_threads()))
        t.start()
        t.join()
    assert seen == [1, 1, 1, 1]
    assert torch.get_num_threads() == before
    with pytest.raises(RuntimeError), single_threaded():
        raise RuntimeError("inside")
    assert torch.get_num_threads() == before


# -- verdict: diagnostics in words ----------------------------------------------------------------
def _diag(kind: str, n_frames: int = 4, k: int = 3):
    rng = np.random.default_rng(0)
    w0 = rng.uniform(-1 / K, 1 / K, (k, 1, K, K))
    line = np.zeros((K, K))
    line[K // 2] = 1.0
    grow = {"random": 0.0, "small": 0.004, "big": 0.2}[kind]
    steps = np.linspace(0, 1, n_frames)[:, None, None, None, None]
    frames = w0[None] + steps * grow * line
    return A.kernel_diagnostics(frames, steps=np.arange(n_frames) * 10)


def test_verdict_on_random_kernels():
    text = verdict.structure_verdict(_diag("random"))
    assert text.startswith("At step 30, 0 of 3 kernels score above 3")
    assert "3 score like random kernels" in text
    assert "even the learned part looks like noise" not in text  # nothing learned at all


def test_verdict_on_kernels_that_learned_a_line():
    text = verdict.structure_verdict(_diag("big"))
    assert "3 of 3 kernels score above 3" in text and "like random" not in text
    assert "structured and large enough to see" in text


def test_verdict_when_the_learned_part_is_buried_under_the_random_start():
    text = verdict.structure_verdict(_diag("small"))
    assert "no bigger than the random start it sits on, so the kernels still look random" in text


def test_dead_kernel_sentences():
    frames = np.random.default_rng(1).uniform(-0.04, 0.04, (3, 3, 1, K, K))
    frames[:, 1] = -np.abs(frames[:, 1])
    bias = np.zeros((3, 3))
    bias[:, 1] = -0.1
    frames[:, 2] = frames[0, 2]
    diag = A.kernel_diagnostics(frames, steps=np.array([0, 5, 10]), bias_frames=bias)
    sentences = verdict.dead_kernels(diag)
    assert len(sentences) == 2
    assert sentences[0].startswith("Kernel 2 is dead: it can never switch on")
    assert sentences[1].startswith("Kernel 3 is dead: it has not changed since initialisation")
    s = verdict.summary(diag)
    assert s["kernels"] == 3 and s["dead"] == 2


def test_chart_records_are_thinned_and_filtered():
    diag = _diag("big", n_frames=200, k=12)
    rows = verdict.chart_records(diag, ("structure", "orientation"), max_frames=50, max_kernels=4)
    measures = {r["measure"] for r in rows}
    assert measures == {"structure"} | {f"orientation {o}" for o in A.ORIENTATIONS}
    steps = sorted({r["step"] for r in rows})
    assert len(steps) <= 50 and steps[0] == 0 and steps[-1] == 1990
    assert {r["kernel"] for r in rows} == {0, 1, 2, 3}
    medians = verdict.median_records(diag, "structure", max_frames=20)
    assert len(medians) <= 20 and set(medians[0]) == {"step", "value"}


def test_image_montage_lays_images_out_like_kernels():
    images = np.zeros((5, 4, 4), np.float32)
    images[2] = 1.0
    kernels = render.kernel_montage(np.zeros((5, 4, 4)), upscale=3, ncols=3)
    grey = render.image_montage(images, upscale=3, ncols=3)
    assert grey.shape == kernels.shape and grey.dtype == np.uint8
    tile = grey[:12, 2 * (12 + 4) : 2 * (12 + 4) + 12]  # image 2: first row, third column
    assert (tile == 255).all()
    assert (grey[:12, :12] == 0).all()


def test_verdict_of_kernels_thrown_far_off():
    diag = _diag("big")
    diag["rel_change_init"] = diag["rel_change_init"] * 1e9  # as after a diverged step
    assert "times the size they started with" in verdict.structure_verdict(diag)
