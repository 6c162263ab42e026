"""Streamlit side of background training: the session's job, a watchdog for ended sessions, helpers.

Training runs in worker processes (core.training.jobs) that never call Streamlit. This module keeps
the session's job in session state, stops the jobs of browser sessions that have ended (within about
GRACE_S + WATCH_EVERY_S), answers the page's buttons and formats what the page shows.
"""

from __future__ import annotations

import dataclasses
import functools
import threading
import time
from collections.abc import Callable

import streamlit as st
import torch

from core import render
from core.data.waveforms import WaveformSpec
from core.errors import LabError
from core.nn.model import ModelConfig, build_model, count_params
from core.training import worker
from core.training.experiment import Experiment
from core.training.jobs import JobProgress, TrainingJob, job_queue
from core.training.presets import preset
from ui.state import set_sticky, store

JOB_KEY = "lab_train_job"  # the TrainingJob this browser session started (kept across pages)
ADOPTED_KEY = "lab_train_adopted"  # id of the finished job whose run was made the current run
MAX_PARAMS = 50_000_000  # larger networks would take minutes a step and gigabytes on a laptop
WATCH_EVERY_S = 0.5
GRACE_S = 2.0  # a session gone this long has ended (a brief reconnect keeps its id and its run)
KERNELS_KEY = "lab_train_kernels"  # (job id, frame, width) -> the PNGs drawn for it last

_watch_lock = threading.Lock()
_watchdog: threading.Thread | None = None
_gone_since: dict[str, float] = {}


def session_id() -> str:
    """This browser session's id ('' outside a Streamlit script run)."""
    from streamlit.runtime.scriptrunner import get_script_run_ctx

    ctx = get_script_run_ctx()
    return ctx.session_id if ctx is not None else ""


def session_job() -> TrainingJob | None:
    """The job this session started last, if any."""
    return st.session_state.get(JOB_KEY)


def warm_up() -> None:
    """Start the training fork server in the background, so Start does not wait for torch."""
    global _warming
    with _watch_lock:
        if _warming is None:
            _warming = threading.Thread(target=worker.warm_up, name="train-warm-up", daemon=True)
            _warming.start()


_warming: threading.Thread | None = None


