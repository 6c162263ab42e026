"""The automatic reading: several ways to find the trace tried, the most waveform-like kept.

One set of rules cannot know in advance whether a picture is a scope screen, a photo of one, a
plot or a drawing, and a rule that suits one (a colour map's region is the plot) misleads on
another (a coloured poster behind a photographed scope). So the automatic reading tries the
plot-area rules, then the trace a small segmentation network (core.capture.segment, trained on
generated captures in every look) points at (read by the rules' colour pick and as all it marks,
each trace on its own where several are drawn one above another, each of its colours alone where
all it marks is no clear waveform (two channels that cross), across the screen it is drawn on
rather than the whole photo), then the whole picture as plain content, then the other
candidate colours, and keeps the first whose network input is clearly like a waveform (spread
across the width, one line per column), else the most waveform-like, passing over readings of
pixels the segmentation network does not mark as trace. Where the answering network is unsure
of it, the other traces read as well and distinct from it (another channel, the data beside a
fit, each colour the segmentation network marks, a line of another colour on the trace's screen
that it leaves unmarked) are kept too: a picture may hold several waveforms, and the answer
takes the one the network recognises. Large pictures are first
shrunk (area-averaged, so a thin trace stays as a fainter line), which keeps a 4000x3000 photo
within the speed budget.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

import numpy as np
from PIL import Image, ImageFilter

from core.capture.crossing import crossing_curves
from core.capture.deskew import box_back, straightened, tilt_angle
from core.capture.masks import _components, _dilate, grown, part_boxes, parts_mask, stroke_width
from core.capture.pipeline import (
    CaptureResult,
    _check_crop,
    box_only,
    extract_trace,
    mask_reading,
    waveform_likeness,
)
from core.capture.segment import trace_probability

MAX_SIDE = 1024  # longest side (px) an automatic reading works at (1400 was tried: the same
# 180 of 200 generated photos right at seed 120000)
GOOD = 0.8  # a reading this waveform-like is kept without trying others
TRACE_P = 0.5  # the segmentation network's chance above which a pixel is trace
# (0.4 was tried: generated photos 180 -> 185 of 200 at seed 120000 but 175 -> 171 at 130000,
# and on the real dev set other/none unsure 13 -> 11 of 14, in-class right 48 -> 47 of 50.)
CORE = 0.5  # share of a strong trace pixel's contrast with its surround that still counts as trace
DISTINCT = 0.2  # share of a reading's trace pixels on another's, at most, for another trace
MAX_OTHERS = 4  # other traces kept for the answer to choose among
LIKELY = 0.5  # a reading at least this waveform-like is another trace where the network marks it
SUPPORTED = 0.5  # share of such a reading's pixels the segmentation network must mark as trace
LOW_SUPPORT = 0.2  # a reading with less of its pixels marked by that network is passed over
LESS_MARKED = 0.25  # less of a reading's share marked than the first's: not answered over it
RECOGNISED = 0.95  # a reading recognised this surely is answered over a less recognised one
SURE = 0.9  # a first clear reading recognised this surely is answered without looking further
VIEW_TOL = 30.0  # summed RGB: the least distance from a trace's background that ends its view
HUE_BINS = 48  # hue bins (7.5 degrees each) the colours of the network's trace are told by
PART = 0.08  # share of the network's trace pixels one colour must hold to be read on its own
INK = 0.4  # share of the trace's contrast with its background a pixel of its line must have
FOLLOW_GAP = 3  # columns without ink a line followed on from the trace's ends may skip
FOLLOWED = 0.08  # share of the picture's width a line followed on must run to be kept
SLIVER = 0.03  # share of the width a narrow part the network marks spans at most (main_parts)
SLIVER_GAP = 0.1  # share of the width such a part must lie beside the wider ones to be dropped
TIE = 0.05  # readings this close in waveform likeness are told apart by the answer's surety
ANSWERED = 0.5  # recognise() above this: the answer would be sure (core.training.predict.surety)
CHANNEL_CONTRAST = 60  # summed RGB: the least a line of another channel stands out from its screen
VALLEY = 0.5  # share of the lower of two hue peaks the bins between must fall under to part them


def line_contrast(rgb: np.ndarray) -> np.ndarray:
    """uint8 RGB (H, W, 3) with slow changes removed (glare, a lit background, the room): each
    pixel less a wide local average where the picture is dark, or the local average less the
    pixel where it is light, so a thin line of either polarity is bright on black."""
    h, w = rgb.shape[:2]
    r = max(3, int(0.015 * max(h, w)))
    img = Image.fromarray(rgb)
    bg = np.asarray(img.filter(ImageFilter.BoxBlur(r))).astype(np.int16)
    a = rgb.astype(np.int16)
    light = bg.mean(2, keepdims=True) > 128
    diff = np.where(light, bg - a, a - bg)
    smooth = Image.fromarray(np.clip(diff * 2, 0, 255).astype(np.uint8))
    return np.asarray(smooth.filter(ImageFilter.MedianFilter(3)))


def _shrink(rgb: np.ndarray) -> tuple[np.ndarray, float]:
    h, w = rgb.shape[:2]
    f = max(h, w) / MAX_SIDE
    if f <= 1:
        return rgb, 1.0
    size = (max(2, round(w / f)), max(2, round(h / f)))
    return np.asarray(Image.fromarray(rgb).resize(size, Image.BOX)), f


def main_parts(on: np.ndarray, share: float = 0.15) -> np.ndarray:
    """Bool (h, w) `on` less its small parts: each connected part is kept where its area is at
    least `share` of the largest part's or it spans `share` of the columns they all span (the
    pieces of a broken trace do; an axis's arrow head, a stray mark or a scrap of text do not).
    A narrow part (at most SLIVER of the width) at the picture's side, lying more than
    SLIVER_GAP of the width beside the wider parts kept, is dropped too: the edge of a photo or
    of its frame, marked as a steep line, would otherwise stretch the trace's view and squeeze
    the trace into part of the network input. Narrow parts elsewhere are kept (a square wave's
    edges whose flats the network misses; an empty plot's arrow heads, which keep such a plot's
    reading an unsure one), and so is every part where none is wider."""
    rows, starts, stops, labels, n = _components(on)
    if n <= 1:
        return on
    h, w = on.shape
    area, _, _, left, right = part_boxes(rows, starts, stops, labels, n, (h, w))
    span = right.max() - left.min()
    keep = (area >= share * area.max()) | (right - left >= share * span)
    narrow = right - left <= max(2, SLIVER * w)
    wide = keep & ~narrow
    if wide.any():
        lo, hi, far = left[wide].min(), right[wide].max(), SLIVER_GAP * w
        side = (left < SLIVER * w) | (right > w - SLIVER * w)
        keep &= ~(narrow & side & ((left >= hi + far) | (right <= lo - far)))
    return parts_mask((h, w), rows, starts, stops, keep[labels])


def _around_trace(small: np.ndarray, prob: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """(bool (H, W) where the network calls `small`'s pixels trace, the median colour of a ring
    one to two of the network's pixels away from the trace: what the trace is drawn on)."""
    h, w = small.shape[:2]
    on = main_parts(prob > TRACE_P)
    prob = np.where(on, prob, 0)
    p = Image.fromarray(prob.astype(np.float32)).resize((w, h), Image.Resampling.BILINEAR)
    near = np.asarray(p) > TRACE_P
    # The ring is found at the network's size, where a dilation is cheap.
    m = Image.fromarray(on.astype(np.uint8) * 255)
    ring = np.asarray(m.filter(ImageFilter.MaxFilter(5))) > np.asarray(
        m.filter(ImageFilter.MaxFilter(3))
    )
    ring = np.asarray(Image.fromarray(ring).resize((w, h), Image.Resampling.NEAREST))
    around = small[ring] if ring.sum() >= 16 else small.reshape(-1, 3)
    return near, np.median(around, axis=0)


def traced_picture(small: np.ndarray, prob: np.ndarray | None) -> np.ndarray | None:
    """uint8 `small` reduced to the trace the segmentation network (`prob`, at its own smaller
    size) points at: where it calls a pixel trace and the pixel stands out from the colour around
    the trace (its core, not the blur of a photo around it) the pixel is kept, and so is the line
    that core ends on, followed on past where the network stops marking it (follow_ends);
    everywhere else is that surrounding colour. The rules then pick a colour and read it. None
    where the network sees no trace."""
    traced = _traced(small, prob)
    return None if traced is None else traced[0]


def _marks_none(prob: np.ndarray | None) -> bool:
    """Whether the segmentation network's answer `prob` (None: no network) marks no trace: fewer
    than 8 pixels in its main parts."""
    return prob is None or main_parts(prob > TRACE_P).sum() < 8


def _traced(small: np.ndarray, prob: np.ndarray | None):
    """(traced_picture, bool (H, W) of the trace's core pixels, _around_trace's answer), or
    None."""
    if _marks_none(prob):
        return None
    near, bg = around = _around_trace(small, prob)
    if not near.any():  # marked only just, in pixels too scattered to place in the picture
        return None
    dist = np.abs(small.astype(np.float32) - bg).sum(2)
    core = follow_ends(small, near & (dist > CORE * np.percentile(dist[near], 75)), bg, dist)
    out = np.empty_like(small)
    out[:] = bg.astype(np.uint8)
    out[core] = small[core]
    return out, core, around


def follow_ends(
    small: np.ndarray, core: np.ndarray, bg: np.ndarray, off_bg: np.ndarray | None = None
) -> np.ndarray:
    """Bool (H, W) `core` with the line it ends on followed on from its first and last columns,
    column by column, in pixels of the trace's ink (nearer the trace's colour than `bg`, and
    standing out from `bg` by INK of the trace's own contrast). The segmentation network marks
    a long flat baseline only faintly (it looks like an axis), so a gaussian drawn on one is
    read as a bare bump, too narrow to trust. A stretch is kept where it runs FOLLOWED of the
    picture's width (a baseline, not the few pixels of an axis a curve starts on); the line
    may skip FOLLOW_GAP columns (a dash, a tick across it) and stops where its ink runs thicker
    than twice the trace's pen (a bezel, a filled box, a legend). off_bg: each pixel's summed
    difference from `bg`, where already made."""
    h, w = core.shape
    cols = np.flatnonzero(core.any(0))
    if len(cols) < 2:
        return core
    a = small.astype(np.float32)
    bgf = np.asarray(bg, np.float32)
    tone = np.median(a[core], axis=0)
    off_bg = np.abs(a - bgf).sum(2) if off_bg is None else off_bg
    ink = (np.abs(a - tone).sum(2) < off_bg) & (off_bg > INK * np.abs(tone - bgf).sum())
    pen = max(3, 2 * stroke_width(core))
    out = core.copy()
    for col, step in ((cols[0], -1), (cols[-1], 1)):
        row = float(np.median(np.flatnonzero(core[:, col])))
        stretch = np.zeros_like(core)
        x, missed = col + step, 0
        while 0 <= x < w and missed < FOLLOW_GAP:
            r0 = int(max(0, round(row) - 1))
            hits = np.flatnonzero(ink[r0 : int(min(h, round(row) + 2)), x]) + r0
            if not len(hits):
                missed += 1
                x += step
                continue
            at = int(hits[np.argmin(np.abs(hits - row))])
            lo, hi = at, at  # the run of ink through it: the line's thickness there
            while lo > 0 and ink[lo - 1, x] and at - lo <= pen:
                lo -= 1
            while hi < h - 1 and ink[hi + 1, x] and hi - at <= pen:
                hi += 1
            if hi - lo + 1 > pen:
                break
            stretch[lo : hi + 1, x] = True
            row, missed = (lo + hi) / 2, 0  # its centre: a slope is followed without lag
            x += step
        if stretch.any(0).sum() >= FOLLOWED * w:
            out |= stretch
    return out


def trace_bands(mask: np.ndarray, gap: float = 0.02, cover: float = 0.3) -> list[tuple[int, int]]:
    """Rows [start, stop) of each trace in bool (H, W) drawn one above another with empty rows
    between (a textbook figure of several waveforms, a scope's channels kept apart): bands
    parted by at least `gap` of the height that span `cover` of the traces' columns and share
    half their columns with another band. An empty list where there are fewer than two."""
    h = mask.shape[0]
    rows = np.flatnonzero(mask.any(1))
    if len(rows) < 2:
        return []
    cuts = np.flatnonzero(np.diff(rows) > max(2, gap * h))
    starts = np.concatenate([[rows[0]], rows[cuts + 1]])
    stops = np.concatenate([rows[cuts] + 1, [rows[-1] + 1]])
    span = np.flatnonzero(mask.any(0))
    width = span[-1] + 1 - span[0]
    bands = [(int(a), int(b)) for a, b in zip(starts, stops)
             if mask[a:b].any(0).sum() >= cover * width]  # fmt: skip
    # Traces one above another run through the same time, so their columns overlap; the high
    # and low levels of one square wave whose edges were drawn too faintly to be kept take
    # turns instead. A band that shares under half its columns with every other is a level.
    cols = [mask[a:b].any(0) for a, b in bands]
    bands = [band for i, band in enumerate(bands)
             if any((cols[i] & c).sum() >= 0.5 * cols[i].sum()
                    for j, c in enumerate(cols) if j != i)]  # fmt: skip
    return bands if len(bands) > 1 else []


def trace_view(
    small: np.ndarray, prob: np.ndarray, gap: float = 0.03, around=None, core=None
) -> tuple[int, int]:
    """Columns (start, stop) of `small` that the trace the network found is drawn in: from the
    trace's own columns outwards while, over the rows the trace spans, the picture keeps the
    colour around the trace (a screen's background; grid lines and gaps up to `gap` of the width
    are crossed). A photographed screen's width, not the room's; a plain plot's whole width, so
    a lone pulse keeps its place in it. around: _around_trace's answer, where already made.
    core: bool (H, W) of the trace's core pixels (_traced), where known: the view grows from
    those, so a mark the network makes at a photo's edge, off the screen, widens nothing. How far
    the background's colour strays is judged off every mark, between the trace's columns."""
    h, w = small.shape[:2]
    near, bg = around if around is not None else _around_trace(small, prob)
    seed = near if core is None else core
    rows, cols = np.flatnonzero(seed.any(1)), np.flatnonzero(seed.any(0))
    if not len(cols):
        return 0, w
    band = small[rows[0] : rows[-1] + 1].astype(np.float32)
    dist = np.abs(band - bg).sum(2)
    # How far the background strays from its colour, judged between the trace's own columns
    # (a photo's room beside the screen is no background).
    span = slice(cols[0], cols[-1] + 1)
    off = ~(near | seed)[rows[0] : rows[-1] + 1, span]
    # A noisy background sets its own, wider tolerance. The least is tight: a dark scope body
    # round a dark screen can be only 30-60 apart from it, and it ends the screen.
    strays = 1.5 * float(np.percentile(dist[:, span][off], 25)) if off.any() else 0.0
    tol = max(VIEW_TOL, strays)
    plain = (dist < tol).mean(0) >= 0.6
    plain[cols[0] : cols[-1] + 1] = True
    most = max(2, int(gap * w))
    a, b = cols[0], cols[-1] + 1
    while a > 0:
        step = next((k for k in range(1, most + 1) if a - k >= 0 and plain[a - k]), None)
        if step is None:
            break
        a -= step
    while b < w:
        step = next((k for k in range(most) if b + k < w and plain[b + k]), None)
        if step is None:
            break
        b += step + 1
    return int(a), int(b)


def colour_parts(rgb: np.ndarray, mask: np.ndarray, share: float = PART) -> list[np.ndarray]:
    """The pixels of bool `mask` over uint8 `rgb` split by colour, where they hold two or more
    (each at least `share` of them): the grey or black ones, and each family of hues.
    Traces in several colours that the segmentation network marks together (a black curve
    beside a coloured fit, two channels) are read one at a time. A thin clean curve beside a
    thick noisy one holds few of the pixels (about a tenth), so the share asked is small."""
    px = rgb[mask]
    if len(px) < 16:
        return []
    grey, bins = _grey_and_hue(px)
    group = np.where(grey, -1, _hue_families(bins, ~grey))
    counts = np.bincount(group + 1)
    big = [g for g in np.flatnonzero(counts >= share * len(px)) - 1 if g != HUE_BINS]
    if len(big) < 2:
        return []
    out = []
    for g in big:
        part = np.zeros_like(mask)
        part[mask] = group == g
        out.append(part)
    return out


def other_channels(small: np.ndarray, core: np.ndarray, around, view) -> list[np.ndarray]:
    """Bool (H, W) masks of the lines of other colours on the screen the trace is drawn on: a
    scope's other channels, which the segmentation network may leave unmarked beside a bright,
    thick trace (a thin dim sine under a glowing sawtooth). The screen is the trace's `view`
    across and, down, the rows that keep the colour around the trace (trace_view, turned);
    its coloured pixels (not grey: the grid, text, glare) that stand out from that colour are
    split into families of hue, and each family that is none of the trace's (`core`) colours
    nor the screen's own hue, and runs across half the view once its small parts (a badge, a
    readout's letters) are left out, is a line. Where a line fades (a photo's light falling
    off, a thinner stretch), its pixels of the same hue that stand out half as much join it
    where they touch it, as a hysteresis threshold follows an edge. A readout in the
    channel's colour whose letters blur into one part stays with the line and stretches its
    reading down to it; leaving out rows apart from the line's was tried and not kept (at seed
    20000 it mended one photo and cut the peak of a plot's gaussian that a legend partly
    hides)."""
    near, bg = around
    rows = trace_view(small.transpose(1, 0, 2), None, around=(near.T, bg), core=core.T)
    (r0, r1), (c0, c1) = rows, view
    box = small[r0:r1, c0:c1]
    grey, bins = (a.reshape(box.shape[:2]) for a in _grey_and_hue(box.reshape(-1, 3)))
    dist = np.abs(box.astype(np.int16) - np.asarray(bg, np.int16)).sum(2)
    coloured = ~grey & (dist > CHANNEL_CONTRAST)
    if coloured.sum() < 16:
        return []
    families = _hue_families(bins, coloured)
    family = np.where(coloured, families, -1)
    faint = ~grey & (dist > CHANNEL_CONTRAST / 2)  # may join a line it touches (grown)
    on_trace = _dilate(core, 2, 2)[r0:r1, c0:c1]
    bg_grey, bg_bin = _grey_and_hue(np.asarray(bg, np.uint8)[None])
    out = []
    for g in np.unique(family[coloured]):
        m = family == g
        if g == HUE_BINS or (m & on_trace).sum() >= PART * (on_trace & coloured).sum():
            continue  # stray hues; the trace's own colours (colour_parts reads those)
        if not bg_grey[0] and (bins[m] == bg_bin[0]).mean() > 0.5:
            continue  # the screen's own hue, darker or lighter: its edge, a shade
        m = main_parts(grown(m, faint & (families == g)))
        if m.any(0).sum() < 0.5 * (c1 - c0):
            continue
        full = np.zeros(small.shape[:2], bool)
        full[r0:r1, c0:c1] = m
        out.append(full)
    return out


def _grey_and_hue(px: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """(bool (N,) whether each uint8 RGB pixel of (N, 3) is grey or black, int (N,) its hue
    bin, 0..HUE_BINS-1)."""
    a = px.astype(np.int16)
    hi, lo = a.max(1), a.min(1)
    hue = np.asarray(Image.fromarray(px[None].astype(np.uint8)).convert("HSV"))[0, :, 0]
    return (hi - lo) < 0.3 * np.maximum(hi, 1) + 10, hue.astype(np.int32) * HUE_BINS // 256


def _hue_families(bins: np.ndarray, coloured: np.ndarray) -> np.ndarray:
    """Int array: for each pixel's hue bin (0..HUE_BINS-1), the family of neighbouring hues it
    belongs to: runs of bins round the hue circle that hold at least one in a hundred of the
    coloured pixels, parted by bins that hold fewer (two blues a few degrees apart are two
    traces; one trace's hue, spread a little by its edges and JPEG, is one). A run with two
    peaks is two families, parted at the least bin between them where it holds under VALLEY of
    the lower peak: two channels of near hues whose glow and crossings fill the bins between."""
    counts = np.bincount(bins[coloured], minlength=HUE_BINS)
    held = counts >= max(1, 0.01 * coloured.sum())
    if held.all():
        return np.zeros_like(bins)
    start = int(np.flatnonzero(~held)[0])  # walk the circle from an empty bin
    runs: list[list[int]] = []
    for j in range(start, start + HUE_BINS):
        b = j % HUE_BINS
        if held[b]:
            if not held[(b - 1) % HUE_BINS]:
                runs.append([])
            runs[-1].append(b)
    family, k = np.full(HUE_BINS, -1), -1
    for run in (part for r in runs for part in _split_at_valleys(r, counts)):
        k += 1
        family[run] = k
    fam = family[bins]
    return np.where(fam >= 0, fam, HUE_BINS)  # stray hues: no family (never a part)


def _split_at_valleys(run: list[int], counts: np.ndarray) -> list[list[int]]:
    """The bins of `run` (in order round the circle) as one list per peak: parted at the least
    interior bin whose count is under VALLEY of the highest on each side of it, recursively."""
    c = counts[run]
    best = None
    for i in range(1, len(run) - 1):
        if c[i] < VALLEY * min(c[:i].max(), c[i + 1 :].max()) and (best is None or c[i] < c[best]):
            best = i
    if best is None:
        return [run]
    return _split_at_valleys(run[:best], counts) + _split_at_valleys(run[best:], counts)


def _network_readings(small, traced, view, size: int, thickness: int) -> list[CaptureResult]:
    """Readings of the trace the segmentation network found in `small`: the rules' reading of
    the traced picture (they pick one colour: one channel of several) and the network's own
    trace (all it marks, where the rules pick a wrong colour or none); and each trace on its
    own where several are drawn one above another. Each shows the picture's own crop, the
    method "trace network"."""
    img, core, _ = traced
    res = extract_trace(img, size=size, thickness=thickness, find_area=False, view=view)
    masks = [core]
    out = [mask_reading(small, core, size=size, thickness=thickness, view=view)]
    if res.found:  # the rules' trace, in the picture's pixels
        x0, y0, x1, y1 = res.crop_box
        picked = np.zeros_like(core)
        picked[y0:y1, x0:x1] = res.mask
        masks.insert(0, picked)
        out.insert(0, res)
    for mask in masks:
        for rows in trace_bands(mask):
            out.append(mask_reading(small, mask, size=size, thickness=thickness, view=view,
                                    rows=rows))  # fmt: skip
    for r in out:  # the page shows the picture's own crop, not the painted one
        x0, y0, x1, y1 = r.crop_box
        r.cropped, r.crop_method = small[y0:y1, x0:x1], "trace network"
    return out


def read_capture(
    rgb: np.ndarray,
    *,
    size: int = 100,
    thickness: int = 2,
    segment: bool = True,
    recognise: Callable[[np.ndarray], float] | None = None,
) -> CaptureResult:
    """The automatic reading of uint8 RGB (H, W, 3): the first clearly waveform-like reading of
    several tries, else the most waveform-like; crop_box is in the given image's pixels. A
    picture taken askew is read straightened (core.capture.deskew; the result's `tilt`). The
    plot-area rules go first (a screenshot's graticule also gives the time axis); where they do
    not find a clear waveform, the trace the segmentation network points at (where its weights
    are shipped and `segment`), then the whole picture, a line-contrast picture and the other
    colours. Readings of pixels that network does not mark as trace are passed over, parts of
    the reading kept that it marks nowhere (a label in the trace's colour) are left out
    (_marked_parts), and where it marks no trace at all the reading is not confident
    (seen_by_network False).

    recognise: the answering network's top class probability for a network input. Where given,
    a graticule's reading it recognises surely is kept though less clearly waveform-like
    (_recognised_in_graticule); where the first clear reading is recognised less surely than
    SURE (or there is none), the remaining tries are made too and the other traces they read
    well (a second channel, the other curves of a figure) come back in the result's `others`,
    for the answer to choose among (core.training.predict.recognised)."""
    small, f = _shrink(np.ascontiguousarray(rgb[:, :, :3]))
    unturned, tilt = small, tilt_angle(small)
    if tilt:  # a photo taken askew: its grid, frame and axes level and upright again
        small = straightened(small, tilt)
    groups, seen, asked, sure, taken = [], {}, None, False, None
    for group in _readings(small, size, thickness, segment, seen):
        groups.append(group)
        first = _first_good(groups)
        if first is None and len(groups) == 1 and recognise is not None:
            taken = _recognised_in_graticule(group, recognise)
            if taken is not None and not _backed(taken, small, segment, seen):
                taken = None  # the graticule's own dots or lines, where no trace is marked
            if taken is not None:
                sure = True
                break
        if first is not None and first is not asked:
            asked = first
            if (recognise is None or recognise(first.network_input) >= SURE) and _backed(
                first, small, segment, seen
            ):
                sure = True
                break
    marked = marked_by_network(seen.get("prob"), small.shape[:2])
    if taken is None and recognise is not None and _first_good(groups) is None:
        taken = _recognised_trace(groups, recognise)
        sure = taken is not None
    best = taken if taken is not None else _choose(groups, marked, small.shape[:2])
    best = _marked_parts(best, small, marked, size, thickness)
    others = []
    if recognise is not None and not sure and not seen.get("sees_none"):
        candidates = [*groups, seen.get("parts", [])]
        best = _read_better(best, candidates, recognise, marked, small.shape[:2])
        others = distinct_traces(best, candidates, small.shape[:2], marked, seen.get("fits", ()))
    for res in (best, *others):
        # the picture as given (shrunk), not the contrast reading's residue or the turned copy
        res.original = unturned
        if tilt:
            res.tilt, res.read_box = tilt, _scaled(res.crop_box, f, rgb.shape)
            res.crop_box = box_back(res.crop_box, tilt, small.shape[:2])
        res.crop_box = _scaled(res.crop_box, f, rgb.shape)
    best.others = others
    if seen.get("sees_none"):  # nothing read here is trusted, so no other trace is offered
        best.seen_by_network = False
        best.warnings.append(
            "The trace-finding network sees no waveform in this picture, so the answer is unsure "
            "whatever the rules read: click on the trace, or crop to the plot, if there is one."
        )
    return best


def _marked_parts(res: CaptureResult, small, marked, size: int, thickness: int) -> CaptureResult:
    """The reading again without the parts of its trace the segmentation network marks nowhere
    (8-connected, none of their pixels marked: a readout or a label in the trace's colour beside
    the trace), where it marks some of the rest; the reading as it was where nothing would go,
    or where over half of it would (that network misses faint or flat stretches)."""
    if marked is None or not marked.any():
        return res
    m = _placed(res, small.shape[:2])
    n = int(m.sum())
    kept = grown(m & marked, m)
    if not 0.5 * n <= kept.sum() < n:  # nothing would go, or over half of it
        return res
    out = mask_reading(small, kept, size=size, thickness=thickness,
                       view=(res.crop_box[0], res.crop_box[2]))  # fmt: skip
    if not out.found or waveform_likeness(out.network_input) < waveform_likeness(res.network_input):
        return res
    x0, y0, x1, y1 = out.crop_box
    out.cropped, out.crop_method = small[y0:y1, x0:x1], res.crop_method
    return out


def _backed(res: CaptureResult, small: np.ndarray, segment: bool, seen: dict) -> bool:
    """Whether a reading may end the search: the segmentation network (asked here where no try
    has asked it yet) marks no trace at all, or marks at least LOW_SUPPORT of the reading's
    pixels. A graticule's or a plot's reading of its grid lines, its axes or its labels is
    passed over as _choose passes it over, before it is answered surely. Where the network
    marks no trace, seen["sees_none"] is set: the reading is then not trusted (read_capture),
    e.g. an empty screen's dotted graticule read as a pulse train."""
    if not segment:
        return True
    if "prob" not in seen:
        seen["prob"] = trace_probability(small)
    if seen["prob"] is not None and _marks_none(seen["prob"]):
        # The reading ends the search but is not trusted: the network marks no trace at all
        # (as _traced, in the try that reads its trace, would have found, had the search gone
        # on to it; a mark that is only a frame is judged there alone, not here).
        seen["sees_none"] = True
    marked = marked_by_network(seen["prob"], small.shape[:2])
    if marked is None or not marked.any():
        return True
    return _support(res, marked, small.shape[:2]) >= LOW_SUPPORT


def _scaled(box, f: float, shape) -> tuple[int, int, int, int]:
    """A box in a picture shrunk by `f` as a box in the picture of `shape` (h, w, ...)."""
    if f == 1.0:
        return tuple(box)
    x0, y0, x1, y1 = box
    h, w = shape[:2]
    return int(x0 * f), int(y0 * f), min(w, int(x1 * f)), min(h, int(y1 * f))


def read_colour(rgb: np.ndarray, crop, colour, *, tilt: float = 0.0, **opts) -> CaptureResult:
    """The rules' reading of the trace `colour` the user chose (extract_trace), inside `crop`
    where given. Where the automatic reading straightened the picture (its `tilt`, and `crop`
    its read_box), the colour is read in the same straightened picture, the box placed back in
    the picture's pixels: a click on a trace reads it level, as the automatic reading did."""
    if not tilt:
        return extract_trace(rgb, crop=crop, colour=colour, **opts)
    rgb = np.ascontiguousarray(rgb[:, :, :3])
    res = extract_trace(straightened(rgb, tilt), crop=crop, colour=colour, **opts)
    res.original, res.tilt, res.read_box = rgb, tilt, res.crop_box
    res.crop_box = box_back(res.crop_box, tilt, rgb.shape[:2])
    return res


def read_capture_in(
    rgb: np.ndarray,
    crop,
    *,
    size: int = 100,
    thickness: int = 2,
    recognise: Callable[[np.ndarray], float] | None = None,
) -> CaptureResult:
    """The automatic reading (read_capture, every try) inside a box (x0, y0, x1, y1) the user
    drew around the plot area of uint8 RGB (H, W, 3); the boxes come back in the picture's
    pixels, with crop_auto False. The plot-area rules alone (extract_trace with a crop) read the
    colour that stands out in the box, which in a photographed screen or a one-bit hardcopy is
    often not the trace; the segmentation network and the other tries still look for it here.
    LabError where the box is not inside the picture."""
    h, w = rgb.shape[:2]
    x0, y0, x1, y1 = _check_crop(crop, w, h)
    res = read_capture(rgb[y0:y1, x0:x1], size=size, thickness=thickness, recognise=recognise)
    for r in (res, *res.others):
        a, b, c, d = r.crop_box
        r.crop_box, r.crop_auto, r.original = (a + x0, b + y0, c + x0, d + y0), False, rgb
        r.read_box = None  # a turn of the box's contents, not of the picture
    return res


def _readings(small, size: int, thickness: int, segment: bool, seen: dict):
    """Each try's readings of `small` in turn, as it is made: a list per try of
    (CaptureResult, waveform_likeness). seen["prob"]: the segmentation network's answer, once
    asked; seen["parts"]: readings of each colour of its trace, for the other traces (where
    none of that try's own readings is GOOD, the parts GOOD alone are its readings instead);
    seen["fits"]: readings of a black line through coloured data on a light plot."""
    tries: list[dict] = [{}, {"find_area": False}, {"contrast": True}]
    if segment:
        tries.insert(1, {"traced": True, "find_area": False})
    flat = None
    for k, opts in enumerate(tries):
        opts = dict(opts)
        img = small
        if opts.pop("contrast", False):
            flat = line_contrast(small) if flat is None else flat
            img = flat
        if opts.pop("traced", False):
            prob = seen["prob"] = seen["prob"] if "prob" in seen else trace_probability(small)
            traced = _traced(small, prob)
            # No network shipped, or it sees no trace, or all it marks is a frame (a dialog's,
            # a selected button's): a box's outline is no waveform.
            if traced is None or box_only(traced[1]):
                seen["sees_none"] = prob is not None
                continue
            view = trace_view(small, prob, around=traced[2], core=traced[1])
            readings = _network_readings(small, traced, view, size, thickness)
            # Each colour the network marks, read alone, and each line of another colour on the
            # trace's screen (a channel it leaves unmarked): candidates for the picture's other
            # traces (a part of one trace in two colours is no better a reading of it), and for
            # this one only where its trace read whole is not clearly a waveform.
            coloured = colour_parts(small, traced[1])
            curves = [c for m in coloured or [traced[1]] for c in crossing_curves(m)]
            parts = [mask_reading(small, part, size=size, thickness=thickness, view=view)
                     for part in [*coloured, *curves,
                                  *other_channels(small, traced[1], traced[2], view)]]  # fmt: skip
            for r in parts:
                x0, y0, x1, y1 = r.crop_box
                r.cropped, r.crop_method = small[y0:y1, x0:x1], "trace network"
            seen["parts"] = [(r, waveform_likeness(r.network_input)) for r in parts]
            if all(waveform_likeness(r.network_input) < GOOD for r in readings):
                # Read as one, two channels of different colours that cross are no waveform;
                # a colour clearly waveform-like alone is then a reading of this try.
                readings += [r for r, q in seen["parts"] if q >= GOOD]
                seen["parts"] = [(r, q) for r, q in seen["parts"] if q < GOOD]
        else:
            fit = opts.pop("fit", False)
            readings = [extract_trace(img, size=size, thickness=thickness, **opts)]
            if fit:
                seen.setdefault("fits", []).extend(readings)
        if k == 0:  # the other colours the plot-area reading saw, most trace-like first
            tries += [{"colour": c} for c, _ in readings[0].candidate_colours[1:3]]
            first = readings[0]
            if (
                first.background == "light"
                and first.trace_colour is not None
                and (max(first.trace_colour) - min(first.trace_colour) > 60)
            ):  # coloured data on white may have a black fit drawn through it: read that too
                tries.append({"colour": (0, 0, 0), "fit": True})
        yield [(res, waveform_likeness(res.network_input)) for res in readings]


def _recognised_in_graticule(group: list[tuple], recognise) -> CaptureResult | None:
    """The plot-area reading of a graticule that is less than GOOD waveform-like but at least
    LIKELY, where the answering network recognises it at SURE or more; else None. Many cycles
    across a screen make steep slopes that fill whole columns, which waveform_likeness counts
    against a reading (as it does a filled block); read without the graticule, the picture's
    readouts in the trace's colour come in with the trace."""
    res, q = max(group, key=lambda rq: rq[1])
    if res.crop_method != "graticule" or not LIKELY <= q < GOOD:
        return None
    return res if recognise(res.network_input) >= SURE else None


def _recognised_trace(groups: list[list[tuple]], recognise) -> CaptureResult | None:
    """Where no try gives a GOOD reading: the first reading of the trace the segmentation
    network found that is at least LIKELY waveform-like and that the answering network
    recognises at SURE or more; else None. The most waveform-like reading is not always the
    truest: a plot of many cycles read where that network points loses likeness on its steep
    slopes, and a reading of the picture's contrast gains it by leaving out a slope's dots.
    Readings of other colours are not taken so: a scope's dim glow beside a sawtooth is read
    as a gaussian."""
    for group in groups:
        for res, q in group:
            if res.crop_method == "trace network" and q >= LIKELY:
                if recognise(res.network_input) >= SURE:
                    return res
    return None


def _read_better(best, readings, recognise, marked, shape) -> CaptureResult:
    """`best`, or where the answering network does not recognise it at SURE, the reading it
    recognises most surely of those it recognises at RECOGNISED or more (at least LIKELY
    waveform-like, trusted by the finder, and on pixels the segmentation network marks where
    it marks any). One trace read several ways: an overlay box drawn over a screen's trace
    leaves a gap and a glitch in the graticule's reading, which the network answers unsure,
    while the whole screen's reading crosses the box. The bar is set above SURE, so an
    unfamiliar shape that one of its readings makes look like a class (an RC decay read in
    part as a gaussian's flank) stays unsure. Where none reaches it, a reading at least as
    waveform-like as `best` (within TIE) that the network recognises more surely, and would
    answer surely (above ANSWERED), is answered instead: of two readings of one trace equally
    like a waveform (the rules' pick of a colour and all the segmentation network marks, which
    may take in the end of a cursor), which one the search met first says nothing about which
    is truer, and the answer's surety does. Between readings it would answer unsure alike (an
    untrained network's) that surety is noise, and the first stays. A reading with a share
    of its pixels the segmentation network marks LESS_MARKED below `best`'s (where it marks
    any) is not answered over it: it takes in what `best` leaves out (a label in the trace's
    colour, a cursor), and what a junk reading is recognised as says nothing of the trace (a
    staircase read with a channel's label under it was answered a sure square)."""
    # A reading the finder does not trust is answered unsure however surely it is recognised
    # (a square wave read with other channels' lines through it), as recognised() ranks it.
    first = recognise(best.network_input) / (1 if best.confident else 2)
    if first >= SURE:
        return best
    like = next((q for group in readings for res, q in group if res is best), None)
    like = (waveform_likeness(best.network_input) if like is None else like) - TIE
    top, chosen, tied, tied_p = RECOGNISED, best, best, first
    least = _support(best, marked, shape) - LESS_MARKED if marked is not None else 0.0
    for res, q, _, _, support in _trusted(best, readings, marked, shape):
        if support < least:  # it takes in a label or a cursor that `best` leaves out
            continue
        p = recognise(res.network_input)
        if p >= top:
            top, chosen = p, res
        elif q >= like and p > max(tied_p, ANSWERED):
            tied, tied_p = res, p
    return chosen if chosen is not best else tied


def _trusted(best, readings, marked, shape):
    """(reading, waveform_likeness, its mask placed in the picture, its pixel count, the share
    of them the segmentation network marks) of each reading other than `best` that is at least
    LIKELY waveform-like and trusted by the finder, less those on pixels the network mostly
    does not mark (under LOW_SUPPORT, where it marks any: what _choose passes over is no other
    reading of a trace either); support is 0 where it marks none."""
    says = marked is not None and marked.any()
    for res, q in (rq for group in readings for rq in group):
        if q < LIKELY or res is best or not res.confident:
            continue
        m = _placed(res, shape)
        n = max(1, int(m.sum()))
        support = (m & marked).sum() / n if says else 0.0
        if not says or support >= LOW_SUPPORT:
            yield res, q, m, n, support


def _first_good(groups: list[list[tuple]]) -> CaptureResult | None:
    """The most waveform-like reading of the first try that gives a GOOD one, else None."""
    for group in groups:
        res, q = max(group, key=lambda rq: rq[1])
        if q >= GOOD:
            return res
    return None


def _choose(groups: list[list[tuple]], marked: np.ndarray | None, shape) -> CaptureResult:
    """The reading kept: _first_good, else the most waveform-like. Where the segmentation network
    marks a trace (`marked`), readings of pixels it mostly does not mark (less than
    LOW_SUPPORT of them: a bezel, text, a grid) are passed over while any other is left."""
    if marked is not None and marked.any():
        backed = [[rq for rq in group if _support(rq[0], marked, shape) >= LOW_SUPPORT]
                  for group in groups]  # fmt: skip
        if any(backed):
            groups = [group for group in backed if group]
    first = _first_good(groups)
    if first is not None:
        return first
    return max((rq for group in groups for rq in group), key=lambda rq: rq[1])[0]


def _support(res: CaptureResult, marked: np.ndarray, shape) -> float:
    """Share of a reading's trace pixels the segmentation network marks as trace (1 for none)."""
    m = _placed(res, shape)
    n = int(m.sum())
    return float((m & marked).sum() / n) if n else 1.0


def _placed(res: CaptureResult, shape: tuple[int, int]) -> np.ndarray:
    """A reading's trace mask in the whole picture's pixels (bool `shape`)."""
    out = np.zeros(shape, bool)
    x0, y0, x1, y1 = res.crop_box
    if res.mask.shape == (y1 - y0, x1 - x0):
        out[y0:y1, x0:x1] = res.mask
    return out


def marked_by_network(prob: np.ndarray | None, shape: tuple[int, int]) -> np.ndarray | None:
    """Bool `shape`: where the segmentation network (`prob`, at its own size) calls any trace,
    widened by one of its pixels; None without its answer."""
    if prob is None:
        return None
    on = Image.fromarray(((prob > TRACE_P) * 255).astype(np.uint8)).filter(ImageFilter.MaxFilter(3))
    return np.asarray(on.resize(shape[::-1], Image.Resampling.NEAREST)) > 0


def distinct_traces(
    best: CaptureResult,
    readings: list[list[tuple]],
    shape: tuple[int, int],
    marked: np.ndarray | None = None,
    fits: Sequence[CaptureResult] = (),
) -> list[CaptureResult]:
    """The other traces read well in the picture, across half the view: waveform-like at least
    GOOD, or LIKELY where SUPPORTED of the pixels read are ones the segmentation network also
    marks as trace (`marked`, see marked_by_network; a reading of a bezel or of text is not).
    Each shares at most DISTINCT of its pixels with `best`'s trace or with one kept before it:
    those the network marks most fully first (a trace, before a reading of its surroundings
    that takes in part of it), then the most waveform-like. A second channel, a fit over its
    data, the other waveforms of a textbook figure: the answer may be about any of them.
    `fits`: readings of a black line drawn through coloured data, which lie on the data by
    design and are kept however much they share with it."""
    cands = []
    for res, q, m, n, support in _trusted(best, readings, marked, shape):
        if q >= GOOD or support >= SUPPORTED:
            cands.append((support, q, m, n, res))
    # A trace's halo, glare or other colour runs along it: overlap is judged 2 px wide.
    kept, paths = [], [_dilate(_placed(best, shape), 2, 2)]
    for _, _, m, n, res in sorted(cands, key=lambda c: (-c[0], -c[1])):
        fit = any(res is f for f in fits)
        if fit or all((m & path).sum() <= DISTINCT * n for path in paths):
            kept.append(res)
            paths.append(_dilate(m, 2, 2))
    return kept[:MAX_OTHERS]
