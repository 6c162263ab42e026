"""Draw: a waveform drawn with the mouse or a finger, or a scope's own CSV export, shown to the
network: its input, its answer and what each first-layer kernel responds to."""

from __future__ import annotations

import streamlit as st

from ui import draw
from ui.outcome import learning_warning
from ui.scope import predictor_for
from ui.state import run_picker, show_error, sticky

st.set_page_config(page_title="Draw · CNN Kernel Lab", page_icon="✏️", layout="wide")
SOURCE = "draw_source"
SOURCES = ("Draw it", "A scope's CSV")


def main() -> None:
    sticky(SOURCE, SOURCES[0])
    st.title("Draw a waveform")
    st.caption(
        "The quickest way to test what each kernel responds to: draw a pulse, a bump or a wave "
        "and watch the network's answer and its feature maps, or load the CSV your scope saved."
    )
    left, right = st.columns([3, 2], vertical_alignment="bottom")
    with right:
        run = run_picker("draw_run", label="Network (run)", need_model=True)
    source = left.segmented_control("Input", SOURCES, key=SOURCE, required=True)
    if run is None:
        return
    learning_warning(run)
    try:
        predictor = predictor_for(run)
    except Exception as e:  # a damaged model.pt: one sentence, not a traceback
        show_error(e)
        return
    x = draw.draw_input(predictor) if source == SOURCES[0] else draw.csv_input(predictor)
    if x is None:
        return
    if not x.any():
        st.warning("Nothing to classify: draw a line across the canvas.")
        return
    draw.network_view(predictor, x)


main()
