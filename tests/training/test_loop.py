import threading
import time

import numpy as np
import pytest
import torch

from core.errors import LabError
from core.training.loop import (
    PLATEAU_NOTE,
    TrainConfig,
    TrainControl,
    train,
)
from core.training.metrics import confusion, is_plateau, strict_correct
from tests.helpers import TinyNet, band_split


def small_cfg(**kw) -> TrainConfig:
    base = dict(n_train=90, n_test=30, batch_size=10, epochs=3, lr=0.05, seed=0)
    return TrainConfig(**(base | kw))


def run_all(cfg, control=None, model=None):
    model = model or TinyNet(seed=cfg.seed)
    torch.manual_seed(cfg.seed)
    return model, list(train(model, band_split(cfg.n_train, cfg.n_test), cfg, control))


@pytest.mark.parametrize(
    "kw",
    [
        dict(loss="hinge"),
        dict(optimizer="rmsprop"),
        dict(lr=0),
        dict(lr=float("nan")),
        dict(momentum=1.0),
        dict(epochs=0),
        dict(batch_size=1000),
        dict(device="tpu"),
        dict(weight_decay=-1),
    ],
)
def test_impossible_settings_are_refused_with_a_sentence(kw):
    with pytest.raises(LabError) as e:
        small_cfg(**kw)
    assert str(e.value).endswith(".") and len(str(e.value)) > 15


def test_events_frame_zero_and_cadences():
    cfg = small_cfg(snapshot_every=2, eval_every=3)
    model0 = TinyNet(seed=0)
    w0 = model0.conv1.weight.detach().numpy().copy()
    _, events = run_all(cfg, model=model0)
    kinds = [e.kind for e in events]
    assert kinds[0] == "start" and kinds[-1] == "end"
    snaps = [e for e in events if e.kind == "snapshot"]
    assert snaps[0].step == 0 and np.array_equal(snaps[0].data["weights"], w0)
    total = cfg.total_steps()  # 27
    assert [s.step for s in snaps] == list(range(0, total, 2)) + [total]
    metrics = [e for e in events if e.kind == "metrics"]
    assert [m.step for m in metrics] == list(range(3, total + 1, 3))
    row = metrics[-1].data
    for key in ("loss", "train_accuracy", "test_accuracy", "elapsed", "steps_per_s"):
        assert row[key] is not None
    assert events[-1].data["status"] == "done"
    assert not np.array_equal(snaps[-1].data["weights"], w0)  # the kernels learned something


def test_default_snapshot_cadence_gives_at_least_100_frames_in_one_epoch():
    cfg = TrainConfig(n_train=3000, batch_size=10, epochs=1)
    frames = cfg.total_steps() // cfg.snapshot_cadence() + 1
    assert frames >= 100
    assert TrainConfig().total_steps() // TrainConfig().snapshot_cadence() + 1 >= 100


def test_learns_band_images():
    _, events = run_all(small_cfg(epochs=8, lr=0.05))
    assert events[-1].data["metrics"]["test_accuracy"] >= 0.9


def test_same_seed_same_run():
    _, a = run_all(small_cfg())
    _, b = run_all(small_cfg())
    ma = [e.data["loss"] for e in a if e.kind == "metrics"]
    mb = [e.data["loss"] for e in b if e.kind == "metrics"]
    assert ma == mb
    wa = [e.data["weights"] for e in a if e.kind == "snapshot"]
    wb = [e.data["weights"] for e in b if e.kind == "snapshot"]
    assert all(np.array_equal(x, y) for x, y in zip(wa, wb, strict=True))
    _, c = run_all(small_cfg(seed=5))
    assert [e.data["loss"] for e in c if e.kind == "metrics"] != ma


def test_stop_keeps_what_was_recorded():
    control = TrainControl()
    model = TinyNet()
    events = []
    for ev in train(model, band_split(), small_cfg(eval_every=2), control):
        events.append(ev)
        if ev.kind == "metrics" and ev.step >= 4:
            control.stop()
    end = events[-1]
    assert end.data["status"] == "stopped"
    assert "Stopped at step" in end.data["message"]
    assert end.step < small_cfg().total_steps()
    assert [e.kind for e in events].count("stopping") == 1  # said at once, before saving
    kept = [e for e in events if e.kind != "stopping"]
    assert kept[-2].kind in ("snapshot", "metrics")
    assert any(e.kind == "snapshot" and e.step == end.step for e in events)


