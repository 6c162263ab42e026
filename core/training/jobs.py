"""Training in a background thread, one at a time per process, with live state for a UI to poll.

The thread never touches a UI: it runs `run_experiment` and copies what the events say into a
`TrainingJob` under a lock; pages read `job.progress()` whenever they redraw.
"""

from __future__ import annotations

import itertools
import threading
import time
import traceback
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from core.errors import LabError
from core.training.experiment import Experiment, run_experiment
from core.training.loop import TrainControl, TrainEvent
from core.training.runs import RunStore

_ids = itertools.count(1)


@dataclass
class JobProgress:
    """A consistent copy of a job's live state."""

    id: int
    state: str  # queued, running, paused, done, stopped, diverged, failed
    message: str
    queue_position: int
    step: int
    total_steps: int
    epoch: float
    elapsed: float
    eta: float | None
    metrics: list[dict]
    weights: np.ndarray | None  # latest first-layer snapshot (k, 1, K, K)
    bias: np.ndarray | None
    frames: int
    run_dir: Path | None
    plateau: bool
    verdict: str | None = None  # set when a finished run learned nothing (core.training.outcome)

    @property
    def finished(self) -> bool:
        return self.state in ("done", "stopped", "diverged", "failed")

    @property
    def fraction(self) -> float:
        return min(1.0, self.step / self.total_steps) if self.total_steps else 0.0


@dataclass
class TrainingJob:
    """One training run in its own thread; control it with pause/resume/stop."""

    experiment: Experiment
    store: RunStore
    owner: str = ""
    id: int = field(default_factory=lambda: next(_ids))
    control: TrainControl = field(default_factory=TrainControl)
    _lock: threading.Lock = field(default_factory=threading.Lock, repr=False)
    _state: str = "queued"
    _message: str = "Waiting for another training to finish."
    _step: int = 0
    _total: int = 0
    _epoch: float = 0.0
    _metrics: list = field(default_factory=list)
    _weights: np.ndarray | None = None
    _bias: np.ndarray | None = None
    _frames: int = 0
    _run_dir: Path | None = None
    _t_start: float | None = None
    _paused_for: float = 0.0
    _t_pause: float | None = None
    _thread: threading.Thread | None = None
    _queue: JobQueue | None = None
    _verdict: str | None = None

    def pause(self) -> None:
        self.control.pause()

    def resume(self) -> None:
        self.control.resume()

    def stop(self) -> None:
        self.control.stop()

    def join(self, timeout: float | None = None) -> None:
        if self._thread is not None:
            self._thread.join(timeout)

    @property
    def alive(self) -> bool:
        return self._thread is not None and self._thread.is_alive()

    def progress(self) -> JobProgress:
        with self._lock:
            now = time.perf_counter()
            elapsed = 0.0
            if self._t_start is not None:
                paused = self._paused_for + (now - self._t_pause if self._t_pause else 0.0)
                elapsed = now - self._t_start - paused
            eta = None
            if self._state == "running" and self._step > 0 and self._total:
                eta = elapsed / self._step * (self._total - self._step)
            pos = self._queue.position(self) if self._queue and self._state == "queued" else 0
            return JobProgress(
                id=self.id,
                state=self._state,
                message=self._message,
                queue_position=pos,
                step=self._step,
                total_steps=self._total,
                epoch=self._epoch,
                elapsed=elapsed,
                eta=eta,
                metrics=list(self._metrics),
                weights=self._weights,
                bias=self._bias,
                frames=self._frames,
                run_dir=self._run_dir,
                plateau=bool(self._metrics and self._metrics[-1].get("plateau")),
                verdict=self._verdict,
            )

    # -- called on the training thread --------------------------------------------------------
    def _on_event(self, ev: TrainEvent) -> None:
        with self._lock:
            self._step, self._epoch = ev.step, ev.epoch
            if ev.kind == "created":
                self._run_dir = ev.data["run_dir"]
            elif ev.kind == "start":
                self._total = ev.data["total_steps"]
                self._state, self._message = "running", "Training."
                self._t_start = time.perf_counter()
            elif ev.kind == "snapshot":
                self._weights, self._bias = ev.data["weights"], ev.data["bias"]
                self._frames += 1
            elif ev.kind == "metrics":
                self._metrics.append(ev.data)
            elif ev.kind == "paused":
                self._state, self._message = "paused", f"Paused at step {ev.step}."
                self._t_pause = time.perf_counter()
            elif ev.kind == "resumed":
                self._state, self._message = "running", "Training."
                if self._t_pause is not None:
                    self._paused_for += time.perf_counter() - self._t_pause
                self._t_pause = None
            elif ev.kind == "end":
                self._state, self._message = ev.data["status"], ev.data["message"]
                self._verdict = ev.data.get("verdict")

    def _run(self) -> None:
        queue = self._queue
        assert queue is not None
        try:
            if not queue.acquire(self):
                with self._lock:
                    self._state, self._message = "stopped", "Cancelled before it started."
                return
            with self._lock:
                self._state, self._message = "running", "Generating the training images."
            try:
                run_experiment(self.experiment, self.store, self.control, self._on_event)
            finally:
                queue.release(self)
        except LabError as e:
            with self._lock:
                self._state, self._message = "failed", str(e)
        except Exception as e:  # keep the thread's failure visible to the page, not a traceback
            traceback.print_exc()
            with self._lock:
                self._state = "failed"
                self._message = f"Training failed with an internal error ({type(e).__name__})."


class JobQueue:
    """Only one training uses the CPU at a time across all sessions; the others wait in order."""

    def __init__(self) -> None:
        self._cond = threading.Condition()
        self._waiting: list[TrainingJob] = []
        self._active: TrainingJob | None = None
        self.jobs: list[TrainingJob] = []

    def submit(self, experiment: Experiment, store: RunStore, owner: str = "") -> TrainingJob:
        """Start a job's thread; it trains as soon as no other job is training."""
        job = TrainingJob(experiment, store, owner)
        job._queue = self
        with self._cond:
            self._waiting.append(job)
            self.jobs.append(job)
        job._thread = threading.Thread(target=job._run, name=f"train-{job.id}", daemon=True)
        job._thread.start()
        return job

    def position(self, job: TrainingJob) -> int:
        """1 for the next in line, 2 after that...; 0 when not waiting."""
        # Called with the job's lock held; the condition guards the queue itself.
        with self._cond:
            return self._waiting.index(job) + 1 if job in self._waiting else 0

    def acquire(self, job: TrainingJob) -> bool:
        with self._cond:
            while self._active is not None or self._waiting[0] is not job:
                if job.control.stopped:
                    self._waiting.remove(job)
                    self._cond.notify_all()
                    return False
                self._cond.wait(0.2)
            if job.control.stopped:
                self._waiting.remove(job)
                self._cond.notify_all()
                return False
            self._waiting.remove(job)
            self._active = job
            return True

    def release(self, job: TrainingJob) -> None:
        with self._cond:
            if self._active is job:
                self._active = None
            self._cond.notify_all()

    @property
    def active(self) -> TrainingJob | None:
        return self._active

    def stop_owner(self, owner: str) -> int:
        """Stop every unfinished job of one owner (a browser session that ended); how many."""
        n = 0
        for job in list(self.jobs):
            if job.owner == owner and not job.progress().finished:
                job.stop()
                n += 1
        return n


_QUEUE = JobQueue()


def job_queue() -> JobQueue:
    """The process-wide queue shared by every browser session."""
    return _QUEUE
