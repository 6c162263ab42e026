"""Train: pick a preset or your own settings, train in the background, watch curves and kernels."""

from __future__ import annotations

from pathlib import Path

import streamlit as st

from core import render
from core.data.waveforms import class_names
from core.errors import LabError
from core.nn.model import ACTIVATIONS, HEADS, OUTPUT_ACTIVATIONS
from core.training.experiment import Experiment
from core.training.loop import DEVICES, LOSSES, OPTIMIZERS
from core.training.presets import PRESET_BLURBS, PRESET_NAMES
from core.training.runs import load_run
from ui import training as tr
from ui.charts import confusion_chart, metrics_chart
from ui.state import page_link, select_run, show_error, sticky, training_spec

st.set_page_config(
    page_title="Train · CNN Kernel Lab", page_icon=":material/model_training:", layout="wide"
)
st.html(
    "<style>[data-testid='stImage'] img {image-rendering: pixelated;}"
    "[data-testid='stMainBlockContainer'] {padding-top: 2.5rem;}</style>"
)

PAGES = Path(__file__).parent
LOSS_LABELS = {
    "cross_entropy": "cross-entropy",
    "l1": "L1 (the study's)",
    "mse": "MSE",
    "bce": "BCE",
}
HEAD_LABELS = {"gap": "global pooling (small)", "mlp": "flatten (the study's)"}


def start(exp: Experiment) -> None:
    tr.start_training(exp)


