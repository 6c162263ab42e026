"""Evaluating a model with one snapshot's first-layer kernels: probabilities, confusion, mistakes.

A run saves conv1's weights at every snapshot but the rest of the network only at the end, so "the
network at step N" here means the final network with conv1 set to snapshot N: it shows how much the
kernels alone matter, not the accuracy the run had at that step.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

import numpy as np
import torch
from torch import nn

from core.errors import LabError


def _as_tensor(a, dtype=torch.float32) -> torch.Tensor:
    t = a.detach() if isinstance(a, torch.Tensor) else torch.as_tensor(np.asarray(a))
    return t.to(dtype=dtype)


@contextmanager
def conv1_swapped(model: nn.Module, weights=None, bias=None) -> Iterator[nn.Module]:
    """Within the block, model.conv1 holds `weights` (k,1,K,K) / `bias` (k,) and the model is in
    eval mode; the original parameters and mode come back afterwards, even on error."""
    conv = model.conv1
    w_param, b_param = conv.weight, conv.bias
    saved_w = w_param.detach().clone()
    saved_b = b_param.detach().clone() if b_param is not None else None
    modes = [(m, m.training) for m in model.modules()]
    try:
        with torch.no_grad():
            if weights is not None:
                w = _as_tensor(weights).to(w_param.device, w_param.dtype)
                if w.shape != w_param.shape:
                    raise LabError(
                        f"The snapshot's kernels {tuple(w.shape)} do not fit this model's first "
                        f"layer {tuple(w_param.shape)}."
                    )
                w_param.copy_(w)
            if bias is not None and b_param is not None:
                b = _as_tensor(bias).to(b_param.device, b_param.dtype).reshape(b_param.shape)
                b_param.copy_(b)
        model.eval()
        yield model
    finally:
        with torch.no_grad():
            w_param.copy_(saved_w)
            if saved_b is not None:
                b_param.copy_(saved_b)
        for m, training in modes:
            m.training = training


def model_device(model: nn.Module) -> torch.device:
    """The device of the model's first layer."""
    return model.conv1.weight.device


def class_probabilities(
    model: nn.Module, x, *, weights=None, bias=None, batch_size: int = 128
) -> np.ndarray:
    """float32 (N, C) softmax of the model's outputs on x (N, 1, H, W), conv1 set to a snapshot.

    For a model with tanh outputs the softmax is only a ranking, but argmax is the class either way.
    """
    x = _as_tensor(x)
    if x.ndim != 4:
        raise ValueError(f"x must be (N, 1, H, W), got shape {tuple(x.shape)}")
    out = []
    with conv1_swapped(model, weights, bias), torch.no_grad():
        dev = model_device(model)
        for i in range(0, len(x), batch_size):
            out.append(torch.softmax(model(x[i : i + batch_size].to(dev)).float(), dim=1).cpu())
    if not out:
        return np.zeros((0, 0), dtype=np.float32)
    return torch.cat(out).numpy()


def confusion_matrix(
    model: nn.Module, x, y, n_classes: int, weights=None, bias=None, *, probs=None
) -> np.ndarray:
    """int64 (C, C) counts, rows = true class, columns = predicted; `probs` skips the forward."""
    y = np.asarray(y.cpu() if isinstance(y, torch.Tensor) else y, dtype=np.int64)
    if probs is None:
        probs = class_probabilities(model, x, weights=weights, bias=bias)
    pred = np.asarray(probs).argmax(axis=1) if len(y) else np.zeros(0, np.int64)
    if len(y) and (y.max() >= n_classes or pred.max() >= n_classes or y.min() < 0):
        raise LabError(f"Labels or outputs do not fit {n_classes} classes.")
    cm = np.zeros((n_classes, n_classes), dtype=np.int64)
    np.add.at(cm, (y, pred), 1)
    return cm


def misclassified(
    model: nn.Module,
    x,
    y,
    true_cls: int,
    pred_cls: int,
    *,
    weights=None,
    bias=None,
    probs=None,
    limit: int | None = None,
) -> list[tuple[int, np.ndarray]]:
    """(index, probabilities (C,)) of images of class `true_cls` predicted as `pred_cls`, most
    confident first; true_cls == pred_cls lists the correct ones."""
    y = np.asarray(y.cpu() if isinstance(y, torch.Tensor) else y, dtype=np.int64)
    if probs is None:
        probs = class_probabilities(model, x, weights=weights, bias=bias)
    probs = np.asarray(probs)
    if len(y) == 0:
        return []
    idx = np.flatnonzero((y == true_cls) & (probs.argmax(axis=1) == pred_cls))
    idx = idx[np.argsort(-probs[idx, pred_cls], kind="stable")]
    if limit is not None:
        idx = idx[:limit]
    return [(int(i), probs[i].copy()) for i in idx]
