"""The Draw page's parts: a canvas to draw a waveform on, a scope's CSV export, and what the
network makes of either (its input, its answer, its first-layer feature maps)."""

from __future__ import annotations

import altair as alt
import numpy as np
import pandas as pd
import streamlit as st

from core import render
from core.capture.curves import drawing_to_input, samples_to_input
from core.capture.scopecsv import ScopeCSVError, ScopeTrace, read_scope_csv
from core.interpret.features import feature_maps
from core.training.predict import Predictor, training_thickness
from ui.scope import probability_chart, show_answer

CANVAS_W, CANVAS_H = 600, 300
PEN, CSV_UPLOAD, CHANNEL = "draw_pen", "draw_csv", "draw_channel"


def _st_canvas():
    """streamlit-drawable-canvas's st_canvas, or None where its component cannot register (a
    page run without a browser, as AppTest runs it)."""
    try:
        from streamlit_drawable_canvas import st_canvas
    except Exception:  # StreamlitAPIException: the component's assets are not served here
        return None
    return st_canvas


def draw_input(predictor: Predictor) -> np.ndarray | None:
    """The canvas; the drawing as the network's input (size, size), or None before any stroke."""
    canvas = _st_canvas()
    if canvas is None:
        st.info("The drawing canvas needs the app open in a browser (`streamlit run app.py`).")
        return None
    pen = st.columns([1, 2])[0].select_slider("Pen", options=(4, 8, 12, 16), value=8, key=PEN)
    result = canvas(
        stroke_width=pen,
        stroke_color="#ffffff",
        background_color="",
        height=CANVAS_H,
        width=CANVAS_W,
        drawing_mode="freedraw",
        update_streamlit=True,
        return_image_data=True,
        key="draw_canvas",
    )
    st.caption(
        "Draw from left to right, as a scope would: a pulse, a bump, a few waves. The answer "
        "updates each time you lift the pen; the bin in the canvas's toolbar clears it."
    )
    image = result.image_data if result is not None else None
    if image is None:
        return None
    got = drawing_to_input(np.asarray(image), predictor.image_size, _thickness(predictor))
    return None if got is None else got[0]


def _thickness(predictor: Predictor) -> int:
    return training_thickness(predictor.experiment)


@st.cache_data(max_entries=8, show_spinner=False)
def _read_csv(file_id: str, name: str, data: bytes) -> ScopeTrace:
    return read_scope_csv(data, name)


def csv_input(predictor: Predictor) -> np.ndarray | None:
    """An uploader for a scope's CSV export, a channel picker and the channel drawn; the chosen
    channel as the network's input, or None (with a sentence where the file is not a waveform)."""
    upload = st.file_uploader(
        "A scope's CSV export (Rigol, Siglent, Keysight, Tektronix, ...)",
        type=["csv", "txt"],
        key=CSV_UPLOAD,
    )
    if upload is None:
        st.caption("Save the waveform on the scope as CSV (to a USB stick) and upload it here.")
        return None
    try:
        trace = _read_csv(upload.file_id, upload.name, upload.getvalue())
    except ScopeCSVError as e:
        st.error(str(e))
        return None
    if st.session_state.get(CHANNEL) not in trace.names:
        st.session_state[CHANNEL] = trace.names[0]
    channel = st.segmented_control("Channel", trace.names, key=CHANNEL, required=True)
    values = trace.channels[channel]
    st.altair_chart(samples_chart(trace, channel), key="draw_csv_chart")
    return samples_to_input(values, predictor.image_size, _thickness(predictor))


def samples_chart(trace: ScopeTrace, channel: str, most: int = 2000) -> alt.Chart:
    """The channel as the scope saved it (at most `most` points drawn), time in ms if known."""
    v = trace.channels[channel]
    idx = np.unique(np.linspace(0, len(v) - 1, min(len(v), most)).astype(int))
    if trace.time is not None:
        x, title = trace.time[idx] * 1e3, "time (ms)"
    else:
        x, title = idx.astype(float), "sample"
    df = pd.DataFrame({"x": x, "v": v[idx]})
    return (
        alt.Chart(df)
        .mark_line(strokeWidth=2.5, color="#f5c518")
        .encode(x=alt.X("x:Q", title=title), y=alt.Y("v:Q", title=f"{channel} (V)"))
        .properties(height=220)
    )


def network_view(predictor: Predictor, x: np.ndarray) -> None:
    """The network input, the answer (unsure where it is none of the shapes the network knows, as
    the Scope page answers) with its probabilities, and every first-layer feature map."""
    said = predictor.predict(x[None])[0]  # unsure for a triangle, a ramp: shapes not taught
    left, right = st.columns([1, 2], gap="large")
    left.image(render.image_png(x, upscale=3), caption="network input", width=300)
    with right:
        show_answer(predictor, said, confident=True, heading="### ")
        probs = list(said["probabilities"].values())
        st.altair_chart(probability_chart(predictor.classes, probs), key="draw_probs")
    conv = predictor.model.conv1
    weights = conv.weight.detach().cpu().numpy()  # (k, 1, K, K)
    bias = conv.bias.detach().cpu().numpy()
    maps = feature_maps(x, weights, bias)  # (k, H', W')
    vmax = render.kernel_vmax(maps, "shared")
    st.markdown("**What each first-layer kernel responds to** (kernels 1 to "
                f"{len(maps)}, left to right; red = strong positive response)")  # fmt: skip
    st.image(render.kernel_montage(maps, view_vmax=vmax, upscale=2, gap=6), width="stretch")
    st.image(render.colourbar_png(float(vmax[0]), width=360, height=18), width=360)