def show_kernels(p) -> None:
    if p.weights is None:
        st.caption("The kernels appear once training starts.")
        return
    k, size = p.weights.shape[0], p.weights.shape[-1]
    ncols = k if k <= 4 else min(k, 3 if k <= 6 else 6)
    upscale = max(1, min(12, 420 // (ncols * size)))
    st.image(
        render.kernel_montage(p.weights, scale="shared", upscale=upscale, ncols=ncols),
        output_format="PNG",
    )
    vmax = float(render.kernel_vmax(p.weights).max())
    st.image(render.colourbar(vmax, width=min(420, ncols * size * upscale)), output_format="PNG")
    st.caption(f"Snapshot {p.frames} · red = positive weight, blue = negative, white = 0.")


def show_metrics(p, uses_bits: bool) -> None:
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


def show_status(job, p, settling: bool) -> None:
    """The run's state in words; a plain running run says it on the progress bar instead."""
    if p.state == "queued":
        st.info(
            f"Another training is running; yours is number {p.queue_position} in line "
            "and starts when it finishes.",
            icon=":material/hourglass_top:",
        )
    elif p.state == "running" and job.control.stopped:
        st.info("Stopping after the current step…", icon=":material/stop_circle:")
    elif p.state == "running" and job.control.paused:
        st.info("Pausing after the current step…", icon=":material/pause_circle:")
    elif p.state == "paused":
        st.info(
            f"{p.message} Press Resume to go on, or Stop to end the run and keep it.",
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
        elif p.plateau or "plateau" in p.message:
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


def show_result(run_dir: Path) -> None:
    """The finished run's confusion matrix on the held-out images."""
    try:
        run = load_run(run_dir)
    except LabError as e:
        show_error(e)
        return
    matrix = run.status.get("confusion")
    if matrix:
        st.markdown("**Held-out images: true class (rows) against the network's answer**")
        st.altair_chart(confusion_chart(matrix, run.config.get("classes", [])), width="content")
    st.caption(f"Saved as {run.name}; it is now the current run on every page.")
    if (PAGES / "3_Kernels.py").is_file():
        page_link(
            "pages/3_Kernels.py",
            "See its kernels change on the Kernels page",
            ":material/grid_view:",
        )


def live(job, polling: bool = False) -> None:
    """Everything that follows the job: cheap enough to redraw every second while `polling`."""
    p = job.progress()
    settling = p.finished and job.alive
    exp = job.experiment
    show_status(job, p, settling)
    running = "Training · " if p.state == "running" and p.total_steps else ""
    st.progress(p.fraction, text=running + tr.progress_text(p, exp.train.epochs))
    charts, side = st.columns([3, 2], gap="large")
    with charts:
        if p.metrics:
            chart = metrics_chart(
                p.metrics, loss_name=LOSS_LABELS[exp.train.loss], panel_height=75,
                x_max=p.total_steps or None,
            )  # fmt: skip
            st.altair_chart(chart)
        else:
            st.caption("The curves appear after the first check on the held-out images.")
    with side:
        show_metrics(p, exp.train.uses_bit_targets)
        st.markdown("**First-layer kernels**")
        show_kernels(p)
    if p.finished and not settling:
        if p.run_dir is not None and st.session_state.get(tr.ADOPTED_KEY) != job.id:
            st.session_state[tr.ADOPTED_KEY] = job.id
            select_run(p.run_dir)
        if polling:
            st.rerun()  # redraw the whole page: its buttons, and no more polling
        if p.run_dir is not None:
            with side:
                show_result(p.run_dir)


# -- page ----------------------------------------------------------------------------------------
st.title("Train")
spec, from_page = training_spec()
name = st.session_state.get("tr_preset") or st.session_state.get("lab_sticky", {}).get("tr_preset")
name = name if name in PRESET_NAMES else "fast"
for key, value in tr.preset_values(name).items():
    sticky(key, value)  # every setting starts at the preset's value and then keeps the user's

# The settings are in session state already, so the summary and buttons can come first.
exp, n_params, problem = None, 0, None
try:
    exp = tr.build_experiment(name, spec)
    n_params = tr.check_size(exp.model)
except LabError as e:
    exp, problem = None, e

job = tr.session_job()
p = job.progress() if job else None
busy = p is not None and not (p.finished and not job.alive)
paused = busy and job.control.paused

top, info, buttons = st.columns([7, 8, 6], gap="medium")
with top:
    st.segmented_control(
        "Preset",
        PRESET_NAMES,
        required=True,
        key=sticky("tr_preset", "fast"),
        on_change=tr.load_preset,
    )
    st.caption(PRESET_BLURBS[name])
    if exp is not None and exp.preset != name:
        st.caption(f"You changed some of its settings: the run is saved as '{exp.preset}'.")
with info:
    source = "yours from the Waveforms page" if from_page else "the default settings"
    lines = [f"**Images:** {source} ({spec.size} px, {len(class_names(spec))} classes)"]
    if exp is not None:
        t = exp.train
        lines += [
            f"**Network:** {n_params:,} parameters",
            f"**Training:** {t.epochs} epoch(s) × {t.steps_per_epoch()} steps = "
            f"{t.total_steps()} steps of {t.batch_size} images",
        ]
    st.markdown("  \n".join(lines))
    if exp is None:
        show_error(problem)
with buttons:
    r1, r2 = st.columns(2), st.columns(2)
    r1[0].button(
        "Start", key="tr_start", type="primary", icon=":material/play_arrow:", on_click=start,
        args=(exp,), disabled=busy or exp is None, width="stretch",
    )  # fmt: skip
    r1[1].button(
        "Stop", key="tr_stop", icon=":material/stop_circle:", disabled=not busy,
        on_click=job.stop if job else None, width="stretch",
    )  # fmt: skip
    r2[0].button(
        "Pause", key="tr_pause", icon=":material/pause_circle:", disabled=not busy or paused,
        on_click=job.pause if job else None, width="stretch",
    )  # fmt: skip
    r2[1].button(
        "Resume", key="tr_resume", icon=":material/resume:", disabled=not paused,
        on_click=job.resume if job else None, width="stretch",
    )  # fmt: skip

with st.expander("Advanced settings: the network and how it trains"):
    page_link(
        "pages/1_Waveforms.py", "The images are set on the Waveforms page", ":material/airwave:"
    )
    net, how = st.tabs(["Network", "Training"])
    with net:
        a, b, c = st.columns(3)
        a.slider("First-layer kernels", 1, 32, key="tr_kernels")
        a.slider("Kernel size (pixels)", 3, 64, key="tr_kernel_size")
        a.selectbox("Activation", list(ACTIVATIONS), key="tr_activation")
        a.number_input("Max-pool after layer 1 (0 = none)", 0, 16, key="tr_pool1")
        b.toggle("Second convolution", key="tr_conv2")
        on = st.session_state.tr_conv2
        b.number_input("Its channels", 1, 64, key="tr_conv2_channels", disabled=not on)
        b.number_input("Its kernel size", 1, 49, key="tr_conv2_kernel", disabled=not on)
        b.number_input("Max-pool after it (0 = none)", 0, 16, key="tr_pool2", disabled=not on)
        c.radio("Head", HEADS, format_func=HEAD_LABELS.get, horizontal=True, key="tr_head")
        c.text_input("Hidden layer widths", key="tr_hidden", help="e.g. 4096, 1024; empty = none")
        c.text_input(
            "Hidden layer activations", key="tr_hidden_activations",
            help=f"One per hidden layer, the last repeats; from {', '.join(ACTIVATIONS)}.",
        )  # fmt: skip
        c.slider("Dropout", 0.0, 0.9, step=0.01, key="tr_dropout")
        c.selectbox("Output activation", OUTPUT_ACTIVATIONS, key="tr_output_activation")
    with how:
        a, b, c = st.columns(3)
        a.selectbox("Loss", LOSSES, format_func=LOSS_LABELS.get, key="tr_loss")
        a.segmented_control("Optimiser", OPTIMIZERS, required=True, key="tr_optimizer")
        a.number_input("Learning rate", 1e-6, 10.0, step=1e-3, format="%.5f", key="tr_lr")
        sgd = st.session_state.tr_optimizer == "sgd"
        a.slider("Momentum (SGD)", 0.0, 0.99, step=0.01, key="tr_momentum", disabled=not sgd)
        a.number_input("Weight decay", 0.0, 1.0, step=1e-4, format="%.5f", key="tr_weight_decay")
        b.number_input("Batch size", 1, 10_000, key="tr_batch_size")
        b.number_input("Epochs", 1, 1000, key="tr_epochs")
        b.number_input("Training images", 3, 50_000, step=100, key="tr_n_train")
        b.number_input("Held-out images", 3, 10_000, step=50, key="tr_n_test")
        c.number_input("Seed", 0, 10**6, key="tr_seed")
        c.selectbox("Device", DEVICES, key="tr_device")
        c.number_input(
            "Kernel snapshot every (steps)", 0, 10_000, key="tr_snapshot_every",
            help="0 = automatic, about 150 snapshots a run.",
        )  # fmt: skip
        c.number_input(
            "Held-out check every (steps)", 0, 10_000, key="tr_eval_every",
            help="0 = automatic, about 30 checks a run.",
        )  # fmt: skip

if job is None:
    st.info("Press Start to train. Training runs in the background: you can visit other pages and "
            "come back; the run is saved as it goes and appears on every page.")  # fmt: skip
elif busy:
    st.fragment(live, run_every=1.0)(job, polling=True)
else:
    live(job)
