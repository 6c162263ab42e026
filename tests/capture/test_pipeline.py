"""Screenshot -> network input: plot area, background, trace colour, scaling; real captures."""

from __future__ import annotations

import csv
import dataclasses
import io
from collections import deque
from pathlib import Path

import numpy as np
import pytest
from PIL import Image, ImageDraw

from core.capture import (
    CaptureResult,
    extract_trace,
    find_plot_area,
    rasterise,
    read_image,
    read_image_u8,
    to_network_input,
)
from core.capture.masks import (
    _run_lengths,
    _runs_by_column,
    connect_dots,
    dots_trace,
    line_width,
    longest_runs,
)
from core.data.scope_samples import demo_screenshot
from core.data.waveforms import WaveformSpec, render_batch
from core.errors import LabError

SHARED = Path(__file__).resolve().parents[2] / ".." / "shared"
YELLOW, CYAN = (255, 255, 0), (0, 255, 255)


# ---------------------------------------------------------------- helpers
def largest_part(img: np.ndarray) -> float:
    """Fraction of the on pixels in the largest 8-connected part of a (H, W) image."""
    on = img > 0
    seen = np.zeros_like(on)
    best = 0
    for y, x in zip(*np.nonzero(on)):
        if seen[y, x]:
            continue
        seen[y, x], todo, n = True, deque([(y, x)]), 0
        while todo:
            cy, cx = todo.popleft()
            n += 1
            for dy in (-1, 0, 1):
                for dx in (-1, 0, 1):
                    ny, nx = cy + dy, cx + dx
                    if 0 <= ny < on.shape[0] and 0 <= nx < on.shape[1] and on[ny, nx]:
                        if not seen[ny, nx]:
                            seen[ny, nx] = True
                            todo.append((ny, nx))
        best = max(best, n)
    return best / max(1, on.sum())


def longest_column_run(img: np.ndarray) -> int:
    """The longest vertical run of on pixels in any column."""
    best = 0
    for col in (img > 0).T:
        run = 0
        for v in col:
            run = run + 1 if v else 0
            best = max(best, run)
    return best


def trace_height(img: np.ndarray) -> int:
    rows = np.flatnonzero(img.any(1))
    return int(rows[-1] - rows[0] + 1) if len(rows) else 0


def looks_like_square(img: np.ndarray) -> bool:
    """Vertical edges nearly as tall as the whole trace."""
    return longest_column_run(img) >= 0.9 * trace_height(img)


def looks_smooth(img: np.ndarray) -> bool:
    """No vertical run over 60% of the trace's height (a sine, a gaussian: slopes, not edges)."""
    return longest_column_run(img) < 0.6 * trace_height(img)


def assert_network_input(x: np.ndarray, size: int = 100) -> None:
    assert x.shape == (size, size) and x.dtype == np.float32
    assert set(np.unique(x)) <= {0.0, 1.0}
    assert 0.01 < x.mean() < 0.5  # a trace, not nothing and not everything


def near(rgb, want, tol: int = 60) -> bool:
    return rgb is not None and max(abs(a - b) for a, b in zip(rgb, want)) <= tol


@pytest.fixture(scope="module")
def scope() -> tuple[np.ndarray, tuple[int, int, int, int]]:
    """800x480 dark screen: grid, menus, text, a yellow square on top and a cyan sine below."""
    return demo_screenshot(800, 480, (("square", "yellow"), ("sine", "cyan")))


def paper_plot(kind: str = "sine", w: int = 640, h: int = 480) -> np.ndarray:
    """Black trace on white, no axes, like the study's data_*.png."""
    im = Image.new("RGB", (w, h), "white")
    x = np.linspace(0, 1, 400)
    y = np.sin(2 * np.pi * 3 * x) if kind == "sine" else np.where(np.mod(x * 2, 1) < 0.5, -1, 1)
    pts = list(zip((80 + 480 * x).tolist(), (240 - 100 * y).tolist()))
    ImageDraw.Draw(im).line(pts, fill="black", width=2)
    return np.asarray(im)


def viridis_figure() -> np.ndarray:
    """A matplotlib-like figure: white page, black axes box, purple image with a yellow pulse."""
    im = Image.new("RGB", (960, 720), "white")
    d = ImageDraw.Draw(im)
    d.rectangle((200, 80, 760, 640), fill=(68, 1, 84))
    d.rectangle((198, 78, 762, 642), outline="black", width=2)
    for k in range(6):  # ticks and labels outside the box
        d.line((198 - 8, 80 + 112 * k, 198, 80 + 112 * k), fill="black")
        d.text((150, 74 + 112 * k), str(100 * k), fill="black")
    pts = [(200, 500), (420, 500), (420, 250), (540, 250), (540, 500), (760, 500)]
    d.line(pts, fill=(253, 231, 37), width=3)
    return np.asarray(im)


# ---------------------------------------------------------------- synthetic screenshots
def test_graticule_found(scope):
    img, box = scope
    result = extract_trace(img)
    assert isinstance(result, CaptureResult)
    assert result.crop_method == "graticule" and result.crop_auto
    assert all(abs(a - b) <= 2 for a, b in zip(result.crop_box, box))
    x0, y0, x1, y1 = result.crop_box
    assert np.array_equal(result.cropped, img[y0:y1, x0:x1])
    assert result.original.shape == img.shape and result.background == "dark"


