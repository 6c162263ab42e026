"""Picking the trace in a plot area: saturated colours clustered, the longest line-like one wins."""

from __future__ import annotations

import numpy as np

from core.capture.masks import _close_columns, _coarse, _dilate, _keep_trace_parts, line_width
from core.capture.palette import _PAL, _index, _lab, _to_rgb


def _shape_stats(c: np.ndarray, pixels: int, f: int) -> tuple[float, float, float, float]:
    """(column coverage, span of first to last column, fraction of covered columns holding
    exactly one run, fraction of the covered columns' pixels filled) of a coarse bool mask
    made by `_coarse(mask, f)` from a mask of `pixels` pixels; a trace covers its span once
    per column and fills little of each column.

    Measured on what cleaning keeps: isolated specks (pixel noise, a one-bit image's flipped
    pixels) are a second run in many columns and would hide a clear trace. The fill counts
    pixels, not coarse cells, which a thick line straddling their borders fills twice over."""
    c = _keep_trace_parts(c)
    cols = c.any(0)
    if not cols.any():
        return 0.0, 0.0, 0.0, 0.0
    filled = min(1.0, pixels / (cols.sum() * c.shape[0] * f * f))
    c = _close_columns(c, 2)  # a speck beside the line is not a second run
    starts = (c[1:] & ~c[:-1]).sum(0) + c[0]
    used = np.flatnonzero(cols)
    span = (used[-1] - used[0] + 1) / len(cols)
    return float(cols.mean()), float(span), float((starts[cols] == 1).mean()), float(filled)


