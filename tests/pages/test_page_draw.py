"""AppTest checks of the Draw page: a scope's CSV classified per channel, bad CSVs refused."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from streamlit.testing.v1 import AppTest

ROOT = Path(__file__).resolve().parents[2]
PAGE = str(ROOT / "views" / "8_Draw.py")
RIGOL = ROOT / "tests" / "fixtures" / "scopecsv" / "rigol-ds1054z-square-sine.csv"


@pytest.fixture()
def example_only(tmp_path, monkeypatch):
    monkeypatch.setenv("KERNEL_LAB_RUNS", str(tmp_path / "runs"))  # only the shipped example


def _said(at: AppTest) -> str:
    return " ".join(m.value for m in at.markdown if "The network says" in m.value)


def test_draw_mode_opens_with_the_canvas_and_no_answer_yet(example_only):
    at = AppTest.from_file(PAGE, default_timeout=60).run()
    assert not at.exception
    assert at.title[0].value == "Draw a waveform"
    assert not _said(at)


def test_a_rigol_csv_is_classified_channel_by_channel(example_only):
    at = AppTest.from_file(PAGE, default_timeout=60).run()
    at.segmented_control(key="draw_source").set_value("A scope's CSV").run()
    at.file_uploader(key="draw_csv").set_value((RIGOL.name, RIGOL.read_bytes(), "text/csv")).run()
    assert not at.exception
    channel = at.segmented_control(key="draw_channel")
    assert list(channel.options) == ["CH1", "CH2"] and channel.value == "CH1"
    assert "**square**" in _said(at)
    channel.set_value("CH2").run()
    assert "**sine**" in _said(at)


def test_a_csv_that_is_not_a_waveform_gets_a_sentence(example_only):
    at = AppTest.from_file(PAGE, default_timeout=60).run()
    at.segmented_control(key="draw_source").set_value("A scope's CSV").run()
    at.file_uploader(key="draw_csv").set_value(
        ("class-list.csv", b"name,email\nAda,ada@example.org\n", "text/csv")
    ).run()
    assert not at.exception
    assert any("class-list.csv has no waveform in it" in e.value for e in at.error)
    assert not _said(at)


def _csv(values) -> bytes:
    t = np.linspace(0, 1e-3, len(values))
    return ("Time,CH1\n" + "".join(f"{a:.6e},{b:.4f}\n" for a, b in zip(t, values))).encode()


def test_a_shape_the_network_was_not_taught_is_answered_unsure(example_only):
    at = AppTest.from_file(PAGE, default_timeout=60).run()
    at.segmented_control(key="draw_source").set_value("A scope's CSV").run()
    x = np.linspace(0, 1, 1200)
    sawtooth = np.mod(4 * x, 1.0)
    at.file_uploader(key="draw_csv").set_value(("ramp.csv", _csv(sawtooth), "text/csv")).run()
    assert not at.exception
    assert "**unsure**, none of the shapes it knows (closest: " in _said(at)
    sine = np.sin(2 * np.pi * 3 * x)
    at.file_uploader(key="draw_csv").set_value(("sine.csv", _csv(sine), "text/csv")).run()
    assert "**sine**" in _said(at) and "unsure" not in _said(at)
