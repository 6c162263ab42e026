"""Scope screenshot -> the network's one-bit input, keeping every stage as an image for the page.

Stages:
1. Plot area: a periodic graticule (evenly spaced thin grey rows and columns), else a box of solid
   lines (matplotlib axes), else a large region of one saturated colour (an imshow colour map);
   a manual crop overrides. A plain image (no plot area) uses the trace's own extent.
2. Background: the commonest colour of the plot area: "dark" screen, "light" paper, "colormap".
3. Trace: saturated colours are clustered by hue, colours that share long borders merged (a
   persistence display's graded band), and the longest trace-like line (across the plot, one run
   per column) is picked; `colour=` picks another. No coloured trace: the foreground that stands
   out most from the background (Otsu), for black-on-white or white-on-black plots.
4. Cleaning: grid and text are grey so they are never picked; blobs spanning < 6% of the plot
   (text, channel badges, trigger markers) and full-height legend columns at the sides are dropped.
5. Output: the trace's height is stretched to FILL of the view (flat lines are not), every trace
   pixel marks the output cells it covers (a 1-px line survives any shrink), each column is thinned
   to the line's centre, neighbouring columns are joined (square-wave edges stay connected, even
   where the scope drew them faintly), and the line is thickened to `thickness` pixels.

Colours go through a 15-bit palette: every pixel becomes an index (5 bits a channel), so colour
decisions (Lab distance, hue, grid grey) are made once per palette entry, not once per pixel.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field

import numpy as np

from core.errors import LabError
from core.imageio import read_image_u8, source_name

COLOUR_NAMES = {
    "yellow": (255, 255, 0), "cyan": (0, 255, 255), "magenta": (255, 0, 255),
    "blue": (0, 120, 255), "red": (255, 0, 0), "green": (0, 255, 0), "orange": (255, 140, 0),
    "purple": (150, 50, 255), "pink": (255, 100, 180), "white": (255, 255, 255),
    "grey": (128, 128, 128), "gray": (128, 128, 128), "black": (0, 0, 0),
}  # fmt: skip
FILL = 0.8  # fraction of the output height the trace spans (training amplitudes are 0.2-1.0)
MAX_GAIN = 8.0  # most a trace is stretched vertically beyond the plot area's own scale


@dataclass
class CaptureResult:
    """Every stage of one extraction; images are for display, `network_input` feeds the model."""

    original: np.ndarray  # uint8 (H, W, 3)
    crop_box: tuple[int, int, int, int]  # (x0, y0, x1, y1) in original pixels, x1/y1 exclusive
    crop_auto: bool  # True when found automatically, False for a manual crop
    crop_method: str  # "manual", "graticule", "frame", "colormap", "content" or "whole"
    cropped: np.ndarray  # uint8 (h, w, 3)
    background: str  # "dark", "light" or "colormap"
    background_colour: tuple[int, int, int]
    trace_colour: tuple[int, int, int] | None  # None where no trace was found
    # (RGB, fraction of crop pixels) of each coloured trace, the automatic pick first
    candidate_colours: list[tuple[tuple[int, int, int], float]]
    mask: np.ndarray  # bool (h, w): trace pixels at full resolution
    network_input: np.ndarray  # float32 (size, size) in {0, 1}, white trace on black
    warnings: list[str] = field(default_factory=list)

    @property
    def found(self) -> bool:
        return bool(self.network_input.any())


# ---------------------------------------------------------------- palette: colours per entry
def _palette() -> dict[str, np.ndarray]:
    i = np.arange(32768)
    rgb = np.stack([i >> 10, (i >> 5) & 31, i & 31], 1) * 8 + 4  # (32768, 3) bin centres
    mx, mn = rgb.max(1), rgb.min(1)
    sat = (mx - mn) / np.maximum(mx, 1)
    hue = np.arctan2(np.sqrt(3) * (rgb[:, 1] - rgb[:, 2]), 2 * rgb[:, 0] - rgb[:, 1] - rgb[:, 2])
    disc = np.stack([sat * np.cos(hue), sat * np.sin(hue)], 1)  # hue/saturation, brightness-free
    return {"rgb": rgb, "lab": _lab(rgb), "sat": sat, "max": mx, "disc": disc}


def _lab(rgb: np.ndarray) -> np.ndarray:
    """CIELAB (..., 3) of sRGB (..., 3) in 0..255."""
    c = np.asarray(rgb, dtype=np.float64) / 255
    c = np.where(c > 0.04045, ((c + 0.055) / 1.055) ** 2.4, c / 12.92)
    m = np.array([[0.4124, 0.3576, 0.1805], [0.2126, 0.7152, 0.0722], [0.0193, 0.1192, 0.9505]])
    xyz = c @ m.T / np.array([0.9505, 1.0, 1.089])
    f = np.where(xyz > 0.008856, np.cbrt(xyz), 7.787 * xyz + 16 / 116)
    x, y, z = f[..., 0], f[..., 1], f[..., 2]
    return np.stack([116 * y - 16, 500 * (x - y), 200 * (y - z)], -1)


_PAL = _palette()


def _index(img: np.ndarray) -> np.ndarray:
    """Palette index uint16 (H, W) of uint8 RGB (H, W, 3)."""
    q = (img >> 3).astype(np.uint16)
    return (q[..., 0] << 10) | (q[..., 1] << 5) | q[..., 2]


def _background(hist: np.ndarray) -> tuple[np.ndarray, str]:
    """Lab colour of the most common palette colour (and its near neighbours) and its kind."""
    mode = int(hist.argmax())
    near = np.linalg.norm(_PAL["lab"] - _PAL["lab"][mode], axis=1) < 8
    lab = np.average(_PAL["lab"][near], axis=0, weights=hist[near] + 1e-9)
    chroma = np.hypot(lab[1], lab[2])
    kind = "colormap" if chroma > 25 else ("dark" if lab[0] < 50 else "light")
    return lab, kind


def _to_rgb(lab: np.ndarray) -> tuple[int, int, int]:
    i = int(np.linalg.norm(_PAL["lab"] - lab, axis=1).argmin())
    return tuple(int(v) for v in _PAL["rgb"][i])


def _parse_colour(colour) -> tuple[int, int, int] | None:
    if colour is None:
        return None
    if isinstance(colour, str):
        text = colour.strip().lower()
        if text in COLOUR_NAMES:
            return COLOUR_NAMES[text]
        if len(text) == 7 and text[0] == "#":
            try:
                return tuple(int(text[i : i + 2], 16) for i in (1, 3, 5))
            except ValueError:
                pass
        names = ", ".join(sorted(COLOUR_NAMES))
        raise LabError(f"Unknown trace colour {colour!r}; use R,G,B, #rrggbb or one of: {names}.")
    try:
        rgb = tuple(int(v) for v in colour)
    except (TypeError, ValueError):
        rgb = ()
    if len(rgb) != 3 or not all(0 <= v <= 255 for v in rgb):
        raise LabError(f"The trace colour must be three numbers 0-255 (R, G, B), got {colour!r}.")
    return rgb


# ---------------------------------------------------------------- plot area
def _line_profile(line: np.ndarray, long_frac: float, near: int) -> tuple[np.ndarray, np.ndarray]:
    """Per row of bool (n, m): pixel counts and whether the row is a thin, long line.

    Long = pixels in at least `long_frac` of 20 stretches of the row, so a row that only crosses
    two menus at the screen's sides does not count; thin = twice the count `near` rows away.
    """
    n, m = line.shape
    p = line.sum(1)
    k = m // 20
    stretches = line[:, : 20 * k].reshape(n, 20, k).any(2).sum(1)
    pad = np.pad(p, near)
    side = np.maximum(pad[: -2 * near], pad[2 * near :])  # counts `near` rows above and below
    return p, (p > 0) & (p >= 2 * side) & (stretches >= long_frac * 20)


def _lattice(line: np.ndarray) -> tuple[int, int, int] | None:
    """(first, last, count) of the longest run of evenly spaced grid rows in bool (n, m)."""
    n, m = line.shape
    p, ok = _line_profile(line, 0.3, 3)
    ok &= p >= max(4, 0.02 * m)
    pad = np.pad(p, 2)
    ok &= p >= np.max(np.stack([pad[i : i + n] for i in range(5)]), axis=0)  # local maxima
    peaks = np.flatnonzero(ok)
    if len(peaks) < 4:
        return None
    if len(peaks) > 40:
        peaks = np.sort(peaks[np.argsort(p[peaks])[-40:]])
    tol = max(2, n // 250)
    nearest = np.full(n + 2 * tol + 1, -1)  # nearest peak within tol of each row
    for q in peaks[::-1]:
        nearest[max(0, q - tol) : q + tol + 1] = q
    best = None
    for i, a in enumerate(peaks):
        for b in peaks[i + 1 :]:
            d = b - a
            if d < max(8, n / 40) or d > n / 3:
                continue
            hits, pos, miss = [a, b], b + d, 0
            while pos < n + tol:  # one missing line inside is allowed (hidden under a dialog)
                q = nearest[pos]
                if q >= 0:
                    hits.append(q)
                    pos = q + d
                elif miss:
                    break
                else:
                    gap_at, pos, miss = pos, pos + d, len(hits)
            if miss and len(hits) - miss < 2:  # a gap at the end needs a line seen there
                seen = p[max(0, gap_at - tol) : gap_at + tol + 1].max(initial=0)
                if seen < 0.3 * np.median(p[hits]):
                    hits = hits[:miss]
            # Grid lines are drawn alike: a much weaker line at an end (text in a menu) is not one.
            typical = float(np.median(p[hits]))
            while len(hits) > 2 and p[hits[-1]] < 0.5 * typical:
                hits.pop()
            while len(hits) > 2 and p[hits[0]] < 0.5 * typical:
                hits.pop(0)
            # Many lines of a typical strength beat a few strong rows.
            score = len(hits) * typical
            long_enough = len(hits) >= 4 and hits[-1] - hits[0] >= 0.3 * n
            if long_enough and (best is None or score > best[0]):
                best = (score, (int(hits[0]), int(hits[-1]), len(hits)))
    return None if best is None else best[1]


def _frame(line: np.ndarray) -> tuple[int, int, int, int] | None:
    """(x0, y0, x1, y1) inside the largest rectangle of solid lines (an axes box), or None."""
    h, w = line.shape
    _, rows_ok = _line_profile(line, 0.25, 6)
    _, cols_ok = _line_profile(line.T, 0.25, 6)
    rows, cols = _distinct(np.flatnonzero(rows_ok)), _distinct(np.flatnonzero(cols_ok))
    if len(rows) < 2 or len(cols) < 2:
        return None
    rcum = np.cumsum(line[rows], axis=1)  # coverage of each candidate row between two columns
    ccum = np.cumsum(line[:, cols], axis=0)
    best = None
    for i, top in enumerate(rows):
        for bi in range(len(rows) - 1, i, -1):
            bot = rows[bi]
            if bot - top < 0.2 * h:
                break
            for j, left in enumerate(cols):
                for ri in range(len(cols) - 1, j, -1):
                    right = cols[ri]
                    if right - left < 0.2 * w:
                        break
                    span = right - left
                    area = span * (bot - top)
                    if best is not None and area <= best[0]:
                        continue
                    ok = all(
                        (cum[k, hi] - cum[k, lo]) >= 0.9 * (hi - lo)
                        for cum, k, lo, hi in (
                            (rcum, i, left, right), (rcum, bi, left, right),
                            (ccum.T, j, top, bot), (ccum.T, ri, top, bot),
                        )
                    )  # fmt: skip
                    if ok:
                        best = (area, [int(left), int(top), int(right), int(bot)])
    if best is None:
        return None
    x0, y0, x1, y1 = best[1]
    for _ in range(12):  # step inside the lines themselves, which may be a few pixels thick
        before = (x0, y0, x1, y1)
        x0 += line[y0:y1, x0].mean() > 0.5
        x1 -= line[y0:y1, x1].mean() > 0.5
        y0 += line[y0, x0:x1].mean() > 0.5
        y1 -= line[y1, x0:x1].mean() > 0.5
        if (x0, y0, x1, y1) == before:
            break
    return int(x0), int(y0), int(x1) + 1, int(y1) + 1


def _distinct(pos: np.ndarray, gap: int = 4, most: int = 24) -> np.ndarray:
    """One position per group of neighbours (a thick line), at most `most` of them."""
    if len(pos) == 0:
        return pos
    starts = np.concatenate([[True], np.diff(pos) > gap])
    groups = np.split(pos, np.flatnonzero(starts)[1:])
    mid = np.array([g[len(g) // 2] for g in groups])
    if len(mid) > most:  # keep the outermost few and the rest in between, evenly
        mid = mid[np.unique(np.linspace(0, len(mid) - 1, most).round().astype(int))]
    return mid


def _colormap_region(idx: np.ndarray, hist: np.ndarray) -> tuple[int, int, int, int] | None:
    """Bounding box of a large region of one saturated colour (an imshow colour map), or None."""
    chroma = np.hypot(_PAL["lab"][:, 1], _PAL["lab"][:, 2])
    sat_hist = np.where(chroma > 25, hist, 0)
    if not sat_hist.any():
        return None
    mode = int(sat_hist.argmax())
    near = np.linalg.norm(_PAL["lab"] - _PAL["lab"][mode], axis=1) < 15
    if hist[near].sum() < 0.15 * idx.size:
        return None
    region = near[idx]
    box = []
    for axis in (0, 1):  # columns' fractions give x, rows' give y
        frac = region.mean(axis)
        keep = frac >= 0.5 * frac.max()
        # A horizontal trace crossing the whole map is a short gap in it, not its end.
        keep = _close_gaps(keep, max(4, len(keep) // 30))
        lo, hi = _longest_run(keep)
        box.append((lo, hi))
    (x0, x1), (y0, y1) = box
    return x0, y0, x1, y1


def _close_gaps(b: np.ndarray, gap: int) -> np.ndarray:
    """1-D bool with runs of False up to `gap` long between two Trues set to True."""
    d = np.diff(np.concatenate([[0], b.astype(np.int8), [0]]))
    starts, stops = np.flatnonzero(d == 1), np.flatnonzero(d == -1)
    out = b.copy()
    for stop, start in zip(stops[:-1], starts[1:]):
        if start - stop <= gap:
            out[stop:start] = True
    return out


def _longest_run(b: np.ndarray) -> tuple[int, int]:
    """(start, stop) of the longest run of True in a 1-D bool array."""
    d = np.diff(np.concatenate([[0], b.astype(np.int8), [0]]))
    starts, stops = np.flatnonzero(d == 1), np.flatnonzero(d == -1)
    k = int(np.argmax(stops - starts))
    return int(starts[k]), int(stops[k])


def find_plot_area(
    img: np.ndarray, idx: np.ndarray | None = None
) -> tuple[tuple[int, int, int, int] | None, str]:
    """((x0, y0, x1, y1) or None, method) for uint8 RGB (H, W, 3): graticule, frame or colormap.

    idx: the image's palette indices when already computed."""
    idx = _index(img) if idx is None else idx
    hist = np.bincount(idx.ravel(), minlength=32768)
    bg_lab, _ = _background(hist)
    lab = _PAL["lab"]
    grey = (np.hypot(lab[:, 1], lab[:, 2]) < 25) & (np.abs(lab[:, 0] - bg_lab[0]) > 10)
    line = grey[idx]
    rows, cols = _lattice(line), _lattice(line.T)
    if rows and cols:
        return (cols[0], rows[0], cols[1] + 1, rows[1] + 1), "graticule"
    box = _frame(line)
    if box is not None:
        return box, "frame"
    box = _colormap_region(idx, hist)
    if box is not None:
        return box, "colormap"
    return None, "whole"


