"""Readers looping against a writer never see a half-written run: every load, listing, label and
snapshot read succeeds while a run is being written, and while new runs are being created."""

from __future__ import annotations

import threading

import numpy as np

from core.training.runs import RunStore, RunWriter, load_run

CONFIG = {"preset": "fast", "classes": ["square", "gaussian", "sine"]}


def _write_run(store: RunStore, frames: int, stop: threading.Event) -> None:
    w = RunWriter(store.new_run_dir("written"), CONFIG)
    for f in range(frames):
        w.add_snapshot(np.full((5, 1, 25, 25), f, np.float32), np.zeros(5), step=f, epoch=f / 10)
        w.add_metrics({"step": f, "epoch": f / 10, "loss": 1 / (f + 1), "test_accuracy": 0.5})
        w.flush_snapshots()
        w.set_status("running", f"step {f}")
    w.set_status("done", "Finished.")
    stop.set()


def _create_runs(store: RunStore, n: int, stop: threading.Event) -> None:
    for i in range(n):
        RunWriter(store.new_run_dir(f"new{i}"), CONFIG).set_status("done", "ok")
    stop.set()


def _read_until(store: RunStore, stop: threading.Event, failures: list) -> int:
    reads = 0
    while not stop.is_set() or reads < 3:
        try:
            runs, warnings = store.list_runs()
            if warnings:
                failures.append(warnings)
            for run in runs:
                run.label  # noqa: B018 - reading it is the test
                again = load_run(run.path)
                if (again.path / "snapshots.npz").exists():
                    snaps = again.snapshots()
                    assert snaps.weights.shape[1:] == (5, 1, 25, 25)
                    assert (snaps.weights[-1] == snaps.step[-1]).all()  # one write, not mixed
                if again.problems:
                    failures.append((run.name, again.problems))
        except Exception as e:  # any failure at all is what the test looks for
            failures.append(repr(e))
        reads += 1
    return reads


def test_a_reader_never_sees_a_half_written_run(tmp_path):
    store, stop, failures = RunStore(tmp_path), threading.Event(), []
    writer = threading.Thread(target=_write_run, args=(store, 60, stop))
    writer.start()
    reads = _read_until(store, stop, failures)
    writer.join()
    assert failures == [] and reads >= 3
    assert load_run(next(tmp_path.iterdir())).state == "done"


def test_listing_while_runs_are_being_created(tmp_path):
    """No warning in the instants between a run folder's creation, its config and its status."""
    store, stop, failures = RunStore(tmp_path), threading.Event(), []
    creator = threading.Thread(target=_create_runs, args=(store, 40, stop))
    creator.start()
    _read_until(store, stop, failures)
    creator.join()
    assert failures == []
    assert len(store.list_runs()[0]) == 40
