"""Readable on a projector and at 1024x768: colour-bar labels, captions, controls that wrap rather
than clip, a presentation mode, and galleries that do not turn 1-px traces into dashes."""

from __future__ import annotations

from pathlib import Path

import numpy as np
from streamlit.testing.v1 import AppTest

from core.render import TEXT_RGB, colourbar
from ui.style import BASE_CSS, PRESENTATION_CSS, PRESENTATION_KEY, css

ROOT = Path(__file__).resolve().parents[1]


def text_pixels(bar: np.ndarray) -> np.ndarray:
    return np.all(np.abs(bar.astype(int) - TEXT_RGB) < 60, axis=2)


def test_colourbar_labels_are_large_and_clear_of_the_rounded_ends():
    bar = colourbar(0.353, width=256)
    ink = text_pixels(bar)
    rows, cols = np.flatnonzero(ink.any(1)), np.flatnonzero(ink.any(0))
    assert rows[-1] - rows[0] + 1 >= 11  # glyphs ~11 px tall on a 256-px bar (was ~8)
    assert cols[0] >= 6 and cols[-1] <= 256 - 7  # st.image rounds its corners: keep text inside


def test_captions_are_bright_and_controls_wrap_on_the_dark_theme():
    assert "stCaptionContainer" in BASE_CSS and "#d4d4d4" in BASE_CSS and "opacity: 1" in BASE_CSS
    assert "flex-wrap: wrap" in BASE_CSS  # segmented controls wrap at 1024 px instead of clipping
    assert "max-width: 1280px" in BASE_CSS and "stSidebar" in BASE_CSS
    assert css(False).count("<style>") == 1 and PRESENTATION_CSS not in css(False)
    assert PRESENTATION_CSS in css(True)


def _styles(at: AppTest) -> str:
    return " ".join(h.proto.body for h in at.get("html"))


def test_the_sidebar_switch_turns_presentation_mode_on_for_every_page(tmp_path, monkeypatch):
    monkeypatch.setenv("KERNEL_LAB_RUNS", str(tmp_path / "runs"))
    at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=60).run()
    assert not at.exception
    assert "stCaptionContainer" in _styles(at) and "font-size: 20px" not in _styles(at)
    at.sidebar.toggle(key=PRESENTATION_KEY).set_value(True).run()
    assert "html { font-size: 20px; }" in _styles(at)


def test_the_waveform_gallery_is_not_scaled_pixelated():
    # Nearest-neighbour ("pixelated") scaling to a non-integer size drops or doubles rows of a
    # 1-px trace: on screen it looks dashed. The gallery is drawn 4x and scaled smoothly.
    src = (ROOT / "views" / "1_Waveforms.py").read_text()
    assert "image-rendering: pixelated" not in src and "upscale=4" in src


def test_present_in_the_address_starts_in_presentation_mode(tmp_path, monkeypatch):
    monkeypatch.setenv("KERNEL_LAB_RUNS", str(tmp_path / "runs"))
    at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=60)
    at.query_params["present"] = "1"
    at.run()
    assert at.sidebar.toggle(key=PRESENTATION_KEY).value is True
    assert "html { font-size: 20px; }" in _styles(at)


def test_confusion_matrix_column_labels_are_slanted_so_they_never_run_together():
    # Level labels run into each other ("squargaussian") once a narrow column squeezes the cells.
    from ui.charts import confusion_chart
    from ui.insight import selectable_confusion

    classes = ["square", "gaussian", "sine"]
    m = np.eye(3, dtype=int) * 5
    for chart in (confusion_chart(m.tolist(), classes), selectable_confusion(m, classes, 0)):
        spec = chart.to_dict()
        layers = spec.get("layer", [spec])
        angles = {layer["encoding"]["x"]["axis"]["labelAngle"] for layer in layers}
        assert angles and all(a != 0 and abs(a) <= 45 for a in angles), angles
