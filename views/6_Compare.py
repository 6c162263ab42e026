"""Compare: two runs side by side, kernels at matching training steps and curves overlaid."""

from __future__ import annotations

import streamlit as st

from core import render
from core.errors import RunError
from core.interpret import verdict
from core.interpret.diagnostics import STRUCTURE_EXPLANATION, match_frames
from ui import compare as uc
from ui import insight as ui
from ui import kernels as uk
from ui.state import RUN_KEY, all_runs, compare_runs, keep_run_choice, run_label, say_problems

RUN_A, RUN_B, PAIR = "compare_run_a", "compare_run_b", "compare_pair"
APPLIED = "compare_applied"  # the pair from a scenario already put into the pickers
st.set_page_config(page_title="Compare · CNN Kernel Lab", page_icon="⚖️", layout="wide")
st.html("<style>[data-testid='stImage'] img {image-rendering: pixelated;}</style>")


def default_pickers(paths: list[str]) -> None:
    """Start the pickers on the scenario's pair, else on the current run and the next one."""
    wanted = compare_runs()
    if wanted and wanted != st.session_state.get(APPLIED) and all(p in paths for p in wanted):
        st.session_state[APPLIED] = wanted
        st.session_state[RUN_A], st.session_state[RUN_B] = (paths.index(p) for p in wanted)
    if RUN_A not in st.session_state or st.session_state[RUN_A] >= len(paths):
        current = st.session_state.get(RUN_KEY)
        st.session_state[RUN_A] = paths.index(current) if current in paths else 0
    if RUN_B not in st.session_state or st.session_state[RUN_B] >= len(paths):
        st.session_state[RUN_B] = 1 if st.session_state[RUN_A] == 0 else 0


def kernels_at(run, snaps, frame: int, diag, title: str) -> None:
    """One run's montage at a snapshot with its structure scores."""
    weights = snaps.weights[frame]
    k, size = weights.shape[0], weights.shape[-1]
    ncols, upscale = render.montage_grid(k, size, 420)
    vmax = render.kernel_vmax(weights, "shared")
    st.markdown(f"**{title}** · {uk.frame_label(snaps, frame)} · {k} kernels")
    st.image(
        render.kernel_montage(weights, view_vmax=vmax, upscale=upscale, ncols=ncols),
        width="stretch",
    )
    s = verdict.summary(diag, frame)
    st.caption(
        f"Colour range ±{float(vmax[0]):.3g}. {s['structured']} of {k} kernels clearly "
        f"structured, median structure score {s['median_structure']:.1f}"
        + (f", {s['dead']} dead" if s["dead"] else "")
        + "."
    )


def kernels_panel(runs, snaps, diags) -> None:
    """The step slider over matched snapshots and both montages: reruns on its own."""
    steps_a, steps_b = snaps[0].step, snaps[1].step
    pairs = match_frames(steps_a, steps_b)
    near = match_frames(steps_a, steps_b, max_gap=max(5, 0.1 * int(steps_a[-1])))
    shown = [str(r.path) for r in runs]
    if st.session_state.get(f"{PAIR}_for") != shown or st.session_state.get(PAIR, 0) >= len(pairs):
        st.session_state[f"{PAIR}_for"] = shown  # other runs: start at the end of run A
        st.session_state[PAIR] = len(pairs) - 1
    if len(pairs) > 1:
        st.select_slider(
            "Training step (run B shows its snapshot nearest to run A's)",
            options=range(len(pairs)),
            format_func=lambda i: f"step {int(snaps[0].step[pairs[i][0]])}",
            key=PAIR,
        )
    i, j = pairs[st.session_state[PAIR]]
    cols = st.columns(2, gap="large")
    for col, run, s, d, f, name in zip(cols, runs, snaps, diags, (i, j), ("A", "B")):
        with col:
            kernels_at(run, s, f, d, f"Run {name}: {run.name}")
    if (i, j) not in near:
        st.caption(
            f"Run B has no snapshot near this step; its nearest is step {int(snaps[1].step[j])}"
            + (" (it ended there)." if j == len(snaps[1]) - 1 else ".")
        )


def summary_table(runs, diags) -> None:
    rows = []
    for name, run, diag in zip(("A", "B"), runs, diags):
        s = verdict.summary(diag)
        acc = run.final_metric("test_accuracy")
        rows.append(
            {
                "run": f"{name}: {run.name}",
                "status": run.state,
                "held-out": f"{acc:.0%}" if acc is not None else "–",
                "kernels": s["kernels"],
                "structured": s["structured"],
                "median score": round(s["median_structure"], 1),
                "learned part": round(s["median_added"], 1),
                "moved": f"{s['median_moved']:.0%}",
                "dead": s["dead"],
                "norm": f"{s['median_norm']:.3g}",
            }
        )
    st.dataframe(rows, hide_index=True, key="compare_table")
    st.caption(
        "structured: kernels scoring above 3; median score: their median structure score; "
        "learned part: the same score of what training added (snapshot minus start); moved: "
        "how far the kernels moved from their random start, as a share of their starting size; "
        "norm: median weight norm; all medians over kernels at each run's last snapshot."
    )
    for name, run in zip(("A", "B"), runs):
        if run.state != "done" or run.plateau:
            st.caption(f"Run {name} ({run.state}): {run.status.get('message', '')}")


def main() -> None:
    st.title("Compare two runs")
    st.caption(
        "Two runs side by side: their kernels at the same training step, their curves on one "
        "chart, and the measures that say how far their kernels are from random."
    )
    runs, warnings = all_runs()
    for w in warnings:
        st.warning(w, icon="⚠️")
    if len(runs) < 2:
        st.info(
            "Comparing needs two runs: train another on the Train page, or run a classroom "
            "scenario, which trains a pair."
        )
        return
    paths = [str(r.path) for r in runs]
    keep_run_choice(RUN_A, paths)
    keep_run_choice(RUN_B, paths)
    default_pickers(paths)
    a, b = st.columns(2, gap="large")
    a.selectbox("Run A", range(len(runs)), format_func=lambda i: run_label(runs[i]), key=RUN_A)
    b.selectbox("Run B", range(len(runs)), format_func=lambda i: run_label(runs[i]), key=RUN_B)
    chosen = [runs[st.session_state[RUN_A]], runs[st.session_state[RUN_B]]]
    for run in chosen:
        say_problems(run)
    if chosen[0].path == chosen[1].path:
        st.info("Run A and run B are the same run; pick another for one of them.")
    try:
        snaps = [uk.run_snapshots(r) for r in chosen]
        diags = [ui.run_diagnostics(r) for r in chosen]
    except RunError as e:
        st.error(str(e))
        return
    st.fragment(kernels_panel)(chosen, snaps, diags)
    summary_table(chosen, diags)
    names = [f"{n}: {r.config.get('preset', 'custom')}" for n, r in zip("AB", chosen)]
    left, right = st.columns(2, gap="large")
    with left:
        st.markdown("**Curves**")
        st.altair_chart(uc.curves_chart([r.metrics for r in chosen], names), key="compare_curves")
    with right:
        st.markdown("**How far from random: median structure score of each run's kernels**")
        rows = [verdict.median_records(d, "structure") for d in diags]
        st.altair_chart(uc.structure_overlay(rows, names), key="compare_structure")
        st.caption(STRUCTURE_EXPLANATION + " The grey band is where random kernels fall.")


main()
