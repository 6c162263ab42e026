"""A run looked at through one snapshot: its held-out set, confusion, mistakes, heat maps and
preferred inputs, each one call for a page.

"The network at snapshot N" is the run's final network with its first-layer kernels set back to
snapshot N (`core.nn.swap`): it shows how much the kernels alone matter. Every call here runs
torch on one thread (`core.threads`): these are many tiny ops, 10-50x faster that way on a busy
2-core machine. The model is changed while a call runs and restored after it, so callers that
share one model between threads must not run two calls on it at once.
"""

from __future__ import annotations

import os
from dataclasses import dataclass

import numpy as np
import torch
from torch import nn

from core.data.waveforms import make_datasets
from core.errors import LabError
from core.interpret.attribution import grad_cam, saliency_map
from core.interpret.patches import top_patches
from core.interpret.preferred import preferred_input
from core.interpret.strokes import preferred_stroke
from core.nn.swap import conv1_swapped, model_device
from core.nn.threads import single_threaded
from core.training.experiment import experiment_from_dict
from core.training.metrics import confusion
from core.training.predict import outputs_to_probabilities
from core.training.runs import Run, load_run

HEAT_METHODS = ("saliency", "grad_cam")
HEAT_LABELS = {"saliency": "saliency", "grad_cam": "Grad-CAM"}
HEAT_EXPLANATION = {
    "saliency": "Saliency: how much a small change of each pixel would change the class's score "
    "(averaged over a few noisy copies of the image). Bright = the pixels the answer hangs on.",
    "grad_cam": "Grad-CAM: the first-layer feature maps weighted by how much the class's score "
    "depends on each of them, placed at the centre of each kernel's window. Bright = the regions "
    "whose kernels argue for the class.",
}


@dataclass(frozen=True)
class HeldOut:
    """A run's held-out images x float32 (N, 1, H, W) in {0, 1}, labels y int64 (N,), classes."""

    x: torch.Tensor
    y: np.ndarray
    classes: list[str]

    def __len__(self) -> int:
        return len(self.y)


def heldout_set(run: Run | str | os.PathLike, limit: int | None = None) -> HeldOut:
    """The held-out images the run was checked on, generated again from its config.json (they
    depend only on the seed and their count); the first `limit` of them if given."""
    if not isinstance(run, Run):
        run = load_run(run)
    exp = experiment_from_dict(run.config)
    _, _, x, y = make_datasets(exp.waveforms, 0, exp.train.n_test, exp.train.seed)
    classes = list(run.config.get("classes") or [])
    n_out = exp.model.n_classes
    if len(classes) != n_out:
        classes = [f"class {i}" for i in range(n_out)]
    if limit is not None:
        x, y = x[:limit], y[:limit]
    return HeldOut(x=x, y=y.numpy().astype(np.int64), classes=classes)


@dataclass(frozen=True)
class SnapshotEval:
    """The network at one snapshot on a held-out set: probs (N, C), confusion (C, C) with rows =
    true class and columns = answer, pred (N,) and accuracy."""

    probs: np.ndarray
    confusion: np.ndarray
    pred: np.ndarray
    accuracy: float


def evaluate_snapshot(
    model: nn.Module, held: HeldOut, loss: str, weights=None, bias=None, batch_size: int = 128
) -> SnapshotEval:
    """Probabilities (as the run's loss reads its outputs), confusion and accuracy of `model` with
    conv1 set to a snapshot's weights (k, 1, K, K) / bias (k,) (None: as it is)."""
    out = []
    with single_threaded(), conv1_swapped(model, weights, bias), torch.no_grad():
        dev = model_device(model)
        for i in range(0, len(held), batch_size):
            raw = model(held.x[i : i + batch_size].to(dev)).float().cpu()
            out.append(outputs_to_probabilities(raw, loss))
    n_cls = len(held.classes)
    probs = torch.cat(out).numpy() if out else np.zeros((0, n_cls), np.float32)
    pred = probs.argmax(axis=1) if len(probs) else np.zeros(0, np.int64)
    cm = confusion(pred, held.y, n_cls)
    accuracy = float((pred == held.y).mean()) if len(pred) else float("nan")
    return SnapshotEval(probs=probs, confusion=cm, pred=pred, accuracy=accuracy)


def cell_members(
    ev: SnapshotEval, y: np.ndarray, true_cls: int, pred_cls: int, limit: int | None = None
) -> list[tuple[int, np.ndarray]]:
    """(image index, probabilities (C,)) of the held-out images of class `true_cls` answered as
    `pred_cls`, the most confident answers first (true == pred: the correct ones)."""
    return misclassified(ev.probs, y, true_cls, pred_cls, limit=limit)


