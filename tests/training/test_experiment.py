"""Experiments end to end: presets, run folders, reloading, predicting, the job queue."""

import json
import time

import numpy as np
import pytest
import torch

from core.data.waveforms import WaveformSpec, class_names, render_batch
from core.errors import LabError
from core.nn.model import build_model, count_params
from core.training.experiment import experiment_from_dict, experiment_to_dict, run_experiment
from core.training.jobs import JobQueue
from core.training.predict import load_predictor
from core.training.presets import preset
from core.training.runs import RunStore, load_run


def smoke(**kw):
    """A smoke-sized fast run: a few steps at the real 100x100 size."""
    base = dict(n_train=240, n_test=60, batch_size=24, epochs=1, eval_every=5)
    return preset("fast").with_changes(**(base | kw))


def test_presets_have_the_documented_recipes():
    fast, paper = preset("fast"), preset("paper")
    assert fast.train.loss == "cross_entropy" and fast.train.optimizer == "adam"
    assert fast.train.batch_size == 64
    assert paper.train.loss == "l1" and paper.train.optimizer == "sgd"
    assert paper.train.lr == 0.1 and paper.train.momentum == 0 and paper.train.batch_size == 1000
    assert paper.train.n_train == 10_000
    assert fast.model.kernels == 5 and fast.model.kernel_size == 25
    assert paper.model.kernels == 5 and paper.model.kernel_size == 25
    n = count_params(build_model(paper.model))
    assert 6_500_000 < n < 7_500_000
    with pytest.raises(LabError, match="Unknown preset"):
        preset("huge")


def test_sawtooth_gives_a_four_class_network():
    exp = preset("fast", WaveformSpec(include_sawtooth=True))
    assert exp.model.n_classes == 4 == len(class_names(exp.waveforms))


def test_config_round_trips_through_json():
    exp = smoke(seed=7)
    d = json.loads(json.dumps(experiment_to_dict(exp)))
    assert experiment_from_dict(d) == exp
    with pytest.raises(LabError):
        experiment_from_dict({"preset": "fast"})


def test_smoke_run_trains_writes_reloads_and_predicts(tmp_path):
    exp = smoke(epochs=3)
    events = []
    res = run_experiment(exp, RunStore(tmp_path), on_event=events.append)
    assert res.status == "done" and res.steps == exp.train.total_steps()
    run = load_run(res.run_dir)
    assert run.state == "done"
    assert run.config["train"]["n_train"] == 240 and run.config["params"] == res.params
    snaps = run.snapshots()
    assert snaps.weights.shape[1:] == (5, 1, 25, 25) and snaps.step[0] == 0
    assert len(snaps) == exp.train.total_steps() // exp.train.snapshot_cadence() + 1
    assert len(run.metrics) >= 2 and run.metrics[-1]["step"] == res.steps
    cm = np.array(run.status["confusion"])
    assert cm.shape == (3, 3) and cm.sum() == exp.train.n_test
    assert run.status["plateau"] is events[-1].data["plateau"]  # bool, as the loop said
    # reload the network and predict on images this experiment's generator renders
    predictor = load_predictor(res.run_dir)
    imgs, labels = render_batch(exp.waveforms, 30, seed=123)
    out = predictor.predict(imgs.astype(np.float32))
    assert len(out) == 30
    assert all(abs(sum(o["probabilities"].values()) - 1) < 1e-4 for o in out)
    assert set(out[0]["probabilities"]) == {"square", "gaussian", "sine"}
    assert [o["label"] for o in out] == [
        max(o["probabilities"], key=o["probabilities"].get) for o in out
    ]


def test_a_run_learns_the_waveforms(tmp_path):
    res = run_experiment(
        smoke(n_train=1500, n_test=300, epochs=2, batch_size=64), RunStore(tmp_path)
    )
    assert res.metrics["test_accuracy"] >= 0.8


def test_same_seed_same_run_on_cpu(tmp_path):
    a = run_experiment(smoke(seed=3), RunStore(tmp_path / "a"))
    b = run_experiment(smoke(seed=3), RunStore(tmp_path / "b"))
    ra, rb = load_run(a.run_dir), load_run(b.run_dir)
    assert np.array_equal(ra.snapshots().weights, rb.snapshots().weights)
    assert [m["loss"] for m in ra.metrics] == [m["loss"] for m in rb.metrics]


def test_job_queue_runs_one_at_a_time_and_stops(tmp_path):
    queue = JobQueue()
    store = RunStore(tmp_path)
    first = queue.submit(smoke(epochs=40), store, owner="alice")
    second = queue.submit(smoke(), store, owner="bob")
    deadline = time.time() + 30
    while first.progress().state not in ("running",) and time.time() < deadline:
        time.sleep(0.05)
    p2 = second.progress()
    assert p2.state == "queued" and p2.queue_position == 1
    first.pause()
    while first.progress().state != "paused" and time.time() < deadline:
        time.sleep(0.05)
    held = first.progress().step
    time.sleep(0.4)
    assert first.progress().step == held
    first.resume()
    assert queue.stop_owner("alice") == 1
    first.join(30)
    second.join(60)
    p1, p2 = first.progress(), second.progress()
    assert p1.state == "stopped" and p1.run_dir is not None
    assert load_run(p1.run_dir).state == "stopped"
    assert p2.state == "done" and load_run(p2.run_dir).state == "done"
    assert p1.frames >= 1 and p1.weights.shape == (5, 1, 25, 25)


def test_a_queued_job_can_be_cancelled(tmp_path):
    queue = JobQueue()
    store = RunStore(tmp_path)
    first = queue.submit(smoke(epochs=20), store)
    second = queue.submit(smoke(), store)
    second.stop()
    second.join(10)
    assert second.progress().state == "stopped" and second.progress().run_dir is None
    first.stop()
    first.join(30)


def test_a_job_with_impossible_settings_fails_with_a_sentence(tmp_path, monkeypatch):
    monkeypatch.setattr(torch.cuda, "is_available", lambda: False)
    queue = JobQueue()
    job = queue.submit(smoke(device="cuda"), RunStore(tmp_path))
    job.join(30)
    p = job.progress()
    assert p.state == "failed" and "CUDA" in p.message.upper() and p.message.endswith(".")
    assert RunStore(tmp_path).list_runs() == ([], [])  # no half-made run folder is left behind


def test_a_network_over_the_size_limit_is_refused_before_anything_is_written(tmp_path):
    huge = preset("fast").model.__class__(head="mlp", pool1=0, conv2_channels=64, hidden=(8192,))
    exp = preset("fast").with_changes(model=huge)
    # too big for a laptop: refused with what it would need (the published preset's rule)
    with pytest.raises(LabError, match=r"3,028,331,453 parameters.*no CUDA GPU"):
        run_experiment(exp, RunStore(tmp_path))
    assert list(tmp_path.iterdir()) == []  # no half-made run folder


def test_the_cli_refuses_what_the_train_page_refuses(tmp_path, monkeypatch, capsys):
    from core.cli import main
    from core.training import presets

    huge = preset("fast").model.__class__(head="mlp", pool1=0, conv2_channels=64, hidden=(8192,))
    real = presets.preset
    monkeypatch.setattr(presets, "preset", lambda *a: real(*a).with_changes(model=huge))
    code = main(["train", "--runs-dir", str(tmp_path)])
    err = capsys.readouterr().err
    assert code != 0 and "3,028,331,453 parameters" in err and "no CUDA GPU" in err
    assert "Traceback" not in err and list(tmp_path.iterdir()) == []
