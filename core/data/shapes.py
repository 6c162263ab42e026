"""Waveform levels the way scopes show them: artefacts on the classes' shapes, and distractors.

Levels are float arrays (n, W) in [0, 1] sampled at W column centres (0 = low, 1 = high), the
form `waveforms` rasterises. `add_artefacts` gives a share of them what real captures hold
(rounded edges, overshoot and ringing after edges, noise, a sloped baseline); `distractor_levels`
draws shapes that are none of the study's classes (triangle, sawtooth, ramps, RC charge and decay,
steps, DC, noise, rectified sines), which a network is trained to answer with a uniform guess.
"""

from __future__ import annotations

import numpy as np

DISTRACTORS = (
    "triangle", "sawtooth", "ramp", "rc_charge", "rc_decay", "rc_train", "steps", "dc",
    "noise", "rectified", "parabola",
)  # fmt: skip


def _renormalise(v: np.ndarray) -> np.ndarray:
    """Each row (n, W) stretched to span [0, 1]; a nearly flat row (a DC level and its noise) is
    centred at 0.5 instead, so its ripple is not blown up into a waveform."""
    lo, hi = v.min(1, keepdims=True), v.max(1, keepdims=True)
    span = hi - lo
    flat = 0.5 + (v - (lo + hi) / 2)
    out = np.where(span > 0.2, (v - lo) / np.maximum(span, 1e-6), flat)
    return out.astype(np.float32)


def _lowpass(v: np.ndarray, tau_px: np.ndarray) -> np.ndarray:
    """First-order low-pass along x, time constant tau_px (n,) columns: RC-rounded edges."""
    a = np.exp(-1.0 / np.maximum(tau_px, 1e-3))[:, None]
    out = np.empty_like(v)
    out[:, 0] = v[:, 0]
    for k in range(1, v.shape[1]):
        out[:, k] = a[:, 0] * out[:, k - 1] + (1 - a[:, 0]) * v[:, k]
    return out


def _ring(v: np.ndarray, gain: np.ndarray, decay_px: np.ndarray, period_px: np.ndarray):
    """Overshoot and damped ringing after every step of v (n, W)."""
    n, w = v.shape
    k = np.arange(w, dtype=np.float32)[None]
    h = np.exp(-k / decay_px[:, None]) * np.cos(2 * np.pi * k / period_px[:, None])
    d = np.diff(v, axis=1, prepend=v[:, :1])
    # Causal convolution of the steps with the ringing response, row by row via the FFT.
    m = 2 * w
    r = np.fft.irfft(np.fft.rfft(d, m) * np.fft.rfft(h, m), m)[:, :w]
    return v + gain[:, None] * r


def add_artefacts(
    v: np.ndarray, chance: float, rng: np.random.Generator, slope_ok: np.ndarray | None = None
) -> np.ndarray:
    """Levels (n, W) with, on about `chance` of the rows, rounded edges, ringing, noise and (where
    slope_ok (n,) allows) a sloped baseline; every row renormalised to [0, 1]."""
    n, w = v.shape
    if n == 0 or chance <= 0:
        return v
    u = rng.random((6, n))
    on = u[0] < chance
    rounded = on & (u[1] < 0.5)
    ringing = on & (u[2] < 0.5)
    noisy = on & (u[3] < 0.5)
    sloped = on & (u[4] < 0.5) & (True if slope_ok is None else slope_ok)
    v = v.astype(np.float32)
    if rounded.any():
        tau = w * (0.002 + 0.012 * rng.random(rounded.sum()))
        v[rounded] = _lowpass(v[rounded], tau)
    if ringing.any():
        m = int(ringing.sum())
        gain = (0.08 + 0.25 * rng.random(m)).astype(np.float32)
        decay = (w * (0.005 + 0.02 * rng.random(m))).astype(np.float32)
        period = (w * (0.01 + 0.03 * rng.random(m))).astype(np.float32)
        v[ringing] = _ring(v[ringing], gain, decay, period)
    if sloped.any():
        x = np.linspace(-0.5, 0.5, w, dtype=np.float32)[None]
        v[sloped] += (rng.random(sloped.sum()) * 0.8 - 0.4)[:, None].astype(np.float32) * x
    if noisy.any():
        sd = (0.005 + 0.03 * rng.random(noisy.sum()))[:, None]
        v[noisy] += (rng.standard_normal((noisy.sum(), w)) * sd).astype(np.float32)
    return _renormalise(v)


