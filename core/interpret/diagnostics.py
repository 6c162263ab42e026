"""Measures that answer the study's question, "do trained kernels reflect the data or seem random?".

Kernel diagnostics over snapshots (norm, change, orientation, frequency, structure against random
kernels, dead flags) and pairing of two runs' snapshots. Every weight measure is a pure NumPy
function so it can be charted against training steps.
"""

from __future__ import annotations

from functools import lru_cache

import numpy as np

ORIENTATIONS: tuple[str, ...] = ("horizontal", "vertical", "diagonal /", "diagonal \\")
# Spectral direction (degrees, x right, y down) of each stripe orientation: horizontal stripes vary
# along y (90), vertical along x (0), "/" stripes rise to the right so they vary along (1, 1) = 45.
_SPECTRAL_ANGLE = np.array([90.0, 0.0, 45.0, 135.0])

STRUCTURE_EXPLANATION = (
    "Structure score: how much more neighbouring weights agree with each other (along the kernel's "
    "best direction) than in random kernels of the same size, measured in standard deviations of "
    "random kernels, so about 0 means indistinguishable from noise and above 3 means clearly "
    "structured."
)
STRUCTURE_THRESHOLD = 3.0
N_RANDOM = 2000


def _kernels(weights: np.ndarray) -> np.ndarray:
    """float64 (..., K, K) from (..., 1, K, K) or (..., K, K)."""
    w = np.asarray(weights, dtype=np.float64)
    if w.ndim >= 3 and w.shape[-3] == 1:
        w = w[..., 0, :, :]
    return w


def _window(kh: int, kw: int) -> np.ndarray:
    """(K, K) separable Hann taper with no zero rows, so the FFT sees no wrap-around edge."""
    return np.outer(np.hanning(kh + 2)[1:-1], np.hanning(kw + 2)[1:-1])


def _power(w: np.ndarray) -> np.ndarray:
    """(..., K, K) power spectrum of the mean-removed, tapered kernels; DC is then ~0."""
    w = w - w.mean(axis=(-2, -1), keepdims=True)
    return np.abs(np.fft.fft2(w * _window(*w.shape[-2:]))) ** 2


def _freq_grid(kh: int, kw: int) -> tuple[np.ndarray, np.ndarray]:
    """(K, K) radial frequency in cycles per kernel width and spectral angle in degrees [0, 180)."""
    fy = np.fft.fftfreq(kh)[:, None] * np.ones((1, kw))
    fx = np.fft.fftfreq(kw)[None, :] * np.ones((kh, 1))
    radius = np.hypot(fx * kw, fy * kh)
    angle = np.degrees(np.arctan2(fy, fx)) % 180.0
    return radius, angle


def orientation_energy(weights: np.ndarray) -> np.ndarray:
    """(..., 4) share of spectral power per stripe orientation (ORIENTATIONS); noise: ~0.25 each."""
    w = _kernels(weights)
    p = _power(w)
    radius, angle = _freq_grid(*w.shape[-2:])
    diff = np.abs((angle[..., None] - _SPECTRAL_ANGLE + 90.0) % 180.0 - 90.0)  # (K, K, 4)
    sector = np.argmin(diff, axis=-1)
    sector[radius == 0] = -1  # DC belongs to no orientation
    # Mean power per sector (not the sum): white noise sits at chance despite unequal bin counts.
    means = np.stack([p[..., sector == s].mean(axis=-1) for s in range(4)], axis=-1)
    total = means.sum(axis=-1, keepdims=True)
    return np.where(total > 0, means / np.where(total > 0, total, 1.0), 0.25)


def dominant_frequency(weights: np.ndarray) -> np.ndarray:
    """(...) cycles per kernel width of the strongest non-DC component of the power spectrum."""
    w = _kernels(weights)
    p = _power(w)
    radius, _ = _freq_grid(*w.shape[-2:])
    flat = np.where(radius == 0, -1.0, p).reshape(*p.shape[:-2], -1)
    peak = radius.reshape(-1)[np.argmax(flat, axis=-1)]
    return np.where(flat.max(axis=-1) > 0, peak, 0.0)


