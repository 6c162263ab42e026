"""Traces as paths: drawing a trace from one height per column, random traces, and the best trace
through a map of per-pixel gains (exact, by dynamic programming).

A trace image has, in every column c, a vertical run of white from height y[c] to y[c+1] (where the
waveform jumps the run is long; where it is flat it is one pixel), as a scope or the lab's
rasteriser draws it. Restricting preferred inputs to such paths keeps them readable as waveforms.
"""

from __future__ import annotations

import numpy as np
import torch
import torch.nn.functional as F


def render_curves(y: torch.Tensor, height: int, tau: float = 0.0) -> torch.Tensor:
    """(B, 1, H, W) trace images of heights y (B, W) in rows: column c is white from y[c] to
    y[c+1] (a vertical run where the trace jumps), soft edges of width tau, hard if tau == 0."""
    y = y.clamp(0, height - 1)
    nxt = torch.cat([y[:, 1:], y[:, -1:]], dim=1)
    lo, hi = torch.minimum(y, nxt)[:, None, :], torch.maximum(y, nxt)[:, None, :]  # (B, 1, W)
    rows = torch.arange(height, dtype=y.dtype, device=y.device)[None, :, None]  # (1, H, 1)
    if tau <= 0:
        x = (rows >= torch.round(lo)) & (rows <= torch.round(hi))
        return x.to(y.dtype)[:, None]
    edges = torch.sigmoid((rows - lo + 0.5) / tau) * torch.sigmoid((hi + 0.5 - rows) / tau)
    return edges[:, None]


def random_curves(n: int, size: tuple[int, int], gen: torch.Generator) -> torch.Tensor:
    """(n, W) random smooth trace heights in rows: a smoothed random walk inside the image."""
    h, w = size
    walk = torch.cumsum(torch.randn((n, w), generator=gen) * 3.0, dim=1)
    walk = F.avg_pool1d(walk[:, None], 9, stride=1, padding=4, count_include_pad=False)[:, 0]
    walk = walk - walk.mean(dim=1, keepdim=True) + torch.rand((n, 1), generator=gen) * h * 0.6
    return (walk + 0.2 * h).clamp(2, h - 3)


def best_path(gain: np.ndarray, ink_cost: float = 0.0) -> tuple[np.ndarray, float]:
    """The trace heights y (W,) int maximising the summed gain (H, W) of its white pixels minus
    `ink_cost` per pixel of vertical travel, and that score; exact (Viterbi over columns)."""
    g = np.asarray(gain, dtype=np.float64)
    h, w = g.shape
    cum = np.vstack([np.zeros((1, w)), np.cumsum(g, axis=0)]).T  # (W, H+1) column prefix sums
    a, b = np.meshgrid(np.arange(h), np.arange(h), indexing="ij")  # y[c] = a, y[c+1] = b
    lo, hi = np.minimum(a, b), np.maximum(a, b)
    runs = cum[:-1, hi + 1] - cum[:-1, lo] - ink_cost * np.abs(a - b)  # (W-1, H, H): a to b
    value = g[:, w - 1].copy()  # best score of columns c.. given y[c]; the last is one pixel
    choice = np.zeros((max(w - 1, 0), h), dtype=np.int64)
    rows = np.arange(h)
    for c in range(w - 2, -1, -1):
        run = runs[c] + value[None, :]
        choice[c] = run.argmax(axis=1)
        value = run[rows, choice[c]]
    y = np.empty(w, dtype=np.int64)
    y[0] = int(value.argmax())
    for c in range(w - 1):
        y[c + 1] = choice[c, y[c]]
    return y, float(value.max())


def preferred_stroke(kernel: np.ndarray, ink_cost: float = 0.0) -> np.ndarray:
    """float32 (K, K) the one-bit trace through a kernel's window that drives it hardest (exact):
    the stroke a first-layer kernel detects, by dynamic programming over its weights."""
    w = np.asarray(kernel, dtype=np.float64)
    y, _ = best_path(w, ink_cost)
    return render_curves(torch.from_numpy(y[None].astype(np.float32)), w.shape[0])[0, 0].numpy()
