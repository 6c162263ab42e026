"""One training run of the app in its own worker process, and the live state pages read.

The job's server-side thread waits for a slot in its `JobQueue` (core.training.jobs), starts the
worker process (core.training.worker) and copies the events it sends into the job's state under a
lock; pages call `job.progress()` whenever they redraw.
"""

from __future__ import annotations

import itertools
import os
import queue as queue_mod
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np

from core.training import worker
from core.training.control import TrainControl
from core.training.experiment import Experiment
from core.training.loop import TrainEvent
from core.training.runs import RunStore

if TYPE_CHECKING:
    from core.training.jobs import JobQueue

_ids = itertools.count(1)
FINISHED = ("done", "stopped", "diverged", "failed")


@dataclass
class JobProgress:
    """A consistent copy of a job's live state."""

    id: int
    state: str  # queued, running, paused, stopping, done, stopped, diverged, failed
    message: str
    queue_position: int  # place in line while queued or waiting to resume; 0 otherwise
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
    wait: str = ""  # while in line: how long, in words (an honest estimate or what it waits for)
    verdict: str | None = None  # set when a finished run learned nothing (core.training.outcome)

    @property
    def finished(self) -> bool:
        return self.state in FINISHED

    @property
    def fraction(self) -> float:
        return min(1.0, self.step / self.total_steps) if self.total_steps else 0.0


@dataclass(eq=False)
class TrainingJob:
    """One training run in its own process; control it with pause/resume/step/stop."""

    experiment: Experiment
    store: RunStore
    owner: str = ""
    id: int = field(default_factory=lambda: next(_ids))
    control: TrainControl = field(default_factory=lambda: TrainControl(shared=True))
    _lock: threading.Lock = field(default_factory=threading.Lock, repr=False)
    _state: str = "queued"
    _message: str = "Waiting for a free training slot."
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
    _verdict: str | None = None
    _t_pause: float | None = None
    _thread: threading.Thread | None = None
    _process: object | None = None
    _queue: JobQueue | None = None

    def pause(self) -> None:
        """Pause after (or part way through) the current step; its slot goes to the next run."""
        if self._queue is not None:
            self._queue.park(self)

    def resume(self) -> None:
        """Go on as soon as a slot is free; a paused run is first in line."""
        if self._queue is not None:
            self._queue.readmit(self)

    def step_once(self) -> None:
        """While paused: train exactly one step, then stay paused."""
        if self.control.paused and not self.control.stopped:
            self.control.step_once()

    def stop(self) -> None:
        self.control.stop()
        if self._queue is not None:
            self._queue.forget(self)

    def join(self, timeout: float | None = None) -> None:
        if self._thread is not None:
            self._thread.join(timeout)

    @property
    def alive(self) -> bool:
        """The job's process or its server-side thread is still working (files may change)."""
        return self._thread is not None and self._thread.is_alive()

    @property
    def pid(self) -> int | None:
        return getattr(self._process, "pid", None)

    def _times(self) -> tuple[float, float | None]:
        """(training time so far without pauses, estimated seconds left); the lock is held."""
        elapsed = 0.0
        if self._t_start is not None:
            now = time.perf_counter()
            paused = self._paused_for + (now - self._t_pause if self._t_pause else 0.0)
            elapsed = now - self._t_start - paused
        eta = None
        if self._state == "running" and self._step > 0 and self._total:
            eta = elapsed / self._step * (self._total - self._step)
        return elapsed, eta

    def progress_eta(self) -> float | None:
        with self._lock:
            return self._times()[1]

    def progress(self) -> JobProgress:
        pos, wait = self._queue.place(self) if self._queue is not None else (0, "")
        with self._lock:
            elapsed, eta = self._times()
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
                wait=wait,
                verdict=self._verdict,
            )

    # -- the server-side thread ------------------------------------------------------------------
    def _set(self, state: str, message: str) -> None:
        with self._lock:
            self._state, self._message = state, message

    def _on_event(self, ev: TrainEvent) -> None:
        with self._lock:
            if ev.kind == "failed":
                self._state, self._message = "failed", ev.data["message"]
                return
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
                if self._t_pause is None:
                    self._t_pause = time.perf_counter()
            elif ev.kind == "resumed":
                self._state, self._message = "running", "Training."
                if self._t_pause is not None:
                    self._paused_for += time.perf_counter() - self._t_pause
                self._t_pause = None
            elif ev.kind == "stopping":
                self._state = "stopping"
                self._message = f"Stopped at step {ev.step}; saving what it learned."
            elif ev.kind == "end":
                self._state, self._message = ev.data["status"], ev.data["message"]
                self._verdict = ev.data.get("verdict")

    def _run(self) -> None:
        q = self._queue
        assert q is not None
        if not q.acquire(self):
            self._set("stopped", "Cancelled before it started.")
            return
        try:
            self._set("running", "Generating the training images.")
            self._train_in_process(q.threads)
        except Exception as e:  # the page shows a sentence; the server keeps serving
            self._set("failed", f"Training could not start ({type(e).__name__}: {e}).")
        finally:
            q.release(self)

    def _train_in_process(self, threads: int) -> None:
        ctx = worker.context()
        events = ctx.Queue()
        root = self.store.root.resolve()
        proc = worker.WorkerProcess(
            target=worker.train_in_worker,
            args=(self.experiment, root, self.control, events, os.getpid(), threads),
            name=f"train-{self.id}",
            daemon=True,  # at server exit multiprocessing sends SIGTERM: the run saves and stops
        )
        proc.start()
        self._process = proc
        while True:
            try:
                self._on_event(events.get(timeout=0.25))
                continue
            except queue_mod.Empty:
                if proc.is_alive():
                    continue
            try:  # the process has ended: read what it sent last
                while True:
                    self._on_event(events.get(timeout=0.1))
            except queue_mod.Empty:
                break
        proc.join()
        events.close()
        if self._state not in FINISHED:
            code = proc.exitcode
            self._set("failed", f"The training process ended unexpectedly (exit code {code}).")