def _wait_for(condition, timeout: float = 30.0) -> None:
    """Poll `condition()` until it holds; fail after `timeout` seconds."""
    deadline = time.monotonic() + timeout
    while not condition():
        assert time.monotonic() < deadline, "the training thread never got there"
        time.sleep(0.01)


def test_pause_holds_the_loop_and_resume_continues():
    control = TrainControl()
    cfg = small_cfg(eval_every=5)
    seen: list = []

    def consume() -> None:
        for ev in train(TinyNet(), band_split(), cfg, control):
            seen.append(ev)

    t = threading.Thread(target=consume, daemon=True)
    control.pause()
    t.start()
    _wait_for(lambda: bool(seen) and seen[-1].kind == "paused")
    paused = len(seen)
    step_while_paused = seen[-1].step
    time.sleep(0.3)  # time for a loop that ignored the pause to take a step
    assert len(seen) == paused and seen[-1].step == step_while_paused
    control.resume()
    t.join(timeout=120)  # a safety net on a loaded machine, not a speed limit
    assert not t.is_alive()
    assert "resumed" in [e.kind for e in seen]
    assert seen[-1].data["status"] == "done" and seen[-1].step == cfg.total_steps()


def test_divergence_is_reported_with_advice():
    _, events = run_all(small_cfg(loss="mse", optimizer="sgd", lr=1e25))
    end = events[-1]
    assert end.data["status"] == "diverged"
    assert "learning rate" in end.data["message"] and "NaN or infinite" in end.data["message"]


def test_target_accuracy_and_time_budget_end_early():
    _, events = run_all(small_cfg(epochs=50, target_accuracy=0.5, eval_every=1))
    assert events[-1].data["status"] == "done"
    assert "Reached" in events[-1].data["message"]
    assert events[-1].step < small_cfg(epochs=50).total_steps()
    _, events = run_all(small_cfg(epochs=500, max_seconds=0.2, eval_every=1000))
    assert "time budget" in events[-1].data["message"]
    assert events[-1].data["metrics"]["train_seconds"] >= 0.2


def test_bit_target_runs_report_the_strict_rule():
    _, events = run_all(small_cfg(loss="l1", optimizer="sgd", lr=0.1))
    row = [e for e in events if e.kind == "metrics"][-1].data
    assert row["test_strict"] is not None and 0 <= row["test_strict"] <= row["test_accuracy"] + 1e-9
    _, events = run_all(small_cfg())
    assert [e for e in events if e.kind == "metrics"][-1].data["test_strict"] is None


def test_strict_rule():
    out = torch.tensor([[0.95, 0.05, 0.0], [0.8, 0.0, 0.0], [0.05, 0.92, -0.09]])
    y = torch.tensor([0, 0, 1])
    assert strict_correct(out, y).tolist() == [True, False, True]


def test_plateau_detection():
    flat = [1.0] * 12
    assert is_plateau(flat, [0.33] * 12, window=8)
    falling = [1.0 / (i + 1) for i in range(12)]
    assert not is_plateau(falling, [0.33 + 0.05 * i for i in range(12)], window=8)
    assert not is_plateau(flat, [1.0] * 12, window=8)  # converged, not stuck
    assert not is_plateau(flat[:5], [0.3] * 5, window=8)  # too early to tell


def test_a_stuck_run_says_so_in_its_end_event():
    # Full batches and a learning rate too small to move: the same loss at every check.
    stuck = small_cfg(lr=1e-9, batch_size=90, epochs=6, eval_every=1, plateau_window=3)
    end = run_all(stuck)[1][-1]
    assert end.data["status"] == "done" and end.data["plateau"] is True
    assert end.data["message"] == "Finished 6 epoch(s)." + PLATEAU_NOTE
    end = run_all(small_cfg())[1][-1]
    assert end.data["plateau"] is False and PLATEAU_NOTE not in end.data["message"]


def test_confusion_counts():
    m = confusion(np.array([0, 1, 1, 2]), np.array([0, 1, 2, 2]), 3)
    assert m.tolist() == [[1, 0, 0], [0, 1, 0], [0, 1, 1]]
