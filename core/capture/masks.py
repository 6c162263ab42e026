"""Bool-mask helpers shared by trace picking and rasterising: runs, gaps, dilation, parts."""

from __future__ import annotations

import numpy as np
from PIL import Image, ImageDraw

SCATTERED = 0.15  # largest part's share of a mask's pixels below which it is dots, not lines
DOT_REACH = 0.05  # share of the width within which a dot is joined to the next one
MIN_DOTS, MAX_DOTS = 20, 3000  # parts a dots display's trace is made of
DOT_SIZE = 0.03  # share of a mask's height and width a dot spans at most
MARKER = 0.05  # share of a mask's width a plot's marker spans at most, across and up
DOT_LINE = 0.8  # share of its columns in which a dots display's joined trace is one line


def _coarse(m: np.ndarray, f: int) -> np.ndarray:
    """Block-OR downscale of bool (h, w) by f (partial blocks at the far edges included)."""
    h, w = m.shape
    hc, wc = -(-h // f), -(-w // f)
    pad = np.zeros((hc * f, wc * f), bool)
    pad[:h, :w] = m
    return pad.reshape(hc, f, wc, f).any(axis=(1, 3))


def _dilate(m: np.ndarray, lo: int = 1, hi: int = 1) -> np.ndarray:
    """Bool (h, w) grown by a box from -lo to +hi cells in each direction."""
    out = m.copy()
    h, w = m.shape
    for dy in range(-lo, hi + 1):
        for dx in range(-lo, hi + 1):
            if dy or dx:
                out[max(dy, 0) : h + min(dy, 0), max(dx, 0) : w + min(dx, 0)] |= m[
                    max(-dy, 0) : h + min(-dy, 0), max(-dx, 0) : w + min(-dx, 0)
                ]
    return out


def _close_columns(mask: np.ndarray, most: int = 3) -> np.ndarray:
    """Bool (h, w) with vertical gaps of up to `most` pixels filled (grid dots across a line)."""
    h = mask.shape[0]
    out = mask.copy()
    for gap in range(1, min(most, h - 2) + 1):  # a gap needs a row either side of it
        bridge = mask[: h - gap - 1] & mask[gap + 1 :]
        for k in range(1, gap + 1):
            out[k : h - gap - 1 + k] |= bridge
    return out


def _runs_by_column(mask: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(column, start, stop) of every vertical run of True in bool (h, w)."""
    rows = np.flatnonzero(mask.any(1))
    if not len(rows):
        return (np.zeros(0, int),) * 3
    top, bot = rows[0], rows[-1] + 1  # the trace's rows only: a trace is a thin band
    d = np.diff(np.pad(mask[top:bot], ((1, 1), (0, 0))).astype(np.int8), axis=0).T
    cols, starts = np.nonzero(d == 1)
    return cols, starts + top, np.nonzero(d == -1)[1] + top


def longest_runs(mask: np.ndarray) -> np.ndarray:
    """Int (w,): the length of each column's longest vertical run of True in bool (h, w), 0 where
    a column has none (`_run_lengths(mask).max(0)`, without a length for every pixel)."""
    cols, starts, stops = _runs_by_column(mask)
    longest = np.zeros(mask.shape[1], int)
    np.maximum.at(longest, cols, stops - starts)
    return longest


def line_width(mask: np.ndarray) -> tuple[int, int]:
    """(the trace's line width, its height) in pixels of bool (h, w): the median over columns of
    each column's longest run (edges fill few columns, so the line's own width wins)."""
    longest = longest_runs(mask)
    if not longest.any():
        return 0, 0
    rows = np.flatnonzero(mask.any(1))
    return int(np.median(longest[longest > 0])), int(rows[-1] + 1 - rows[0])


def stroke_width(mask: np.ndarray) -> int:
    """The pen width in pixels of a line in bool (h, w): the median over its pixels of the
    shorter of the vertical and horizontal runs through each. A flat stretch is thin down, an
    edge or a steep slope thin across, so neither a dense square wave's many edges nor a fast
    sine's slopes count as width (they do in `line_width`)."""
    rows, cols = np.flatnonzero(mask.any(1)), np.flatnonzero(mask.any(0))
    if not len(rows):
        return 0
    m = mask[rows[0] : rows[-1] + 1, cols[0] : cols[-1] + 1]
    return int(np.median(np.minimum(_run_lengths(m), _run_lengths(m.T).T)[m]))


def _run_lengths(m: np.ndarray) -> np.ndarray:
    """Int (h, w): the length of the vertical run of True through each pixel of bool (h, w)."""
    h, w = m.shape
    d = np.diff(np.pad(m, ((1, 1), (0, 0))).astype(np.int8), axis=0).T  # (w, h + 1)
    cols, starts = np.nonzero(d == 1)  # column by column, top down: the stops pair up
    stops = np.nonzero(d == -1)[1]
    acc = np.zeros((w, h + 1), np.int32)
    acc[cols, starts] = stops - starts
    acc[cols, stops] = starts - stops  # runs are apart, so no start meets another's stop
    return np.cumsum(acc, axis=1)[:, :h].T


# ---------------------------------------------------------------- cleaning
def _components(m: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray, int]:
    """8-connected components of bool (h, w) as runs: (row, start, stop, label) arrays, count."""
    h, w = m.shape
    d = np.diff(np.pad(m.astype(np.int8), ((0, 0), (1, 1))), axis=1)
    rows, starts = np.nonzero(d == 1)
    stops = np.nonzero(d == -1)[1]
    n = len(rows)
    parent = list(range(n))
    first = np.searchsorted(rows, np.arange(h + 1)).tolist()
    st, sp = starts.tolist(), stops.tolist()
    for r in range(1, h):
        i, i_end, j, j_end = first[r - 1], first[r], first[r], first[r + 1]
        while i < i_end and j < j_end:
            if st[i] <= sp[j] and st[j] <= sp[i]:  # touching, diagonals included
                a, b = i, j
                while parent[a] != a:
                    a = parent[a]
                while parent[b] != b:
                    b = parent[b]
                parent[max(a, b)] = min(a, b)
            if sp[i] < sp[j]:
                i += 1
            else:
                j += 1
    for k in range(n):  # parents have smaller indices than children: one pass flattens
        parent[k] = parent[parent[k]]
    labels = np.unique(np.array(parent, dtype=np.int64), return_inverse=True)[1]
    return rows, starts, stops, labels, int(labels.max()) + 1 if n else 0


def _keep_trace_parts(c: np.ndarray, specks_only: bool = False, joined: bool = False) -> np.ndarray:
    """Bool with text, markers and specks dropped: parts spanning < 6% of the image both ways
    and smaller than a quarter of the largest part (specks_only: parts of at most 3 pixels or
    2% of all). Where the mask is a dots display's trace (dots_trace: its dots far apart on a
    steep slope), the parts judged are the chains the dots make."""
    rows, starts, stops, labels, n = _components(c)
    if n <= 1:
        return c
    chain = None if specks_only or joined else dots_trace(c, corners=False)
    if chain is not None:
        return c & _keep_trace_parts(chain, joined=True)
    h, w = c.shape
    area, top, bot, left, right = part_boxes(rows, starts, stops, labels, n, (h, w))
    keep = (bot - top >= 0.06 * h) | (right - left >= 0.06 * w) | (area >= 0.25 * area.max())
    if specks_only:
        keep = area > max(3, 0.02 * area.sum())
    return parts_mask((h, w), rows, starts, stops, keep[labels])


def part_boxes(rows, starts, stops, labels, n: int, shape):
    """(area, top, bottom, left, right) of each of _components' n parts (rows, starts, stops,
    labels) in a mask of `shape` (h, w): its pixel count and its box, bottom and right exclusive."""
    h, w = shape
    area = np.bincount(labels, weights=stops - starts, minlength=n)
    top, bot = np.full(n, h), np.zeros(n, int)
    left, right = np.full(n, w), np.zeros(n, int)
    np.minimum.at(top, labels, rows)
    np.maximum.at(bot, labels, rows + 1)
    np.minimum.at(left, labels, starts)
    np.maximum.at(right, labels, stops)
    return area, top, bot, left, right


def parts_mask(shape, rows, starts, stops, keep: np.ndarray) -> np.ndarray:
    """Bool `shape` (h, w) of the runs of _components' answer (rows, starts, stops) where `keep`
    (one bool per run) is True."""
    h, w = shape
    acc = np.zeros((h, w + 1), np.int32)
    np.add.at(acc, (rows[keep], starts[keep]), 1)
    np.add.at(acc, (rows[keep], stops[keep]), -1)
    return np.cumsum(acc, axis=1)[:, :w] > 0


def grown(strong: np.ndarray, weak: np.ndarray) -> np.ndarray:
    """Bool (h, w): the connected parts of `strong` | `weak` that hold a `strong` pixel (a
    line's faint stretches where they touch its clear ones; a faint scrap apart stays out)."""
    rows, starts, stops, labels, n = _components(strong | weak)
    if not n:
        return strong
    before = np.pad(np.cumsum(strong, axis=1), ((0, 0), (1, 0)))  # strong pixels left of each
    has = before[rows, stops] > before[rows, starts]
    held = np.zeros(n, bool)
    held[labels[has]] = True
    return parts_mask(strong.shape, rows, starts, stops, held[labels])


def scattered(mask: np.ndarray, corners: bool = True) -> bool:
    """Whether bool `mask` is a dots display's trace rather than lines: many parts (joined where
    they touch at a corner, as a thin steep line's pixels do, unless `corners` is False: a
    coarse mask, whose cells merged them already), none holding SCATTERED of the
    pixels, most pixels in dot-sized parts (DOT_SIZE of the height and width at most, or MARKER
    of the width either way: a plot's markers, large beside a low trace's height) and those
    spread along its columns and up and down its rows, one above another, as the samples of a
    trace are (not a line broken into long pieces, not tick labels in a row or a column, not
    lines of text)."""
    rows, starts, stops, labels, n = _components(_dilate(mask) if corners else mask)
    if not MIN_DOTS <= n <= MAX_DOTS:
        return False
    h, w = mask.shape
    area, top, bot, left, right = part_boxes(rows, starts, stops, labels, n, (h, w))
    if area.max() >= SCATTERED * area.sum():
        return False
    most = max(4, MARKER * w)  # a plot's marker (MARKER > DOT_SIZE), either way
    dot = (bot - top <= max(most, DOT_SIZE * h)) & (right - left <= most)
    if area[dot].sum() < 0.5 * area.sum():  # also where no part is dot-sized
        return False
    cx, cy = (left + right)[dot] / 2, (top + bot)[dot] / 2
    return _spread(cx, 50, 0.6) and _spread(cy, 25, 0.4) and _one_per_column(cx, cy)


def _one_per_column(cx: np.ndarray, cy: np.ndarray, bins: int = 50) -> bool:
    """Whether dots at (cx, cy) lie one above another as a trace's samples do (within a narrow
    band of columns, close in height, save on a steep slope) rather than as lines of text (in
    each band of columns, a letter of every line): the median band's dots span under a third
    of the height all of them span."""
    k = ((cx - cx.min()) / max(1.0, float(cx.max() - cx.min())) * (bins - 1)).astype(int)
    lo, hi = np.full(bins, np.inf), np.full(bins, -np.inf)
    np.minimum.at(lo, k, cy)
    np.maximum.at(hi, k, cy)
    used = np.isfinite(lo)
    return float(np.median((hi - lo)[used])) < max(1.0, float(cy.max() - cy.min())) / 3


def _spread(at: np.ndarray, bins: int, share: float) -> bool:
    """Whether positions `at` fill `share` of `bins` equal bins across their own range: a
    trace's dots follow it across the columns and up and down its rows; tick labels keep to a
    row, a column of labels to a column."""
    span = max(1.0, float(at.max() - at.min()))
    return len(np.unique(((at - at.min()) / span * (bins - 1)).astype(int))) >= share * bins


def connect_dots(
    mask: np.ndarray, reach: float = DOT_REACH, lines_only: bool = False
) -> np.ndarray:
    """Bool (h, w) `mask` with each of its parts joined by a line, centre to centre, to the
    nearest part whose centre lies to its right within `reach` of the width: a dots display's
    trace, its dots sparse where it is steep, as the line the scope would draw. lines_only:
    the joining lines alone, without the parts."""
    rows, starts, stops, labels, n = _components(mask)
    if n < 2 or n > MAX_DOTS:
        return np.zeros_like(mask) if lines_only else mask
    length = stops - starts
    area = np.bincount(labels, weights=length, minlength=n)
    cx = np.bincount(labels, weights=(starts + stops - 1) / 2 * length, minlength=n) / area
    cy = np.bincount(labels, weights=rows * length, minlength=n) / area
    order = np.argsort(cx, kind="stable")
    xs, ys = cx[order], cy[order]
    most = max(2.0, reach * mask.shape[1])
    img = Image.fromarray((np.zeros_like(mask) if lines_only else mask).astype(np.uint8) * 255)
    d = ImageDraw.Draw(img)
    stop = np.searchsorted(xs, xs + most, side="right")
    for i in range(n - 1):
        j = np.arange(i + 1, stop[i])
        j = j[xs[j] > xs[i]]
        if not len(j):
            continue
        k = j[np.argmin((xs[j] - xs[i]) ** 2 + (ys[j] - ys[i]) ** 2)]
        d.line((xs[i], ys[i], xs[k], ys[k]), fill=255)
    return np.asarray(img) > 0


def dots_trace(mask: np.ndarray, corners: bool = True) -> np.ndarray | None:
    """Bool `mask` with its dots joined (connect_dots) where it is a dots display's trace: it is
    scattered (see there; `corners` too) and the lines joining its dots' centres make one part
    across half the columns the mask spans, one line in DOT_LINE of the columns it covers, as a
    trace does (a menu's letters joined make lines one above another). None where it is not."""
    if not scattered(mask, corners):
        return None
    lines = connect_dots(mask, lines_only=True)
    rows, starts, stops, labels, n = _components(lines)
    if not n:
        return None
    area = np.bincount(labels, weights=stops - starts, minlength=n)
    part = parts_mask(lines.shape, rows, starts, stops, labels == int(np.argmax(area)))
    cols = part.any(0)
    used = np.flatnonzero(mask.any(0))
    if cols.sum() < 0.5 * (used[-1] + 1 - used[0]):
        return None
    part = _close_columns(part)  # a line may step a pixel aside where it meets the next
    runs = (part[1:] & ~part[:-1]).sum(0) + part[0]
    return mask | lines if (runs[cols] == 1).mean() >= DOT_LINE else None
