"""What a training run measures: accuracy and the study's strict rule on a set, the plateau rule,
and confusion counts (true class x answer)."""

from __future__ import annotations

import math

import numpy as np
import torch
import torch.nn.functional as F

STRICT_TOLERANCE = 0.1  # the study's rule: every output within 0.1 of its 0/1 target


def strict_correct(out: torch.Tensor, y: torch.Tensor) -> torch.Tensor:
    """The study's rule per image: every output within 0.1 of its one-hot 0/1 target. (B,) bool."""
    target = F.one_hot(y, out.shape[1]).to(out.dtype)
    return ((out - target).abs() <= STRICT_TOLERANCE).all(dim=1)


@torch.inference_mode()
def evaluate(model: torch.nn.Module, x: torch.Tensor, y: torch.Tensor, batch: int = 64) -> dict:
    """Argmax accuracy, the study's strict accuracy and the predictions on a set. x (N,1,H,W)."""
    was_training = model.training
    model.eval()
    preds, strict = [], []
    for i in range(0, len(x), batch):
        out = model(x[i : i + batch])
        preds.append(out.argmax(1))
        strict.append(strict_correct(out, y[i : i + batch]))
    model.train(was_training)
    pred = torch.cat(preds)
    return {
        "accuracy": (pred == y).float().mean().item(),
        "strict": torch.cat(strict).float().mean().item(),
        "pred": pred.cpu().numpy(),
    }


def is_plateau(losses: list[float], accuracies: list[float], window: int) -> bool:
    """Stuck: over the last `window` evaluations loss fell < 2% and accuracy is far from done."""
    if len(losses) < window + 1 or window < 2:
        return False
    recent = losses[-window:]
    before = losses[-window - 1]
    if not all(math.isfinite(v) for v in recent + [before]) or before <= 0:
        return False
    improvement = (before - min(recent)) / before
    acc_gain = max(accuracies[-window:]) - accuracies[-window - 1]
    return improvement < 0.02 and acc_gain < 0.02 and accuracies[-1] < 0.95


def confusion(pred: np.ndarray, y: np.ndarray, n_classes: int) -> np.ndarray:
    """Confusion counts (true, predicted) -> (n_classes, n_classes) int."""
    m = np.zeros((n_classes, n_classes), dtype=np.int64)
    np.add.at(m, (np.asarray(y), np.asarray(pred)), 1)
    return m
