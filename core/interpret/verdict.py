"""The kernel diagnostics (`core.analysis.kernel_diagnostics`) put into words: do the kernels at
one snapshot reflect the data or look random, which are dead and why, and chart-sized rows.
"""

from __future__ import annotations

import numpy as np

from core.interpret.diagnostics import STRUCTURE_THRESHOLD, diagnostics_records
from core.render import sample_frames

DEAD_REASONS = {
    "collapsed": "shrank to almost nothing",
    "frozen": "has not changed since initialisation (it receives no gradient)",
    "relu_dead": "can never switch on (its bias plus all its positive weights is at most 0, so "
    "no black-and-white image makes it positive and the ReLU passes nothing on)",
}


def _kernel_list(idx) -> str:
    """'kernel 2', 'kernels 1 and 4', 'kernels 1, 3 and 5' (1-based)."""
    names = [str(int(i) + 1) for i in idx]
    if len(names) == 1:
        return f"kernel {names[0]}"
    return f"kernels {', '.join(names[:-1])} and {names[-1]}"


def _size(ratio: float) -> str:
    """'88% of the size' or, for a run thrown far off, '2.2e+09 times the size'."""
    if ratio < 10:
        return f"{ratio:.0%} of the size"
    return f"{ratio:.3g} times the size"


def structure_verdict(diag: dict[str, np.ndarray], frame: int = -1) -> str:
    """A few sentences: how many kernels at snapshot `frame` are clearly structured, how many
    look like random kernels, and whether what training added is structured but still small."""
    score = np.asarray(diag["structure"][frame], dtype=np.float64)  # (k,)
    k = len(score)
    step = int(np.asarray(diag["step"])[frame])
    valid = np.isfinite(score)
    clear = np.flatnonzero(valid & (score > STRUCTURE_THRESHOLD))
    noise = np.flatnonzero(valid & (np.abs(score) <= STRUCTURE_THRESHOLD))
    flat = np.flatnonzero(~valid)
    t = f"{STRUCTURE_THRESHOLD:g}"
    text = (
        f"At step {step}, {len(clear)} of {k} kernels score above {t}: clearly more structured "
        "than random kernels"
    )
    if len(noise):
        text += f", and {len(noise)} score like random kernels of the same size (within ±{t})"
    if len(flat):
        text += f"; {_kernel_list(flat)} {'is' if len(flat) == 1 else 'are'} all zeros"
    text += f". Median score {np.nanmedian(score):.1f}." if valid.any() else "."
    added = np.asarray(diag["structure_change"][frame], dtype=np.float64)
    moved = np.asarray(diag["rel_change_init"][frame], dtype=np.float64)
    if np.isfinite(added).any() and len(moved):
        med_added, med_moved = float(np.nanmedian(added)), float(np.median(moved))
        text += (
            f" What training added to them (this snapshot minus the random start) scores "
            f"{med_added:.1f}, and it is {_size(med_moved)} they started with"
        )
        if med_added > STRUCTURE_THRESHOLD and med_moved < 1.0:
            text += (
                ": the learned part is structured, but no bigger than the random start it sits "
                "on, so the kernels still look random to the eye."
            )
        elif med_added > STRUCTURE_THRESHOLD:
            text += ": the learned part is structured and large enough to see."
        else:
            text += ": even the learned part looks like noise."
    return text


def dead_kernels(diag: dict[str, np.ndarray], frame: int = -1) -> list[str]:
    """One sentence per kernel that is dead at snapshot `frame`, saying why; [] when none is."""
    out = []
    dead = np.asarray(diag["dead"][frame], dtype=bool)
    for j in np.flatnonzero(dead):
        why = [text for key, text in DEAD_REASONS.items() if bool(diag[key][frame][j])]
        out.append(f"Kernel {j + 1} is dead: it {' and '.join(why) or 'does nothing'}.")
    return out


def chart_records(
    diag: dict[str, np.ndarray],
    measures: tuple[str, ...] | None = None,
    max_frames: int = 80,
    max_kernels: int | None = None,
) -> list[dict]:
    """Long rows {step, kernel, measure, value} of the diagnostics keys `measures` (all if None),
    at most `max_frames` evenly spread snapshots (first and last kept) and the first
    `max_kernels` kernels: light enough to chart."""
    n_frames = len(np.asarray(diag["step"]))
    idx = sample_frames(n_frames, max_frames)
    thin = {"step": np.asarray(diag["step"])[idx]}
    for key, arr in diag.items():
        if key == "step" or (measures is not None and key not in measures):
            continue
        a = np.asarray(arr)
        if a.ndim >= 1 and len(a) == n_frames:
            a = a[idx]
            if max_kernels is not None and a.ndim >= 2:
                a = a[:, :max_kernels]
        thin[key] = a
    return diagnostics_records(thin)


def summary(diag: dict[str, np.ndarray], frame: int = -1) -> dict[str, float | int]:
    """Numbers for a side-by-side table at snapshot `frame`: kernels, how many are clearly
    structured, median structure score, median structure of what was learned, dead kernels,
    median weight norm and median change since initialisation relative to the starting norm."""
    score = np.asarray(diag["structure"][frame], dtype=np.float64)
    added = np.asarray(diag["structure_change"][frame], dtype=np.float64)
    return {
        "kernels": int(len(score)),
        "structured": int(np.sum(score > STRUCTURE_THRESHOLD)),
        "median_structure": float(np.nanmedian(score)) if np.isfinite(score).any() else np.nan,
        "median_added": float(np.nanmedian(added)) if np.isfinite(added).any() else np.nan,
        "dead": int(np.sum(np.asarray(diag["dead"][frame], dtype=bool))),
        "median_norm": float(np.median(diag["norm"][frame])),
        "median_moved": float(np.median(diag["rel_change_init"][frame])),
    }


def median_records(diag: dict[str, np.ndarray], measure: str, max_frames: int = 120) -> list[dict]:
    """Rows {step, value} of the median over kernels of one (F, k) measure, for overlaying runs."""
    n_frames = len(np.asarray(diag["step"]))
    idx = sample_frames(n_frames, max_frames)
    values = np.nanmedian(np.asarray(diag[measure], dtype=np.float64)[idx], axis=1)
    steps = np.asarray(diag["step"])[idx]
    return [{"step": int(s), "value": float(v)} for s, v in zip(steps, values) if np.isfinite(v)]
