"""Training jobs for the app: each run trains in its own worker process, a few at a time.

A `JobQueue` has `slots` (runs that may train at once, sized to the machine's cores); the rest wait
in order. A paused run gives its slot back, so it never blocks anyone, and Resume puts it at the
front of the line: it keeps its place. The jobs themselves are in core.training.job.
"""

from __future__ import annotations

import os
import threading

from core.training.experiment import Experiment
from core.training.job import FINISHED, JobProgress, TrainingJob
from core.training.runs import RunStore

__all__ = ["FINISHED", "JobProgress", "JobQueue", "TrainingJob", "default_slots", "job_queue"]
ENV_SLOTS = "KERNEL_LAB_TRAIN_SLOTS"
THREADS_PER_RUN = 2  # torch threads a run uses; slots = cores // this


def default_slots() -> int:
    """Runs that train at once: $KERNEL_LAB_TRAIN_SLOTS, else one per THREADS_PER_RUN cores."""
    env = os.environ.get(ENV_SLOTS, "").strip()
    if env.isdigit() and int(env) > 0:
        return int(env)
    return max(1, (os.cpu_count() or 1) // THREADS_PER_RUN)


class JobQueue:
    """Training slots shared by every browser session: `slots` runs train at once, the rest wait
    in order; paused runs hold no slot and resume first."""

    def __init__(self, slots: int | None = None) -> None:
        self.slots = slots or default_slots()
        self._cond = threading.Condition()
        self._waiting: list[TrainingJob] = []
        self._active: list[TrainingJob] = []
        self._granted: set[int] = set()  # ids of new jobs given a slot, not yet started
        self._resuming: set[int] = set()  # ids of paused jobs in line to resume
        self.jobs: list[TrainingJob] = []

    @property
    def threads(self) -> int:
        """Torch threads for each run: the machine's cores shared among the slots."""
        return max(1, (os.cpu_count() or 1) // self.slots)

    def submit(self, experiment: Experiment, store: RunStore, owner: str = "") -> TrainingJob:
        """Queue a run; its process starts as soon as a slot is free."""
        job = TrainingJob(experiment, store, owner)
        job._queue = self
        with self._cond:
            self._waiting.append(job)
            self.jobs.append(job)
            self._dispatch()
        job._thread = threading.Thread(target=job._run, name=f"train-{job.id}", daemon=True)
        job._thread.start()
        return job

    def _dispatch(self) -> None:
        """Hand free slots to the waiting jobs in order (the condition's lock is held)."""
        while len(self._active) < self.slots and self._waiting:
            job = self._waiting.pop(0)
            self._active.append(job)
            if job.id in self._resuming:
                self._resuming.discard(job.id)
                job.control.resume()
            else:
                self._granted.add(job.id)
        self._cond.notify_all()

    def acquire(self, job: TrainingJob) -> bool:
        """Block the job's thread until it has a slot; False if it was stopped first."""
        with self._cond:
            while job.id not in self._granted:
                if job.control.stopped:
                    return False
                self._cond.wait(0.2)
            self._granted.discard(job.id)
            if job.control.stopped:
                self._release(job)
                return False
            return True

    def _release(self, job: TrainingJob) -> None:
        if job in self._active:
            self._active.remove(job)
        if job in self._waiting:
            self._waiting.remove(job)
        self._resuming.discard(job.id)
        self._dispatch()

    def release(self, job: TrainingJob) -> None:
        """The job has ended: its slot goes to the next in line."""
        with self._cond:
            self._release(job)

    def park(self, job: TrainingJob) -> None:
        """Pause a training job and give its slot to the next in line."""
        with self._cond:
            if job in self._active and job.id not in self._granted:
                job.control.pause()
                self._active.remove(job)
                self._dispatch()

    def readmit(self, job: TrainingJob) -> None:
        """Resume a paused job: first in line, at once when a slot is free."""
        with self._cond:
            if job.control.paused and job.id not in self._resuming and job not in self._active:
                self._resuming.add(job.id)
                self._waiting.insert(0, job)
                self._dispatch()

    def forget(self, job: TrainingJob) -> None:
        """A stopped job leaves the line (a running one keeps its slot until its process ends)."""
        with self._cond:
            if job in self._waiting:
                self._waiting.remove(job)
                self._resuming.discard(job.id)
                self._cond.notify_all()

    def place(self, job: TrainingJob) -> tuple[int, str]:
        """(place in line, the wait in words) for a waiting job; (0, '') otherwise."""
        with self._cond:
            if job not in self._waiting:
                return 0, ""
            pos = self._waiting.index(job) + 1
            running = list(self._active)
        etas = sorted(e for e in (j.progress_eta() for j in running) if e is not None)
        unknown = len(running) - len(etas)
        if pos == 1 and etas and not unknown:
            return pos, f"a slot frees in about {_words(etas[0])}"
        ahead = pos - 1
        what = f"{len(running)} run(s) training in {self.slots} slot(s)"
        if ahead:
            what += f" and {ahead} waiting ahead of it"
        return pos, f"it starts when a slot frees ({what})"

    @property
    def active(self) -> list[TrainingJob]:
        with self._cond:
            return list(self._active)

    def stop_owner(self, owner: str) -> int:
        """Stop every unfinished job of one owner (a browser session that ended); how many."""
        n = 0
        for job in list(self.jobs):
            if job.owner == owner and not job.progress().finished:
                job.stop()
                n += 1
        return n


def _words(seconds: float) -> str:
    s = int(round(seconds))
    return f"{s} s" if s < 60 else f"{s // 60} min {s % 60:02d} s"


_QUEUE: JobQueue | None = None
_QUEUE_LOCK = threading.Lock()


def job_queue() -> JobQueue:
    """The process-wide queue shared by every browser session."""
    global _QUEUE
    with _QUEUE_LOCK:
        if _QUEUE is None:
            _QUEUE = JobQueue()
        return _QUEUE
