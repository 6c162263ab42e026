"""Pause, resume, stop and single steps for a training loop, from another thread or process."""

from __future__ import annotations

import threading


class TrainControl:
    """Cooperative pause/resume/stop and single steps, safe to call from another thread.

    With `shared=True` its flags live in shared memory (multiprocessing), so a training running in
    a worker process (core.training.worker) obeys the server that holds this object.
    """

    def __init__(self, shared: bool = False) -> None:
        if shared:
            from core.training.worker import context

            ctx = context()
            self._stop, self._running = ctx.Event(), ctx.Event()
            self._steps = ctx.Value("i", 0)
        else:
            self._stop, self._running = threading.Event(), threading.Event()
            self._steps = _Counter()
        self._running.set()

    def pause(self) -> None:
        self._running.clear()

    def resume(self) -> None:
        self._running.set()

    def stop(self) -> None:
        self._stop.set()
        self._running.set()  # wake a paused loop so it can see the stop

    def step_once(self) -> None:
        """While paused: train exactly one more step, then stay paused."""
        with self._steps.get_lock():
            self._steps.value += 1

    def take_step(self) -> bool:
        """True (once per `step_once`) when a single step was asked for."""
        with self._steps.get_lock():
            if self._steps.value > 0:
                self._steps.value -= 1
                return True
            return False

    @property
    def paused(self) -> bool:
        return not self._running.is_set()

    @property
    def stopped(self) -> bool:
        return self._stop.is_set()

    def should_interrupt(self) -> bool:
        """Abandon the current step: a stop or a pause has been asked for."""
        return self._stop.is_set() or not self._running.is_set()

    def wait_if_paused(self, timeout: float = 0.2) -> bool:
        """Block while paused; True once running again (or stopping)."""
        return self._running.wait(timeout)


class _Counter:
    """A thread-local stand-in for multiprocessing.Value("i"): .value under .get_lock()."""

    def __init__(self) -> None:
        self.value = 0
        self._lock = threading.Lock()

    def get_lock(self) -> threading.Lock:
        return self._lock