def misclassified(
    probs: np.ndarray, y, true_cls: int, pred_cls: int, limit: int | None = None
) -> list[tuple[int, np.ndarray]]:
    """(index, probabilities (C,)) of the images (probs (N, C)) of class `true_cls` answered as
    `pred_cls`, most confident first; true_cls == pred_cls lists the correct ones."""
    y = np.asarray(y.cpu() if isinstance(y, torch.Tensor) else y, dtype=np.int64)
    probs = np.asarray(probs)
    if len(y) == 0:
        return []
    idx = np.flatnonzero((y == true_cls) & (probs.argmax(axis=1) == pred_cls))
    idx = idx[np.argsort(-probs[idx, pred_cls], kind="stable")]
    if limit is not None:
        idx = idx[:limit]
    return [(int(i), probs[i].copy()) for i in idx]


def worst_cell(confusion: np.ndarray) -> tuple[int, int]:
    """(true, predicted) of the most frequent mistake; (0, 0) when there is none."""
    cm = np.asarray(confusion).copy()
    np.fill_diagonal(cm, -1)
    if cm.size == 0 or cm.max() <= 0:
        return 0, 0
    t, p = np.unravel_index(int(cm.argmax()), cm.shape)
    return int(t), int(p)


def heat_maps(
    model: nn.Module,
    images,
    targets,
    method: str = "saliency",
    *,
    weights=None,
    bias=None,
) -> np.ndarray:
    """float32 (n, H, W) in [0, 1]: where the network looks for class targets[i] in images[i]
    (n, H, W), by input-gradient saliency or Grad-CAM on conv1 (see HEAT_EXPLANATION)."""
    if method not in HEAT_METHODS:
        raise LabError(f"Unknown heat map {method!r}; choose saliency or grad_cam.")
    images = np.asarray(images.cpu() if isinstance(images, torch.Tensor) else images, np.float32)
    if images.ndim == 4:
        images = images[:, 0]
    fn = saliency_map if method == "saliency" else grad_cam
    with single_threaded():
        maps = [
            fn(model, img, int(t), weights=weights, bias=bias) for img, t in zip(images, targets)
        ]
    if not maps:
        return np.zeros((0, *images.shape[1:]), np.float32)
    return np.stack(maps).astype(np.float32)


def preferred_inputs(
    model: nn.Module,
    kernels,
    classes,
    *,
    size: tuple[int, int] = (100, 100),
    weights=None,
    bias=None,
    steps: int | None = None,
) -> dict[str, dict[int, np.ndarray]]:
    """{'kernel': {k: (H, W)}, 'class': {c: (H, W)}}: the one-bit trace image that a snapshot's
    kernel k (its mean ReLU response) or class c (its output) likes best (`preferred_input`)."""
    out: dict[str, dict[int, np.ndarray]] = {"kernel": {}, "class": {}}
    with single_threaded():
        for k in kernels:
            out["kernel"][int(k)] = preferred_input(
                model, kernel=int(k), size=size, weights=weights, bias=bias, steps=steps
            )
        for c in classes:
            out["class"][int(c)] = preferred_input(
                model, cls=int(c), size=size, weights=weights, bias=bias, steps=steps
            )
    return out


def kernel_strokes(kernels, ink: float = 0.3) -> np.ndarray:
    """float32 (k, K, K) one-bit: for each kernel (k, [1,] K, K) the trace through its window
    that drives it hardest (`preferred_stroke`, exact), vertical travel priced at `ink` times
    the kernel's 99th-percentile |weight| (as `preferred_input` prices ink) so that it reads as
    one scope line rather than every positive pixel."""
    w = np.asarray(kernels, dtype=np.float64)
    if w.ndim == 4:
        w = w[:, 0]
    return np.stack(
        [preferred_stroke(k, ink * float(np.quantile(np.abs(k), 0.99))) for k in w]
    ).astype(np.float32)


def kernel_top_patches(
    model: nn.Module, held: HeldOut, kernels, n: int = 4, *, weights=None, bias=None
) -> dict[int, np.ndarray]:
    """{k: (n, K, K)} the held-out patches where a snapshot's kernel k responds most, one per
    image (`top_patches`): what in the real data each kernel fires on."""
    with single_threaded():
        return {
            int(k): top_patches(model, held.x, int(k), n, weights=weights, bias=bias)["patches"]
            for k in kernels
        }
