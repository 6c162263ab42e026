"""Bool-mask helpers shared by trace picking and rasterising: runs, gaps, dilation, parts."""

from __future__ import annotations

import numpy as np


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


def line_width(mask: np.ndarray) -> tuple[int, int]:
    """(the trace's line width, its height) in pixels of bool (h, w): the median over columns of
    each column's longest run (edges fill few columns, so the line's own width wins)."""
    cols, starts, stops = _runs_by_column(mask)
    if not len(cols):
        return 0, 0
    longest = np.zeros(mask.shape[1], int)
    np.maximum.at(longest, cols, stops - starts)
    return int(np.median(longest[longest > 0])), int(stops.max() - starts.min())


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


def _keep_trace_parts(c: np.ndarray, specks_only: bool = False) -> np.ndarray:
    """Bool with text, markers and specks dropped: parts spanning < 6% of the image both ways
    and smaller than a quarter of the largest part (specks_only: parts of at most 3 pixels or
    2% of all)."""
    rows, starts, stops, labels, n = _components(c)
    if n <= 1:
        return c
    h, w = c.shape
    area = np.bincount(labels, weights=stops - starts, minlength=n)
    top = np.full(n, h)
    np.minimum.at(top, labels, rows)
    bot = np.zeros(n, int)
    np.maximum.at(bot, labels, rows)
    left = np.full(n, w)
    np.minimum.at(left, labels, starts)
    right = np.zeros(n, int)
    np.maximum.at(right, labels, stops)
    keep = (bot - top + 1 >= 0.06 * h) | (right - left >= 0.06 * w) | (area >= 0.25 * area.max())
    if specks_only:
        keep = area > max(3, 0.02 * area.sum())
    k = keep[labels]
    acc = np.zeros((h, w + 1), np.int32)
    np.add.at(acc, (rows[k], starts[k]), 1)
    np.add.at(acc, (rows[k], stops[k]), -1)
    return np.cumsum(acc, axis=1)[:, :w] > 0
