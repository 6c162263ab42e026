"""Kill a real `python -m core train` at chosen points (SIGKILL and SIGTERM): the run folder stays
readable, says "interrupted", keeps every snapshot written before the kill, and the temporary
file a killed write left is removed by the next listing. The child stops dead at the point
(core.training.faults) and the test kills it there: no mocking, no sleeping and hoping."""

from __future__ import annotations

import os
import queue
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest

from core.training.faults import ENV_FAULT_AT
from core.training.runs import RunStore, load_run

ROOT = Path(__file__).resolve().parents[2]
SMOKE = ["--n-train", "240", "--n-test", "60", "--batch-size", "24", "--epochs", "2"]
DEADLINE_S = 240.0


def start_training(runs: Path, point: str) -> tuple[subprocess.Popen, str]:
    """Start a training that stops dead at `point`; return it once it is there."""
    cmd = [sys.executable, "-m", "core", "train", *SMOKE, "--snapshot-every", "2"]
    env = os.environ | {ENV_FAULT_AT: point, "PYTHONUNBUFFERED": "1"}
    proc = subprocess.Popen(
        [*cmd, "--runs-dir", str(runs)], cwd=ROOT, env=env,
        stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True,
    )  # fmt: skip
    lines: queue.Queue = queue.Queue()
    threading.Thread(target=lambda: [lines.put(x) for x in proc.stderr], daemon=True).start()
    deadline, seen = time.monotonic() + DEADLINE_S, []
    while time.monotonic() < deadline:
        try:
            line = lines.get(timeout=0.5)
        except queue.Empty:
            if proc.poll() is not None:
                break
            continue
        seen.append(line)
        if line.startswith("FAULT-POINT"):
            return proc, line
    proc.kill()
    pytest.fail(f"the child never reached {point}: {''.join(seen)[-2000:]}")


def snapshot_count(run_dir: Path) -> int:
    import numpy as np

    if not (run_dir / "snapshots.npz").exists():
        return 0
    with np.load(run_dir / "snapshots.npz") as z:
        return int(z["step"].shape[0])


CASES = [
    ("event:snapshot@3", signal.SIGKILL),  # between training steps
    ("write:snapshots@2", signal.SIGKILL),  # a snapshot file half-way (temp written, not renamed)
    ("write:metrics@2", signal.SIGKILL),
    ("write:model", signal.SIGKILL),  # the final save
    ("write:status:done", signal.SIGKILL),  # the very last write
    ("event:snapshot@3", signal.SIGTERM),
    ("write:snapshots@2", signal.SIGTERM),
]


@pytest.mark.parametrize(("point", "sig"), CASES, ids=[f"{p}-{s.name}" for p, s in CASES])
def test_a_killed_training_leaves_a_readable_interrupted_run(tmp_path, point, sig):
    runs = tmp_path / "runs"
    proc, _ = start_training(runs, point)
    (run_dir,) = [p for p in runs.iterdir() if p.is_dir()]
    frames_before = snapshot_count(run_dir)
    left_tmp = point.startswith("write:")
    if left_tmp:
        assert list(run_dir.glob(".*.tmp")), "the child should be mid-write"
    os.kill(proc.pid, sig)
    proc.wait(timeout=DEADLINE_S)

    run = load_run(run_dir)
    assert run.state == "interrupted", run.status
    assert snapshot_count(run_dir) >= frames_before  # nothing written before the kill is lost
    if sig == signal.SIGKILL:
        assert snapshot_count(run_dir) == frames_before
    listed, warnings = RunStore(runs).list_runs()
    assert [r.name for r in listed] == [run_dir.name] and warnings == []
    assert listed[0].problems == [] and "interrupted" in listed[0].label
    assert not list(run_dir.glob(".*.tmp"))  # the killed writer's temporary file is gone
    if frames_before:
        assert len(run.snapshots()) == snapshot_count(run_dir)


def test_killed_before_its_status_was_written(tmp_path):
    """kill -9 between config.json and status.json: 'running' a moment, then 'interrupted'."""
    runs = tmp_path / "runs"
    proc, _ = start_training(runs, "write:status:running")
    proc.kill()
    proc.wait(timeout=DEADLINE_S)
    (run_dir,) = [p for p in runs.iterdir() if p.is_dir()]
    assert load_run(run_dir).state == "running"  # as a brand-new run would read
    old = time.time() - 120
    os.utime(run_dir / "config.json", (old, old))  # as if the reader came back two minutes later
    run = load_run(run_dir)
    assert run.state == "interrupted" and "status.json is missing" in run.problems


def test_a_killed_run_opens_in_every_page(tmp_path, monkeypatch):
    """After kill -9 mid-snapshot-write, a fresh server (AppTest) lists the run as interrupted
    on every page with a run picker, and each page opens it without a traceback."""
    from streamlit.testing.v1 import AppTest

    import ui.state

    runs = tmp_path / "runs"
    proc, _ = start_training(runs, "write:snapshots@2")
    proc.kill()
    proc.wait(timeout=DEADLINE_S)
    monkeypatch.setenv("KERNEL_LAB_RUNS", str(runs))
    monkeypatch.setattr(ui.state, "EXAMPLE_RUNS", tmp_path / "no-examples")
    for page, key in (("app.py", "home_run"), ("views/3_Kernels.py", "kernels_run"),
                      ("views/4_Scope.py", "scope_run"), ("views/6_Compare.py", None)):  # fmt: skip
        at = AppTest.from_file(str(ROOT / page), default_timeout=60).run()
        assert not at.exception, (page, [e.value for e in at.exception])
        if key is not None:
            assert "interrupted" in at.selectbox(key=key).options[0], page
            assert any("was interrupted" in i.value for i in at.info), page