@pytest.mark.parametrize("size", [(640, 480), (1024, 600), (1920, 1440)])
def test_graticule_found_at_other_sizes(size):
    img, box = demo_screenshot(*size, (("sine", "yellow"),))
    found, method = find_plot_area(img)
    assert method == "graticule" and all(abs(a - b) <= 2 for a, b in zip(found, box))


def dim_dotted_screen(scale: float) -> tuple[np.ndarray, list[int]]:
    """A dark scope screen whose 1 px grid is dotted in dim grey (as a Rigol draws it) with a
    yellow sine, shrunk to `scale` as an image viewer does, and its plot area at that scale."""
    img = np.zeros((480, 800, 3), np.uint8)
    x0, y0, x1, y1 = 84, 38, 684, 438
    dots = np.resize(np.array([64, 6, 44, 12, 47, 15, 53, 0], np.uint8), 800)
    for y in range(y0, y1 + 1, 50):
        img[y, x0 : x1 + 1] = dots[x0 : x1 + 1, None]
    for x in range(x0, x1 + 1, 50):
        img[y0 : y1 + 1, x] = dots[y0 : y1 + 1, None]
    im = Image.fromarray(img)
    xs = np.arange(x0, x1)
    sine = 238 + 120 * np.sin(xs / 40)
    ImageDraw.Draw(im).line(list(zip(xs.tolist(), sine.tolist())), fill=(230, 230, 0), width=2)
    im = im.resize((round(800 * scale), round(480 * scale)), Image.Resampling.LANCZOS)
    return np.asarray(im), [round(v * scale) for v in (x0, y0, x1 + 1, y1 + 1)]


@pytest.mark.parametrize("scale", [1.0, 0.7, 0.5])
def test_a_faint_dotted_graticule_is_found_when_shrunk(scale):
    """Shrinking averages a dotted 1 px grid with the black around it, to a grey a few levels
    above the background: on a flat dark screen that is still the graticule."""
    img, (x0, y0, x1, y1) = dim_dotted_screen(scale)
    (fx0, fy0, fx1, fy1), method = find_plot_area(img)
    assert method == "graticule"
    assert abs(fx0 - x0) <= 2 and abs(fy0 - y0) <= 2 and abs(fy1 - y1) <= 2
    # At half size the last column of dots may fade out; the area found is still inside.
    assert fx1 <= x1 + 2 and fx1 - fx0 >= (0.8 if scale < 0.6 else 0.98) * (x1 - x0)


def grid_screen(dots_of) -> tuple[np.ndarray, list[int]]:
    """A dark screen with a dotted grid of 10 divisions each way and a yellow sine, and its plot
    area: row k (across) or column k of the grid drawn with the dots `dots_of(k, across)` gives
    (an 800-long uint8 pattern; None leaves the line out)."""
    img = np.zeros((480, 800, 3), np.uint8)
    x0, y0, dx, dy = 60, 30, 60, 40
    x1, y1 = x0 + 10 * dx, y0 + 10 * dy
    for k in range(11):
        if (dots := dots_of(k, True)) is not None:
            img[y0 + k * dy, x0 : x1 + 1] = dots[x0 : x1 + 1, None]
        if (dots := dots_of(k, False)) is not None:
            img[y0 : y1 + 1, x0 + k * dx] = dots[y0 : y1 + 1, None]
    im = Image.fromarray(img)
    xs = np.arange(x0, x1)
    sine = (y0 + y1) / 2 + 150 * np.sin(xs / 60)
    ImageDraw.Draw(im).line(list(zip(xs.tolist(), sine.tolist())), fill=(230, 230, 0), width=2)
    return np.asarray(im), [x0, y0, x1 + 1, y1 + 1]


def major_minor_screen() -> tuple[np.ndarray, list[int]]:
    """grid_screen with some lines bright and the rest dim (as WaveForms draws its grid: the
    bright ones not simply every other line)."""
    bright = np.resize(np.array([120, 0], np.uint8), 800)
    dim = np.resize(np.array([24, 0, 0, 0], np.uint8), 800)
    strong = {0, 1, 3, 4, 6, 8, 10}
    return grid_screen(lambda k, across: bright if k in strong else dim)


def test_a_graticule_of_bright_and_dim_lines_is_found_whole():
    """The bright lines alone make a lattice that stops short (every other line from the
    middle on); the dim ones between them are the graticule's too, on a clean dark screen."""
    img, want = major_minor_screen()
    box, method = find_plot_area(img)
    assert method == "graticule"
    assert all(abs(a - b) <= 2 for a, b in zip(box, want)), (box, want)


def gapped_grid_screen(rows_missing, cols_missing) -> tuple[np.ndarray, list[int]]:
    """grid_screen less the lines at the places given (as a dotted grid shown smaller loses
    some lines' dots)."""
    dots = np.resize(np.array([120, 0], np.uint8), 800)
    return grid_screen(
        lambda k, across: None if k in (rows_missing if across else cols_missing) else dots
    )


def test_a_graticule_missing_lines_here_and_there_is_found_whole():
    """Lines missing in places apart (two rows, three columns) leave the grid's lattice whole:
    the plot area runs from its first line to its last, not over the longest stretch between
    two gaps."""
    img, want = gapped_grid_screen({2, 6}, {3, 5, 8})
    box, method = find_plot_area(img)
    assert method == "graticule"
    assert all(abs(a - b) <= 2 for a, b in zip(box, want)), (box, want)


