"""Training the shape namer (`core.capture.namer`) on the generator's shapes.

Two kinds of example, so it names a shape however it reached the network's input: the shapes drawn
as a capture's reading draws them (one trace's levels, core.data.waveforms.trace_levels, put in a
view of random size at a random amplitude and height, drawn with a pen of random width and
rasterised by core.capture.rasterise, the last stage of every reading), and the shapes drawn as a
run's training images are (render_batch, render_distractors). Half of each batch is reversed in
time: every family stays itself, or (an RC charge or decay) another family outside the classes.
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np
import torch
from torch import nn

from core.capture.curves import samples_mask
from core.capture.masks import _dilate
from core.capture.namer import ALIKE, FAMILIES, INPUT, build_namer
from core.capture.rasterise import rasterise
from core.data.waveforms import WaveformSpec, render_batch, render_distractors, trace_levels

# One in two read examples is a class, one in two a distractor (spread over their 11 families).
_ROUND = ("square", "gaussian", "sine", "other", "other", "other")


def read_example(i: int, spec: WaveformSpec | None = None) -> tuple[np.ndarray, int]:
    """(uint8 (INPUT, INPUT) input, family index) of example i drawn as a reading draws a trace."""
    spec = spec or WaveformSpec()
    rng = np.random.default_rng([i, 99])
    width = int(rng.integers(120, 900))
    levels, name = trace_levels(spec, _ROUND[i % len(_ROUND)], width, rng)
    amp = rng.uniform(0.2, 1.0)  # the trace's share of the view's height
    height = int(rng.integers(60, 500))
    span = max(2, int(round(amp * height)))
    mask = np.zeros((height, width), bool)
    top = int(rng.integers(0, height - span + 1))
    mask[top : top + span] = samples_mask(levels, span)  # drawn as a scope's samples are
    pen = int(rng.integers(0, 4))
    if pen:
        mask = _dilate(mask, pen // 2, (pen + 1) // 2)
    x = rasterise(mask, (0, width), INPUT, int(rng.integers(1, 4)))
    return x.astype(np.uint8), FAMILIES.index(name)


def rendered_examples(n: int, seed: int, spec: WaveformSpec | None = None):
    """(uint8 (2n, INPUT, INPUT), int64 (2n,)): n class images and n distractor images drawn as a
    run's training images are, with their families."""
    spec = spec or WaveformSpec()
    xi, yi = render_batch(spec, n, seed)
    xd, names = render_distractors(spec, n, seed + 1)
    yd = np.array([FAMILIES.index(k) for k in names], dtype=np.int64)
    return np.concatenate([xi, xd]), np.concatenate([yi, yd])


def train_namer(
    x: np.ndarray,
    y: np.ndarray,
    *,
    epochs: int = 8,
    batch: int = 128,
    lr: float = 3e-3,
    width: int = 16,
    seed: int = 0,
    progress: Callable[[int, float], None] | None = None,
) -> nn.Sequential:
    """The namer trained on inputs x (N, INPUT, INPUT) in {0, 1} with families y (N,): Adam on
    a one-cycle schedule, label smoothing 0.1 (its beliefs stay short of certainty), half of each
    batch reversed in time; `progress(epoch, mean loss)` after each epoch."""
    torch.manual_seed(seed)
    gen = torch.Generator().manual_seed(seed)
    net = build_namer(width)
    xs = torch.from_numpy(np.asarray(x, dtype=np.float32))[:, None]
    ys = torch.from_numpy(np.asarray(y, dtype=np.int64))
    per_epoch = max(1, len(xs) // batch)
    opt = torch.optim.Adam(net.parameters(), lr)
    sched = torch.optim.lr_scheduler.OneCycleLR(opt, lr, total_steps=epochs * per_epoch)
    net.train()
    for epoch in range(epochs):
        order, total = torch.randperm(len(xs), generator=gen), 0.0
        for i in range(per_epoch):
            pick = order[i * batch : (i + 1) * batch]
            xb = xs[pick]
            flip = torch.rand(len(pick), generator=gen) < 0.5
            xb = torch.where(flip[:, None, None, None], xb.flip(-1), xb)
            loss = nn.functional.cross_entropy(net(xb), ys[pick], label_smoothing=0.1)
            opt.zero_grad()
            loss.backward()
            opt.step()
            sched.step()
            total += loss.item()
        if progress is not None:
            progress(epoch, total / per_epoch)
    return net.eval()


def accuracy_by_family(net: nn.Sequential, x: np.ndarray, y: np.ndarray) -> dict[str, float]:
    """The share of each family's inputs the namer names right, families it cannot tell apart
    (namer.ALIKE) counted as one."""
    with torch.inference_mode():
        said = net(torch.from_numpy(np.asarray(x, np.float32))[:, None]).argmax(1).numpy()
    y = np.asarray(y).copy()
    for a in (said, y):
        for family, same in ALIKE.items():
            a[a == FAMILIES.index(family)] = FAMILIES.index(same)
    return {FAMILIES[k]: float(np.mean(said[y == k] == k)) for k in np.unique(y)}


def save_namer(net: nn.Sequential, path, **info) -> None:
    """Weights and their width (and notes on how they were made) in a torch file."""
    torch.save({"state": net.state_dict(), "width": net[1].out_channels, **info}, path)
