"""The scope-style sample screenshots: deterministic, small, readable, and their trace is found."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from core.capture import extract_trace
from core.capture.imagefile import read_image, read_image_u8
from core.data.scope_samples import (
    BACKGROUND,
    HEIGHT,
    SAMPLE_NAMES,
    SAMPLES,
    WIDTH,
    Screen,
    sample_png,
    scope_screenshot,
    trace_mask,
    write_samples,
)
from core.errors import LabError

REPO = Path(__file__).resolve().parents[2]


@pytest.mark.parametrize("name", SAMPLE_NAMES)
def test_screenshot_looks_like_a_scope(name):
    img = scope_screenshot(name)
    assert img.shape == (HEIGHT, WIDTH, 3) and img.dtype == np.uint8
    x0, y0, x1, y1 = Screen().plot_box
    plot = img[y0:y1, x0:x1].reshape(-1, 3)
    assert (plot == BACKGROUND).all(axis=1).mean() > 0.8  # mostly dark screen
    grey = (plot[:, 0] == plot[:, 1]) & (plot[:, 1] == plot[:, 2]) & (plot[:, 0] > 40)
    assert grey.any()  # the graticule
    for trace in SAMPLES[name].traces:
        assert (plot == trace.colour).all(axis=1).sum() > 500  # each coloured trace shows


def test_same_name_same_pixels():
    assert np.array_equal(scope_screenshot("sine"), scope_screenshot("sine"))
    assert not np.array_equal(scope_screenshot("sine"), scope_screenshot("square"))


def test_unknown_sample_is_a_sentence():
    with pytest.raises(LabError, match="no sample"):
        scope_screenshot("sawtooth-ish")


def test_trace_mask_fills_the_plot_width():
    mask = trace_mask(SAMPLES["square"].traces[0])
    assert mask.shape == (400, 600) and mask.dtype == bool
    assert mask.any(axis=0).mean() > 0.9  # a trace across (nearly) every column


@pytest.mark.parametrize("name", SAMPLE_NAMES)
def test_png_is_small_and_reads_back(name):
    data = sample_png(name)
    assert len(data) < 100_000
    assert np.array_equal(read_image_u8(data, name=name), scope_screenshot(name))
    assert read_image(data, name=name).dtype == np.float32


@pytest.mark.parametrize("name", [n for n in SAMPLE_NAMES if SAMPLES[n].expected])
def test_capture_finds_the_plot_and_the_trace(name):
    result = extract_trace(scope_screenshot(name))
    x0, y0, x1, y1 = Screen().plot_box
    bx0, by0, bx1, by1 = result.crop_box
    assert abs(bx0 - x0) <= 3 and abs(by0 - y0) <= 3 and abs(bx1 - x1) <= 3 and abs(by1 - y1) <= 3
    assert result.found
    want = np.asarray(SAMPLES[name].traces[0].colour, np.float64)
    got = np.asarray(result.trace_colour, np.float64)  # may be a dimmer average with the halo
    assert got @ want / (np.linalg.norm(got) * np.linalg.norm(want)) > 0.98


def test_two_channel_sample_offers_both_colours():
    result = extract_trace(scope_screenshot("sine-and-square"))
    assert len(result.candidate_colours) >= 2


def test_write_samples(tmp_path):
    paths = write_samples(tmp_path, ["sine", "gaussian"])
    assert [p.name for p in paths] == ["sine.png", "gaussian.png"]
    assert paths[0].read_bytes() == sample_png("sine")


def test_bundled_samples_are_current():
    """examples/scope/ holds (nearly) what scripts/make_samples.py writes today."""
    folder = REPO / "examples" / "scope"
    for name in SAMPLE_NAMES:
        path = folder / f"{name}.png"
        assert path.is_file(), f"run python scripts/make_samples.py ({path.name} is missing)"
        assert path.stat().st_size < 100_000
        # Loose on purpose: small changes to core.waveforms' jitter move a few trace pixels.
        differ = (read_image_u8(path) != scope_screenshot(name)).any(axis=2).mean()
        assert differ < 0.02, f"{path.name} is stale: run python scripts/make_samples.py"


@pytest.mark.parametrize("size", [(1024, 600), (1600, 960), (1920, 1440)])
def test_one_generator_draws_any_screen_size(size):
    screen = Screen(*size)
    img = scope_screenshot("sine-and-square", screen)
    assert img.shape == (size[1], size[0], 3)
    x0, y0, x1, y1 = screen.plot_box
    assert x1 <= size[0] and y1 <= size[1] and (x1 - x0) / (y1 - y0) == 12 / 8
    result = extract_trace(img)
    assert result.found and all(abs(a - b) <= 3 for a, b in zip(result.crop_box, screen.plot_box))
    assert Screen().plot_box == (30, 36, 630, 436)  # the bundled samples' layout, unscaled
