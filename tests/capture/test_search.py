"""The automatic reading on generated captures in every look."""

from __future__ import annotations

import dataclasses

import numpy as np
import pytest
from PIL import Image, ImageDraw

from core.capture import extract_trace, read_capture, waveform_likeness
from core.capture.masks import _close_columns, _dilate
from core.capture.pipeline import axes_only, box_in_part, box_only, mask_reading
from core.capture.search import (
    DISTINCT,
    GOOD,
    _backed,
    _choose,
    _marked_parts,
    _placed,
    _read_better,
    _shrink,
    _traced,
    colour_parts,
    distinct_traces,
    follow_ends,
    other_channels,
    read_capture_in,
    straightened,
    tilt_angle,
    trace_view,
)
from core.capture.segment import trace_probability
from core.data.looks import render_capture
from core.data.scope_samples import demo_screenshot
from core.errors import LabError
from core.training.predict import EXAMPLE_RUN, load_predictor, predict_capture


def test_waveform_likeness_prefers_a_line_across_the_view():
    line = np.zeros((100, 100), np.float32)
    line[50 + (20 * np.sin(np.arange(100) / 8)).astype(int), np.arange(100)] = 1
    block = np.zeros((100, 100), np.float32)
    block[10:90, 10:90] = 1
    text = np.zeros((100, 100), np.float32)
    text[::7, 5:30] = 1
    assert waveform_likeness(line) > 0.95
    assert waveform_likeness(block) < 0.1 and waveform_likeness(text) < 0.3
    assert waveform_likeness(np.zeros((100, 100))) == 0.0


def on_truth(cap, res) -> float:
    """Share of the found trace pixels that lie on (near) the labelled trace."""
    x0, y0, x1, y1 = res.crop_box
    truth = _dilate(cap.mask, 3, 3)[y0:y1, x0:x1]
    found = res.mask
    if found.shape != truth.shape or not found.any():
        return 0.0
    return float((found & truth).sum() / found.sum())


def test_reads_a_waveform_like_line_from_scope_screens():
    # Screens show up to three channels: any of them is a fair reading, so no ground truth here.
    likeness = [waveform_likeness(read_capture(render_capture("screen", "sine", s).image)
                                  .network_input) for s in range(3)]  # fmt: skip
    assert sorted(likeness)[1] > 0.6, likeness


# Paper and drawing looks are not here: their black labelled trace loses to coloured second
# lines and arrowed axes too often (see scripts/capture_figures.py); that is open work.
@pytest.mark.parametrize("look", ["plot", "plot_dark"])
def test_finds_the_labelled_trace_in_most_captures_of_each_look(look):
    hits = 0
    for seed in range(3):
        cap = render_capture(look, "sine", seed)
        res = read_capture(cap.image)
        hits += on_truth(cap, res) > 0.6 and res.network_input.any(0).mean() > 0.5
    assert hits >= 2, look


def test_a_large_photo_is_read_shrunk_and_answered_in_its_own_pixels():
    cap = render_capture("paper", "square", 1)
    h, w = cap.mask.shape
    big = np.asarray(Image.fromarray(cap.image).resize((w * 4, h * 4), Image.NEAREST))
    res = read_capture(big)
    x0, y0, x1, y1 = res.crop_box
    assert 0 <= x0 < x1 <= 4 * w and 0 <= y0 < y1 <= 4 * h
    assert x1 - x0 > 2 * w  # the box is in the big picture's pixels
    assert max(res.original.shape[:2]) <= 1024 and res.found