def test_two_neighbouring_missing_lines_end_a_graticule():
    """Where two lines in a row are missing the lattice stops: rows 0-6 are a graticule, the
    rows past the gap are not taken into it."""
    img, want = gapped_grid_screen({7, 8}, set())
    box, method = find_plot_area(img)
    assert method == "graticule"
    assert abs(box[1] - want[1]) <= 2 and abs(box[3] - (30 + 6 * 40 + 1)) <= 2, box


def test_plots_stacked_one_above_another_are_not_one_graticule():
    """Three plots stacked with their grid rows 12 px apart, one row's place empty between
    them, make a lattice of 32 places with two gaps: more places than a scope's graticule has,
    so it is not taken as one grid across all three."""
    img = np.zeros((420, 500, 3), np.uint8)
    y0, dy = 20, 12
    rows = [y0 + k * dy for k in range(32) if k not in (10, 21)]
    for y in rows:
        img[y, 40:460:2] = 120
    for x in range(40, 461, 42):
        for y in range(0, 3):
            img[y0 + 11 * y * dy : y0 + (11 * y + 9) * dy + 1 : 2, x] = 120
    box, method = find_plot_area(img)
    assert method == "graticule"
    assert box[3] - box[1] <= 21 * dy, box


def test_both_channels_offered_and_one_picked(scope):
    result = extract_trace(scope[0])
    colours = [rgb for rgb, _ in result.candidate_colours]
    assert any(near(c, YELLOW) for c in colours) and any(near(c, CYAN) for c in colours)
    assert all(0 < frac < 0.1 for _, frac in result.candidate_colours)
    assert near(result.trace_colour, YELLOW) or near(result.trace_colour, CYAN)
    assert result.candidate_colours[0][0] == result.trace_colour  # the automatic pick leads
    assert not result.warnings
    for rgb, _ in result.candidate_colours:  # choosing a candidate keeps the list as it was
        chosen = extract_trace(scope[0], colour=rgb)
        assert chosen.trace_colour == rgb and chosen.candidate_colours == result.candidate_colours


def test_mask_covers_the_trace_and_not_the_grid(scope):
    img, _ = scope
    result = extract_trace(img, colour="yellow")
    crop = result.cropped.astype(int)
    yellow = (crop[..., 0] > 150) & (crop[..., 1] > 150) & (crop[..., 2] < 80)
    grey = (np.ptp(crop, axis=2) < 20) & (crop.max(2) > 30)
    m = result.mask
    assert m.shape == crop.shape[:2] and m.dtype == bool
    assert (m & yellow).sum() >= 0.9 * yellow[:, 40:].sum()  # all of the trace ...
    assert not (m & grey).any()  # ... and none of the grid or text
    assert not (m & ~yellow).sum() > 0.05 * m.sum()


def test_colour_override_picks_the_channel(scope):
    img, _ = scope
    square = extract_trace(img, colour="yellow")
    sine = extract_trace(img, colour=(0, 255, 255))
    assert near(square.trace_colour, YELLOW) and near(sine.trace_colour, CYAN)
    assert_network_input(square.network_input)
    assert_network_input(sine.network_input)
    assert looks_like_square(square.network_input)
    assert looks_smooth(sine.network_input)
    assert np.array_equal(extract_trace(img, colour="#00ffff").network_input, sine.network_input)


def test_network_input_is_binary_connected_and_fills_the_height(scope):
    x = extract_trace(scope[0], colour="yellow").network_input
    assert_network_input(x)
    assert largest_part(x) >= 0.97  # square-wave edges joined to their tops and bottoms
    assert x.any(0)[1:-1].all()  # runs across the whole width
    rows = np.flatnonzero(x.any(1))
    assert 4 <= rows[0] <= 15 and 84 <= rows[-1] <= 95  # ~80% of the height, with margins


def test_thickness_and_size(scope):
    img = scope[0]
    thin = extract_trace(img, colour="yellow", thickness=1).network_input
    thick = extract_trace(img, colour="yellow", thickness=3).network_input
    assert thin.sum() < thick.sum()
    flat_rows = thick[:, 20:30].sum(0)  # a horizontal stretch: exactly 3 rows thick
    assert np.median(flat_rows) == 3 and np.median(thin[:, 20:30].sum(0)) == 1
    small = extract_trace(img, colour="yellow", size=64).network_input
    assert small.shape == (64, 64) and largest_part(small) > 0.95