def mean_frequency(weights: np.ndarray) -> np.ndarray:
    """(...) power-weighted mean frequency, cycles per kernel width: a smoother dominant one."""
    w = _kernels(weights)
    p = _power(w)
    radius, _ = _freq_grid(*w.shape[-2:])
    total = p.sum(axis=(-2, -1))
    return np.where(total > 0, (p * radius).sum(axis=(-2, -1)) / np.where(total > 0, total, 1), 0.0)


def _lag1_correlation(w: np.ndarray) -> np.ndarray:
    """(..., 4) correlation of each kernel with itself shifted one pixel along each orientation."""
    pairs = (
        (w[..., :, 1:], w[..., :, :-1]),  # along a row: high for horizontal structure
        (w[..., 1:, :], w[..., :-1, :]),  # along a column
        (w[..., 1:, :-1], w[..., :-1, 1:]),  # along "/"
        (w[..., 1:, 1:], w[..., :-1, :-1]),  # along "\"
    )
    out = []
    for a, b in pairs:
        a = a - a.mean(axis=(-2, -1), keepdims=True)
        b = b - b.mean(axis=(-2, -1), keepdims=True)
        den = np.sqrt((a * a).sum(axis=(-2, -1)) * (b * b).sum(axis=(-2, -1)))
        out.append(np.where(den > 0, (a * b).sum(axis=(-2, -1)) / np.where(den > 0, den, 1), 0.0))
    return np.stack(out, axis=-1)


def smoothness(weights: np.ndarray) -> np.ndarray:
    """(...) largest neighbour correlation over the four directions: ~0 for noise, ~1 for smooth."""
    return _lag1_correlation(_kernels(weights)).max(axis=-1)


@lru_cache(maxsize=16)
def _random_reference(kh: int, kw: int, n: int = N_RANDOM, seed: int = 0) -> tuple[float, float]:
    """Mean and std of `smoothness` over n iid Gaussian kernels (the score is scale-free)."""
    s = smoothness(np.random.default_rng(seed).standard_normal((n, kh, kw)))
    return float(s.mean()), float(s.std())


def structure_score(weights: np.ndarray) -> np.ndarray:
    """(...) `smoothness` z-scored against random Gaussian kernels of the same size (0 = random)."""
    w = _kernels(weights)
    mean, std = _random_reference(*w.shape[-2:])
    flat = np.abs(w).max(axis=(-2, -1)) == 0
    return np.where(flat, np.nan, (smoothness(w) - mean) / std)


def relu_dead(weights: np.ndarray, bias: np.ndarray) -> np.ndarray:
    """(...) True where no {0,1} image can make the kernel positive: bias + sum(max(w, 0)) <= 0."""
    w = _kernels(weights)
    return np.asarray(bias, dtype=np.float64) + np.clip(w, 0, None).sum(axis=(-2, -1)) <= 0


