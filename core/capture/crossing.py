"""Curves of one colour that cross, told apart by following each across the columns.

A figure often draws two curves in black (a sine and a gaussian, a square wave and a ramp), and a
scope two channels in one colour: the segmentation network marks them together, colour cannot part
them, and where they cross neither lies above the other (search.trace_bands). Followed from left
to right, each curve keeps its height and slope through a crossing, so the column runs of the
mask are handed to the curve whose path they continue, and a run two curves share while they
cross goes to both.
"""

from __future__ import annotations

import numpy as np

from core.capture.masks import _runs_by_column

SPLIT = 0.2  # share of the mask's columns holding two runs or more before it is split at all
COVER = 0.5  # share of the mask's columns a curve must cover to be kept
SLOPE_POINTS = 5  # last points of a curve its slope is measured over
MOST = 4  # runs a column of a few curves holds at most (in all but SPLIT of the columns)
MOST_CURVES = 8  # curves followed at once at most: more is a tangle (noise, text)
SHARED = 0.8  # share of a curve's runs it shares with one kept before it: the same curve


class _Curve:
    """One curve being followed: its runs (column, start, stop) and where it is heading."""

    def __init__(self, x: int, a: int, b: int):
        self.runs = [(x, a, b)]
        self.points = [(x, (a + b - 1) / 2)]
        self.edge: tuple[int, int] | None = None  # the rows of an edge it has just climbed

    @property
    def last_x(self) -> int:
        return self.runs[-1][0]

    def predicted(self, x: int) -> float:
        """The row it is heading for in column x: on from its last point at the slope of its
        last SLOPE_POINTS points."""
        pts = self.points[-SLOPE_POINTS:]
        x1, y1 = pts[-1]
        mx, my = sum(p[0] for p in pts) / len(pts), sum(p[1] for p in pts) / len(pts)
        sxx = sum((p[0] - mx) ** 2 for p in pts)
        slope = sum((p[0] - mx) * (p[1] - my) for p in pts) / sxx if sxx else 0.0
        return y1 + slope * (x - x1)


def _distance(y: float, a: int, b: int) -> float:
    """How far row y lies outside the run [a, b) (0 inside it)."""
    return max(0.0, a - y, y - (b - 1))


def crossing_curves(mask: np.ndarray) -> list[np.ndarray]:
    """Bool (h, w) masks of the curves in bool `mask` that cross or run one above another, each
    across COVER of its columns; [] where the mask holds one curve (two runs or more in under
    SPLIT of its columns) or only one is followed that far. An edge (a run far longer than the
    line is wide) carries a curve to whichever run continues it at the edge's other end, as a
    square wave's level does; where curves share a run, each goes on at its own slope."""
    cols, starts, stops = _runs_by_column(mask)
    if not len(cols):
        return []
    used = np.unique(cols)
    count = np.bincount(cols)[used]
    if (count >= 2).mean() < SPLIT or (count > MOST).mean() > SPLIT:
        return []  # one curve; or noise, text or a filled band, no curves to follow
    width = float(np.median(stops - starts))  # the line's: edges are few of the runs
    tol = max(3.0, 2 * width)
    gap = max(3, int(0.02 * mask.shape[1]))
    order = np.argsort(cols, kind="stable")
    cols, starts, stops = cols[order], starts[order], stops[order]
    bounds = np.flatnonzero(np.diff(cols)) + 1
    live: list[_Curve] = []
    done: list[_Curve] = []
    for idx in np.split(np.arange(len(cols)), bounds):
        x = int(cols[idx[0]])
        done += [c for c in live if x - c.last_x > gap]
        live = [c for c in live if x - c.last_x <= gap]
        if len(live) > MOST_CURVES:
            return []  # a tangle, not a few curves crossing
        runs = [(int(starts[i]), int(stops[i])) for i in idx]
        claims: dict[int, list[_Curve]] = {}
        for c in live:
            if c.edge is not None:  # climbed an edge: go on from its far end
                a0, b0 = c.edge
                y0 = c.points[-1][1]
                far = b0 - 1 if abs(y0 - a0) < abs(y0 - (b0 - 1)) else a0
                near = [k for k, (a, b) in enumerate(runs) if b >= a0 - tol and a <= b0 + tol]
                if near:
                    k = min(near, key=lambda k: _distance(far, *runs[k]))
                    claims.setdefault(k, []).append(c)
                continue
            y = c.predicted(x)
            k = min(range(len(runs)), key=lambda k: _distance(y, *runs[k]))
            if _distance(y, *runs[k]) <= tol + abs(y - c.points[-1][1]):
                claims.setdefault(k, []).append(c)
        for k, (a, b) in enumerate(runs):
            owners = claims.get(k)
            if not owners:
                live.append(_Curve(x, a, b))
                continue
            edge = b - a > 3 * width + 2  # a run far longer than the line is wide
            for c in owners:
                y = c.predicted(x)
                at_end = min(abs(y - a), abs(y - b + 1)) <= tol
                if edge and not at_end:  # through another curve's edge: its own rows of it
                    lo, hi = int(round(y - width / 2)), int(round(y + width / 2)) + 1
                    c.runs.append((x, max(a, lo), min(b, max(hi, lo + 1))))
                else:
                    c.runs.append((x, a, b))
                if c.edge is not None:  # a new level: its slope is measured afresh
                    c.edge = None
                    c.points = [(x, (a + b - 1) / 2)]
                elif edge and at_end:  # it climbs the edge: its height is at the far end
                    c.edge = (a, b)
                elif edge or len(owners) > 1:  # a crossing: each keeps to its own path
                    c.points.append((x, y))
                else:
                    c.points.append((x, (a + b - 1) / 2))
    span = used[-1] + 1 - used[0]
    kept: list[_Curve] = []
    for c in sorted(done + live, key=lambda c: -len(c.runs)):
        if len({x for x, _, _ in c.runs}) < COVER * span:
            continue
        mine = set(c.runs)
        if all(len(mine & set(k.runs)) < SHARED * len(mine) for k in kept):
            kept.append(c)
    if len(kept) < 2:
        return []
    out = []
    for c in kept:
        m = np.zeros_like(mask)
        for x, a, b in c.runs:
            m[a:b, x] = True
        out.append(m)
    return out
