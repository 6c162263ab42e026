"""Scope screenshot -> the network's one-bit input, keeping every stage as an image for the page.

Stages:
1. Plot area: a periodic graticule (evenly spaced thin grey rows and columns), else a box of solid
   lines (matplotlib axes), else a large region of one saturated colour (an imshow colour map);
   a manual crop overrides. A plain image (no plot area) uses the trace's own extent.
2. Background: the commonest colour of the plot area (of a plain image's border, which a dense
   trace cannot cover): "dark" screen, "light" paper, "colormap".
3. Trace: saturated colours are clustered by hue, colours that share long borders merged (a
   persistence display's graded band), and the longest trace-like line (across the plot, one run
   per column) is picked; `colour=` picks another. No coloured trace: the foreground that stands
   out most from the background (Otsu), for black-on-white or white-on-black plots.
4. Cleaning: grid and text are grey so they are never picked; blobs spanning < 6% of the plot
   (text, channel badges, trigger markers, pixel noise) and tall columns at the sides reaching
   beyond the trace (legends) are dropped. Shapes are judged on what cleaning keeps, so isolated
   specks do not hide a trace.
5. Output: a thick line is first cut to its middle (down the columns where it is flat, along the
   rows at edges and steep slopes); the trace's height is stretched to FILL of the view (flat
   lines are not), every trace pixel marks the output cells it covers (a 1-px line survives any
   shrink), each column is thinned to the line's centre, neighbouring columns are joined
   (square-wave edges stay connected, even where the scope drew them faintly), and the line is
   thickened to `thickness` pixels.

Colours go through a 15-bit palette: every pixel becomes an index (5 bits a channel), so colour
decisions (Lab distance, hue, grid grey) are made once per palette entry, not once per pixel.

This module runs the stages; they live in `plotarea` (1), `palette` (the palette, 2), `tracepick`
(3), `masks` (shared mask helpers and 4's blob dropping) and `rasterise` (5).
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from core.capture.imagefile import read_image_u8, source_name
from core.capture.masks import _coarse, _keep_trace_parts, longest_runs, scattered
from core.capture.palette import _background, _index, _parse_colour, _to_rgb
from core.capture.plotarea import find_plot_area
from core.capture.rasterise import rasterise
from core.capture.tracepick import _pick_trace
from core.errors import LabError

MIN_COVER = 0.5  # share of the view's columns a trace must cover to be trusted as a waveform
MIN_LIKENESS = 0.2  # waveform_likeness below which a reading is not trusted as a waveform


@dataclass
class CaptureResult:
    """Every stage of one extraction; images are for display, `network_input` feeds the model."""

    original: np.ndarray  # uint8 (H, W, 3)
    crop_box: tuple[int, int, int, int]  # (x0, y0, x1, y1) in original pixels, x1/y1 exclusive
    crop_auto: bool  # True when found automatically, False for a manual crop
    crop_method: str  # "manual", "graticule", "frame", "colormap", "content", "whole" or
    # "trace network" (core.capture.search: the segmentation network's trace, its extent)
    cropped: np.ndarray  # uint8 (h, w, 3)
    background: str  # "dark", "light" or "colormap"
    background_colour: tuple[int, int, int]
    trace_colour: tuple[int, int, int] | None  # None where no trace was found
    # (RGB, fraction of crop pixels) of each coloured trace, the automatic pick first
    candidate_colours: list[tuple[tuple[int, int, int], float]]
    mask: np.ndarray  # bool (h, w): trace pixels at full resolution
    network_input: np.ndarray  # float32 (size, size) in {0, 1}, white trace on black
    warnings: list[str] = field(default_factory=list)
    # Other traces the automatic reading found read well in the same picture (search.
    # distinct_traces), for the answer to choose among; empty for a reading of one trace.
    others: list[CaptureResult] = field(default_factory=list)
    # False where the segmentation network was asked and marks no trace anywhere in the picture
    # (a menu, a blank screen): whatever the rules read there is not trusted.
    seen_by_network: bool | None = None
    # Degrees the picture was turned anticlockwise before it was read (core.capture.deskew: a
    # photo taken askew is straightened). Then `cropped` and `mask` are of the straightened
    # picture, crop_box is the upright box around that region in the given picture's pixels
    # (larger than the region read), and read_box the region itself in the picture straightened
    # (deskew.straightened of the given picture), in the same pixels (None for a reading in a
    # box the user drew, whose contents alone were turned).
    tilt: float = 0.0
    read_box: tuple[int, int, int, int] | None = None

    @property
    def found(self) -> bool:
        return bool(self.network_input.any())

    @property
    def confident(self) -> bool:
        """The trace finder's own confidence: no `doubt` (the trace covers MIN_COVER of the
        view's columns and its waveform_likeness is at least MIN_LIKENESS), in a picture where
        the segmentation network, if asked, sees a trace at all (seen_by_network, which has
        its own warning)."""
        return self.doubt is None and self.seen_by_network is not False

    @property
    def doubt(self) -> str | None:
        """Why the line read is not trusted as a waveform, in a sentence for the page; None
        where the line itself is (seen_by_network is judged apart). A speck or a short scrap
        is more likely text or a marker than a waveform; a reading of many lines over the same
        columns (a menu's boxes, a grid, lines of text) is no signal, which runs across as one
        line."""
        cols = self.network_input.any(0).mean()
        if cols < MIN_COVER:
            return (
                f"The line found covers only {cols:.0%} of the plot's width: more likely text "
                "or a marker than a waveform, so the answer is unsure."
            )
        if waveform_likeness(self.network_input) < MIN_LIKENESS:
            return (
                "The line found is not a single line across the plot (boxes, a grid or text "
                "taken for a trace), so the answer is unsure."
            )
        return None


def waveform_likeness(x: np.ndarray) -> float:
    """0..1 for a network input (size, size): the share of columns the trace covers, times the
    share of those holding one line (a trace is a function of time; text and grids are not),
    times the share holding a short one (a filled block or noise is not a line; a square's
    edges are a few columns)."""
    on = x > 0
    cols = on.any(0)
    if not cols.any():
        return 0.0
    starts = (on[1:] & ~on[:-1]).sum(0) + on[0]
    short = on.sum(0)[cols] <= 0.25 * len(on)
    return float(cols.mean() * (starts[cols] == 1).mean() * min(1.0, short.mean() / 0.7))


# ---------------------------------------------------------------- the pipeline
def _as_uint8(rgb: np.ndarray) -> np.ndarray:
    a = np.asarray(rgb)
    if a.ndim == 2:
        a = np.repeat(a[:, :, None], 3, axis=2)
    if a.ndim != 3 or a.shape[2] not in (3, 4) or min(a.shape[:2]) < 2:
        raise LabError(f"A screenshot must be an RGB image (H, W, 3), got shape {a.shape}.")
    a = a[:, :, :3]
    if a.dtype == np.uint8:
        return np.ascontiguousarray(a)
    return (np.clip(a, 0, 1) * 255 + 0.5).astype(np.uint8)


def _check_crop(crop, w: int, h: int) -> tuple[int, int, int, int]:
    try:
        x0, y0, x1, y1 = (int(round(v)) for v in crop)
    except (TypeError, ValueError):
        raise LabError(f"The crop must be four numbers (x0, y0, x1, y1), got {crop!r}.") from None
    x0, y0, x1, y1 = max(0, x0), max(0, y0), min(w, x1), min(h, y1)
    if x1 - x0 < 16 or y1 - y0 < 16:
        raise LabError(
            f"The crop {tuple(crop)} leaves less than 16x16 pixels of the {w}x{h} image."
        )
    return x0, y0, x1, y1


def _content_box(
    mask: np.ndarray, view: tuple[int, int] | None = None
) -> tuple[tuple[int, int, int, int], tuple[int, int]]:
    """(box around the trace with a small margin, the columns that fill the output's width)
    for a plain image: the trace's own width, or the view's where the trace is narrow (a lone
    pulse, a trace that leaves the plot), so it keeps its place. A trace across most of the
    view fills the width itself: the networks learn periodic shapes from side to side, and
    one framed by empty margins (a plot's axes drawn a little wider than its curve) is no shape
    they were taught (a sine of many cycles so framed was answered square). view: the columns
    (start, stop) the picture's view spans (the whole width when None; a photographed screen's
    in a photo)."""
    h, w = mask.shape
    v0, v1 = (0, w) if view is None else (max(0, int(view[0])), min(w, int(view[1])))
    cols, rows = np.flatnonzero(mask.any(0)), np.flatnonzero(mask.any(1))
    pad = max(2, int(0.02 * max(h, w)))
    x0, x1 = max(0, cols[0] - pad), min(w, cols[-1] + 1 + pad)
    y0, y1 = max(0, rows[0] - pad), min(h, rows[-1] + 1 + pad)
    x_range = (cols[0] - x0, cols[-1] + 1 - x0)
    vw = max(1, v1 - v0)
    if x_range[1] - x_range[0] < 0.5 * vw:
        x_range = (min(v0, cols[0]) - x0, max(v1, cols[-1] + 1) - x0)
    return (int(x0), int(y0), int(x1), int(y1)), (int(x_range[0]), int(x_range[1]))


def axes_only(mask: np.ndarray, reach: float = 0.5, share: float = 0.9) -> bool:
    """True where bool (h, w) holds little but a drawing's axes: one straight vertical line and at
    most one horizontal, unbroken across `reach` of the picture, with `share` of its pixels
    within 2 px of them (empty axes, with their arrow heads and tick labels, read as an L)."""
    n = int(mask.sum())
    if n == 0:
        return False
    h, w = mask.shape
    cols = longest_runs(mask) >= reach * h  # columns with a long unbroken vertical run
    rows = longest_runs(mask.T) >= reach * w
    near_c = np.convolve(cols, np.ones(5), "same") > 0
    near_r = np.convolve(rows, np.ones(5), "same") > 0
    # Axes are one vertical line and at most one horizontal: a pulse or a square wave has two
    # or more edges, and a step (one edge) is a shape outside the classes either way.
    if _groups(near_c) != 1 or _groups(near_r) > 1:
        return False
    on_axes = mask[:, near_c].sum() + mask[near_r][:, ~near_c].sum()
    return bool(on_axes >= share * n)


def box_only(mask: np.ndarray, reach: float = 0.6, share: float = 0.8) -> bool:
    """True where bool (h, w) holds little but a box's outline, whole (_whole_box) or in part
    (box_in_part): a dialog's or a legend's frame, a screen's border."""
    return _whole_box(mask, reach, share) or box_in_part(mask, share=share)


def _whole_box(mask: np.ndarray, reach: float, share: float) -> bool:
    """True where bool (h, w) holds little but a box's outline: a dialog's or a legend's frame,
    a screen's border, straight or tilted in a photo. Over `reach` of the mask's columns its
    topmost and its lowest pixels lie apart on two straight lines (a square wave's two levels
    take turns, a box's lie one above the other; two traces are not both straight), with
    `share` of the pixels within 2 px of those lines or of the box's sides."""
    n = int(mask.sum())
    if n == 0:
        return False
    h, w = mask.shape
    r = np.arange(h)[:, None]
    top, bot = np.where(mask, r, h).min(0), np.where(mask, r, -1).max(0)
    span = np.flatnonzero(mask.any(0))
    width = span[-1] + 1 - span[0]
    cols = np.flatnonzero((bot - top > max(5, 0.1 * (bot.max() - top[span].min()))) & (bot >= 0))
    if len(cols) < max(3, reach * width):
        return False
    near = np.zeros_like(mask)
    for edge in (top, bot):
        fit = np.polyval(np.polyfit(cols, edge[cols], 1), np.arange(w))
        if (np.abs(edge[cols] - fit[cols]) <= 2).mean() < 0.9:
            return False
        near |= np.abs(r - fit[None, :]) <= 2
    sides = longest_runs(mask) >= 0.5 * float(np.median(bot[cols] - top[cols]))
    near[:, np.convolve(sides, np.ones(5), "same") > 0] = True
    return bool((mask & near).sum() >= share * n)


def box_in_part(mask: np.ndarray, overlap: float = 0.25, share: float = 0.8) -> bool:
    """True where bool (h, w) holds little but part of a box's outline, as the segmentation
    network marks a dialog's frame where its fill is light: two level lines, one above the
    other over one unbroken stretch of `overlap` of the columns or more, joined by a side at
    an end of that stretch and by none within it, with `share` of the pixels within 2 px of
    those lines and sides. A square wave's levels take turns (they are never both in a column
    but at an edge), two channels' levels are more than two lines, and a flat line alone has
    no side."""
    n = int(mask.sum())
    if n == 0:
        return False
    h, w = mask.shape
    span = np.flatnonzero(mask.any(0))
    width = span[-1] + 1 - span[0]
    rows = mask.sum(1).astype(float)
    rows = np.convolve(rows, np.ones(5), "same")  # a line a photo leaves tilted a little
    lines = []
    for _ in range(2):
        y = int(np.argmax(rows))
        if rows[y] < overlap * width:
            return False
        lines.append(y)
        rows[max(0, y - 6) : y + 7] = 0
    bands, on = [], []
    for y in sorted(lines):
        ys, xs = np.nonzero(mask[max(0, y - 4) : y + 5])
        if np.ptp(xs) < overlap * width:  # a column's run, not a level line
            return False
        fit = np.polyval(np.polyfit(xs, ys + max(0, y - 4), 1), np.arange(w))
        band = np.clip(np.round(fit).astype(int)[None, :] + np.arange(-2, 3)[:, None], 0, h - 1)
        bands.append(band)  # the rows within 2 px of the line, in each column
        on.append(mask[band, np.arange(w)].any(0))
    both = np.flatnonzero(on[0] & on[1])
    if len(both) < overlap * width or both[-1] + 1 - both[0] > 1.5 * len(both):
        return False  # not both levels over one stretch: a square wave's, or two channels'
    lo, hi = sorted(lines)
    between = mask[lo + 3 : hi - 2].sum(0)  # a side the network marks in pieces
    sides = np.flatnonzero(np.convolve(between, np.ones(3), "same") >= 0.3 * (hi - lo))
    inside = sides[(sides > both[0] + 3) & (sides < both[-1] - 3)]
    reach = max(3, 0.05 * width)  # a corner the network marks rounded, or leaves out
    ends = sides[(np.abs(sides - both[0]) <= reach) | (np.abs(sides - both[-1]) <= reach)]
    if len(inside) or not len(ends):
        return False
    near = np.zeros_like(mask)
    for band in bands:
        near[band, np.arange(w)] = True
    near[:, np.clip(ends[:, None] + np.arange(-2, 3), 0, w - 1).ravel()] = True
    return bool((mask & near).sum() >= share * n)


def _groups(on: np.ndarray) -> int:
    """Runs of True in a 1-D bool array."""
    return int((on[1:] & ~on[:-1]).sum() + on[0]) if len(on) else 0


def _drop_side_columns(mask: np.ndarray) -> None:
    """Clear, in bool (h, w), tall columns at the plot's sides that reach beyond the rows the
    rest of the trace spans: a colour legend or a marker. A square wave's edge at the side
    stays within the trace's rows and is kept."""
    h, w = mask.shape
    side = max(1, int(0.02 * w))
    rows = np.flatnonzero(mask[:, side : w - side].any(1))
    slack = 0.02 * h
    lo, hi = (rows[0] - slack, rows[-1] + slack) if len(rows) else (h, -1)
    r = np.arange(h)[:, None]
    for cols in (slice(0, side), slice(w - side, w)):
        m = mask[:, cols]
        top, bot = np.where(m, r, h).min(0), np.where(m, r, -1).max(0)
        legend = (m.sum(0) >= 0.6 * h) & ((top < lo) | (bot > hi))
        m &= ~legend


def _drop_end_marks(
    mask: np.ndarray, reach: float = 0.04, gap: float = 0.02, aside: float = 0.1
) -> None:
    """Clear, in bool (h, w) of a plain picture, marks at either end of the trace that are not
    part of it: a drawing's vertical axis and its arrow head beside or under the start of the
    curve, a channel's marker above it. A mark is either apart from the rest of the trace (by
    `gap` of its columns, at most `aside` of them wide) with most of its pixels above or below
    the rows the rest spans, or an upright line within `reach` of the columns from an end that
    runs past those rows both above and below (with whatever else lies beyond them there: an
    arrow head). A pulse at an end, a decay's steep start and a square wave's edge there lie
    within the trace's rows or start from them, so they are kept; so are a dots display's
    dots, apart by design."""
    dots = None  # whether the mask is a dots display's, found only once a mark is seen
    for _ in range(3):  # an end may hold a mark beside a mark (an axis and its arrow head)
        cols = np.flatnonzero(mask.any(0))
        if len(cols) < 10:
            return
        c0, c1 = int(cols[0]), int(cols[-1]) + 1
        span = c1 - c0
        gaps = np.flatnonzero(np.diff(cols) > gap * span)
        marks = []
        if len(gaps):  # the columns up to the first wide empty gap from each end, if few
            if cols[gaps[0]] + 1 - c0 <= aside * span:
                marks.append((c0, int(cols[gaps[0]]) + 1, "apart"))
            if c1 - cols[gaps[-1] + 1] <= aside * span:
                marks.append((int(cols[gaps[-1] + 1]), c1, "apart"))
        k = max(2, int(reach * span))
        marks += [(c0, c0 + k, "line"), (c1 - k, c1, "line")]
        found = False
        for a, b, kind in marks:
            rows = np.flatnonzero(mask[:, :a].any(1) | mask[:, b:].any(1))  # the rest's rows
            if not len(rows):
                continue
            top, bot = rows[0], rows[-1] + 1
            slack = max(2.0, 0.05 * (bot - top))
            lo, hi = max(0, int(top - slack)), int(bot + slack) + 1
            if kind == "apart":
                here = mask[:, a:b]
                if here[lo:hi].sum() > 0.5 * here.sum():
                    continue
                drop = (slice(None), slice(a, b))
            else:
                tall = np.flatnonzero(longest_runs(mask[:, a:b]) >= 0.2 * (bot - top)) + a
                ys = np.flatnonzero(mask[:, tall].any(1)) if len(tall) else []
                if not len(ys) or ys[0] >= lo or ys[-1] + 1 <= hi:
                    continue
                drop = (slice(None), tall)
            dots = scattered(mask) if dots is None else dots
            if dots:
                return
            mask[drop] = False
            if kind == "line":  # what lies beside the line beyond the rest's rows
                mask[:lo, a:b] = False
                mask[hi:, a:b] = False
            found = True
            break
        if not found:
            return


def _drop_frame(mask: np.ndarray, cover: float = 0.9) -> None:
    """Clear, in bool (h, w) of a plot area, the axes box drawn in the trace's own colour (a
    black curve in a black frame): rows along its top and bottom edges and columns along its
    sides that run across `cover` of it, where two opposite edges hold one (a box). A trace's
    baseline along one edge (a spectrum's floor, a gaussian on the axis) is kept, and so are a
    clipped trace's stretches along an edge, which do not run from end to end."""
    h, w = mask.shape
    r, c = max(1, int(0.02 * h)), max(1, int(0.02 * w))
    top, bottom, left, right = (mask[:r], mask[h - r :], mask[:, :c].T, mask[:, w - c :].T)
    full = [e.sum(1) >= cover * e.shape[1] for e in (top, bottom, left, right)]
    if (full[0].any() and full[1].any()) or (full[2].any() and full[3].any()):
        for edge, lines in zip((top, bottom, left, right), full):
            edge[lines] = False  # views into mask: its edge rows, its edge columns (transposed)


def _check_sizes(size, thickness) -> None:
    for name, v, lo, hi in (("size", size, 16, 1024), ("thickness", thickness, 1, 16)):
        if isinstance(v, bool) or not isinstance(v, int | np.integer) or not lo <= v <= hi:
            msg = f"The output {name} must be a whole number from {lo} to {hi}, got {v!r}."
            raise LabError(msg)


def extract_trace(
    rgb: np.ndarray,
    *,
    crop: tuple[int, int, int, int] | None = None,
    colour: tuple[int, int, int] | str | None = None,
    size: int = 100,
    thickness: int = 2,
    find_area: bool = True,
    view: tuple[int, int] | None = None,
) -> CaptureResult:
    """Screenshot RGB (H, W, 3), float in [0, 1] or uint8 -> CaptureResult with every stage.

    crop: (x0, y0, x1, y1) plot area in pixels, found automatically when None. colour: the trace's
    colour as (R, G, B), '#rrggbb' or a name; the most trace-like colour when None.
    find_area: False treats the whole image as a plain picture (no graticule or axes box).
    view: in such a picture, the columns (start, stop) of what the trace was drawn in (a screen
    in a photo): a narrow trace keeps its place in them; the whole width when None.
    """
    _check_sizes(size, thickness)
    img = _as_uint8(rgb)
    target = _parse_colour(colour)
    h_img, w_img = img.shape[:2]
    idx = _index(img)
    if crop is not None:
        box, method = _check_crop(crop, w_img, h_img), "manual"
    elif find_area:
        box, method = find_plot_area(img, idx)
    else:
        box, method = None, "whole"
    x0, y0, x1, y1 = box or (0, 0, w_img, h_img)
    cropped = img[y0:y1, x0:x1]
    h, w = cropped.shape[:2]
    idx = idx[y0:y1, x0:x1]
    hist = np.bincount(idx.ravel(), minlength=32768)
    # A plain image's background is the colour around its border: a dense, thick trace may
    # cover half of it (a plot area's commonest colour is its background).
    border = np.concatenate([idx[0], idx[-1], idx[:, 0], idx[:, -1]])
    bg_lab, kind = _background(hist if box is not None else np.bincount(border, minlength=32768))
    f = max(1, -(-max(h, w) // 256))  # coarse grid of at most 256 cells a side for shape tests
    lut, trace_rgb, candidates, warnings = _pick_trace(idx, hist, bg_lab, target, f, box is None)
    mask = lut[idx] if lut is not None else np.zeros((h, w), bool)
    if mask.any():
        mask &= np.repeat(np.repeat(_keep_trace_parts(_coarse(mask, f)), f, 0), f, 1)[:h, :w]
    if box is not None:
        _drop_frame(mask)
    _drop_side_columns(mask)
    if method == "whole" and (axes_only(mask) or box_only(mask)):  # empty axes, a frame
        mask[:] = False
    x_range = (0, w)
    if method == "whole":
        _drop_end_marks(mask)
    if method == "whole" and mask.any():  # a plain image: the content's extent is the plot
        (x0, y0, x1, y1), x_range = _content_box(mask, view)
        cropped, mask, method = cropped[y0:y1, x0:x1], mask[y0:y1, x0:x1], "content"
    return CaptureResult(
        original=img,
        crop_box=(int(x0), int(y0), int(x1), int(y1)),
        crop_auto=crop is None,
        crop_method=method,
        cropped=cropped,
        background=kind,
        background_colour=_to_rgb(bg_lab),
        trace_colour=trace_rgb,
        candidate_colours=candidates,
        mask=mask,
        network_input=rasterise(mask, x_range, size, thickness),
        warnings=warnings,
    )


def mask_reading(
    rgb: np.ndarray,
    mask: np.ndarray,
    *,
    size: int = 100,
    thickness: int = 2,
    view: tuple[int, int] | None = None,
    rows: tuple[int, int] | None = None,
    method: str = "content",
) -> CaptureResult:
    """The reading of a trace already found: bool `mask` (H, W) over uint8 `rgb` (a plain
    picture; the segmentation network's trace), cut to its content as extract_trace cuts a
    plain picture's (`view`: see there). rows: only the trace within rows [start, stop) (one of
    several traces drawn one above another)."""
    _check_sizes(size, thickness)
    img = _as_uint8(rgb)
    h, w = img.shape[:2]
    mask = mask.copy()
    if rows is not None:
        mask[: rows[0]] = False
        mask[rows[1] :] = False
    _drop_side_columns(mask)
    if axes_only(mask) or box_only(mask):  # empty axes, arrows, a dialog's frame: no waveform
        mask[:] = False
    _drop_end_marks(mask)
    trace = tuple(int(v) for v in np.median(img[mask], 0)) if mask.any() else None
    # The background colour is for the page only: a sample of the picture's other pixels.
    rest = img[~mask][:: max(1, int((~mask).sum()) // 20_000)]
    bg = tuple(int(v) for v in np.median(rest, 0)) if len(rest) else (0, 0, 0)
    box, x_range, cropped = (0, 0, w, h), (0, w), img
    if mask.any():
        box, x_range = _content_box(mask, view)
        x0, y0, x1, y1 = box
        cropped, mask = img[y0:y1, x0:x1], mask[y0:y1, x0:x1]
    return CaptureResult(
        original=img,
        crop_box=tuple(int(v) for v in box),
        crop_auto=True,
        crop_method=method,
        cropped=cropped,
        background="light" if sum(bg) > 3 * 128 else "dark",
        background_colour=bg,
        trace_colour=trace,
        candidate_colours=[(trace, float(mask.mean()))] if trace else [],
        mask=mask,
        network_input=rasterise(mask, x_range, size, thickness),
    )


def to_network_input(src, *, name: str | None = None, **opts) -> np.ndarray:
    """Read an image (path, bytes or file) and return its network input float32 (size, size).

    opts go to extract_trace; LabError if the image is unreadable or shows no trace.
    """
    result = extract_trace(read_image_u8(src, name=name), **opts)
    if not result.found:
        label = source_name(src, name)
        label = "the image" if label == "The image" else label
        raise LabError(f"No waveform trace was found in {label}.")
    return result.network_input