def kernel_pngs(p: JobProgress, width: int) -> tuple[bytes, bytes, int]:
    """(montage PNG, colour bar PNG, columns) of the job's latest kernels, drawn once per snapshot:
    the page redraws every second, the kernels change only with a new snapshot."""
    key = (p.id, p.frames, width)
    cached = st.session_state.get(KERNELS_KEY)
    if cached is not None and cached[0] == key:
        return cached[1]
    k, size = p.weights.shape[0], p.weights.shape[-1]
    ncols = k if k <= 4 else min(k, 3 if k <= 6 else 6)
    upscale = max(1, min(12, width // (ncols * size)))
    montage = render.montage_png(p.weights, scale="shared", upscale=upscale, ncols=ncols)
    vmax = float(render.kernel_vmax(p.weights).max())
    bar = render.colourbar_png(vmax, width=min(width, ncols * size * upscale))
    st.session_state[KERNELS_KEY] = (key, (montage, bar, ncols))
    return montage, bar, ncols


ACK_S = 0.6  # how long a button waits for the worker to confirm, so the redraw shows it done
_DONE = {
    "pause": lambda p, before: p.state == "paused",
    "resume": lambda p, before: p.state == "running" or bool(p.queue_position),
    "step_once": lambda p, before: p.step > before.step,
    "stop": lambda p, before: p.state == "stopping" or p.finished,
}


def act(job: TrainingJob, action: str) -> None:
    """A Pause/Resume/Step/Stop button's callback: ask the job, then wait up to ACK_S for its
    worker to report it, so the page drawn right after the click already says so."""
    before = job.progress()
    getattr(job, action)()
    deadline = time.monotonic() + ACK_S
    while time.monotonic() < deadline and not _DONE[action](job.progress(), before):
        time.sleep(0.02)


def start_training(exp: Experiment) -> TrainingJob:
    """Queue `exp` process-wide, owned by this session; it trains as soon as the CPU is free."""
    ensure_watchdog()
    job = job_queue().submit(exp, store(), owner=session_id())
    st.session_state[JOB_KEY] = job
    return job


@functools.lru_cache(maxsize=128)
def param_count(cfg: ModelConfig) -> int:
    """Trainable parameters of the network for `cfg`, counted without allocating its weights."""
    with torch.device("meta"):
        return count_params(build_model(cfg))


def check_size(cfg: ModelConfig) -> int:
    """The parameter count, or a LabError when the network is too big to train here."""
    n = param_count(cfg)
    if n > MAX_PARAMS:
        raise LabError(
            f"This network has {n:,} parameters, more than the lab's limit of {MAX_PARAMS:,}; "
            "use fewer or narrower hidden layers, or pooling before a flattening head."
        )
    return n


# -- the Train page's settings: one widget key tr_<field> per setting ---------------------------
MODEL_FIELDS = (
    "kernels", "kernel_size", "activation", "pool1", "conv2", "conv2_channels", "conv2_kernel",
    "pool2", "head", "hidden", "hidden_activations", "dropout", "output_activation",
)  # fmt: skip
TRAIN_FIELDS = (
    "loss", "optimizer", "lr", "momentum", "weight_decay", "batch_size", "epochs", "n_train",
    "n_test", "seed", "device", "snapshot_every", "eval_every",
)  # fmt: skip


def preset_values(name: str) -> dict:
    """Widget values (tr_<field>) for a preset; hidden widths and activations as text."""
    exp = preset(name)
    values = {f: getattr(exp.model, f) for f in MODEL_FIELDS}
    values["hidden"] = ", ".join(map(str, values["hidden"]))
    values["hidden_activations"] = ", ".join(values["hidden_activations"])
    values |= {f: getattr(exp.train, f) for f in TRAIN_FIELDS}
    for f in ("lr", "momentum", "weight_decay", "dropout"):
        values[f] = float(values[f])
    return {f"tr_{k}": v for k, v in values.items()}


def load_preset() -> None:
    for key, value in preset_values(st.session_state.tr_preset).items():
        set_sticky(key, value)


def build_experiment(name: str, spec: WaveformSpec) -> Experiment:
    """The experiment the widgets describe, on the preset's hidden settings; LabError if invalid."""
    ss = st.session_state
    base = preset(name, spec)
    model = {f: ss[f"tr_{f}"] for f in MODEL_FIELDS}
    model["hidden"] = parse_widths(ss.tr_hidden)
    model["hidden_activations"] = parse_names(ss.tr_hidden_activations)
    train = {f: ss[f"tr_{f}"] for f in TRAIN_FIELDS}
    changed = any(ss[k] != v for k, v in preset_values(name).items())
    return Experiment(
        f"{name}-custom" if changed else name,
        spec,
        dataclasses.replace(base.model, **model),
        dataclasses.replace(base.train, **train),
    )


# -- the watchdog: stop training whose browser session has ended -------------------------------
def reap_orphans(is_alive: Callable[[str], bool], now: float, grace: float = GRACE_S) -> list[str]:
    """Stop unfinished jobs of owners not alive for `grace` seconds; returns the owners stopped."""
    owners = {j.owner for j in list(job_queue().jobs) if j.owner and not j.progress().finished}
    stopped = []
    for owner in owners:
        if is_alive(owner):
            _gone_since.pop(owner, None)
            continue
        since = _gone_since.setdefault(owner, now)
        if now - since >= grace:
            job_queue().stop_owner(owner)
            _gone_since.pop(owner, None)
            stopped.append(owner)
    for owner in set(_gone_since) - owners:
        _gone_since.pop(owner, None)
    return stopped


def _runtime_liveness() -> Callable[[str], bool] | None:
    """Runtime.is_active_session (thread-safe), or None outside `streamlit run` (e.g. AppTest)."""
    from streamlit import runtime

    return runtime.get_instance().is_active_session if runtime.exists() else None


def _watch() -> None:
    while True:
        time.sleep(WATCH_EVERY_S)
        try:
            alive = _runtime_liveness()
            if alive is not None:
                reap_orphans(alive, time.monotonic())
        except Exception:  # the watchdog must outlive any one bad check
            pass


def ensure_watchdog() -> None:
    """Start the process's watchdog thread once."""
    global _watchdog
    with _watch_lock:
        if _watchdog is None or not _watchdog.is_alive():
            _watchdog = threading.Thread(target=_watch, name="train-watchdog", daemon=True)
            _watchdog.start()


# -- words for the page --------------------------------------------------------------------------
def duration(seconds: float) -> str:
    """'45 s', '3 min 05 s', '1 h 02 min'."""
    s = int(round(max(0.0, seconds)))
    if s < 60:
        return f"{s} s"
    if s < 3600:
        return f"{s // 60} min {s % 60:02d} s"
    return f"{s // 3600} h {s % 3600 // 60:02d} min"


def progress_text(p: JobProgress, epochs: int) -> str:
    """One line under the progress bar: step, epoch, time spent and left."""
    if not p.total_steps:
        return "Preparing the images and the network…"
    text = f"Step {p.step} of {p.total_steps} · epoch {p.epoch:.1f} of {epochs}"
    text += f" · {duration(p.elapsed)} so far"
    if p.eta is not None and p.state == "running":
        text += f" · about {duration(p.eta)} left"
    return text


def waiting_text(p: JobProgress) -> str | None:
    """What a run in line is waiting for, with its place and an honest wait; None if not in line."""
    if not p.queue_position:
        return None
    what = "to resume" if p.state == "paused" else "to start"
    return (
        f"All training slots on this server are in use. Yours is number {p.queue_position} in "
        f"line {what}: {p.wait}."
    )


def parse_widths(text: str) -> tuple[int, ...]:
    """'4096, 1024' -> (4096, 1024); '' -> (); a LabError sentence for anything else."""
    parts = [t for t in text.replace(";", ",").replace(" ", ",").split(",") if t]
    try:
        widths = tuple(int(t) for t in parts)
    except ValueError:
        raise LabError(
            f"Hidden layer widths must be whole numbers separated by commas, got {text!r}."
        ) from None
    if any(w < 1 for w in widths):
        raise LabError("Hidden layer widths must be at least 1.")
    return widths


def parse_names(text: str) -> tuple[str, ...]:
    """'relu, tanh' -> ('relu', 'tanh')."""
    return tuple(t.strip().lower() for t in text.replace(";", ",").split(",") if t.strip())