def gaussian_bumps(
    x: np.ndarray, centre: np.ndarray, sigma: np.ndarray, extra: np.ndarray, rng
) -> np.ndarray:
    """Levels (n, W) of a main bump (centre, sigma) (n,) plus `extra` (n,) smaller bumps nearby of
    other widths and heights (a multi-peak fit), normalised to [0, 1]."""
    v = np.exp(-0.5 * ((x[None] - centre[:, None]) / sigma[:, None]) ** 2)
    for j in range(int(extra.max(initial=0))):
        on = (extra > j)[:, None]
        c = np.clip(centre + (rng.random(len(centre)) - 0.5) * 0.5, 0.1, 0.9)
        s = sigma * (0.4 + 0.8 * rng.random(len(centre)))
        hgt = 0.3 + 0.6 * rng.random(len(centre))
        bump = hgt[:, None] * np.exp(-0.5 * ((x[None] - c[:, None]) / s[:, None]) ** 2)
        v = v + np.where(on, bump, 0)
    return _renormalise(v)


def distractor_levels(n: int, w: int, rng: np.random.Generator) -> tuple[np.ndarray, list[str]]:
    """n distractor shapes as levels (n, W) in [0, 1] and the name of each (from DISTRACTORS)."""
    x = ((np.arange(w) + 0.5) / w).astype(np.float32)
    kinds = rng.integers(0, len(DISTRACTORS), n)
    v = np.empty((n, w), np.float32)
    for i, k in enumerate(kinds):
        v[i] = _one_distractor(DISTRACTORS[k], x, rng)
    return _renormalise(v), [DISTRACTORS[k] for k in kinds]


def _one_distractor(kind: str, x: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    cycles = 1 + 7 * rng.random()
    phase = rng.random()
    t = cycles * x + phase
    if kind == "triangle":
        return 1 - 2 * np.abs(np.mod(t, 1.0) - 0.5)
    if kind == "sawtooth":
        s = np.mod(t, 1.0)
        return s if rng.random() < 0.5 else 1 - s
    if kind == "ramp":
        a, b = sorted(rng.random(2) * 0.4 + np.array([0.0, 0.6]))
        return np.clip((x - a) / (b - a), 0, 1)
    if kind in ("rc_charge", "rc_decay"):
        start, tau = 0.05 + 0.3 * rng.random(), 0.05 + 0.25 * rng.random()
        up = np.where(x < start, 0, 1 - np.exp(-(x - start) / tau))
        return up if kind == "rc_charge" else 1 - up
    if kind == "rc_train":  # a square through an RC: shark fins
        period = 1 / (1 + 4 * rng.random())
        tau = period * (0.15 + 0.4 * rng.random())
        sq = (np.mod(x / period + phase, 1.0) < 0.5).astype(np.float32)
        return _lowpass(sq[None], np.array([tau * len(x)]))[0]
    if kind == "steps":
        steps = rng.integers(3, 9)
        return np.floor(x * steps) / (steps - 1)
    if kind == "dc":
        return 0.5 + 0.02 * rng.standard_normal(len(x)).astype(np.float32)
    if kind == "noise":
        return rng.standard_normal(len(x)).astype(np.float32)
    if kind == "rectified":
        return np.abs(np.sin(np.pi * t))
    return (x - rng.random()) ** 2  # parabola
