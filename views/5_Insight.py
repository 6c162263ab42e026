"""Insight: the held-out images at one snapshot: the confusion matrix, the images of one of its
cells with the network's answers, and where the network looked in each."""

from __future__ import annotations

import functools

import streamlit as st

from core import render
from core.errors import LabError
from core.interpret.snapshot import (
    HEAT_EXPLANATION,
    HEAT_LABELS,
    HEAT_METHODS,
    cell_members,
    worst_cell,
)
from ui import insight as ui
from ui import kernels as uk
from ui.state import run_picker, show_error, sticky

RUN, FRAME, CELL = "insight_run", "insight_frame", "insight_cell"
HEAT, MATRIX = "insight_heat", "insight_matrix"
MAX_SHOWN = 12
st.set_page_config(page_title="Insight · CNN Kernel Lab", page_icon="🔎", layout="wide")
st.html("<style>[data-testid='stImage'] img {image-rendering: pixelated;}</style>")


def cell_from_click(classes: list[str]) -> None:
    """The matrix was clicked: make the clicked cell the chosen one."""
    state = st.session_state.get(MATRIX) or {}
    picked = (state.get("selection") or {}).get("cell") or []
    if picked and picked[0].get("true") in classes and picked[0].get("predicted") in classes:
        t, p = classes.index(picked[0]["true"]), classes.index(picked[0]["predicted"])
        st.session_state[CELL] = t * len(classes) + p


def choose_cell(run, ev, classes: list[str]) -> int:
    """The cell in session state, valid for this run; a newly picked run starts on its most
    frequent mistake."""
    c = len(classes)
    ss = st.session_state
    if ss.get(f"{CELL}_run") != str(run.path) or ss.get(CELL, 0) >= c * c:
        st.session_state[f"{CELL}_run"] = str(run.path)
        t, p = worst_cell(ev.confusion)
        st.session_state[CELL] = t * c + p
    return st.session_state[CELL]


def matrix_panel(run, ev, classes: list[str], cell: int) -> None:
    st.altair_chart(
        ui.selectable_confusion(ev.confusion, classes, cell),
        key=MATRIX,
        on_select=functools.partial(cell_from_click, classes),
        selection_mode="cell",
        width="content",
    )
    c = len(classes)
    st.selectbox(
        "Images to list (or click a square of the matrix)",
        range(c * c),
        format_func=lambda i: ui.cell_label(classes, ev.confusion, i),
        key=CELL,
    )
    st.caption("Orange squares are mistakes, blue ones correct answers; the yellow outline is the "
               "one listed on the right.")  # fmt: skip


def images_panel(run, frame: int, ev, held, cell: int) -> None:
    classes = held.classes
    t, p = divmod(cell, len(classes))
    members = cell_members(ev, held.y, t, p)
    heat = st.segmented_control(
        "Where it looked",
        (ui.NO_HEAT, *HEAT_METHODS),
        format_func=lambda m: "off" if m == ui.NO_HEAT else HEAT_LABELS[m],
        key=HEAT,
        required=True,
    )
    what = "answered correctly" if t == p else f"answered as **{classes[p]}**"
    st.markdown(f"**{len(members)} {classes[t]} image(s)** {what}" + (
        f", the {MAX_SHOWN} most confident shown" if len(members) > MAX_SHOWN else ""))  # fmt: skip
    if not members:
        st.info("No held-out image falls in this square at this snapshot.")
        return
    shown = members[:MAX_SHOWN]
    maps = [None] * len(shown)
    if heat != ui.NO_HEAT:
        maps = ui.heat(run, frame, heat, [i for i, _ in shown], [p] * len(shown))
        st.caption(HEAT_EXPLANATION[heat] + f" Shown for the answer, {classes[p]}.")
    cols = st.columns(3 if heat != ui.NO_HEAT else 4)
    for n, ((i, probs), m) in enumerate(zip(shown, maps)):
        cols[n % len(cols)].image(
            render.thumbnail(held.x[i, 0].numpy(), m),
            caption=f"#{i} · {ui.probability_text(classes, probs)}",
            width="stretch",
        )


def main() -> None:
    sticky(HEAT, "saliency", (ui.NO_HEAT, *HEAT_METHODS))
    st.title("Insight: right and wrong answers")
    st.caption(
        "The run's held-out images (never trained on), made again from its settings. Pick a "
        "snapshot: the network keeps its final layers but uses that snapshot's first-layer "
        "kernels, so you see how much the kernels alone matter."
    )
    top = st.columns([2, 3], vertical_alignment="bottom")
    with top[0]:
        run = run_picker(RUN, label="Run", need_model=True)
    if run is None:
        return
    snaps = uk.snapshots_or_say(run)
    if snaps is None:
        return
    n = len(snaps)
    uk.clamp_frame(FRAME, n, f"{FRAME}_run", str(run.path))
    if n > 1:
        top[1].select_slider(
            "Kernels from snapshot",
            options=range(n),
            format_func=lambda i: uk.frame_label(snaps, i),
            key=FRAME,
        )
    frame = st.session_state[FRAME]
    try:
        held = ui.heldout(run)
        ev, final = ui.evaluation(run, frame), ui.evaluation(run, n - 1)
    except (LabError, OSError) as e:
        show_error(e)
        return
    ui.diverged_warning(run)
    a, b, c = st.columns(3)
    a.metric("Held-out accuracy with these kernels", f"{ev.accuracy:.1%}",
             delta=f"{ev.accuracy - final.accuracy:+.1%} vs the final kernels"
             if frame != n - 1 else None)  # fmt: skip
    b.metric("Held-out images", f"{len(held)}")
    c.metric("Snapshot", uk.frame_label(snaps, frame))
    classes = held.classes
    cell = choose_cell(run, ev, classes)
    st.markdown("**Held-out images: true class (rows) against the network's answer (columns)**")
    left, right = st.columns([2, 3], gap="large")
    with left:
        matrix_panel(run, ev, classes, cell)
    with right:
        images_panel(run, frame, ev, held, st.session_state[CELL])


main()
