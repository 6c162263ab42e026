"""Train: pick a preset or your own settings, train in the background, watch curves and kernels."""

from __future__ import annotations

from pathlib import Path

import streamlit as st

from core.errors import LabError
from core.nn.model import ACTIVATIONS, HEADS, OUTPUT_ACTIVATIONS
from core.training.loop import DEVICES, LOSSES, OPTIMIZERS
from core.training.presets import PRESET_BLURBS, PRESET_NAMES
from core.training.published import PUBLISHED, check_trainable
from core.training.runs import load_run
from ui import training as tr
from ui.charts import confusion_chart, live_metrics_rows, live_metrics_spec
from ui.state import page_link, select_run, show_error, sticky, training_spec

st.set_page_config(
    page_title="Train · CNN Kernel Lab", page_icon=":material/model_training:", layout="wide"
)
st.html(
    "<style>[data-testid='stImage'] img {image-rendering: pixelated;}"
    "[data-testid='stMainBlockContainer'] {padding-top: 2.5rem;}</style>"
)
PAGES = Path(__file__).parent


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
            "views/3_Kernels.py",
            "See its kernels change on the Kernels page",
            ":material/grid_view:",
        )


def live(job, polling: bool = False) -> None:
    """Everything that follows the job: cheap enough to redraw every second while `polling`."""
    p = job.progress()
    settling = p.finished and job.alive
    exp = job.experiment
    tr.status_note(job, p, settling)
    running = "Training · " if p.state == "running" and p.total_steps else ""
    st.progress(p.fraction, text=running + tr.progress_text(p, exp.train.epochs))
    charts, side = st.columns([3, 2], gap="large")
    with charts:
        if p.metrics:
            spec = live_metrics_spec(
                tr.LOSS_LABELS[exp.train.loss], p.total_steps, exp.train.uses_bit_targets, 75
            )  # a fixed spec: each redraw sends only the rows
            st.vega_lite_chart(live_metrics_rows(p.metrics), spec, key="tr_curves")
        else:
            st.caption("The curves appear after the first check on the held-out images.")
    with side:
        tr.metric_tiles(p, exp.train.uses_bit_targets)
        st.markdown("**First-layer kernels**")
        tr.kernels_panel(p)
    if p.finished and not settling:
        if p.run_dir is not None and st.session_state.get(tr.ADOPTED_KEY) != job.id:
            st.session_state[tr.ADOPTED_KEY] = job.id
            select_run(p.run_dir)
        if polling:
            st.rerun()  # redraw the whole page: its buttons, and no more polling
        if p.run_dir is not None:
            with side:
                show_result(p.run_dir)