def test_manual_crop_overrides(scope):
    img, box = scope
    x0, y0, x1, y1 = box
    lower = (x0, (y0 + y1) // 2, x1, y1)  # only the sine's half
    result = extract_trace(img, crop=lower)
    assert result.crop_method == "manual" and not result.crop_auto
    assert result.crop_box == lower and result.cropped.shape[:2] == (y1 - lower[1], x1 - x0)
    assert near(result.trace_colour, CYAN) and looks_smooth(result.network_input)
    clipped = extract_trace(img, crop=(-50, -50, 5000, 5000))  # clipped to the image
    assert clipped.crop_box == (0, 0, 800, 480)


def test_one_pixel_trace_on_a_big_screen_survives():
    im = Image.new("RGB", (1920, 1440))
    d = ImageDraw.Draw(im)
    x = np.linspace(0, 1, 3000)
    y = 720 - 300 * np.where(np.mod(x * 4, 1) < 0.5, 1, -1)
    d.line(list(zip((100 + 1700 * x).tolist(), y.tolist())), fill=(0, 255, 0), width=1)
    result = extract_trace(np.asarray(im))
    assert_network_input(result.network_input)
    assert largest_part(result.network_input) > 0.97 and looks_like_square(result.network_input)


def framed_plot(trace: str) -> tuple[np.ndarray, tuple[int, int, int, int]]:
    """A white plot whose light grey grid ends on a black axes box, a blue triangle wave and,
    in the box's own black, a gaussian dip or a square wave clipped at the top edge; and the
    box (x0, y0, x1, y1)."""
    im = Image.new("RGB", (900, 600), "white")
    d = ImageDraw.Draw(im)
    x0, y0, x1, y1 = 80, 40, 860, 560
    for x in range(x0, x1 + 1, 78):
        d.line([(x, y0), (x, y1)], fill=(220, 220, 220), width=1)
    for y in range(y0, y1 + 1, 52):
        d.line([(x0, y), (x1, y)], fill=(220, 220, 220), width=1)
    d.rectangle([x0, y0, x1, y1], outline="black", width=2)
    t = np.linspace(0, 1, 1500)
    xs = (x0 + (x1 - x0) * t).tolist()
    tri = y0 + 100 + 300 * np.abs(np.mod(4 * t, 1) - 0.5) * 2
    d.line(list(zip(xs, tri.tolist())), fill=(31, 119, 180), width=3)
    if trace == "dip":
        y = y0 + 120 + 300 * np.exp(-0.5 * ((t - 0.5) / 0.1) ** 2)
    else:  # a square whose high level is clipped just inside the plot's top edge
        y = np.where(np.mod(3 * t, 1) < 0.5, y0 + 6, y0 + 300)
    d.line(list(zip(xs, y.tolist())), fill="black", width=2)
    return np.asarray(im), (x0, y0, x1, y1)


def test_the_axes_box_is_not_read_as_part_of_a_trace_in_its_colour():
    img, _ = framed_plot("dip")
    result = extract_trace(img, colour=(0, 0, 0))
    assert result.crop_method == "graticule"
    x = result.network_input
    assert_network_input(x)
    runs = (x[1:] > x[:-1]).sum(0) + (x[0] > 0)  # the box would add a line above and below
    assert (runs[x.any(0)] == 1).mean() > 0.95 and looks_smooth(x)


def test_a_trace_clipped_at_the_plot_edge_keeps_its_clipped_stretches():
    img, _ = framed_plot("clipped")
    x = extract_trace(img, colour=(0, 0, 0)).network_input
    assert_network_input(x)
    assert looks_like_square(x)
    first = np.flatnonzero(x.any(1))[0]
    top = x[first : first + 3].any(0)  # the high level, clipped by the top edge: half the width
    assert 0.35 < top.mean() < 0.65


def test_light_paper_plot():
    result = extract_trace(paper_plot("sine"))
    assert result.background == "light" and result.crop_method == "content"
    assert near(result.trace_colour, (0, 0, 0))
    assert_network_input(result.network_input)
    assert looks_smooth(result.network_input) and largest_part(result.network_input) > 0.97
    assert result.network_input.any(0)[1:-1].all()  # the content's width fills the view


def curve_on_white(x0: int, x1: int, kind: str, w: int = 640, h: int = 400) -> np.ndarray:
    """A black curve drawn from column x0 to x1 of a white picture: an 8-cycle sine or a bump."""
    im = Image.new("RGB", (w, h), "white")
    t = np.linspace(0, 1, 800)
    y = np.sin(2 * np.pi * 8 * t) if kind == "sine" else np.exp(-(((t - 0.5) / 0.15) ** 2))
    pts = list(zip((x0 + (x1 - x0) * t).tolist(), (h / 2 - 100 * y).tolist()))
    ImageDraw.Draw(im).line(pts, fill="black", width=2)
    return np.asarray(im)


def test_a_trace_across_its_view_fills_the_width_and_a_narrow_one_keeps_its_place():
    """A plot's axes drawn a little wider than its curve leave margins beside a trace that runs
    across the view; framed by them, many-cycle sines were answered square. A bump in a third
    of the view keeps its place in it."""
    view = (0, 640)
    wide = extract_trace(curve_on_white(20, 620, "sine"), find_area=False, view=view)
    assert wide.network_input[:, :2].any() and wide.network_input[:, -2:].any()
    narrow = extract_trace(curve_on_white(40, 240, "bump"), find_area=False, view=view)
    cols = np.flatnonzero(narrow.network_input.any(0))
    assert 3 <= cols[0] <= 9 and 33 <= cols[-1] <= 41  # columns 40..240 of 640, in 100


def drawn_with_axis(kind: str, w: int = 640, h: int = 400) -> np.ndarray:
    """A black curve on white that starts on a vertical axis with an arrow head, drawn taller
    than the curve: a bump on a baseline, or a square wave that ends with an edge."""
    im = Image.new("RGB", (w, h), "white")
    d = ImageDraw.Draw(im)
    d.line((40, 30, 40, 370), fill="black", width=2)  # the axis, over and under the curve
    d.polygon([(34, 44), (46, 44), (40, 28)], fill="black")  # its arrow head
    t = np.linspace(0, 1, 800)
    if kind == "bump":
        y = 300 - 150 * np.exp(-(((t - 0.5) / 0.12) ** 2))
        d.line(list(zip((40 + 560 * t).tolist(), y.tolist())), fill="black", width=2)
    else:
        pts, level = [], 300
        for x in range(40, 600, 80):  # from the axis at the low level; an edge at the end
            pts += [(x, level), (x + 80, level)]
            level = 450 - level
            pts.append((x + 80, level))
        d.line(pts, fill="black", width=2)
    return np.asarray(im)


def test_an_axis_the_curve_starts_on_is_dropped_and_a_square_edge_at_the_end_kept():
    """A drawing's vertical axis touching the start of its curve, and its arrow head, are no
    part of the trace: read in, they stand at the network input's left as a square's edge. A
    square wave that ends with an edge keeps that edge."""
    bump = extract_trace(drawn_with_axis("bump"), find_area=False).network_input
    assert_network_input(bump)
    assert longest_column_run(bump[:, :5]) < 0.2 * trace_height(bump)
    assert bump[:, :2].any()  # the baseline still starts at the left
    square = extract_trace(drawn_with_axis("square"), find_area=False).network_input
    assert looks_like_square(square)
    assert longest_column_run(square[:, :5]) < 0.2 * trace_height(square)
    assert longest_column_run(square[:, -3:]) >= 0.8 * trace_height(square)


def test_a_marker_apart_above_the_trace_is_dropped_and_a_piece_of_it_kept():
    """A channel's marker beside the start of a trace and above it is no part of it; the last
    piece of a trace broken near its end lies within its rows and is kept."""
    im = Image.new("RGB", (640, 400), "white")
    d = ImageDraw.Draw(im)
    d.polygon([(30, 40), (30, 64), (50, 52)], fill="black")  # a marker, up and to the left
    t = np.linspace(0, 1, 800)
    x, y = 80 + 520 * t, 200 - 100 * np.sin(2 * np.pi * 3 * t)
    d.line(list(zip(x[t < 0.9].tolist(), y[t < 0.9].tolist())), fill="black", width=2)
    d.line(list(zip(x[t > 0.93].tolist(), y[t > 0.93].tolist())), fill="black", width=2)
    res = extract_trace(np.asarray(im), find_area=False)
    assert_network_input(res.network_input)
    assert res.crop_box[0] >= 60  # the crop starts at the sine (less a margin), not the marker
    assert res.network_input[:, -3:].any()  # the broken-off piece at the end is still read


def test_colormap_figure():
    result = extract_trace(viridis_figure())
    assert result.crop_method == "frame"
    assert all(abs(a - b) <= 4 for a, b in zip(result.crop_box, (200, 80, 761, 641)))
    assert result.background == "colormap" and near(result.trace_colour, (253, 231, 37))
    assert_network_input(result.network_input)
    assert looks_like_square(result.network_input)


def red_grid_replot(quality: int) -> np.ndarray:
    """A scope trace replotted on white: pink grid, red axes with ticks, a green square wave,
    saved as JPEG (whose ringing puts reddish fringes along the green line)."""
    im = Image.new("RGB", (1000, 530), (252, 252, 252))
    d = ImageDraw.Draw(im)
    for i in range(41):
        colour = (240, 40, 40) if i % 10 == 0 else (250, 170, 170)
        d.line([(10 + i * 24.5, 10), (10 + i * 24.5, 500)], fill=colour)
        if i <= 20:
            d.line([(10, 10 + i * 24.5), (990, 10 + i * 24.5)], fill=colour)
    for t in range(0, 980, 5):
        d.line([(10 + t, 252), (10 + t, 258)], fill=(240, 40, 40))
    xs = np.arange(12, 988)
    ys = np.where(((xs - 12) // 49) % 2 == 0, 160, 350)
    d.line(list(zip(xs.tolist(), ys.tolist())), fill=(40, 170, 40), width=2)
    buf = io.BytesIO()
    im.save(buf, "JPEG", quality=quality)
    return np.asarray(Image.open(buf).convert("RGB"))


@pytest.mark.parametrize("quality", [95, 80, 60])
def test_a_trace_is_not_merged_with_a_grid_of_another_hue(quality):
    """Colours that touch merge into one trace only when their hues are near: the green trace's
    JPEG fringes touch both it and the red axes, and must not join them into one group."""
    result = extract_trace(red_grid_replot(quality))
    assert near(result.trace_colour, (40, 170, 40))
    assert looks_like_square(result.network_input)
    crop = result.cropped.astype(int)
    red = (crop[..., 0] > crop[..., 1] + 60) & (crop[..., 0] > 150)
    assert (result.mask & red).sum() <= 0.02 * result.mask.sum()


def test_float_and_uint8_input_agree(scope):
    img = scope[0]
    a = extract_trace(img).network_input
    b = extract_trace(img.astype(np.float32) / 255).network_input
    assert np.array_equal(a, b)


def test_no_trace_is_reported_not_raised():
    img, _ = demo_screenshot(800, 480, ())
    result = extract_trace(img)
    assert not result.found and not result.network_input.any() and not result.mask.any()
    assert result.warnings and result.trace_colour is None
    buf = io.BytesIO()
    Image.fromarray(img).save(buf, format="PNG")
    with pytest.raises(LabError, match=r"No waveform trace was found in grid\.png\."):
        to_network_input(buf.getvalue(), name="grid.png")


def test_missing_colour_is_a_warning(scope):
    result = extract_trace(scope[0], colour="magenta")
    assert not result.found and "No pixels of the colour" in result.warnings[0]


def test_to_network_input_reads_any_source(scope, tmp_path):
    path = tmp_path / "shot.png"
    Image.fromarray(scope[0]).save(path)
    x = to_network_input(path, colour="cyan", size=80, thickness=1)
    assert_network_input(x, 80)
    assert np.array_equal(
        x, to_network_input(path.read_bytes(), colour="cyan", size=80, thickness=1)
    )


@pytest.mark.parametrize(
    "kwargs, match",
    [
        ({"crop": (0, 0, 10, 10)}, "less than 16x16"),
        ({"crop": (1, 2, 3)}, "four numbers"),
        ({"colour": "mauve-ish"}, "Unknown trace colour"),
        ({"colour": (300, 0, 0)}, "three numbers 0-255"),
        ({"size": 8}, "output size must be a whole number from 16"),
        ({"thickness": 0}, "output thickness"),
        ({"thickness": 2.5}, "output thickness"),
    ],
)
def test_bad_options_raise_lab_errors(scope, kwargs, match):
    with pytest.raises(LabError, match=match):
        extract_trace(scope[0], **kwargs)


def test_bad_array_raises():
    with pytest.raises(LabError, match="RGB image"):
        extract_trace(np.zeros((10, 10, 5)))


def test_rasterise_keeps_a_one_pixel_line_and_joins_missing_edges():
    m = np.zeros((400, 1200), bool)
    m[100, :600] = True  # high, then low: the edge between them is missing
    m[300, 600:] = True
    x = rasterise(m, (0, 1200), 100, 2)
    assert x.any(0).all() and largest_part(x) == 1.0
    assert longest_column_run(x) >= 0.7 * trace_height(x)
    assert np.median(x.sum(0)) == 2


def dots_screen(step: int, r: float, cycles: int = 4) -> np.ndarray:
    """640x400 dark screen with a graticule and a sine in a scope's dots display: a dot of radius
    `r` every `step` px across, so the dots on the steep slopes lie far apart."""
    im = Image.new("RGB", (640, 400), (10, 10, 20))
    d = ImageDraw.Draw(im)
    for k in range(11):
        d.line((40 + 56 * k, 40, 40 + 56 * k, 360), fill=(70, 70, 70))
    for k in range(9):
        d.line((40, 40 + 40 * k, 600, 40 + 40 * k), fill=(70, 70, 70))
    for x in np.arange(40, 600, step):
        y = 200 - 120 * np.sin(2 * np.pi * cycles * (x - 40) / 560)
        d.ellipse((x - r, y - r, x + r, y + r), fill=(255, 220, 0))
    return np.asarray(im)


@pytest.mark.parametrize(("step", "r"), [(3, 1), (4, 1.5), (8, 3)])
def test_a_dots_display_is_read_as_the_line_its_dots_stand_for(step, r):
    # Each dot is a part of its own and those on a slope are 15-40 px apart: judged one by one,
    # they were dropped as specks and the reading kept the peaks alone.
    res = extract_trace(dots_screen(step, r))
    x = res.network_input
    assert res.crop_method == "graticule"
    assert x.any(0).all() and largest_part(x) == 1.0
    assert looks_smooth(x)
    # Four cycles: the line crosses the middle row eight times, as the sine does.
    mid = x[45:55].any(0).astype(int)
    assert 7 <= np.count_nonzero(np.diff(mid) == 1) <= 9


def marker_plot(r: int, step: int, cycles: int, amp: int) -> np.ndarray:
    """800x500 white plot with axes and a sine of amplitude `amp` px drawn as markers alone (a
    scatter plot, or matplotlib's marker with no line): a round marker of radius `r` every
    `step` px across."""
    im = Image.new("RGB", (800, 500), "white")
    d = ImageDraw.Draw(im)
    d.line((60, 440, 760, 440), fill="black", width=2)
    d.line((60, 40, 60, 440), fill="black", width=2)
    for x in np.arange(80, 750, step):
        y = 240 - amp * np.sin(2 * np.pi * cycles * (x - 80) / 670)
        d.ellipse((x - r, y - r, x + r, y + r), fill=(30, 120, 200))
    return np.asarray(im)


@pytest.mark.parametrize(("r", "step", "cycles", "amp"), [(7, 12, 6, 80), (6, 14, 5, 100),
                                                          (8, 16, 4, 80)])  # fmt: skip
def test_a_plot_of_markers_is_read_as_the_line_they_stand_for(r, step, cycles, amp):
    # Markers 13 to 17 px across are 6% to 8% of the trace's rows, more than a scope's dots
    # (DOT_SIZE of the height): judged by the height alone they were no dots, and the reading
    # was a row of blobs with gaps (a sine so read was answered a gaussian).
    x = extract_trace(marker_plot(r, step, cycles, amp)).network_input
    assert x.any(0).mean() > 0.9 and largest_part(x) == 1.0
    assert looks_smooth(x)
    mid = x[45:55].any(0).astype(int)  # the middle row crossed twice a cycle
    assert 2 * cycles - 1 <= np.count_nonzero(np.diff(mid) == 1) <= 2 * cycles + 1


def test_only_a_trace_of_dots_is_joined_into_a_line():
    dots = np.zeros((60, 200), bool)
    for x in range(10, 190, 4):
        dots[int(30 + 25 * np.sin(x / 6)), x] = True  # far apart in height where it is steep
    joined = dots_trace(dots)
    assert joined is not None and (joined & dots).sum() == dots.sum()
    assert joined[:, 10:187].any(0).all()  # every column from the first dot to the last
    line = np.zeros((60, 200), bool)
    line[30, 5:195] = True
    line[10, 120:125] = True  # a scrap of text beside a line: a line, not dots
    levels = np.zeros((60, 200), bool)  # a square wave whose faint edges were lost: long pieces
    for k, x in enumerate(range(0, 200, 10)):
        levels[10 if k % 2 else 50, x : x + 9] = True
    levels[np.arange(0, 60, 3), 5] = True  # and a column of specks, as JPEG leaves
    text = np.zeros((60, 200), bool)  # five lines of letters: dots, not one above another
    text[5:55:10, 10:190:5] = True
    for mask in (line, levels, text):
        assert dots_trace(mask) is None
    far = np.zeros((60, 400), bool)
    far[30, [10, 200, 390]] = True  # three specks far apart: nothing joins them
    assert (connect_dots(far) == far).all()


# ---------------------------------------------------------------- Waveforms page round trip
# (width, height, resampling) a teacher's export may come back at: the page's own one-bit PNG at
# 100 px and its 3x preview, and screenshots or re-saves at other sizes, pixel-exact and smoothed.
ROUND_TRIP_SIZES = [
    (100, 100, None),
    (300, 300, Image.Resampling.NEAREST),
    (400, 300, Image.Resampling.NEAREST),
    (400, 300, Image.Resampling.BICUBIC),
    (640, 480, Image.Resampling.NEAREST),
    (640, 480, Image.Resampling.BICUBIC),
]


def grow(m: np.ndarray, ry: int, rx: int) -> np.ndarray:
    """Bool (h, w) grown by ry rows and rx columns each way."""
    h, w = m.shape
    p = np.pad(m, ((ry, ry), (rx, rx)))
    out = np.zeros_like(m)
    for dy in range(2 * ry + 1):
        for dx in range(2 * rx + 1):
            out |= p[dy : dy + h, dx : dx + w]
    return out


def near_share(a: np.ndarray, b: np.ndarray, ry: int, rx: int = 2) -> float:
    """Fraction of bool a's pixels within ry rows and rx columns of one of bool b's."""
    return float((a & grow(b, ry, rx)).sum() / max(1, a.sum()))


def column_centres(m: np.ndarray) -> np.ndarray:
    """Middle row of each column's pixels of bool (h, w); NaN where a column is empty."""
    r = np.arange(m.shape[0])[:, None]
    mid = (np.where(m, r, m.shape[0]).min(0) + np.where(m, r, -1).max(0)) / 2
    return np.where(m.any(0), mid, np.nan)


def placed(line: np.ndarray, out: np.ndarray) -> tuple[np.ndarray, float]:
    """(bool (100, 100) trace `line` drawn on the network input's grid, rows per source row): the
    rows scaled and shifted so the column centres of both span the same rows."""
    src, dst = column_centres(line), column_centres(out)
    scale = (np.nanmax(dst) - np.nanmin(dst)) / max(1.0, np.nanmax(src) - np.nanmin(src))
    ys, xs = np.nonzero(line)
    top = np.nanmin(dst) + (ys - 0.5 - np.nanmin(src)) * scale
    m = np.zeros_like(out)
    for y0, y1, x in zip(top, top + scale, xs):  # each source pixel covers `scale` rows
        m[max(0, int(round(y0))) : max(0, int(round(y1))) + 1, x] = True
    return m, scale


def exported_png(image: np.ndarray, size: tuple, inverted: bool) -> bytes:
    """A generated image uint8 (100, 100) in {0, 1} as a PNG of (width, height, resampling)."""
    w, h, resample = size
    a = ((1 - image) if inverted else image).astype(np.uint8) * 255
    im = Image.fromarray(a)
    if resample is not None:
        im = im.resize((w, h), resample)
    if resample in (None, Image.Resampling.NEAREST):
        im = im.convert("1")  # one bit a pixel, as the Waveforms page saves them
    buf = io.BytesIO()
    im.save(buf, format="PNG")
    return buf.getvalue()


def test_generated_images_round_trip():
    """Images from the Waveforms page (all classes, up to 1% flipped pixels, 1 px of jitter, 1-3 px
    lines), saved at other sizes, resampled and inverted, come back as their own trace.

    The reference is the network input of the same waveform drawn noise-free and 1 px thick at
    100 px, which must itself follow the drawn line. Tolerance: 2 cells (the output line's own
    thickness) for where a redrawn line lands, plus, down the rows, one source pixel times the
    vertical stretch (a 3 px line's middle and a 1 px line differ by up to a pixel where the
    trace jitters). At least 90% of the pixels both ways: over 720 such round trips (six seeds)
    the worst reached 93%, while the input of the previous image from the same generator
    scores 28% on the median (a missing trace, a filled block or a line through specks fall
    far below).
    """
    k = 0
    sets = ((WaveformSpec(include_sawtooth=True), 44, 11), (WaveformSpec.study(), 16, 12))
    for spec, n, seed in sets:
        images, _ = render_batch(spec, n, seed)
        thin = dataclasses.replace(spec, flip_noise=(0.0, 0.0), thickness=(1, 1))
        lines, _ = render_batch(thin, n, seed)  # the same draws: the same waveforms, drawn thin
        for i, (image, line) in enumerate(zip(images, lines)):
            want = extract_trace(line * np.uint8(255)).network_input > 0
            drawn, scale = placed(line > 0, want)
            slack = 2 + int(np.ceil(scale))
            assert near_share(want, drawn, slack) >= 0.9, (seed, i)
            assert near_share(drawn, want, slack) >= 0.9, (seed, i)
            for _ in range(2):  # each size, resampling and polarity for 10 of the 60 images
                size, inverted = ROUND_TRIP_SIZES[k % 6], k // 6 % 2 == 1
                k += 1
                result = extract_trace(read_image_u8(exported_png(image, size, inverted)))
                case = (seed, i, size[:2], size[2], inverted)
                assert result.found and not result.warnings, case
                got = result.network_input > 0
                assert near_share(got, want, slack) >= 0.9, case
                assert near_share(want, got, slack) >= 0.9, case


# ---------------------------------------------------------------- real captures
def shared_images() -> list[tuple[Path, str]]:
    """(path, label) of every labelled real capture and study image."""
    out = []
    for folder in (SHARED / "real-captures", SHARED / "study" / "images"):
        with open(folder / "labels.csv", newline="") as f:
            out += [(folder / row["file"], row["label"]) for row in csv.DictReader(f)]
    return out


CLIPPED = ("data_0006.png", "pulse_010.jpg")  # their traces leave the plot: two pieces
needs_shared = pytest.mark.skipif(
    not (SHARED / "real-captures").is_dir(), reason="../shared is not here"
)


@pytest.mark.real_captures
@needs_shared
def test_every_real_image_gives_a_trace_or_says_none():
    images = shared_images()
    assert len(images) >= 18
    for path, label in images:
        result = extract_trace(read_image(path))
        if label == "none":
            assert not result.found and result.warnings, path.name
            continue
        assert_network_input(result.network_input)
        assert trace_height(result.network_input) >= 60, path.name
        if path.name not in CLIPPED:
            assert largest_part(result.network_input) > 0.95, path.name


@pytest.mark.real_captures
@needs_shared
@pytest.mark.parametrize(
    "name", ["rigol-ds1054z-square.png", "rigol-square-malformed.png", "rigol-4ch-squares.png"]
)
def test_real_rigol_graticule_and_squares(name):
    result = extract_trace(read_image_u8(SHARED / "real-captures" / name))
    assert result.crop_method == "graticule"
    assert all(abs(a - b) <= 3 for a, b in zip(result.crop_box, (84, 38, 685, 438)))
    assert looks_like_square(result.network_input)


@pytest.mark.real_captures
@needs_shared
def test_real_two_channel_capture():
    img = read_image_u8(SHARED / "real-captures" / "rigol-ds2000-sine-and-square.png")
    auto = extract_trace(img)
    assert len(auto.candidate_colours) >= 2
    sine = extract_trace(img, colour="cyan").network_input
    square = extract_trace(img, colour="yellow").network_input
    assert looks_smooth(sine) and looks_like_square(square)
    img = read_image_u8(SHARED / "real-captures" / "rigol-4ch-squares.png")
    four = extract_trace(img)
    assert len(four.candidate_colours) >= 4
    for rgb, _ in four.candidate_colours[:4]:  # each channel on its own is a square wave
        chosen = extract_trace(img, colour=rgb)
        assert chosen.trace_colour == rgb and looks_like_square(chosen.network_input)


@pytest.mark.real_captures
@needs_shared
@pytest.mark.parametrize(
    "folder, name",
    [
        ("real-captures", "tek-dpo-sine-graded.bmp"),
        ("study/images", "pulse_003.jpg"),
        ("study/images", "pulse_020.jpg"),
        ("study/images", "sinusoid.jpg"),
        ("study/images", "gaussian.jpg"),
        ("study/images", "data_0005.png"),
        ("study/images", "data_0007.png"),
    ],
)
def test_real_smooth_waveforms_stay_smooth(folder, name):
    x = extract_trace(read_image_u8(SHARED / folder / name)).network_input
    assert looks_smooth(x) and largest_part(x) > 0.95


@pytest.mark.real_captures
@needs_shared
@pytest.mark.parametrize(
    "name", ["square_pulse.jpg", "data_0001.png", "data_0004.png", "data_0008.png"]
)
def test_real_study_squares_stay_square(name):
    x = extract_trace(read_image_u8(SHARED / "study" / "images" / name)).network_input
    assert looks_like_square(x) and largest_part(x) > 0.95


@pytest.mark.parametrize("seed", range(4))
def test_longest_runs_are_the_longest_of_the_per_pixel_run_lengths(seed):
    """longest_runs gives each column's longest vertical run without a length for every pixel:
    the same as the per-pixel lengths' maximum, on masks of lines, blocks, specks and empty
    columns; line_width's height is the runs' span, as before."""
    rng = np.random.default_rng(seed)
    m = rng.random((40 + seed, 70)) < [0.0, 0.05, 0.5, 0.95][seed]
    m[5:30, 10] = True  # one long run among short ones
    m[:, 20] = False
    assert np.array_equal(longest_runs(m), _run_lengths(m).max(0))
    assert np.array_equal(longest_runs(m.T), _run_lengths(m.T).max(0))
    _, starts, stops = _runs_by_column(m)  # the height as line_width measured it before
    assert line_width(m)[1] == stops.max() - starts.min()
    assert line_width(np.zeros((5, 5), bool)) == (0, 0)
    assert not longest_runs(np.zeros((5, 7), bool)).any()