def _axes(h: int = 300, w: int = 400) -> np.ndarray:
    """A textbook drawing's empty axes: a vertical and a horizontal arrow, black on white."""
    img = np.full((h, w, 3), 255, np.uint8)
    img[10 : h - 20, 20:22] = 0  # the voltage axis
    img[h // 2 : h // 2 + 2, 20 : w - 10] = 0  # the time axis through the middle
    for k in range(6):  # arrow heads
        img[10 + k, 21 - k : 22 + k] = 0
        img[h // 2 - k : h // 2 + 2 + k, w - 10 - k] = 0
    return img


def test_empty_axes_are_not_a_waveform():
    img = _axes()
    assert not read_capture(img, segment=False).found  # the rules alone: no trace
    assert not read_capture(img).confident  # with the network too: answered unsure
    # the L of the axes alone, as the rules would take it, is recognised as axes
    mask = np.all(img == 0, axis=2)
    assert axes_only(mask)


def test_a_trace_drawn_on_axes_is_still_read():
    img = _axes()
    x = np.arange(30, 380)
    y = (150 - 80 * np.sin(2 * np.pi * 3 * (x - 30) / 350)).astype(int)
    for dy in (0, 1):
        img[y + dy, x] = 0
    mask = np.all(img == 0, axis=2)
    assert not axes_only(mask)
    res = read_capture(img)
    assert res.found and waveform_likeness(res.network_input) > 0.5
    rows = np.flatnonzero(res.network_input.any(1))
    assert rows[-1] - rows[0] >= 50  # the sine's swing, not the flat time axis


def test_a_wide_pulse_is_not_taken_for_axes():
    mask = np.zeros((200, 300), bool)
    mask[180, 10:60] = mask[20, 60:260] = mask[180, 260:290] = True  # baseline, top, baseline
    mask[20:181, 60] = mask[20:181, 260] = True  # its two edges, long and straight
    assert not axes_only(mask)
    step = np.zeros((200, 300), bool)
    step[20:181, 20] = step[20, 20:290] = True  # an L alone: axes (or a step, outside the classes)
    assert axes_only(step)


def test_a_first_reading_the_network_is_unsure_of_sends_the_search_on_for_other_traces():
    img, _ = demo_screenshot(800, 480, (("sawtooth", "yellow"), ("sine", "cyan")))
    first = read_capture(img)  # no network to ask: the first clear reading, on its own
    assert first.others == [] and first.trace_colour[2] < 100  # the yellow sawtooth
    sure = read_capture(img, recognise=lambda x: 1.0)
    assert sure.others == [] and np.array_equal(sure.network_input, first.network_input)
    unsure = read_capture(img, recognise=lambda x: 0.5)
    assert np.array_equal(unsure.network_input, first.network_input)
    assert len(unsure.others) == 1
    other = unsure.others[0]
    assert other.trace_colour[0] < 100 < other.trace_colour[2]  # the cyan sine
    mine, theirs = _placed(unsure, img.shape[:2]), _placed(other, img.shape[:2])
    assert (mine & theirs).sum() <= DISTINCT * theirs.sum() and theirs.sum() > 100
    assert waveform_likeness(other.network_input) > 0.8


def test_one_trace_read_several_ways_is_not_offered_as_other_traces():
    img, _ = demo_screenshot(800, 480, (("sawtooth", "yellow"),))
    assert read_capture(img, recognise=lambda x: 0.5).others == []


def _line(h: int, w: int, row: int, amp: int) -> np.ndarray:
    m = np.zeros((h, w), bool)
    x = np.arange(w)
    m[(row + amp * np.sin(x / 15)).astype(int), x] = True
    return m


def test_a_less_clear_reading_is_another_trace_only_where_the_segmentation_network_marks_it():
    h, w = 200, 300
    img = np.zeros((h, w, 3), np.uint8)
    top, bottom = _line(h, w, 50, 20), _line(h, w, 150, 20)
    first, other = mask_reading(img, top), mask_reading(img, bottom)
    again = mask_reading(img, top | _line(h, w, 52, 20))  # the first trace read another way
    readings = [[(first, 0.95)], [(other, 0.6), (again, 0.9)]]
    assert distinct_traces(first, readings, (h, w)) == []  # 0.6: not clear enough on its own
    assert distinct_traces(first, readings, (h, w), marked=top) == []
    assert distinct_traces(first, readings, (h, w), marked=top | bottom) == [other]
    assert distinct_traces(first, [[(first, 0.95)], [(other, 0.85)]], (h, w)) == [other]


SHAPE = (200, 300)  # of _one_trace_read_twice's picture


def _one_trace_read_twice():
    """(first, again, scrap, bottom, recognise): two readings of one line (the second a little
    thicker), a reading of another line (`bottom`'s), and recognise(first_p, again_p), an
    answering network's surety of each (1.0 for the scrap: recognised, but no waveform)."""
    h, w = SHAPE
    img = np.zeros((h, w, 3), np.uint8)
    top, bottom = _line(h, w, 50, 20), _line(h, w, 150, 20)
    first = mask_reading(img, top)
    again = mask_reading(img, top | _line(h, w, 52, 20))  # the same trace read another way
    scrap = mask_reading(img, bottom)

    def recognise(first_p: float, again_p: float):
        table = {id(first.network_input): first_p, id(again.network_input): again_p}
        return lambda x: table.get(id(x), 1.0)

    return first, again, scrap, bottom, recognise


def test_a_reading_recognised_far_more_surely_is_answered_over_the_first_one_read():
    first, again, scrap, bottom, recognise = _one_trace_read_twice()
    readings = [[(first, 0.9)], [(again, 0.8), (scrap, 0.3)]]  # less waveform-like: no tie
    assert _read_better(first, readings, recognise(0.4, 0.97), None, SHAPE) is again
    assert _read_better(first, readings, recognise(0.4, 0.93), None, SHAPE) is first
    assert _read_better(first, readings, recognise(0.92, 0.99), None, SHAPE) is first
    # where the segmentation network marks only the other line, the reading is no trace of it
    assert _read_better(first, readings, recognise(0.4, 0.97), bottom, SHAPE) is first


def test_a_first_reading_the_finder_does_not_trust_does_not_end_the_search_however_recognised():
    first, again, scrap, bottom, recognise = _one_trace_read_twice()
    doubted = dataclasses.replace(first, network_input=first.network_input.copy())
    doubted.network_input[:, 30:] = 0  # a scrap of it: answered unsure whatever its surety
    assert not doubted.confident
    readings = [[(doubted, 0.3)], [(again, 0.8), (scrap, 0.3)]]
    sure = {id(doubted.network_input): 0.99, id(again.network_input): 0.97}
    chosen = _read_better(doubted, readings, lambda x: sure.get(id(x), 1.0), None, SHAPE)
    assert chosen is again
    # trusted and recognised at 0.99, the first reading is kept
    readings = [[(first, 0.9)], [(again, 0.8), (scrap, 0.3)]]
    assert _read_better(first, readings, recognise(0.99, 0.97), None, SHAPE) is first


def test_a_reading_taking_in_more_the_segmentation_network_leaves_out_is_not_answered_over_one():
    first, again, scrap, bottom, recognise = _one_trace_read_twice()
    h, w = SHAPE
    top = _line(h, w, 50, 20)
    readings = [[(first, 0.9)], [(again, 0.8), (scrap, 0.3)]]
    # `again` takes in a second line beside the trace, which the network does not mark: half
    # its pixels are marked where all of the first reading's are
    assert _read_better(first, readings, recognise(0.4, 0.97), top, SHAPE) is first
    # where it marks both lines, the reading recognised far more surely is answered
    both = top | _line(h, w, 52, 20)
    assert _read_better(first, readings, recognise(0.4, 0.97), both, SHAPE) is again


def test_of_two_readings_equally_like_a_waveform_the_one_recognised_more_surely_is_answered():
    first, again, scrap, bottom, recognise = _one_trace_read_twice()
    tied = [[(first, 0.69)], [(again, 0.68), (scrap, 0.3)]]
    assert _read_better(first, tied, recognise(0.76, 0.85), None, SHAPE) is again
    assert _read_better(first, tied, recognise(0.85, 0.76), None, SHAPE) is first
    assert _read_better(first, tied, recognise(0.92, 0.94), None, SHAPE) is first  # sure: kept
    clearer = [[(first, 0.69)], [(again, 0.9)]]  # more waveform-like and more surely recognised
    assert _read_better(first, clearer, recognise(0.76, 0.85), None, SHAPE) is again
    # a few of the input's 100 columns apart (a glint, the end of a cursor) is still a tie
    near = [[(first, 1.0)], [(again, 0.97)]]
    assert _read_better(first, near, recognise(0.33, 0.73), None, SHAPE) is again
    less_like = [[(first, 0.69)], [(again, 0.6)]]
    assert _read_better(first, less_like, recognise(0.76, 0.85), None, SHAPE) is first
    # both answered unsure (surety at most 0.5): their difference is noise, the first stays
    assert _read_better(first, tied, recognise(0.18, 0.19), None, SHAPE) is first
    # where the segmentation network marks only the other line, the reading is no trace of it
    assert _read_better(first, tied, recognise(0.76, 0.85), bottom, SHAPE) is first


def test_a_screen_trace_under_an_overlay_box_is_answered_from_the_reading_across_the_box():
    """A measurement box drawn over a sine on a screen: the graticule's reading has a gap and a
    glitch where the box is, and the example network answered it unsure (gaussian 0.51); the
    whole screen's reading of the same trace it recognises as a sine."""
    predictor = load_predictor(EXAMPLE_RUN)
    out = predict_capture(predictor, render_capture("screen", "sine", 91002).image)
    assert out["label"] == "sine" and not out["unsure"]


def test_a_reading_of_pixels_the_segmentation_network_does_not_mark_is_passed_over():
    h, w = 200, 300
    img = np.zeros((h, w, 3), np.uint8)
    bezel, trace = _line(h, w, 50, 20), _line(h, w, 150, 20)
    rules, network = mask_reading(img, bezel), mask_reading(img, trace)
    groups = [[(rules, 0.95)], [(network, 0.85)]]  # the rules' reading comes first and is clearer
    assert _choose(groups, None, (h, w)) is rules  # without the network's marks: the first clear
    assert _choose(groups, trace, (h, w)) is network
    assert _choose(groups, np.zeros((h, w), bool), (h, w)) is rules  # it marks nothing: no say
    assert _choose(groups, _line(h, w, 100, 5), (h, w)) is rules  # it backs neither: both stay


def test_the_networks_trace_in_two_colours_is_split_into_one_part_a_colour():
    h, w = 200, 300
    img = np.full((h, w, 3), 255, np.uint8)
    black, red = _line(h, w, 50, 20), _line(h, w, 150, 20)
    img[black] = (20, 20, 20)
    img[red] = (220, 30, 30)
    parts = colour_parts(img, black | red)
    assert len(parts) == 2
    assert sorted(int((p & black).sum()) for p in parts) == [0, int(black.sum())]
    assert sorted(int((p & red).sum()) for p in parts) == [0, int(red.sum())]
    assert colour_parts(img, black) == []  # one colour: nothing to split


def test_a_thin_curve_beside_a_thick_noisy_one_is_read_on_its_own():
    h, w = 200, 300
    img = np.full((h, w, 3), 255, np.uint8)
    fit = _line(h, w, 60, 20)  # one pixel: a tenth of the pixels marked
    data = np.zeros((h, w), bool)
    data[130:139, 10:290] = True  # nine pixels thick: noisy data
    img[fit] = (0, 0, 0)
    img[data] = (148, 103, 189)
    parts = colour_parts(img, fit | data)
    assert len(parts) == 2
    assert any((p == fit).all() for p in parts)
    speck = np.zeros((h, w), bool)
    speck[130:139, 10:20] = True  # a few pixels of another colour are no trace of their own
    img[speck] = (0, 0, 0)
    assert colour_parts(img, data) == []


def test_two_blues_are_two_traces_but_one_traces_spread_of_hue_is_one():
    h, w = 200, 300
    img = np.full((h, w, 3), 255, np.uint8)
    blue, cyan = _line(h, w, 60, 20), _line(h, w, 140, 20)
    img[blue] = (31, 119, 180)  # matplotlib's first two blues: 19 degrees of hue apart
    img[cyan] = (23, 190, 207)
    parts = colour_parts(img, blue | cyan)
    assert sorted(int((p & blue).sum()) for p in parts) == [0, int(blue.sum())]
    assert sorted(int((p & cyan).sum()) for p in parts) == [0, int(cyan.sum())]
    rng = np.random.default_rng(0)  # one blue trace, its edges' hue spread by a few degrees
    img[blue] = np.clip(np.array((31, 119, 180)) + rng.integers(-12, 13, (blue.sum(), 3)), 0, 255)
    assert colour_parts(img, blue) == []


def test_two_near_hues_bridged_by_their_blend_are_two_traces():
    """A cyan and a light blue channel, photographed: where they cross and glow, their colours
    blend and fill every hue bin between them, so no empty bin parts them; the dip between
    their two peaks does."""
    h, w = 200, 300
    cyan, blue, blend = _line(h, w, 50, 20), _line(h, w, 110, 20), _line(h, w, 170, 20)
    hsv = np.zeros((h, w, 3), np.uint8)
    hsv[..., 1:] = 220
    hsv[cyan, 0] = 128  # 180 degrees
    hsv[blue, 0] = 148  # 209 degrees
    ramp = np.linspace(128, 148, int(blend.sum())).astype(np.uint8)
    hsv[blend, 0] = ramp  # a few pixels of every hue between, fewer than either trace's
    keep = np.zeros((h, w), bool)
    keep[blend] = (np.arange(int(blend.sum())) % 4) == 0
    img = np.asarray(Image.fromarray(hsv, "HSV").convert("RGB"))
    parts = colour_parts(img, cyan | blue | keep)
    assert len(parts) == 2
    assert sorted(int((p & cyan).sum()) for p in parts) == [0, int(cyan.sum())]
    assert sorted(int((p & blue).sum()) for p in parts) == [0, int(blue.sum())]


def test_a_photos_cyan_and_blue_channels_are_read_as_two_traces():
    cap = render_capture("photo", "sine", 0)  # a cyan sine under a noisy blue second channel
    res = read_capture(cap.image, recognise=lambda x: 0.5)  # an answer unsure of the first
    assert len(res.others) == 1
    colours = sorted([res.trace_colour, res.others[0].trace_colour], key=lambda c: c[1])
    assert colours[0][2] > colours[0][1] and colours[1][1] > colours[1][0]  # a blue, a cyan


def test_two_channels_that_cross_are_read_a_colour_at_a_time():
    cap = render_capture("photo", "sine", 50036)  # a yellow sine crossed by a pink square wave
    res = read_capture(cap.image)  # read as one they are no waveform (likeness 0.3)
    assert waveform_likeness(res.network_input) >= GOOD
    assert _truth_share(cap, res) > 0.9  # the sine's own pixels, not the square's
    r, g, b = res.trace_colour
    assert min(r, g) > b + 60  # yellow


def test_a_thin_dim_channel_the_network_leaves_unmarked_is_found_on_the_traces_screen():
    """A screen in a room: a thick orange trace (what the segmentation network marks), a thin
    dim blue sine beside it, a grey grid and white text, the sine's channel badge; above the
    screen a blue shelf runs across the picture. The sine is another channel; the shelf, the
    grid, the text and the trace are not."""
    h, w = 300, 400
    img = np.full((h, w, 3), (150, 140, 120), np.uint8)  # the room
    img[40:260, 20:380] = (30, 20, 30)  # the screen
    img[10:25, :] = (40, 60, 200)  # a blue shelf in the room, as wide as the picture
    for x in range(40, 380, 34):  # the grid
        img[40:260, x] = (90, 90, 90)
    img[235:245, 60:200] = (230, 230, 230)  # a line of white text
    trace = np.zeros((h, w), bool)
    x = np.arange(30, 370)
    for dy in range(-3, 4):  # a thick sawtooth
        trace[(200 - (x % 90) + dy).astype(int), x] = True
    pen = Image.new("1", (w, h))
    ImageDraw.Draw(pen).line(list(zip(x, 80 + 15 * np.sin(x / 12))), fill=1)
    sine = np.asarray(pen)
    img[trace] = (255, 150, 30)
    img[sine] = (60, 70, 190)
    img[75:85, 20:28] = (60, 70, 190)  # the sine's channel badge
    near = _dilate(trace, 3, 3)
    found = other_channels(img, trace, (near, np.array([30, 20, 30])), (20, 380))
    assert len(found) == 1
    assert (found[0] & sine).sum() >= 0.9 * sine.sum()
    assert not (found[0] & (trace | (np.arange(h) < 40)[:, None])).any()  # no trace, no shelf
    reading = mask_reading(img, found[0], view=(20, 380))  # the badge's a mark at its end
    assert waveform_likeness(reading.network_input) >= GOOD
    img[sine] = (30, 20, 30)  # with no other line, none is found
    assert other_channels(img, trace, (near, np.array([30, 20, 30])), (20, 380)) == []


def test_a_channel_that_fades_is_followed_into_its_faint_stretch():
    """A dim channel's line strong over its left 40% and faint over the rest (a photo's light
    falling off): too faint there to stand out as a channel alone, it joins the stronger line
    it touches. A faint scrap of the same hue apart from the line is not taken in."""
    h, w = 300, 400
    screen = (10, 10, 10)
    img = np.full((h, w, 3), screen, np.uint8)
    trace = np.zeros((h, w), bool)
    x = np.arange(30, 370)
    for dy in range(-3, 4):  # a thick sawtooth, the trace the network marks
        trace[(200 - (x % 90) + dy).astype(int), x] = True
    pen = Image.new("1", (w, h))
    ImageDraw.Draw(pen).line(list(zip(x, 80 + 15 * np.sin(x / 12))), fill=1)
    sine = np.asarray(pen)
    strong, faint = (40, 60, 200), (16, 20, 48)  # faint: a fifth of it over the screen
    left = np.arange(w) < 30 + 0.4 * 340
    img[trace] = (255, 150, 30)
    img[sine & left] = strong
    img[sine & ~left] = faint
    scrap = np.zeros((h, w), bool)
    scrap[130, 150:260] = True  # a faint line of the same hue, apart from the sine
    img[scrap] = faint
    found = other_channels(img, trace, (_dilate(trace, 3, 3), np.array(screen)), (20, 380))
    assert len(found) == 1
    assert (found[0] & sine).sum() >= 0.9 * sine.sum()
    assert not (found[0] & (scrap | trace)).any()


def test_a_mark_at_a_photos_edge_does_not_widen_the_view_to_the_whole_photo():
    """The segmentation network marks a little of the room at this photo's left edge as well as
    the gaussian on the screen; the trace's view is the screen's, not the whole photo's, so the
    gaussian with its flat baseline fills it and is not taken for a scrap of text."""
    cap = render_capture("photo", "gaussian", 40157)
    res = read_capture(cap.image)
    assert res.confident and res.doubt is None
    assert _truth_share(cap, res) > 0.9
    x0, _, x1, _ = res.crop_box
    assert x1 - x0 < 0.6 * cap.image.shape[1]


def test_a_view_stops_at_the_screens_edge_though_the_scope_fills_the_rows_beside_it():
    """Three glowing channels on a photographed screen; beside it, over the same rows, the
    scope's dark red body and the room fill most of the picture. How far the background strays
    is judged between the trace's columns, so the body is not taken for more of the screen: the
    view is about the traces' own width (with the tolerance taken across the whole band, it was
    2.7 times that, and every reading filled 30% of the network input)."""
    small, _ = _shrink(render_capture("photo", "sine", 40193).image)
    small = straightened(small, tilt_angle(small))  # taken 2 degrees askew
    prob = trace_probability(small)
    _, core, around = _traced(small, prob)
    cols = np.flatnonzero(core.any(0))
    a, b = trace_view(small, prob, around=around, core=core)
    assert a <= cols[0] and b > cols[-1]
    assert b - a < 1.3 * (cols[-1] + 1 - cols[0])  # the screen's width, not the body's


def _black_line(img: np.ndarray, xs: np.ndarray, ys: np.ndarray, width: int = 2) -> np.ndarray:
    """Draws a black polyline on uint8 `img` in place; its mask."""
    pil = Image.fromarray(img)
    ImageDraw.Draw(pil).line(list(zip(xs.tolist(), ys.tolist())), fill=(0, 0, 0), width=width)
    img[:] = np.asarray(pil)
    return img.min(2) < 128


def test_a_flat_baseline_the_network_leaves_out_is_followed_but_not_an_axis_a_curve_ends_on():
    """The segmentation network marks a gaussian's long flat baseline only faintly; the line the
    bump is drawn on is followed on from the marked bump's ends to where it stops at the upright
    axis (ink far thicker than the pen), so the reading spans the baseline, not the bump alone.
    A curve that ends on an axis running a few pixels further does not take the axis in."""
    white = np.full((200, 600, 3), 255, np.uint8)
    img = white.copy()
    xs = np.arange(21, 590)
    ys = 150 - 100 * np.exp(-0.5 * ((xs - 300) / 25.0) ** 2)
    line = _black_line(img, xs, ys)
    _black_line(img, np.array([20, 20]), np.array([5, 195]), width=4)  # the upright axis
    bump = line & (np.abs(np.arange(600) - 300) < 60)[None]
    out = follow_ends(img, bump, np.array([255.0, 255.0, 255.0]))
    cols = np.flatnonzero(out.any(0))
    assert cols[0] <= 25 and cols[-1] >= 585  # the whole baseline, both sides
    assert not (out & ~line).any() and not out[:, 20].any()  # nothing of the axis it stops at

    img = white.copy()
    xs = np.arange(100, 501)
    curve = _black_line(img, xs, 100 - 60 * np.sin(2 * np.pi * (xs - 100) / 200))
    # The time axis the sine starts and ends on runs on 20 px past each end.
    _black_line(img, np.array([80, 520]), np.array([100, 100]))
    assert (follow_ends(img, curve, np.array([255.0, 255.0, 255.0])) == curve).all()


def test_a_gaussian_on_a_long_flat_baseline_in_a_drawing_is_read_across_it():
    """A textbook gaussian dip on a flat line (most of the width flat): read as the dip alone it
    covered under half the view and was answered unsure; its baseline is followed, so the
    reading spans the plot."""
    cap = render_capture("drawing", "gaussian", 90490)
    res = read_capture(cap.image)
    assert res.confident and res.doubt is None
    assert res.network_input.any(0).mean() > 0.9


def test_a_sine_across_a_photographed_screen_in_a_dark_bezel_fills_the_network_input():
    """Generated photo 20463: a blue sine across a dark teal screen in a dark green scope body.
    The view of the trace is the screen's, not the body's as well, so the sine fills the
    network input and is trusted (the view took in the body and the sine covered 44% of it)."""
    res = read_capture(render_capture("photo", "sine", 20463).image)
    assert res.confident and res.doubt is None
    assert res.network_input.any(0).mean() > 0.9


def test_arrows_or_axes_read_from_a_mask_are_not_a_waveform():
    h, w = 200, 300
    cross = np.zeros((h, w), bool)
    cross[100, 10:290] = True  # a time arrow across the screen
    cross[10:190, 150] = True  # and a voltage arrow up it
    assert not mask_reading(np.zeros((h, w, 3), np.uint8), cross).found


def _box(h: int, w: int, tilt: float = 0.0) -> np.ndarray:
    m = np.zeros((h, w), bool)
    x = np.arange(20, 280)
    m[(20 + tilt * (x - 20)).astype(int), x] = True  # top and bottom, tilted as in a photo
    m[(170 - tilt * (x - 20)).astype(int), x] = True
    m[20:171, 20] = True
    m[int(20 + tilt * 259) : int(171 - tilt * 259), 279] = True
    return m


def test_a_box_outline_is_not_a_waveform_but_a_square_wave_or_two_traces_are():
    h, w = 200, 300
    x = np.arange(w)
    high = (x * 3 // w) % 2 == 0
    square = np.zeros((h, w), bool)
    square[np.where(high, 40, 150), x] = True
    for edge in np.flatnonzero(np.diff(high)):
        square[40:151, edge] = True
    both = square | _line(h, w, 100, 40)
    assert box_only(_box(h, w)) and box_only(_box(h, w, tilt=0.08))
    assert not box_only(square) and not box_only(both) and not box_only(_line(h, w, 100, 40))
    assert not mask_reading(np.zeros((h, w, 3), np.uint8), _box(h, w, 0.05)).found
    assert mask_reading(np.zeros((h, w, 3), np.uint8), square).found


def _box_in_part(h: int, w: int, tilt: float = 0.0) -> np.ndarray:
    """A dialog's frame as the segmentation network marks it: the top whole, the bottom from
    60% of the way across, the right side in two pieces, and a few specks of its text."""
    m = np.zeros((h, w), bool)
    x = np.arange(20, 280)
    m[(20 + tilt * (x - 20)).astype(int), x] = True
    m[(170 + tilt * (x[x >= 180] - 20)).astype(int), x[x >= 180]] = True
    m[20:80, 279] = m[130:171, 279] = True
    m[60, 100:103] = m[100, 150:152] = True
    return m


def test_part_of_a_box_is_not_a_waveform_but_levels_that_take_turns_are():
    h, w = 200, 300
    x = np.arange(w)
    assert box_only(_box_in_part(h, w)) and box_only(_box_in_part(h, w, tilt=0.01))
    high = (x * 3 // w) % 2 == 0
    square = np.zeros((h, w), bool)  # levels that take turns, joined by edges
    square[np.where(high, 40, 150), x] = True
    for edge in np.flatnonzero(np.diff(high)):
        square[40:151, edge] = True
    two = square | np.roll(square, 30, axis=0)  # two channels in step: four levels
    dc = square.copy()
    dc[180, :] = True  # and a flat channel below it
    one = np.zeros((h, w), bool)  # one period: high, an edge, low
    one[40, :180] = one[150, 180:] = one[40:151, 180] = True
    for mask in (square, two, dc, one):
        assert not box_only(mask)
    lines = np.zeros((h, w), bool)  # two flat lines over part of the width and no side
    lines[40, 20:280] = lines[150, 180:280] = True
    side = lines.copy()
    side[40:151, 279] = True
    assert not box_in_part(lines) and box_in_part(side)
    # As generated: a dialog over an empty screen, its frame marked in part, was read as one
    # period of a square wave and answered surely; in a photo of one, too.
    for look, seed in (("screen", 170984), ("photo", 170655)):
        res = read_capture(render_capture(look, "none", seed).image, recognise=lambda x: 0.99)
        assert not res.confident, (look, seed)


def test_where_the_segmentation_network_sees_no_trace_the_reading_is_not_trusted():
    menu = read_capture(render_capture("photo", "none", 10121).image)  # a photo of a menu screen
    assert menu.seen_by_network is False and not menu.confident
    assert any("sees no waveform" in w for w in menu.warnings)
    asked = read_capture(render_capture("photo", "none", 10121).image, recognise=lambda x: 0.5)
    assert asked.seen_by_network is False and asked.others == []  # nothing else is offered
    # Another, straightened (1.6 degrees), gives the network a scrap to mark: what the rules
    # read there is still not confident.
    scrap = read_capture(render_capture("photo", "none", 10115).image)
    assert scrap.tilt and scrap.seen_by_network is not False and not scrap.confident
    dialog = read_capture(render_capture("photo", "none", 20205).image)  # it marks a frame only
    assert dialog.seen_by_network is False and not dialog.confident
    sine = read_capture(render_capture("photo", "sine", 0).image)
    assert sine.seen_by_network is not False and sine.confident


def test_an_empty_screens_graticule_is_not_trusted_however_surely_it_is_recognised():
    """Empty scope screens whose dotted graticule the rules read as a pulse train: asked with a
    network that recognises anything surely, the reading ended the search and was answered a
    sure square. The segmentation network marks no trace there (or little of the reading),
    so the reading is passed over or not trusted."""
    for seed in (140144, 141074):
        res = read_capture(render_capture("screen", "none", seed).image, recognise=lambda x: 1.0)
        assert not res.confident, seed
    square = read_capture(render_capture("screen", "square", 140000).image, recognise=lambda x: 1.0)
    assert square.confident and square.seen_by_network is not False


def test_parts_of_a_reading_the_trace_network_marks_nowhere_are_left_out():
    """A readout in the trace's colour above the trace, which the rules read with it: the part
    the segmentation network marks nowhere is left out and the reading made again. A flat
    stretch it leaves unmarked but that joins a marked one stays, and where over half the
    reading would go the reading is kept as it was."""
    h, w = 200, 600
    img = np.zeros((h, w, 3), np.uint8)
    xs = np.arange(30, 570)
    ys = (150 - 100 * (1 - np.exp(-(xs - 30) / 80.0))).astype(int)  # an RC charge
    img[ys, xs] = (255, 140, 0)
    img[ys + 1, xs] = (255, 140, 0)
    img[10:22, 200:260:4] = (255, 140, 0)  # "Menu" in the trace's colour, apart from it
    trace = img.any(2)
    trace[10:22] = False
    read = mask_reading(img, img.any(2))
    marked = trace & (np.arange(w) < 300)[None]  # the curve; its flat end left unmarked
    out = _marked_parts(read, img, marked, 100, 2)
    assert out is not read
    placed = _placed(out, (h, w))
    assert not placed[:25].any()  # the readout is gone
    assert placed.any(0)[30:570].mean() > 0.95  # the whole curve, its unmarked flat end too
    assert out.network_input[:, :10].any() and waveform_likeness(out.network_input) >= 0.8
    label = img.any(2) & ~trace  # marked only where over half the reading would go: kept
    assert _marked_parts(read, img, label, 100, 2) is read
    assert _marked_parts(read, img, None, 100, 2) is read
    # Generated screen 160648: an RC charge with "Menu f=1kHz" in its orange above it. Read
    # with the label (a bump over the curve's top) it was answered a sure gaussian.
    cap = render_capture("screen", "other", 160648)
    res = read_capture(cap.image)
    assert (
        res.found and not _placed(res, cap.image.shape[:2])[: int(0.1 * cap.image.shape[0])].any()
    )


def test_a_trace_and_its_halo_in_another_colour_are_one_trace():
    h, w = 200, 300
    img = np.full((h, w, 3), 255, np.uint8)
    trace = _line(h, w, 100, 30)
    halo = np.roll(trace, 2, axis=0) & ~trace  # drawn just beside it, another colour
    img[trace], img[halo] = (200, 30, 30), (240, 160, 160)
    first, beside = mask_reading(img, trace), mask_reading(img, halo)
    assert distinct_traces(first, [[(first, 0.95)], [(beside, 0.95)]], (h, w)) == []
    apart = mask_reading(img, np.roll(trace, 60, axis=0))
    assert distinct_traces(first, [[(first, 0.95)], [(apart, 0.95)]], (h, w)) == [apart]


def fit_over_data(seed: int = 0) -> np.ndarray:
    """A matplotlib-like figure: blue error-bar data along a gaussian, a black fit through it."""
    from PIL import ImageDraw

    rng = np.random.default_rng(seed)
    im = Image.new("RGB", (900, 500), "white")
    d = ImageDraw.Draw(im)
    d.rectangle((80, 40, 860, 440), outline="black", width=2)
    for k in range(1, 8):
        d.line((80 + 97 * k, 40, 80 + 97 * k, 440), fill=(220, 220, 220))

    def curve(t):
        return 420 - 330 * np.exp(-(((t - 0.45) / 0.12) ** 2))

    x = np.linspace(0, 1, 120)
    for xi, yi in zip(100 + 740 * x, curve(x) + rng.normal(0, 12, len(x))):
        d.line((xi, yi - 14, xi, yi + 14), fill=(31, 119, 180), width=2)
        d.line((xi - 8, yi, xi + 8, yi), fill=(31, 119, 180), width=2)
    t = np.linspace(0, 1, 600)
    d.line(list(zip((100 + 740 * t).tolist(), curve(t).tolist())), fill="black", width=3)
    return np.asarray(im)


def test_a_black_fit_through_coloured_data_is_offered_as_another_trace():
    """The coloured data is read first (the plot-area rules look for colours); the black fit
    drawn through it lies on the data by design, and is offered all the same."""
    res = read_capture(fit_over_data(), recognise=lambda x: 0.5)
    assert max(res.trace_colour) - min(res.trace_colour) > 60  # the blue data
    fits = [r for r in res.others if max(r.trace_colour) < 40]
    assert len(fits) == 1
    x = fits[0].network_input
    assert waveform_likeness(x) >= 0.9 and x.any(0).mean() >= 0.9


def test_other_traces_of_a_large_picture_are_placed_in_its_own_pixels():
    img, (x0, y0, x1, y1) = demo_screenshot(2400, 1440, (("sawtooth", "yellow"), ("sine", "cyan")))
    res = read_capture(img, recognise=lambda x: 0.5)
    assert len(res.others) == 1
    for r in (res, *res.others):  # read at 1024 px, boxed in the 2400x1440 picture
        bx0, by0, bx1, by1 = r.crop_box
        assert 0 <= bx0 < bx1 <= 2400 and 0 <= by0 < by1 <= 1440
        assert bx1 > 0.8 * x1 and by1 > 0.8 * y1  # the plot's own extent, not the shrunk one


def _box_around(mask: np.ndarray, margin: float = 0.1) -> tuple[int, int, int, int]:
    """A box a user might drag around the pixels of bool `mask`, `margin` of its size wider."""
    ys, xs = np.nonzero(mask)
    h, w = mask.shape
    dx, dy = int(margin * (xs.max() - xs.min())), int(margin * (ys.max() - ys.min()))
    return (max(0, xs.min() - dx), max(0, ys.min() - dy),
            min(w, xs.max() + 1 + dx), min(h, ys.max() + 1 + dy))  # fmt: skip


def _truth_share(cap, res) -> float:
    """on_truth for a reading whose mask may be at a smaller scale than its crop box."""
    x0, y0, x1, y1 = res.crop_box
    truth = _dilate(cap.mask, 3, 3)[y0:y1, x0:x1]
    if truth.shape != res.mask.shape:
        size = res.mask.shape[::-1]
        truth = np.asarray(Image.fromarray(truth).resize(size, Image.Resampling.NEAREST))
    return float((res.mask & truth).sum() / max(1, res.mask.sum()))


def test_a_box_the_user_drags_is_read_by_every_try_inside_it():
    """Around a photographed screen's trace, the plot-area rules alone may read a frame or
    glare; the automatic reading inside the box finds the trace, in the picture's pixels."""
    hits = 0
    for seed in range(3):
        cap = render_capture("photo", "sine", 300 + seed)
        box = _box_around(cap.mask)
        res = read_capture_in(cap.image, box)
        x0, y0, x1, y1 = res.crop_box
        assert box[0] <= x0 < x1 <= box[2] and box[1] <= y0 < y1 <= box[3]
        assert res.crop_auto is False and res.original is cap.image
        hits += res.found and _truth_share(cap, res) > 0.6
    assert hits >= 2


def test_a_box_outside_the_picture_is_a_sentence():
    img = render_capture("screen", "square", 1).image
    with pytest.raises(LabError, match="leaves less than 16x16"):
        read_capture_in(img, (5, 5, 12, 12))


def test_gaps_in_columns_are_closed_in_masks_of_any_height():
    # A 17x23 checkerboard picture reached this with a mask 2 rows high and raised a
    # ValueError (the batch table said "could not be read"): a gap needs a row either side.
    for h in range(1, 7):
        on = np.zeros((h, 5), bool)
        on[0] = on[-1] = True
        closed = _close_columns(on)
        assert closed.shape == (h, 5)
        assert closed.all() == (h <= 5)  # gaps of up to 3 rows are filled
    checker = (np.add.outer(np.arange(17), np.arange(23)) % 2 * 255).astype(np.uint8)
    res = read_capture(np.repeat(checker[:, :, None], 3, axis=2))
    assert res.network_input.shape == (100, 100)


@pytest.mark.parametrize("look, cls, seed", [("photo", "sine", 50006), ("photo", "square", 50018),
                                             ("screen", "sine", 50043)])  # fmt: skip
def test_a_click_on_the_trace_reads_the_trace_not_what_shares_its_colour_group(look, cls, seed):
    """A click's colour, read in the automatic reading's plot area (as the Scope page reads it):
    where the trace's colours are grouped with a neighbour's (a grid it runs along, another
    channel), only the colours of the hue clicked are read. Before, these read mostly not the
    trace (14%, 30% and 58% of the pixels on it)."""
    from core.capture import extract_trace
    from core.capture.pointer import colour_at

    cap = render_capture(look, cls, seed)
    auto = read_capture(cap.image)
    ys, xs = np.nonzero(cap.mask)
    for k in (len(ys) // 4, len(ys) // 2):  # two clicks along the trace
        res = extract_trace(
            cap.image, crop=auto.crop_box, colour=colour_at(cap.image, xs[k], ys[k])
        )
        assert on_truth(cap, res) >= 0.75, (k, on_truth(cap, res))


def test_a_screen_of_many_cycles_the_network_recognises_is_read_in_its_graticule():
    # Nine cycles make steep slopes that fill whole columns, so the graticule's reading is less
    # than clearly waveform-like; read without the graticule, a readout drawn under it in the
    # trace's colour comes in with the trace.
    img, (x0, y0, x1, y1) = demo_screenshot(800, 480, (("sine", "cyan"),), cycles=9)
    img = img.copy()
    colour = read_capture(img).trace_colour
    for k in range(8):  # a readout: a row of glyph-sized blocks in the trace's colour
        img[y1 + 6 : y1 + 16, x0 + 20 + 12 * k : x0 + 28 + 12 * k] = colour
    sure = read_capture(img, recognise=lambda x: 1.0)
    assert sure.crop_method == "graticule" and sure.crop_box[3] <= y1 + 2
    assert 0.5 <= waveform_likeness(sure.network_input) < 0.8
    unsure = read_capture(img, recognise=lambda x: 0.5)  # not recognised: the clearest reading
    assert unsure.crop_box[3] > y1 + 6


def test_a_plot_of_many_cycles_is_answered_from_the_segmentation_networks_reading():
    # Seven cycles drawn as dots on a dark plot: the segmentation network's reading loses
    # likeness on the steep slopes (under GOOD), a reading of the picture's contrast gains it by
    # leaving out the slopes' dots. Where the answering network recognises the first surely, it
    # is the one kept; where it does not, the most waveform-like.
    cap = render_capture("plot_dark", "sine", 40075)
    sure = read_capture(cap.image, recognise=lambda x: 1.0)
    assert sure.crop_method == "trace network" and on_truth(cap, sure) > 0.9
    assert 0.5 <= waveform_likeness(sure.network_input) < 0.8
    unsure = read_capture(cap.image, recognise=lambda x: 0.5)
    assert waveform_likeness(unsure.network_input) > waveform_likeness(sure.network_input)


def test_a_sure_first_reading_ends_the_search_only_where_the_segmentation_network_backs_it():
    # A graticule's reading the answering network is sure of still ends the search only where
    # the segmentation network marks its pixels as trace (or marks no trace at all): a small
    # screenshot's grid read as spikes was answered "square" surely without it being asked.
    img, _ = demo_screenshot(640, 400, (("square", "yellow"),))
    res = extract_trace(img)
    assert res.found
    x0, y0, x1, y1 = res.crop_box
    on = np.zeros(img.shape[:2], bool)
    on[y0:y1, x0:x1] = res.mask
    h, w = img.shape[:2]
    assert _backed(res, img, False, {})  # no segmentation asked for: nothing to check
    assert _backed(res, img, True, {"prob": None})  # no network shipped
    assert _backed(res, img, True, {"prob": np.zeros((h, w), np.float32)})  # it marks nothing
    assert _backed(res, img, True, {"prob": on.astype(np.float32)})  # it marks the reading
    elsewhere = np.zeros((h, w), np.float32)
    elsewhere[: h // 10] = 1.0  # it marks a band the reading is not in
    assert not (on & (elsewhere > 0)).any()
    assert not _backed(res, img, True, {"prob": elsewhere})


def test_a_reading_of_boxes_or_a_scrap_is_not_trusted_as_a_waveform():
    """A reading across the width that is many lines over the same columns (a menu's boxes read
    as a trace) is as untrusted as a short scrap, and each says why in a sentence."""
    import dataclasses

    res = extract_trace(demo_screenshot()[0])
    assert res.confident and res.doubt is None
    boxes = np.zeros((100, 100), np.float32)
    for y0, y1 in ((10, 40), (55, 85)):  # two soft keys, one above the other
        boxes[[y0, y1], 5:95] = 1
        boxes[y0 : y1 + 1, [5, 94]] = 1
    menu = dataclasses.replace(res, network_input=boxes)
    assert waveform_likeness(boxes) < 0.2
    assert not menu.confident and "not a single line across the plot" in menu.doubt
    scrap = np.zeros((100, 100), np.float32)
    scrap[50, 10:40] = 1
    short = dataclasses.replace(res, network_input=scrap)
    assert not short.confident and "covers only 30%" in short.doubt


def test_a_photographed_menu_read_as_boxes_is_answered_unsure():
    """A generated photo of a scope showing a menu and no waveform: the automatic reading's best
    is the graticule's edge and ticks, which the example network took for a square (sure, at
    1.00) before a reading this little like a waveform was made untrusted."""
    from core.training.predict import (
        EXAMPLE_RUN,
        answer,
        load_predictor,
        read_automatically,
        recognised,
    )

    example = load_predictor(EXAMPLE_RUN)
    image = render_capture("photo", "none", 40235).image
    read = recognised(example, read_automatically(image, predictor=example, size=100))
    said = answer(example, read)
    assert said["trace_found"] and said["unsure"]
    assert read.seen_by_network is not False and "not a single line" in read.doubt
