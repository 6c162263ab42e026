"""Trace mask -> the network's (size, size) input, the line kept thin, connected and in view."""

from __future__ import annotations

import numpy as np

from core.masks import _close_columns, _dilate, _keep_trace_parts, _runs_by_column, line_width

FILL = 0.8  # fraction of the output height the trace spans (training amplitudes are 0.2-1.0)
MAX_GAIN = 8.0  # most a trace is stretched vertically beyond the plot area's own scale


def _column_runs(col: np.ndarray) -> list[list[int]]:
    """[start, stop) of each run of True in a 1-D bool array."""
    d = np.diff(np.concatenate([[0], col.astype(np.int8), [0]]))
    starts, stops = np.flatnonzero(d == 1).tolist(), np.flatnonzero(d == -1).tolist()
    return [[a, b] for a, b in zip(starts, stops)]


def _join(out: np.ndarray, a: int, ya: int, b: int, yb: int) -> None:
    """Draw the trace from (row ya, column a) to (row yb, column b), each column a vertical span."""
    ys = np.linspace(ya, yb, b - a + 1)
    for k in range(b - a):
        mid = (ys[k] + ys[k + 1]) / 2
        for col, y0, y1 in ((a + k, ys[k], mid), (a + k + 1, mid, ys[k + 1])):
            lo, hi = sorted((int(round(y0)), int(round(y1))))
            out[lo : hi + 1, col] = True


def _nearest(run: list[int], others: list[list[int]]) -> tuple[int, int, int]:
    """(gap, row in run, row in the nearest other run) between a run and the closest of others."""
    best = None
    for o in others:
        if o[0] >= run[1]:  # other below
            cand = (o[0] - run[1] + 1, run[1] - 1, o[0])
        elif o[1] <= run[0]:  # other above
            cand = (run[0] - o[1] + 1, run[0], o[1] - 1)
        else:
            cand = (0, run[0], run[0])
        if best is None or cand[0] < best[0]:
            best = cand
    return best


def centre_line(mask: np.ndarray, width: int, pool: int = 0) -> np.ndarray:
    """Bool (h, w) band -> its middle: each column's run becomes its centre pixel, except runs
    over 60% of the band's height (a square wave's edges), which lose only the band's width.
    pool: columns each side merged first, so an edge drawn in ragged pieces is one run."""
    h, w = mask.shape
    if pool:
        src, mask = mask, mask.copy()
        for k in range(1, pool + 1):
            mask[:, k:] |= src[:, :-k]
            mask[:, :-k] |= src[:, k:]
    cols, starts, stops = _runs_by_column(mask)
    out = np.zeros_like(mask)
    if not len(cols):
        return out
    edge = stops - starts > 0.6 * (stops.max() - starts.min())
    trim = (width - 1) // 2
    top = np.where(edge, starts + trim, (starts + stops - 1) // 2)
    bot = np.where(edge, np.maximum(stops - trim, top + 1), top + 1)
    acc = np.zeros((h + 1, w), np.int32)
    np.add.at(acc, (top, cols), 1)
    np.add.at(acc, (bot, cols), -1)
    return np.cumsum(acc, axis=0)[:h] > 0


def rasterise(mask: np.ndarray, x_range: tuple[int, int], size: int, thickness: int,
              fill: float = FILL) -> np.ndarray:  # fmt: skip
    """Trace bool (h, w) -> float32 (size, size) in {0, 1}: columns x_range fill the width, the
    trace's height fills `fill` of the height (flat traces are not stretched), joined, thickened.
    """
    h, w = mask.shape
    mask = _close_columns(mask)
    width, height = line_width(mask)
    if not width:
        return np.zeros((size, size), np.float32)
    band = width >= 0.1 * height  # a persistence band, not a line: follow its middle
    sx = size / (x_range[1] - x_range[0])  # output columns per input column
    src = centre_line(mask, width, min(3, int(0.5 / sx))) if band else mask
    ys, xs = np.nonzero(src)
    cut = 2.0 if band else 0.5  # % of the line's pixels: stray markers do not set the height
    lo, hi = np.percentile(ys, [cut, 100 - cut]).astype(int) + (0, 1)
    travel = hi - lo if band else max(1, hi - lo - width + 1)  # the line's centre's travel
    flat = travel < max(3, 0.03 * h)  # a flat line's noise is not stretched into a waveform
    sy = min(fill * size / travel, (1 if flat else MAX_GAIN) * size / h)  # rows per input row
    # Every trace pixel marks the cells it covers, so a 1-px trace survives any shrink.
    y0 = size / 2 + (ys - (lo + hi) / 2) * sy  # top of each pixel in output rows
    x0 = (xs - x_range[0]) * sx
    out = np.zeros((size, size), bool)
    nr, nc = max(1, int(np.ceil(sy))), max(1, int(np.ceil(sx)))
    for dr in range(nr):
        for dc in range(nc):
            r, c = np.floor(y0).astype(int) + dr, np.floor(x0).astype(int) + dc
            ok = (r >= 0) & (r < size) & (c >= 0) & (c < size)
            if dr or dc:  # on an upscale, only the cells the pixel really covers
                ok &= (r < y0 + sy) & (c < x0 + sx)
            out[r[ok], c[ok]] = True
    w_out = 1 if band else max(1, nr, int(round(width * sy)))  # the line's width in cells
    runs = [_column_runs(out[:, k]) for k in range(size)]
    thin = _thin_runs(runs, size, w_out)
    _join_columns(thin, runs, near=max(2, int(0.15 * fill * size)))
    thin = _keep_trace_parts(thin, specks_only=True)
    return _dilate(thin, (thickness - 1) // 2, thickness // 2).astype(np.float32)


def _thin_runs(runs: list[list[list[int]]], size: int, w_out: int) -> np.ndarray:
    """Bool (size, size) of the column runs less the line's own width (runs edited in place):
    a line cut across becomes its middle cell, an edge or a slope keeps its vertical travel."""
    thin = np.zeros((size, size), bool)
    trim = (w_out - 1) // 2
    for k, col in enumerate(runs):
        for run in col:
            if run[1] - run[0] <= max(2, w_out + 1):
                run[0] = (run[0] + run[1] - 1) // 2
                run[1] = run[0] + 1
            else:
                run[0], run[1] = run[0] + trim, run[1] - trim
            thin[run[0] : run[1], k] = True
    return thin


def _join_columns(out: np.ndarray, runs: list[list[list[int]]], near: int) -> None:
    """Join neighbouring columns' runs in bool (size, size) so edges and slopes stay connected.

    A lone run on each side is one trace and is joined whatever the gap (a square wave's faint
    edge), and so are pieces of line; specks are joined only when near, so they grow no whiskers.
    Up to two empty columns are bridged for a single-valued trace; wider gaps (the trace left the
    screen) are not.
    """
    filled = [k for k in range(len(runs)) if runs[k]]
    for a, b in zip(filled, filled[1:]):
        if b - a > 3:
            continue
        lone = len(runs[a]) == 1 and len(runs[b]) == 1
        for these, others, forward in ((runs[b], runs[a], False), (runs[a], runs[b], True)):
            for run in these:
                gap, y_run, y_other = _nearest(run, others)
                if b > a + 1:
                    wanted = lone
                else:
                    wanted = gap > 0 and (lone or gap <= near or run[1] - run[0] >= 3)
                if wanted and forward:
                    _join(out, a, y_run, b, y_other)
                elif wanted:
                    _join(out, a, y_other, b, y_run)
