"""The app's training queue: worker processes, slots, paused runs, runs outliving their server."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from core.training.jobs import JobQueue
from core.training.presets import preset
from core.training.runs import RunStore

REPO = Path(__file__).resolve().parents[2]
LONG = preset("fast").with_changes(n_train=240, n_test=30, batch_size=24, epochs=300)


def until(check, what: str, timeout: float = 90.0):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = check()
        if value:
            return value
        time.sleep(0.1)
    raise AssertionError(f"timed out waiting for {what}")


@pytest.fixture()
def queue():
    q = JobQueue(slots=1)
    yield q
    for job in q.jobs:
        job.stop()
    for job in q.jobs:
        job.join(90)


def test_one_slot_trains_one_run_at_a_time_in_its_own_process(queue, tmp_path):
    a = queue.submit(LONG, RunStore(tmp_path), "a")
    b = queue.submit(LONG, RunStore(tmp_path), "b")
    until(lambda: a.progress().step > 0, "the first run to train")
    assert a.pid is not None and a.pid != os.getpid()
    p = b.progress()
    assert p.state == "queued" and p.queue_position == 1 and p.wait
    a.stop()
    until(lambda: b.progress().step > 0, "the second run to start once the first ended")
    assert a.progress().state == "stopped"


def test_two_slots_train_side_by_side(tmp_path):
    q = JobQueue(slots=2)
    try:
        jobs = [q.submit(LONG, RunStore(tmp_path), f"s{i}") for i in range(3)]
        until(lambda: all(j.progress().step > 0 for j in jobs[:2]), "two runs to train")
        assert jobs[2].progress().queue_position == 1
    finally:
        for j in q.jobs:
            j.stop()
        for j in q.jobs:
            j.join(90)


def test_a_paused_run_frees_its_slot_and_resumes_first(queue, tmp_path):
    a, b, c = (queue.submit(LONG, RunStore(tmp_path), o) for o in "abc")
    until(lambda: a.progress().step > 0, "the first run to train")
    a.pause()
    until(lambda: a.progress().state == "paused", "the first run to pause")
    until(lambda: b.progress().step > 0, "the second run to take the free slot")
    assert c.progress().queue_position == 1
    a.resume()  # in line again, ahead of c, which was waiting longer
    assert (a.progress().queue_position, c.progress().queue_position) == (1, 2)
    b.stop()
    until(lambda: a.progress().state == "running", "the paused run to resume first")
    assert c.progress().state == "queued"


def test_stopping_a_queued_run_cancels_it(queue, tmp_path):
    a = queue.submit(LONG, RunStore(tmp_path), "a")
    b = queue.submit(LONG, RunStore(tmp_path), "b")
    b.stop()
    b.join(30)
    assert b.progress().state == "stopped" and b.progress().run_dir is None
    assert a.progress().state in ("queued", "running")


SERVER = """
import sys, time
sys.path.insert(0, {repo!r})
from core.training.jobs import JobQueue
from core.training.presets import preset
from core.training.runs import RunStore
if __name__ == "__main__":
    exp = preset("fast").with_changes(n_train=240, n_test=30, batch_size=24, epochs=300)
    job = JobQueue(slots=1).submit(exp, RunStore({root!r}), "x")
    while job.progress().step < 2:
        time.sleep(0.05)
    print(job.pid, flush=True)
    time.sleep(600)
"""


def test_a_run_whose_server_was_killed_stops_and_saves(tmp_path):
    root = tmp_path / "runs"
    script = SERVER.format(repo=str(REPO), root=str(root))
    server = subprocess.Popen([sys.executable, "-c", script], stdout=subprocess.PIPE, text=True)
    try:
        worker_pid = int(server.stdout.readline())
    finally:
        server.send_signal(signal.SIGKILL)
        server.wait()
    (run_dir,) = root.iterdir()

    def saved():
        status = json.loads((run_dir / "status.json").read_text())
        return status["status"] == "stopped" and (run_dir / "model.pt").is_file()

    until(saved, "the orphaned worker to stop and save")
    until(lambda: not _exists(worker_pid), "the worker process to end")


def _exists(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    try:  # a zombie waiting for its parent counts as ended
        return Path(f"/proc/{pid}/stat").read_text().split()[2] != "Z"
    except OSError:
        return False


PAGE_LIKE = """
import sys
sys.path.insert(0, {repo!r})
with open({marks!r}, "a") as f:  # runs on import, as a Streamlit page's code does
    f.write("ran\\n")
from core.training.jobs import JobQueue
from core.training.presets import preset
from core.training.runs import RunStore
exp = preset("fast").with_changes(n_train=60, n_test=30, batch_size=30, epochs=1)
job = JobQueue(slots=1).submit(exp, RunStore({root!r}), "x")
job.join(300)
print(job.progress().state)
"""


def test_a_worker_never_runs_the_servers_main_script(tmp_path):
    """Streamlit runs pages as __main__: a worker must not execute the page again."""
    marks, script = tmp_path / "marks.txt", tmp_path / "page.py"
    script.write_text(PAGE_LIKE.format(repo=str(REPO), marks=str(marks), root=str(tmp_path)))
    out = subprocess.run([sys.executable, str(script)], capture_output=True, text=True, timeout=300)
    assert out.stdout.strip().splitlines()[-1] == "done", out.stderr[-2000:]
    assert marks.read_text() == "ran\n"