def _colour_groups(idx: np.ndarray, hist: np.ndarray, coloured: np.ndarray, f: int) -> list[dict]:
    """Saturated colours clustered by hue/saturation, then merged where they touch and their hues
    are near (one trace in persistence colours), most pixels first: dicts of lut, rgb, count,
    coarse mask, shape stats."""
    ent = np.flatnonzero(coloured & (hist > 0))
    if not len(ent):
        return []
    w, disc, sat = hist[ent], _PAL["disc"][ent], _PAL["sat"][ent]
    assigned = np.full(len(ent), -1)  # cluster number; -2 for colours too rare to be a trace
    seeds: list[int] = []
    for _ in range(100):
        free = assigned == -1
        if not free.any() or len(seeds) == 12:
            break
        k = int(np.argmax(np.where(free, w, -1)))
        near = free & (np.linalg.norm(disc - disc[k], axis=1) < 0.25)
        if w[near].sum() >= max(8, 2e-4 * idx.size):
            assigned[near] = len(seeds)
            seeds.append(k)
        else:
            assigned[near] = -2
    if not seeds:
        return []
    lut = np.full(32768, -1, np.int8)
    lut[ent[assigned >= 0]] = assigned[assigned >= 0]
    pix = lut[idx]
    ys, xs = np.nonzero(pix >= 0)  # coloured pixels are few: bin them straight into cells
    hc, wc = -(-idx.shape[0] // f), -(-idx.shape[1] // f)
    cell = ((ys // f) * wc + xs // f) * len(seeds) + pix[ys, xs]
    present = np.bincount(cell, minlength=hc * wc * len(seeds)).reshape(hc, wc, len(seeds)) > 0
    coarse = [present[:, :, k] for k in range(len(seeds))]
    sizes = [max(1, int(c.sum())) for c in coarse]
    parent = list(range(len(seeds)))
    for a in range(len(seeds)):
        grown = _dilate(coarse[a])
        for b in range(a + 1, len(seeds)):
            small, large = sorted((sizes[a], sizes[b]))
            ra, rb = _root(parent, a), _root(parent, b)
            # Colours that share long borders are one trace drawn in persistence colours; a
            # small marker touching a trace is not, nor a grid of another hue that a JPEG's
            # fringes (colours between the two) tie to the trace: the hues of the two groups'
            # leading colours (their first seeds, as merged so far), not only of the two
            # colours touching, must be near.
            if (
                small >= 0.05 * large
                and (grown & coarse[b]).sum() >= 0.3 * small
                and (
                    _hue_gap(disc[seeds[ra]], disc[seeds[rb]]) <= 90
                    or min(sat[seeds[a]], sat[seeds[b]]) >= 0.7
                )
            ):
                parent[max(ra, rb)] = min(ra, rb)
    groups = []
    for r in sorted({_root(parent, k) for k in range(len(seeds))}):
        members = [k for k in range(len(seeds)) if _root(parent, k) == r]
        entries = np.isin(lut, members)
        c = np.logical_or.reduce([coarse[k] for k in members])
        big = max(members, key=lambda k: w[assigned == k].sum())
        rgb = np.average(_PAL["rgb"][ent[assigned == big]], axis=0, weights=w[assigned == big])
        count = int(hist[entries].sum())
        groups.append(
            {"lut": entries, "rgb": tuple(int(v) for v in rgb), "count": count, "coarse": c,
             "shape": _shape_stats(c, count, f), "disc": disc[np.isin(assigned, members)]}
        )  # fmt: skip
    return sorted(groups, key=lambda g: -g["count"])


def _hue_gap(a: np.ndarray, b: np.ndarray) -> float:
    """Degrees between the hues of two disc points."""
    gap = abs(np.degrees(np.arctan2(a[1], a[0]) - np.arctan2(b[1], b[0]))) % 360
    return float(min(gap, 360 - gap))


def _root(parent: list[int], a: int) -> int:
    while parent[a] != a:
        a = parent[a]
    return a


def _trace_length(mask: np.ndarray) -> float:
    """About how long the drawn line is, in pixels: its area over its width."""
    width, _ = line_width(mask)
    return mask.sum() / max(1, width)


def _trace_like(shape: tuple[float, float, float, float], plain: bool) -> bool:
    """A trace runs across the plot once per column (on a plain image across its own span)
    and leaves much of each column empty (a plain image is all plot, where a dense, thick
    trace, a fast square wave drawn 3 px wide at 100 px, fills up to 60%)."""
    coverage, span, single, filled = shape
    wide = span >= 0.1 and coverage >= 0.5 * span if plain else coverage >= 0.25
    return wide and single >= 0.5 and filled <= (0.6 if plain else 0.4)


def _otsu(values: np.ndarray, weights: np.ndarray) -> float:
    """Threshold between two classes of weighted 1-D values (Otsu's method on 64 bins)."""
    hist, edges = np.histogram(values, bins=64, weights=weights)
    w0, m0 = np.cumsum(hist)[:-1], np.cumsum(hist * edges[:-1])[:-1]
    total, mean = hist.sum(), (hist * edges[:-1]).sum()
    with np.errstate(divide="ignore", invalid="ignore"):
        between = (mean * w0 - total * m0) ** 2 / (w0 * (total - w0))
    between = np.nan_to_num(between, nan=-1.0, posinf=-1.0)
    return float(edges[1 + int(between.argmax())]) if between.max() > 0 else float(values.min())


def _pick_trace(idx, hist, bg_lab, target, f, plain_image):
    """(lut of trace colours or None, trace RGB, candidate colours, warnings) for a crop."""
    lab, total = _PAL["lab"], idx.size
    d_bg = np.linalg.norm(lab - bg_lab, axis=1)
    fg = (hist > 0) & (d_bg > 20)
    coloured = fg & (_PAL["sat"] >= 0.35) & (_PAL["max"] >= 60)
    # Dim but clearly hued pixels too: scopes draw fast edges faintly.
    coloured |= (hist > 0) & (d_bg > 10) & (_PAL["sat"] >= 0.6) & (_PAL["max"] >= 20)
    # Not the background's own hue: a colour map's noise is not a trace.
    bg_disc = _PAL["disc"][int(np.linalg.norm(lab - bg_lab, axis=1).argmin())]
    coloured &= np.linalg.norm(_PAL["disc"] - bg_disc, axis=1) >= 0.3
    groups = _colour_groups(idx, hist, coloured, f)
    # The dominant trace is the longest line, not the most pixels (a fuzzy trace has more); it
    # leads the candidates, so their order does not depend on the colour asked for.
    traces = [g for g in groups if _trace_like(g["shape"], plain_image)]
    auto = max(traces, key=lambda g: _trace_length(g["lut"][idx])) if traces else None
    ordered = ([auto] if auto else []) + [g for g in groups if g is not auto]
    candidates = [(g["rgb"], g["count"] / total) for g in ordered if g["count"] >= 5e-4 * total]
    if target is not None:
        t_lab = _lab(np.array(target))
        t_disc = _PAL["disc"][_index(np.array([[target]], np.uint8))[0, 0]]
        if np.hypot(t_lab[1], t_lab[2]) >= 20:  # a colour: the group holding the nearest hue
            dist = [np.linalg.norm(g["disc"] - t_disc, axis=1).min() for g in groups]
            if dist and min(dist) < 0.35:
                g = groups[int(np.argmin(dist))]
                # Only the group's colours of the hue asked for: a group may hold a trace and
                # the grid it runs along (they share long borders in a photo), and a click on
                # the trace asks for the trace.
                lut = g["lut"] & (np.linalg.norm(_PAL["disc"] - t_disc, axis=1) < 0.35)
                if 0 < hist[lut].sum() < 0.5 * hist[g["lut"]].sum():
                    rgb = _to_rgb(np.average(lab[lut], axis=0, weights=hist[lut]))
                    return lut, rgb, candidates, []
                return g["lut"], g["rgb"], candidates, []
        lut = fg & (np.linalg.norm(lab - t_lab, axis=1) < 40)
        if not hist[lut].any():
            warning = f"No pixels of the colour {target} are in the plot area."
            return None, None, candidates, [warning]
        return lut, tuple(target), candidates, []
    if auto is not None:
        return auto["lut"], auto["rgb"], candidates, []
    # A monochrome trace: what stands out most from the background, less grid and anti-aliasing.
    grey = fg & ~coloured
    if hist[grey].sum() >= 1e-4 * total:
        ent = np.flatnonzero(grey)
        lut = grey & (d_bg >= _otsu(d_bg[ent], hist[ent].astype(float)))
        shape = _shape_stats(_coarse(lut[idx], f), int(hist[lut].sum()), f)
        if _trace_like(shape, plain_image):
            rgb = _to_rgb(np.average(lab[lut], axis=0, weights=hist[lut]))
            return lut, rgb, candidates, []
    return None, None, candidates, ["No waveform trace was found in the plot area."]
