"""Training in a worker process: the child side, and the multiprocessing context it starts from.

Why a process: a training thread inside the web server shares the GIL with every page redraw, so
the Train page on screen made training 5.7x slower than the CLI (issue 11). A child process trains
on its own cores; the server only reads the events it sends.

The context is `forkserver` with this module preloaded: the fork server imports torch and the lab
once, and every run forks from it in milliseconds, with no threads inherited from Streamlit.
The child writes its run folder itself (core.training.runs, atomic files), sends each TrainEvent
through a queue, obeys a shared TrainControl, and stops (saving what it learned) when the server
that started it goes away: on SIGTERM, or when that process no longer exists.
"""

from __future__ import annotations

import multiprocessing
import os
import signal
import threading
import time
import traceback
from multiprocessing import popen_forkserver, spawn
from multiprocessing.context import ForkServerProcess
from pathlib import Path

from core.errors import LabError
from core.training.control import TrainControl
from core.training.experiment import Experiment, run_experiment
from core.training.loop import TrainEvent
from core.training.runs import RunStore

_ctx_lock = threading.Lock()
_ctx: multiprocessing.context.BaseContext | None = None
PARENT_CHECK_S = 0.25


def context() -> multiprocessing.context.BaseContext:
    """The process-wide forkserver context (its server preloads this module and torch)."""
    global _ctx
    with _ctx_lock:
        if _ctx is None:
            ctx = multiprocessing.get_context("forkserver")
            ctx.set_forkserver_preload(["core.training.worker"])
            _ctx = ctx
        return _ctx


class _SpawnWithoutMain:
    """multiprocessing.spawn, except that a child is not told to re-run the parent's __main__.

    Streamlit runs each page script as the module `__main__`; multiprocessing would make every
    worker execute the page again (in bare mode, with its imports and widgets) before training.
    A worker needs nothing from __main__: its target lives in this module.
    """

    def __getattr__(self, name: str):
        return getattr(spawn, name)

    @staticmethod
    def get_preparation_data(name: str) -> dict:
        data = spawn.get_preparation_data(name)
        data.pop("init_main_from_path", None)
        data.pop("init_main_from_name", None)
        return data


_launch_lock = threading.Lock()


class _WorkerPopen(popen_forkserver.Popen):
    def _launch(self, process_obj) -> None:
        with _launch_lock:  # popen_forkserver looks `spawn` up at call time
            popen_forkserver.spawn = _SpawnWithoutMain()
            try:
                super()._launch(process_obj)
            finally:
                popen_forkserver.spawn = spawn


class WorkerProcess(ForkServerProcess):
    """A process forked by the fork server that never runs the parent's __main__ module."""

    @staticmethod
    def _Popen(process_obj):
        context()  # the fork server preloads this module
        return _WorkerPopen(process_obj)


def warm_up() -> None:
    """Start the fork server now (it imports torch: seconds), so a later Start is instant."""
    from multiprocessing import forkserver

    context()
    forkserver.ensure_running()


def failure(message: str) -> TrainEvent:
    """The event a worker sends when training could not run: state 'failed' with a sentence."""
    return TrainEvent("failed", 0, 0.0, {"message": message})


def _watch_parent(parent_pid: int, control: TrainControl) -> None:
    """Stop (and save) when the server that started this run has gone, e.g. killed."""
    while not control.stopped:
        try:
            os.kill(parent_pid, 0)
        except ProcessLookupError:
            control.stop()
            return
        except PermissionError:  # a pid reused by another user's process: ours is gone
            control.stop()
            return
        time.sleep(PARENT_CHECK_S)


def train_in_worker(
    exp: Experiment,
    root: Path,
    control: TrainControl,
    events,
    parent_pid: int,
    threads: int,
) -> None:
    """The worker process's body: train `exp` into a new run folder under `root`."""
    import torch

    torch.set_num_threads(max(1, threads))
    # A thread sets the flag: the handler may interrupt the main thread inside the flag's own lock.
    signal.signal(signal.SIGTERM, lambda *_: threading.Thread(target=control.stop).start())
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # Ctrl-C in the server's terminal: SIGTERM follows
    threading.Thread(target=_watch_parent, args=(parent_pid, control), daemon=True).start()
    try:
        run_experiment(exp, RunStore(root), control, events.put)
    except LabError as e:
        events.put(failure(str(e)))
    except Exception as e:
        traceback.print_exc()
        events.put(failure(f"Training failed with an internal error ({type(e).__name__})."))
    finally:
        events.close()
        events.join_thread()  # everything sent reaches the server before the process ends