def advanced_settings() -> None:
    """Every setting of the network and of its training, in two tabs."""
    with st.expander("Advanced settings: the network and how it trains"):
        page_link(
            "views/1_Waveforms.py", "The images are set on the Waveforms page", ":material/airwave:"
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
            c.radio("Head", HEADS, format_func=tr.HEAD_LABELS.get, horizontal=True, key="tr_head")
            c.text_input(
                "Hidden layer widths", key="tr_hidden", help="e.g. 4096, 1024; empty = none"
            )
            c.text_input(
                "Hidden layer activations", key="tr_hidden_activations",
                help=f"One per hidden layer, the last repeats; from {', '.join(ACTIVATIONS)}.",
            )  # fmt: skip
            c.slider("Dropout", 0.0, 0.9, step=0.01, key="tr_dropout")
            c.selectbox("Output activation", OUTPUT_ACTIVATIONS, key="tr_output_activation")
        with how:
            a, b, c = st.columns(3)
            a.selectbox("Loss", LOSSES, format_func=tr.LOSS_LABELS.get, key="tr_loss")
            a.segmented_control("Optimiser", OPTIMIZERS, required=True, key="tr_optimizer")
            a.number_input("Learning rate", 1e-6, 10.0, step=1e-3, format="%.5f", key="tr_lr")
            sgd = st.session_state.tr_optimizer == "sgd"
            a.slider("Momentum (SGD)", 0.0, 0.99, step=0.01, key="tr_momentum", disabled=not sgd)
            a.number_input(
                "Weight decay", 0.0, 1.0, step=1e-4, format="%.5f", key="tr_weight_decay"
            )
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


def header(name: str, exp, n_params: int, problem, job, busy: bool) -> None:
    """The preset, what will be trained, and the four buttons (for `job`, `busy` or not)."""
    spec, from_page = training_spec()
    paused = busy and job.control.paused
    top, info, buttons = st.columns([7, 8, 6], gap="medium")
    with top:
        st.segmented_control(
            "Preset", PRESET_NAMES, required=True, key=sticky("tr_preset", "fast"),
            on_change=tr.load_preset,
        )  # fmt: skip
        st.caption(PRESET_BLURBS[name])
        if exp is not None and exp.preset != name:
            st.caption(f"You changed some of its settings: the run is saved as '{exp.preset}'.")
    with info:
        source = "yours from the Waveforms page" if from_page else "the default settings"
        st.markdown(tr.summary_text(source, spec, exp, n_params))
        if exp is None:
            show_error(problem)
            if name == PUBLISHED:
                tr.show_cpu_estimate(name, spec)
    with buttons:
        control_buttons(job, exp, busy, paused)


def control_buttons(job, exp, busy: bool, paused: bool) -> None:
    """Start, Stop, Pause, Resume and Step; each acts on the training process at once."""
    p = job.progress() if job else None
    training = busy and p.state in ("running", "paused") and not job.control.stopped
    r1, r2 = st.columns(2), st.columns(2)
    r1[0].button(
        "Start", key="tr_start", type="primary", icon=":material/play_arrow:",
        on_click=tr.start_training, args=(exp,), disabled=busy or exp is None, width="stretch",
    )  # fmt: skip
    r1[1].button(
        "Stop", key="tr_stop", icon=":material/stop_circle:", disabled=not busy,
        on_click=tr.act, args=(job, "stop"), width="stretch",
    )  # fmt: skip
    r2[0].button(
        "Pause", key="tr_pause", icon=":material/pause_circle:",
        disabled=not training or paused, on_click=tr.act, args=(job, "pause"), width="stretch",
    )  # fmt: skip
    r2[1].button(
        "Resume", key="tr_resume", icon=":material/resume:",
        disabled=not paused or bool(p and p.queue_position), on_click=tr.act,
        args=(job, "resume"), width="stretch",
    )  # fmt: skip
    st.button(
        "Step", key="tr_step", icon=":material/skip_next:", help="One training step, then pause.",
        disabled=not (paused and p.state == "paused"), on_click=tr.act, args=(job, "step_once"),
        width="stretch",
    )  # fmt: skip


def main() -> None:
    tr.warm_up()  # the training processes' forkserver, started before the first Start
    st.title("Train")
    name = tr.chosen_preset()
    for key, value in tr.preset_values(name).items():
        sticky(key, value)  # every setting starts at the preset's value and then keeps the user's
    # The settings are in session state already, so the summary and buttons can come first.
    exp, n_params, problem = None, 0, None
    try:
        exp = tr.build_experiment(name, training_spec()[0])
        n_params = check_trainable(exp.model, exp.train)
    except LabError as e:
        exp, problem = None, e  # nothing to start: the page says why
    # Whether the job is busy is asked once: asked again below, a job that ended in between
    # would leave Start disabled under a page that no longer polls to enable it.
    job = tr.session_job()
    busy = tr.job_busy(job)
    header(name, exp, n_params, problem, job, busy)
    advanced_settings()
    if job is None:
        st.info(
            "Press Start to train. Training runs in the background: you can visit other pages "
            "and come back; the run is saved as it goes and appears on every page."
        )
    elif busy:  # polled until it ends, then the whole page is redrawn (live's st.rerun)
        st.fragment(live, run_every=1.0)(job, polling=True)
    else:
        live(job)


main()