def kernel_diagnostics(
    weights_frames: np.ndarray,
    steps: np.ndarray | None = None,
    bias_frames: np.ndarray | None = None,
) -> dict[str, np.ndarray]:
    """Per-snapshot, per-kernel measures of snapshots (F, k, 1, K, K): a dict of (F, k) arrays.

    Keys: step (F,), norm, change_init, rel_change_init, change_prev, orientation (F, k, 4) in
    ORIENTATIONS order, dominant_freq, mean_freq, structure, structure_change (of w - w0; NaN at
    frame 0), collapsed, frozen, relu_dead (needs bias_frames), dead (any of the three), and bias.
    """
    w = _kernels(weights_frames)  # (F, k, K, K)
    if w.ndim != 4 or len(w) == 0:
        raise ValueError(
            f"expected snapshots (F, k, 1, K, K), got shape {np.shape(weights_frames)}"
        )
    n_frames, k = w.shape[:2]
    steps = np.arange(n_frames) if steps is None else np.asarray(steps)
    norm = np.sqrt((w**2).sum(axis=(-2, -1)))
    delta = w - w[:1]
    change = np.sqrt((delta**2).sum(axis=(-2, -1)))
    change_prev = np.zeros_like(change)
    change_prev[1:] = np.sqrt(((w[1:] - w[:-1]) ** 2).sum(axis=(-2, -1)))
    norm0 = np.where(norm[0] > 0, norm[0], 1.0)
    structure_change = np.full((n_frames, k), np.nan)
    if n_frames > 1:
        structure_change[1:] = structure_score(delta[1:])
    # Collapsed: the kernel shrank to almost nothing. Frozen: it has not moved since initialisation,
    # which is what a kernel that never receives a gradient (always-off ReLU) looks like.
    collapsed = norm <= 1e-3 * np.maximum(norm[0], 1e-12)
    frozen = np.zeros((n_frames, k), dtype=bool)
    frozen[1:] = change[1:] <= 1e-6 * norm0
    out = {
        "step": steps,
        "norm": norm,
        "change_init": change,
        "rel_change_init": change / norm0,
        "change_prev": change_prev,
        "orientation": orientation_energy(w),
        "dominant_freq": dominant_frequency(w),
        "mean_freq": mean_frequency(w),
        "structure": structure_score(w),
        "structure_change": structure_change,
        "collapsed": collapsed,
        "frozen": frozen,
        "relu_dead": np.zeros((n_frames, k), dtype=bool),
    }
    if bias_frames is not None:
        b = np.asarray(bias_frames, dtype=np.float64).reshape(n_frames, k)
        out["bias"] = b
        out["relu_dead"] = relu_dead(w, b)
    out["dead"] = collapsed | frozen | out["relu_dead"]
    return out


def diagnostics_records(diag: dict[str, np.ndarray]) -> list[dict]:
    """Long-format rows {step, kernel, measure, value} of the (F, k) measures, for charting."""
    rows = []
    steps = diag["step"]
    for key, arr in diag.items():
        if key == "step" or np.ndim(arr) < 2:
            continue
        arr = np.asarray(arr, dtype=np.float64)
        if arr.ndim == 3:  # orientation shares: one measure per orientation
            names = [f"orientation {o}" for o in ORIENTATIONS]
            series = [(names[i], arr[..., i]) for i in range(arr.shape[-1])]
        else:
            series = [(key, arr)]
        for name, a in series:
            for f in range(a.shape[0]):
                for j in range(a.shape[1]):
                    rows.append(
                        {"step": int(steps[f]), "kernel": j, "measure": name, "value": a[f, j]}
                    )
    return rows


def match_frames(
    steps_a: np.ndarray, steps_b: np.ndarray, max_gap: float | None = None
) -> list[tuple[int, int]]:
    """Pairs (i, j): for each snapshot i of run A, the snapshot j of run B at the nearest step."""
    a = np.asarray(steps_a, dtype=np.float64)
    b = np.asarray(steps_b, dtype=np.float64)
    if len(a) == 0 or len(b) == 0:
        return []
    order = np.argsort(b, kind="stable")
    bs = b[order]
    pos = np.clip(np.searchsorted(bs, a), 1, len(bs) - 1) if len(bs) > 1 else np.zeros(len(a), int)
    left = np.maximum(pos - 1, 0)
    take_left = np.abs(a - bs[left]) <= np.abs(bs[pos] - a)
    nearest = np.where(take_left, left, pos)
    pairs = []
    for i, j in enumerate(nearest):
        if max_gap is None or abs(bs[j] - a[i]) <= max_gap:
            pairs.append((i, int(order[j])))
    return pairs
