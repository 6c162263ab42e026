import json
import os

import numpy as np
import pytest
import torch

from core.errors import RunError
from core.training.runs import RunStore, RunWriter, default_runs_root, load_run, write_json


def make_run(root, name="r1", frames=3, status="done"):
    p = root / name
    p.mkdir(parents=True)
    w = RunWriter(p, {"preset": "fast", "classes": ["square", "gaussian", "sine"]})
    for f in range(frames):
        w.add_snapshot(np.full((5, 1, 4, 4), f, np.float32), np.zeros(5), step=f * 10, epoch=f / 2)
        w.add_metrics({"step": f * 10, "epoch": f / 2, "loss": 1.0 / (f + 1), "test_accuracy": 0.5})
    w.flush_snapshots()
    w.save_model({"conv1.weight": torch.ones(5, 1, 4, 4)})
    w.set_status(status, "ok.")
    return p


def test_run_folder_round_trip(tmp_path):
    p = make_run(tmp_path)
    assert sorted(os.listdir(p)) == [
        "config.json",
        "metrics.csv",
        "model.pt",
        "snapshots.npz",
        "status.json",
    ]
    run = load_run(p)
    assert run.state == "done" and run.config["preset"] == "fast"
    assert [m["step"] for m in run.metrics] == [0, 10, 20]
    assert run.metrics[2]["loss"] == pytest.approx(1 / 3)
    s = run.snapshots()
    assert s.weights.shape == (3, 5, 1, 4, 4) and s.bias.shape == (3, 5)
    assert s.step.tolist() == [0, 10, 20] and s.epoch.tolist() == [0, 0.5, 1.0]
    assert torch.equal(run.state_dict()["conv1.weight"], torch.ones(5, 1, 4, 4))
    assert run.final_metric("test_accuracy") == 0.5 and "fast" in run.label


def test_plateau_is_read_from_status_json_or_an_older_runs_metrics(tmp_path):
    p = make_run(tmp_path)
    assert load_run(p).plateau is False  # neither status.json nor metrics.csv says so
    RunWriter(p, {}).set_status("done", "Stuck.", plateau=True)
    assert load_run(p).plateau is True
    older = make_run(tmp_path, "older")
    w = RunWriter(older, {})
    w.add_metrics({"step": 30, "epoch": 1.5, "loss": 1.0, "test_accuracy": 0.3, "plateau": True})
    assert "plateau" not in load_run(older).status and load_run(older).plateau is True


def test_npz_has_the_documented_arrays(tmp_path):
    p = make_run(tmp_path)
    with np.load(p / "snapshots.npz") as z:
        assert set(z.files) == {"weights", "bias", "step", "epoch"}


def test_listing_skips_damaged_folders_with_a_warning(tmp_path):
    make_run(tmp_path, "good")
    bad = tmp_path / "bad-json"
    bad.mkdir()
    (bad / "config.json").write_text("{not json")
    (bad / "status.json").write_text('{"status": "done"}')
    empty = tmp_path / "empty"
    empty.mkdir()
    os.utime(empty, (0, 0))  # old: not a run being created this instant
    weird = tmp_path / "weird-status"
    weird.mkdir()
    (weird / "config.json").write_text("{}")
    (weird / "status.json").write_text('{"status": "exploded"}')
    (tmp_path / "stray-file.txt").write_text("not a run")
    runs, warnings = RunStore(tmp_path).list_runs()
    assert [r.name for r in runs] == ["good"]
    assert len(warnings) == 3 and all(w.startswith("Skipped ") for w in warnings)
    assert any("bad-json" in w and "damaged" in w for w in warnings)


def test_runs_listed_newest_first(tmp_path):
    store = RunStore(tmp_path)
    a = RunWriter(store.new_run_dir("a"), {})
    a.set_status("done")
    b = RunWriter(store.new_run_dir("b"), {})
    b.created = a.created + 5
    b.set_status("done")
    names = [r.name for r in store.list_runs()[0]]
    assert names[0].endswith("-b") and names[1].endswith("-a")


def test_missing_and_damaged_pieces_raise_run_errors(tmp_path):
    with pytest.raises(RunError, match="no run folder"):
        load_run(tmp_path / "nope")
    p = make_run(tmp_path)
    (p / "snapshots.npz").write_bytes(b"PK\x03\x04 truncated")
    with pytest.raises(RunError, match="damaged"):
        load_run(p).snapshots()
    (p / "model.pt").write_bytes(b"garbage")
    with pytest.raises(RunError, match="damaged"):
        load_run(p).state_dict()
    os.remove(p / "model.pt")
    with pytest.raises(RunError, match="no saved model"):
        load_run(p).state_dict()
    np.savez(p / "snapshots.npz", weights=np.zeros((2, 5, 1, 3, 3)), bias=np.zeros((3, 5)),
             step=np.zeros(2), epoch=np.zeros(2))  # fmt: skip
    with pytest.raises(RunError, match="inconsistent"):
        load_run(p).snapshots()


def test_a_failed_write_leaves_the_old_file_and_no_temp_files(tmp_path, monkeypatch):
    target = tmp_path / "config.json"
    write_json(target, {"a": 1})

    def boom(src, dst):
        raise OSError("disk full")

    monkeypatch.setattr(os, "replace", boom)
    with pytest.raises(OSError):
        write_json(target, {"a": 2})
    monkeypatch.undo()
    assert json.loads(target.read_text()) == {"a": 1}
    assert os.listdir(tmp_path) == ["config.json"]


def test_json_nan_becomes_null(tmp_path):
    write_json(tmp_path / "x.json", {"v": float("nan"), "w": [1.0, float("inf")]})
    assert json.loads((tmp_path / "x.json").read_text()) == {"v": None, "w": [1.0, None]}


def test_runs_root_from_flag_env_and_default(tmp_path, monkeypatch):
    monkeypatch.delenv("KERNEL_LAB_RUNS", raising=False)
    assert str(default_runs_root()) == "runs"
    monkeypatch.setenv("KERNEL_LAB_RUNS", str(tmp_path))
    assert default_runs_root() == tmp_path
    assert default_runs_root("elsewhere").name == "elsewhere"
    assert RunStore().root == tmp_path


def test_new_run_dirs_are_unique(tmp_path):
    store = RunStore(tmp_path)
    dirs = {store.new_run_dir("same name!") for _ in range(3)}
    assert len(dirs) == 3 and all(d.is_dir() for d in dirs)
