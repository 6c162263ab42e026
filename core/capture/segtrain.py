"""Training the trace-segmentation network (`core.capture.segment`) on generated captures.

Every example is a capture from the looks generator, drawn again the way the real world varies
it (domain randomisation): shrunk to a random size, its colour channels swapped, a plot's light
and dark exchanged, saved as a coarse JPEG. The target is the mask of every trace in it, shrunk
the same way (a pixel is trace where a trace covers a fair part of it). Training sees random
crops, half of them centred on a trace, so the few trace pixels are not drowned by background.
"""

from __future__ import annotations

import io
from collections.abc import Callable

import numpy as np
import torch
from PIL import Image

from core.capture.segment import SIDE, SegNet, features, shrink
from core.data.looks import LOOKS, render_capture

CLASSES = ("square", "gaussian", "sine", "other", "none")
LOOK_WEIGHTS = {"screen": 2, "photo": 3, "plot": 1, "plot_dark": 1, "drawing": 1, "paper": 1}


def example(seed: int) -> tuple[np.ndarray, np.ndarray, str]:
    """(features (6, h, w), target float32 (h, w), look) of one randomised generated capture."""
    rng = np.random.default_rng([seed, 77])
    looks = [lk for lk in LOOKS for _ in range(LOOK_WEIGHTS[lk])]
    look = looks[seed % len(looks)]
    cls = CLASSES[(seed // len(looks)) % len(CLASSES)]
    cap = render_capture(look, cls, 500_000 + seed)
    img = cap.image
    if rng.random() < 0.5:
        img = img[:, :, rng.permutation(3)]
    if look in ("plot", "plot_dark", "paper", "drawing") and rng.random() < 0.15:
        img = 255 - img
    if rng.random() < 0.3:
        buf = io.BytesIO()
        Image.fromarray(np.ascontiguousarray(img)).save(
            buf, "JPEG", quality=int(rng.integers(35, 90))
        )
        img = np.asarray(Image.open(buf).convert("RGB"))
    side = int(rng.integers(int(SIDE * 0.75), int(SIDE * 1.25)))
    small = shrink(np.ascontiguousarray(img), side)
    cover = np.asarray(
        Image.fromarray(cap.traces.astype(np.float32)).resize(
            (small.shape[1], small.shape[0]), Image.Resampling.BOX
        )
    )
    return features(small), (cover > 0.12).astype(np.float32), look


def _crop(x: np.ndarray, y: np.ndarray, size: int, rng) -> tuple[np.ndarray, np.ndarray]:
    """A size x size crop of (6, h, w) and (h, w), padded with the edge where smaller; half the
    time centred on a trace pixel."""
    _, h, w = x.shape
    ph, pw = max(0, size - h), max(0, size - w)
    if ph or pw:
        x = np.pad(x, ((0, 0), (0, ph), (0, pw)), mode="edge")
        y = np.pad(y, ((0, ph), (0, pw)))
        h, w = y.shape
    on = np.flatnonzero(y.ravel())
    if len(on) and rng.random() < 0.5:
        cy, cx = divmod(int(rng.choice(on)), w)
        y0 = int(np.clip(cy - size // 2 + rng.integers(-size // 4, size // 4 + 1), 0, h - size))
        x0 = int(np.clip(cx - size // 2 + rng.integers(-size // 4, size // 4 + 1), 0, w - size))
    else:
        y0, x0 = int(rng.integers(0, h - size + 1)), int(rng.integers(0, w - size + 1))
    return x[:, y0 : y0 + size, x0 : x0 + size], y[y0 : y0 + size, x0 : x0 + size]


def train_segnet(
    examples: list[tuple[np.ndarray, np.ndarray, str]],
    *,
    steps: int = 1500,
    batch: int = 16,
    crop: int = 128,
    width: int = 12,
    seed: int = 0,
    lr: float = 3e-3,
    progress: Callable[[int, float], None] | None = None,
) -> SegNet:
    """A SegNet trained on `examples` (from `example`) for `steps` Adam steps of random crops;
    `progress(step, loss)` every 50 steps."""
    torch.manual_seed(seed)
    rng = np.random.default_rng(seed)
    net = SegNet(width)
    opt = torch.optim.Adam(net.parameters(), lr=lr)
    sched = torch.optim.lr_scheduler.OneCycleLR(opt, max_lr=lr, total_steps=steps)
    pos = torch.tensor(3.0)
    net.train()
    avg = None
    for step in range(steps):
        pick = rng.integers(0, len(examples), batch)
        xs, ys = zip(*(_crop(examples[i][0], examples[i][1], crop, rng) for i in pick))
        x, y = torch.from_numpy(np.stack(xs)), torch.from_numpy(np.stack(ys))
        loss = torch.nn.functional.binary_cross_entropy_with_logits(net(x), y, pos_weight=pos)
        opt.zero_grad()
        loss.backward()
        opt.step()
        sched.step()
        v = float(loss.detach())
        avg = v if avg is None else 0.95 * avg + 0.05 * v
        if progress is not None and (step % 50 == 0 or step == steps - 1):
            progress(step, avg)
    return net.eval()


def iou(net: SegNet, examples, threshold: float = 0.5) -> dict[str, float]:
    """Intersection over union of the network's trace pixels with the truth, per look (pixels
    pooled over the look's examples that hold a trace)."""
    inter: dict[str, float] = {}
    union: dict[str, float] = {}
    with torch.inference_mode():
        for x, y, look in examples:
            p = torch.sigmoid(net(torch.from_numpy(x)[None]))[0].numpy() > threshold
            t = y > 0.5
            inter[look] = inter.get(look, 0) + float((p & t).sum())
            union[look] = union.get(look, 0) + float((p | t).sum())
    return {k: inter[k] / max(1.0, union[k]) for k in inter}


def save_segnet(net: SegNet, path, **info) -> None:
    """Weights and their width (and any notes on how they were made) in a torch file."""
    torch.save({"state": net.state_dict(), "width": net.enc1[0][0].out_channels, **info}, path)
