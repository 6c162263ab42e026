"""Scope CSV exports of four makes read into channels, drawn as the network's input and classified;
files that are not waveforms are refused with a sentence. Drawings become inputs the same way."""

from pathlib import Path

import numpy as np
import pytest
from PIL import Image, ImageDraw

from core.capture.curves import drawing_to_input, samples_mask, samples_to_input
from core.capture.scopecsv import ScopeCSVError, read_scope_csv
from core.training.predict import load_predictor

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures" / "scopecsv"
EXAMPLE = Path(__file__).resolve().parents[2] / "examples" / "runs" / "example-fast"

# file -> ({channel: class}, sample interval in s)
EXPECTED = {
    "rigol-ds1054z-square-sine.csv": ({"CH1": "square", "CH2": "sine"}, 2e-6),
    "siglent-sds1202xe-gaussian.csv": ({"CH1": "gaussian"}, 1e-6),
    "keysight-dsox2012a-sine-square.csv": ({"CH1": "sine", "CH2": "square"}, 5e-7),
    "tektronix-tbs1052b-square.csv": ({"CH1": "square"}, 4e-8),
    "tektronix-mso54-gaussian-sine.csv": ({"CH1": "gaussian", "CH2": "sine"}, 8e-9),
}


@pytest.fixture(scope="module")
def predictor():
    return load_predictor(EXAMPLE)


def test_the_fixtures_are_the_generators_output():
    assert sorted(p.name for p in FIXTURES.glob("*.csv")) == sorted(EXPECTED)


@pytest.mark.parametrize("name", sorted(EXPECTED))
def test_each_makes_export_reads_to_its_channels_and_time(name, predictor):
    expected, dt = EXPECTED[name]
    trace = read_scope_csv((FIXTURES / name).read_bytes(), name)
    assert trace.names == list(expected)
    assert len(trace) == 600
    assert trace.time is not None and np.allclose(np.diff(trace.time), dt, rtol=1e-3)
    for channel, cls in expected.items():
        v = trace.channels[channel]
        assert np.isfinite(v).all() and v.max() - v.min() > 1.0  # volts, not indices or settings
        x = samples_to_input(v, predictor.image_size, 2)
        assert x.shape == (100, 100) and set(np.unique(x)) <= {0.0, 1.0}
        assert predictor.predict(x[None])[0]["label"] == cls, channel


def test_semicolons_and_decimal_commas_free_layouts_read_too():
    t = np.linspace(0, 1e-3, 50)
    text = "Time;Ch A\n" + "\n".join(f"{a:.6e};{np.sin(40 * a * 1e3):.4f}" for a in t)
    trace = read_scope_csv(text.encode(), "logger.csv")
    assert trace.names == ["Ch A"] and np.allclose(trace.time, t)


@pytest.mark.parametrize(
    "data, says",
    [
        (b"name,email\nAda,ada@example.org\nAlan,alan@example.org\n", "has no waveform in it"),
        (b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR", "is not a text file"),
        (b"x,y\n1,2\n2,3\n3,4\n", "and this has 3 such rows"),
        (b"", "and this has 0 such rows"),
        ("Time\n" + "\n".join(str(i) for i in range(50)), "no channel of voltages"),
    ],
)
def test_files_that_are_not_waveforms_get_a_sentence(data, says):
    data = data.encode() if isinstance(data, str) else data
    with pytest.raises(ScopeCSVError, match=says) as e:
        read_scope_csv(data, "mine.csv")
    assert str(e.value).startswith("mine.csv")


def test_a_long_record_keeps_its_spikes_and_edges():
    v = np.zeros(100_000)
    v[50_000:50_003] = 1.0  # a 3-sample spike in 100k samples must still show
    mask = samples_mask(v)
    assert mask.shape[1] == 1000 and mask[:, 500].all()  # the column spans the full height


def stroke_drawing(ys: np.ndarray, width: int = 600, height: int = 300, pen: int = 8) -> np.ndarray:
    """An RGBA canvas with a freehand-like stroke through (x, ys[x]) drawn in a thick pen."""
    img = Image.new("RGBA", (width, height), (0, 0, 0, 0))
    xs = np.linspace(40, width - 40, len(ys))
    ImageDraw.Draw(img).line(list(zip(xs, ys)), fill=(255, 255, 255, 255), width=pen)
    return np.asarray(img)


def test_a_drawn_sine_and_a_drawn_pulse_are_recognised(predictor):
    x = np.linspace(0, 1, 300)
    sine = stroke_drawing(150 - 100 * np.sin(2 * np.pi * 2 * x))
    pulse = stroke_drawing(np.where((x > 0.4) & (x < 0.6), 60, 240))
    gauss = stroke_drawing(240 - 180 * np.exp(-0.5 * ((x - 0.5) / 0.08) ** 2))
    for drawing, cls in ((sine, "sine"), (pulse, "square"), (gauss, "gaussian")):
        got = drawing_to_input(drawing, predictor.image_size, 2)
        assert got is not None
        inp, box = got
        assert box[0] >= 30 and box[2] <= 570
        assert predictor.predict(inp[None])[0]["label"] == cls


def test_an_empty_canvas_is_nothing_yet():
    assert drawing_to_input(np.zeros((200, 300, 4), np.uint8)) is None
