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

from core import render
from core.data.waveforms import WaveformSpec, class_names
from core.errors import LabError
from core.nn.model import ModelConfig
from core.training import worker
from core.training.experiment import Experiment
from core.training.jobs import JobProgress, TrainingJob, job_queue
from core.training.loop import TrainConfig
from core.training.presets import PRESET_NAMES, preset
from core.training.published import cpu_seconds_per_epoch, needs, needs_sentence
from ui.state import STICKY_KEY, set_sticky, store

JOB_KEY = "lab_train_job"  # the TrainingJob this browser session started (kept across pages)
ADOPTED_KEY = "lab_train_adopted"  # id of the finished job whose run was made the current run
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
    ncols, upscale = render.montage_grid(k, size, width)
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


@functools.lru_cache(maxsize=4)
def cpu_epoch_estimate(cfg: ModelConfig, train: TrainConfig) -> str:
    """What a GPU-only network needs, with one epoch's time measured on this CPU (seconds of
    work and the network's memory once per process)."""
    return needs_sentence(needs(cfg, train), cpu_seconds_per_epoch(cfg, train))


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


def chosen_preset() -> str:
    """The preset picked on the page (or last time it was open), 'fast' at first."""
    ss = st.session_state
    name = ss.get("tr_preset") or ss.get(STICKY_KEY, {}).get("tr_preset")
    return name if name in PRESET_NAMES else "fast"


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
        base.waveforms,  # the page's images, at the size the preset needs
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


# -- what the page draws of a job ---------------------------------------------------------------
LOSS_LABELS = {
    "cross_entropy": "cross-entropy",
    "l1": "L1 (the study's)",
    "mse": "MSE",
    "bce": "BCE",
}
HEAD_LABELS = {"gap": "global pooling (small)", "mlp": "flatten (the study's)"}


def kernels_panel(p: JobProgress) -> None:
    """The job's latest first-layer kernels, with their colour bar (drawn once per snapshot)."""
    if p.weights is None:
        st.caption("The kernels appear once training starts.")
        return
    montage, bar, _ = kernel_pngs(p, width=420)
    st.image(montage)
    st.image(bar)
    st.caption(f"Snapshot {p.frames} · red = positive weight, blue = negative, white = 0.")


def metric_tiles(p: JobProgress, uses_bits: bool) -> None:
    """The latest check in big numbers: short labels, two a row when there are four."""
    last = p.metrics[-1] if p.metrics else {}

    def pct(key: str) -> str:
        return f"{last[key]:.0%}" if last.get(key) is not None else "–"

    numbers = [
        ("Loss", f"{last['loss']:.3g}" if last else "–", None),
        ("Train", pct("train_accuracy"), "Accuracy on the training images."),
        ("Held-out", pct("test_accuracy"), "Accuracy on images it never trains on."),
    ]
    if uses_bits:
        rule = "Held-out, by the study's rule: every output within 0.1 of its 0/1 target."
        numbers.append(("Strict", pct("test_strict"), rule))
    per_row = 2 if len(numbers) == 4 else 3
    for i in range(0, len(numbers), per_row):
        for col, (label, value, help_) in zip(st.columns(per_row), numbers[i : i + per_row]):
            col.metric(label, value, help=help_)


def status_note(job: TrainingJob, p: JobProgress, settling: bool) -> None:
    """The run's state in words; a plain running run says it on the progress bar instead."""
    waiting = waiting_text(p)
    if waiting:
        st.info(waiting, icon=":material/hourglass_top:")
    elif p.state == "queued":
        st.info("Starting the training process…", icon=":material/hourglass_top:")
    elif p.state == "stopping" or (p.state == "running" and job.control.stopped):
        st.info(p.message if p.state == "stopping" else "Stopping…", icon=":material/stop_circle:")
    elif p.state == "running" and job.control.paused:
        st.info("Pausing after the current step…", icon=":material/pause_circle:")
    elif p.state == "paused":
        st.info(
            f"{p.message} Press Resume to go on, Step for one more step, or Stop to end the run "
            "and keep it.",
            icon=":material/pause_circle:",
        )
    elif settling:
        st.info(
            "Finishing: saving the network and checking it on the held-out images…",
            icon=":material/save:",
        )
    elif p.state == "done":
        if p.verdict:  # the message says what went wrong and what to change
            st.warning(f"Done. {p.message}", icon=":material/report:")
        elif p.plateau:
            st.warning(f"Done, but stuck. {p.message}", icon=":material/block:")
        else:
            st.success(f"Done. {p.message}", icon=":material/check_circle:")
    elif p.state == "stopped":
        st.info(f"{p.message} What it learned so far is saved.", icon=":material/stop_circle:")
    elif p.state in ("diverged", "failed"):  # the message says what to change
        st.error(p.message, icon=":material/warning:")
    if p.plateau and not p.finished:
        st.warning(
            "Stuck on a plateau: the loss has hardly moved for a while and accuracy is far from "
            "100%, as the study often saw. Wait, or stop and try Adam, cross-entropy or another "
            "seed.",
            icon=":material/block:",
        )


def job_busy(job: TrainingJob | None) -> bool:
    """Whether the job is queued, training, paused or still saving its run."""
    return job is not None and not (job.progress().finished and not job.alive)


def summary_text(source: str, spec: WaveformSpec, exp: Experiment | None, n_params: int) -> str:
    """Markdown lines: the images, the network's size and the number of steps."""
    lines = [f"**Images:** {source} ({spec.size} px, {len(class_names(spec))} classes)"]
    if exp is not None:
        t = exp.train
        lines += [
            f"**Network:** {n_params:,} parameters",
            f"**Training:** {t.epochs} epoch(s) × {t.steps_per_epoch()} steps = "
            f"{t.total_steps()} steps of {t.batch_size} images",
        ]
    return "  \n".join(lines)


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


def show_cpu_estimate(name: str, spec: WaveformSpec) -> None:
    """A button that times one epoch of the preset's network on this CPU, and the answer."""
    exp = preset(name, spec)
    if st.button("Time one epoch on this CPU", key="tr_cpu_estimate", icon=":material/timer:"):
        with st.spinner("Timing a few steps of the full network (it needs about 2 GB)…"):
            st.session_state.tr_cpu_estimate_text = cpu_epoch_estimate(exp.model, exp.train)
    text = st.session_state.get("tr_cpu_estimate_text")
    if text:
        st.info(text, icon=":material/timer:")
