"""Finding a screenshot's plot area: a periodic graticule, a box of axes lines or a colour map."""

from __future__ import annotations

import numpy as np

from core.capture.palette import _PAL, _background, _index

GAPS = 0.2  # share of a graticule's evenly spaced places, at most, where no line is seen
GRID_PLACES = 16  # most lines a scope's graticule has across (8 to 14 divisions, and its edges)


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
    """(first, last, count) of the longest run of evenly spaced grid rows in bool (n, m), count
    the places from first to last. No line is seen in at most GAPS of them (one is always
    allowed, and only one in more than GRID_PLACES), nor in two neighbouring ones."""
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
            # A line may be missing here and there (hidden under a dialog or a readout, or a
            # dotted line shown smaller losing its dots), never two in a row.
            hits, pos, gaps = [a, b], b + d, []
            while pos < n + tol:
                q = nearest[pos]
                if q >= 0:
                    hits.append(q)
                    pos = q + d
                elif gaps and gaps[-1][1] == len(hits):
                    break
                else:
                    gaps.append((pos, len(hits)))
                    pos += d
            if gaps and len(hits) - gaps[-1][1] < 2:  # a gap at the end needs a line seen there
                gap_at, cut = gaps[-1]
                seen = p[max(0, gap_at - tol) : gap_at + tol + 1].max(initial=0)
                if seen < 0.3 * np.median(p[hits]):
                    hits = hits[:cut]
            # Grid lines are drawn alike: a much weaker line at an end (text in a menu) is not one.
            typical = float(np.median(p[hits]))
            while len(hits) > 2 and p[hits[-1]] < 0.5 * typical:
                hits.pop()
            while len(hits) > 2 and p[hits[0]] < 0.5 * typical:
                hits.pop(0)
            # Many lines of a typical strength beat a few strong rows. Few of a lattice's
            # places lack a line, and only one in a dense lattice: text or a trace between a
            # grid's lines makes no lattice of half its spacing, nor do plots stacked one above
            # another make one grid.
            score = len(hits) * typical
            places = round((hits[-1] - hits[0]) / d) + 1
            most = max(1, GAPS * places) if places <= GRID_PLACES else 1
            long_enough = len(hits) >= 4 and hits[-1] - hits[0] >= 0.3 * n
            if long_enough and places - len(hits) <= most and (best is None or score > best[0]):
                best = (score, (int(hits[0]), int(hits[-1]), places))
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


def _flat_background(hist: np.ndarray, bg_lab: np.ndarray) -> bool:
    """Whether most of the picture is its background colour to within a level or two (a
    screenshot, not a photo, whose background is noise around a colour)."""
    near = np.linalg.norm(_PAL["lab"] - bg_lab, axis=1) < 3
    return bool(hist[near].sum() >= 0.5 * hist.sum())


def _further(strong, faint, tol: int = 3):
    """The lattice (first, last, count) of `faint` lines where it is the `strong` one's grid
    (its spacing a whole fraction of the strong one's, its lines on the strong ones), holds it
    and reaches further; else `strong`."""
    if faint is None or faint[0] > strong[0] + tol or faint[1] < strong[1] - tol:
        return strong
    if faint[1] - faint[0] <= strong[1] - strong[0] + tol:
        return strong

    ds, df = ((last - first) / max(1, count - 1) for first, last, count in (strong, faint))
    k, phase = round(ds / df), (strong[0] - faint[0]) / df
    if k >= 1 and abs(ds / df - k) <= 0.06 * k and abs(phase - round(phase)) <= 0.15:
        return faint
    return strong


def find_plot_area(
    img: np.ndarray, idx: np.ndarray | None = None
) -> tuple[tuple[int, int, int, int] | None, str]:
    """((x0, y0, x1, y1) or None, method) for uint8 RGB (H, W, 3): graticule, frame or colormap.

    idx: the image's palette indices when already computed."""
    idx = _index(img) if idx is None else idx
    hist = np.bincount(idx.ravel(), minlength=32768)
    bg_lab, _ = _background(hist)
    lab = _PAL["lab"]
    neutral, dl = np.hypot(lab[:, 1], lab[:, 2]) < 25, np.abs(lab[:, 0] - bg_lab[0])
    line = (neutral & (dl > 10))[idx]
    rows, cols = _lattice(line), _lattice(line.T)
    # On a clean dark screen a few levels above the background are a line, not noise.
    faint = (neutral & (dl > 3))[idx] if bg_lab[0] < 50 and _flat_background(hist, bg_lab) else None
    if rows and cols and faint is not None:
        # A dotted grid's minor lines are fainter than its major ones: the lattice of faint
        # lines, where it holds the strong one and reaches further, is the graticule (the
        # strong lines alone may be every other one, or stop short of an edge).
        rows, cols = _further(rows, _lattice(faint)), _further(cols, _lattice(faint.T))
    if rows and cols:
        return (cols[0], rows[0], cols[1] + 1, rows[1] + 1), "graticule"
    box = _frame(line)
    if box is not None:
        return box, "frame"
    if faint is not None:
        # A dotted or 1 px grid on a scope's screen shown smaller is a faint grey.
        rows, cols = _lattice(faint), _lattice(faint.T)
        if rows and cols:
            return (cols[0], rows[0], cols[1] + 1, rows[1] + 1), "graticule"
    box = _colormap_region(idx, hist)
    if box is not None:
        return box, "colormap"
    return None, "whole"