# ---------------------------------------------------------------- picking the trace
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


def _shape_stats(c: np.ndarray) -> tuple[float, float, float, float]:
    """(column coverage, span of first to last column, fraction of covered columns holding
    exactly one run, fraction of the covered columns' cells filled) of a coarse bool mask; a
    trace covers its span once per column and fills little of each column."""
    cols = c.any(0)
    if not cols.any():
        return 0.0, 0.0, 0.0, 0.0
    filled = c.sum() / (cols.sum() * c.shape[0])
    c = _close_columns(c, 2)  # a speck beside the line is not a second run
    starts = (c[1:] & ~c[:-1]).sum(0) + c[0]
    used = np.flatnonzero(cols)
    span = (used[-1] - used[0] + 1) / len(cols)
    return float(cols.mean()), float(span), float((starts[cols] == 1).mean()), float(filled)


def _colour_groups(idx: np.ndarray, hist: np.ndarray, coloured: np.ndarray, f: int) -> list[dict]:
    """Saturated colours clustered by hue/saturation, then merged where they touch (one trace in
    persistence colours), most pixels first: dicts of lut, rgb, count, coarse mask, shape stats."""
    ent = np.flatnonzero(coloured & (hist > 0))
    if not len(ent):
        return []
    w, disc = hist[ent], _PAL["disc"][ent]
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
            # Colours that share long borders are one trace drawn in persistence colours; a
            # small marker touching a trace is not.
            if small >= 0.05 * large and (grown & coarse[b]).sum() >= 0.3 * small:
                ra, rb = _root(parent, a), _root(parent, b)
                parent[max(ra, rb)] = min(ra, rb)
    groups = []
    for r in sorted({_root(parent, k) for k in range(len(seeds))}):
        members = [k for k in range(len(seeds)) if _root(parent, k) == r]
        entries = np.isin(lut, members)
        c = np.logical_or.reduce([coarse[k] for k in members])
        big = max(members, key=lambda k: w[assigned == k].sum())
        rgb = np.average(_PAL["rgb"][ent[assigned == big]], axis=0, weights=w[assigned == big])
        groups.append(
            {"lut": entries, "rgb": tuple(int(v) for v in rgb), "count": int(hist[entries].sum()),
             "coarse": c, "shape": _shape_stats(c), "disc": disc[np.isin(assigned, members)]}
        )  # fmt: skip
    return sorted(groups, key=lambda g: -g["count"])


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
    and leaves most of each column empty."""
    coverage, span, single, filled = shape
    wide = span >= 0.1 and coverage >= 0.5 * span if plain else coverage >= 0.25
    return wide and single >= 0.5 and filled <= 0.4


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
        if _trace_like(_shape_stats(_coarse(lut[idx], f)), plain_image):
            rgb = _to_rgb(np.average(lab[lut], axis=0, weights=hist[lut]))
            return lut, rgb, candidates, []
    return None, None, candidates, ["No waveform trace was found in the plot area."]


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


# ---------------------------------------------------------------- onto the output grid
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


def _close_columns(mask: np.ndarray, most: int = 3) -> np.ndarray:
    """Bool (h, w) with vertical gaps of up to `most` pixels filled (grid dots across a line)."""
    h = mask.shape[0]
    out = mask.copy()
    for gap in range(1, most + 1):
        bridge = mask[: h - gap - 1] & mask[gap + 1 :]
        for k in range(1, gap + 1):
            out[k : h - gap - 1 + k] |= bridge
    return out


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


def _content_box(mask: np.ndarray) -> tuple[tuple[int, int, int, int], tuple[int, int]]:
    """(box around the trace with a small margin, the columns that fill the output's width)
    for a plain image: the trace's own width, or the image's where the trace is narrow (a lone
    pulse, a trace that leaves the plot), so it keeps its place."""
    h, w = mask.shape
    cols, rows = np.flatnonzero(mask.any(0)), np.flatnonzero(mask.any(1))
    pad = max(2, int(0.02 * max(h, w)))
    x0, x1 = max(0, cols[0] - pad), min(w, cols[-1] + 1 + pad)
    y0, y1 = max(0, rows[0] - pad), min(h, rows[-1] + 1 + pad)
    x_range = (cols[0] - x0, cols[-1] + 1 - x0)
    if x_range[1] - x_range[0] < 0.5 * w:
        x_range = (-x0, w - x0)
    return (int(x0), int(y0), int(x1), int(y1)), (int(x_range[0]), int(x_range[1]))


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
) -> CaptureResult:
    """Screenshot RGB (H, W, 3), float in [0, 1] or uint8 -> CaptureResult with every stage.

    crop: (x0, y0, x1, y1) plot area in pixels, found automatically when None. colour: the trace's
    colour as (R, G, B), '#rrggbb' or a name; the most trace-like colour when None.
    """
    _check_sizes(size, thickness)
    img = _as_uint8(rgb)
    target = _parse_colour(colour)
    h_img, w_img = img.shape[:2]
    idx = _index(img)
    if crop is not None:
        box, method = _check_crop(crop, w_img, h_img), "manual"
    else:
        box, method = find_plot_area(img, idx)
    x0, y0, x1, y1 = box or (0, 0, w_img, h_img)
    cropped = img[y0:y1, x0:x1]
    h, w = cropped.shape[:2]
    idx = idx[y0:y1, x0:x1]
    hist = np.bincount(idx.ravel(), minlength=32768)
    bg_lab, kind = _background(hist)
    f = max(1, -(-max(h, w) // 256))  # coarse grid of at most 256 cells a side for shape tests
    lut, trace_rgb, candidates, warnings = _pick_trace(idx, hist, bg_lab, target, f, box is None)
    mask = lut[idx] if lut is not None else np.zeros((h, w), bool)
    if mask.any():
        mask &= np.repeat(np.repeat(_keep_trace_parts(_coarse(mask, f)), f, 0), f, 1)[:h, :w]
    # A full-height column at the plot's side is a colour legend or a marker, not the trace.
    side = max(1, int(0.02 * w))
    for cols in (slice(0, side), slice(w - side, w)):
        mask[:, cols] &= mask[:, cols].sum(0) < 0.6 * h
    x_range = (0, w)
    if method == "whole" and mask.any():  # a plain image: the content's extent is the plot
        (x0, y0, x1, y1), x_range = _content_box(mask)
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


# ---------------------------------------------------------------- demo input and timing
def demo_screenshot(
    width: int = 800,
    height: int = 480,
    traces: tuple[tuple[str, str], ...] = (("square", "yellow"),),
    cycles: float = 3.0,
) -> tuple[np.ndarray, tuple[int, int, int, int]]:
    """A synthetic scope screenshot uint8 (H, W, 3) and its graticule box (x0, y0, x1, y1):
    dark screen, dotted grey grid of 12 x 8 divisions, menus, text, markers, and traces such as
    ("square", "yellow") or ("sine", "cyan")."""
    from PIL import Image, ImageDraw

    im = Image.new("RGB", (width, height), (0, 0, 0))
    d = ImageDraw.Draw(im)
    div = min((0.75 * width) // 12, (0.82 * height) // 8)
    x0, y0 = int(0.105 * width), int(0.08 * height)
    x1, y1 = x0 + int(12 * div), y0 + int(8 * div)
    lw = max(1, width // 600)
    grey = (72, 72, 72)
    for i in range(13):  # dotted grid lines, solid frame
        x = x0 + int(i * div)
        for y in range(y0, y1 + 1, 1 if i in (0, 12) else 3):
            d.point((x, y), fill=grey)
    for j in range(9):
        y = y0 + int(j * div)
        for x in range(x0, x1 + 1, 1 if j in (0, 8) else 3):
            d.point((x, y), fill=grey)
    d.text((4, 4), "RIGOL  STOP  H 200us  1.00GSa/s", fill=(220, 220, 220))
    d.text((x0, y1 + 8), "Freq 1.000kHz   Vpp 3.20V", fill=(200, 200, 200))
    for k in range(5):  # the menu down the right side
        top = y0 + k * (y1 - y0) // 5
        box = (x1 + 14, top + 4, width - 6, top + (y1 - y0) // 5 - 4)
        d.rectangle(box, outline=(110, 110, 110))
        d.text((x1 + 20, top + 10), f"Menu {k}", fill=(230, 230, 230))
    xt = x0 + 6 * div  # the trigger marker
    d.polygon([(xt - 6, y0), (xt + 6, y0), (xt, y0 + 8)], fill=(255, 128, 0))
    t = np.linspace(0, 1, max(400, 2 * (x1 - x0)))
    for n, (kind, colour) in enumerate(traces):
        rgb = COLOUR_NAMES.get(colour, (255, 255, 0))
        mid, amp = y0 + (y1 - y0) * (0.3 + 0.4 * n), (y1 - y0) * 0.15
        phase = np.mod(t * cycles, 1.0)
        wave = np.where(phase < 0.5, -1.0, 1.0) if kind == "square" else np.sin(2 * np.pi * phase)
        pts = list(zip((x0 + t * (x1 - x0)).tolist(), (mid - amp * wave).tolist()))
        d.line(pts, fill=rgb, width=lw)
        d.rectangle((x0 - 14, mid - 6, x0 - 2, mid + 6), fill=rgb)  # channel marker
        d.text((x0 + 8 + 90 * n, y0 + 6), f"CH{n + 1}", fill=rgb)
    return np.asarray(im), (x0, y0, x1 + 1, y1 + 1)


def pipeline_seconds(repeats: int = 5, width: int = 1920, height: int = 1440) -> float:
    """Best wall time (s) over `repeats` of reading a PNG screenshot and extracting its trace."""
    import io

    from PIL import Image

    img, _ = demo_screenshot(width, height, (("square", "yellow"), ("sine", "cyan")))
    buf = io.BytesIO()
    Image.fromarray(img).save(buf, format="PNG", compress_level=1)
    data = buf.getvalue()
    best = float("inf")
    for _ in range(max(1, repeats)):
        start = time.perf_counter()
        extract_trace(read_image_u8(data))
        best = min(best, time.perf_counter() - start)
    return best
