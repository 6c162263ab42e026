"""Scenarios: one-click classroom experiments, each a pair of runs that shows one thing about
kernels, with the explanation and what to compare once they have trained."""

from __future__ import annotations

import streamlit as st

from core.training.scenarios import SCENARIOS
from ui import scenarios as us
from ui.state import page_link

st.set_page_config(page_title="Scenarios · CNN Kernel Lab", page_icon="🎓", layout="wide")


def start(key: str) -> None:
    us.start_scenario(next(s for s in SCENARIOS if s.key == key))


def follow(polling: bool) -> None:
    """The running scenario's runs: state and progress of each; the Compare link when done."""
    run = us.current()
    if run is None:
        return
    done = run.finished
    progress = run.progress
    st.subheader(f"{'Done' if done else 'Training'}: {run.scenario.name}")
    for label, p in zip(run.scenario.labels, progress):
        st.markdown(us.state_line(label, p))
        if not p.finished:
            st.progress(p.fraction)
    if not done:
        st.button("Stop this scenario", key="scen_stop", icon=":material/stop_circle:",
                  on_click=run.stop)  # fmt: skip
        st.caption("The runs train in the background, side by side where the server has the "
                   "cores: you can look at other pages meanwhile.")  # fmt: skip
        return
    if polling:
        st.rerun()  # redraw the whole page: buttons on again, no more polling
    dirs = us.hand_over(run)
    if len(dirs) >= 2:
        st.success(f"What to look at: {run.scenario.comparison}", icon=":material/lightbulb:")
        page_link("views/6_Compare.py", "See the two runs side by side on the Compare page",
                  ":material/compare:")  # fmt: skip
    else:
        st.warning("The scenario ended before both runs had started, so there is nothing to "
                   "compare.")  # fmt: skip


def main() -> None:
    st.title("Classroom scenarios")
    st.caption(
        "Each scenario trains two runs that differ in one thing, then opens them side by side "
        "on the Compare page. Each takes under a minute on a laptop; the runs are saved like "
        "any other and show on every page."
    )
    run = us.current()
    busy = run is not None and not run.finished
    if run is not None:
        with st.container(border=True):
            if busy:
                st.fragment(follow, run_every=1.0)(polling=True)
            else:
                follow(polling=False)
    for sc in SCENARIOS:
        with st.container(border=True):
            text, button = st.columns([5, 2], vertical_alignment="center")
            with text:
                st.subheader(sc.name)
                st.markdown(sc.explanation)
                st.caption(
                    f"**Runs:** {' · '.join(sc.labels)}. **What to look at:** {sc.comparison}"
                )
            button.button(
                f"Run it (about {sc.seconds} s)",
                help="Training time of both runs on an idle 2-core laptop (bench/"
                "bench_scenarios.py); add a few seconds to start, and more while others train.",
                key=f"scen_run_{sc.key}",
                type="primary",
                icon=":material/play_arrow:",
                on_click=start,
                args=(sc.key,),
                disabled=busy,
                width="stretch",
            )


main()
