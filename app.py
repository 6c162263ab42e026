"""CNN Kernel Lab, home: what the lab is, its steps, and the run the other pages show."""

from __future__ import annotations

from pathlib import Path

import streamlit as st

from ui import training as tr
from ui.charts import metrics_chart
from ui.heap import settle_heap
from ui.outcome import learning_warning
from ui.share import load_shared_run
from ui.state import is_example, page_link, run_picker
from ui.style import apply_style

HERE = Path(__file__).parent
STEPS = (
    ("views/1_Waveforms.py", "1 · Waveforms", ":material/airwave:",
     "Make the pictures: square pulses, Gaussian bumps and sine waves, drawn like a scope trace."),
    ("views/2_Train.py", "2 · Train", ":material/model_training:",
     "Train a small convolutional network on them and watch its loss and accuracy live."),
    ("views/3_Kernels.py", "3 · Kernels", ":material/grid_view:",
     "Scrub through the first-layer kernels as they learned: what does each one look for?"),
    ("views/4_Scope.py", "4 · Scope", ":material/monitor_heart:",
     "Show the trained network a real oscilloscope screenshot and see what it answers."),
    ("views/5_Insight.py", "5 · Insight", ":material/troubleshoot:",
     "Which held-out images does it get wrong, at any snapshot, and where does it look?"),
    ("views/6_Compare.py", "6 · Compare", ":material/compare:",
     "Two runs side by side: kernels at the same training step, curves on one chart."),
    ("views/7_Scenarios.py", "7 · Scenarios", ":material/school:",
     "One-click classroom experiments: why kernels look random, learning rates, losses."),
    ("views/8_Draw.py", "8 · Draw", ":material/draw:",
     "Draw a waveform with the mouse or a finger, or load your scope's CSV: what does it say?"),
    ("views/9_Claims.py", "9 · Claims", ":material/fact_check:",
     "The study's claims measured over many seeds: kernel count, losses, getting stuck, size."),
)  # fmt: skip
PER_ROW = 4


def home() -> None:
    """The home page: what the lab is, the steps, and the current run."""
    st.title("CNN Kernel Lab")
    st.markdown(
        "A convolutional network looks at a picture through small **kernels**: little grids of "
        "weights slid across the image. This lab trains one to tell apart oscilloscope-style "
        "waveforms and lets you watch what its kernels become, as in the study *Interpretability "
        "of convolutional neural networks via kernel visualizations*."
    )

    for first in range(0, len(STEPS), PER_ROW):
        for col, (page, title, icon, text) in zip(
            st.columns(PER_ROW), STEPS[first : first + PER_ROW]
        ):
            with col.container(border=True, height="stretch"):
                if (HERE / page).is_file():
                    page_link(page, f"**{title}**", icon)
                else:
                    st.markdown(f"{icon} **{title}** (coming soon)")
                st.caption(text)

    job = tr.session_job()
    if job is not None:
        p = job.progress()
        if not p.finished:
            st.info(
                f"Your training is {p.state}: step {p.step} of {p.total_steps or '…'}. "
                "It keeps going while you look around.",
                icon=":material/directions_run:",
            )

    st.subheader("The current run")
    st.caption(
        "The Kernels and Scope pages show this run; a run you train becomes the current one."
    )
    run = run_picker("home_run", label="Run")
    learning_warning(run)
    if run is not None:
        info, chart = st.columns([2, 3], gap="large")
        with info:
            acc = run.final_metric("test_accuracy")
            params = run.config.get("params")
            a, b = st.columns(2)
            a.metric("Held-out accuracy", f"{acc:.0%}" if acc is not None else "–")
            b.metric("Parameters", f"{params:,}" if isinstance(params, int) else "–")
            st.markdown(
                f"**Status:** {run.state}. {run.status.get('message', '')}  \n"
                f"**Preset:** {run.config.get('preset', 'custom')} · "
                f"**classes:** {', '.join(run.config.get('classes', []))}"
            )
            if is_example(run):
                st.caption("An example run shipped with the lab.")
        with chart:
            if run.metrics:
                st.altair_chart(metrics_chart(run.metrics, panel_height=80))
            else:
                st.caption("This run has no measurements yet.")
    with st.expander("Load a run shared as a zip", icon=":material/upload_file:"):
        load_shared_run()


# st.navigation names the pages in the sidebar (the file name "app" would otherwise label Home);
# each page file still runs on its own, as AppTest and a direct URL open it.
st.set_page_config(page_title="CNN Kernel Lab", page_icon=":material/grid_view:", layout="wide")
PAGES = [st.Page(home, title="Home", icon=":material/home:", default=True)] + [
    st.Page(page, title=title.split(" · ")[1], icon=icon) for page, title, icon, _ in STEPS
]
navigation = st.navigation(PAGES)
apply_style()
navigation.run()
settle_heap()  # after the page's imports: keeps each run's garbage collection cheap
