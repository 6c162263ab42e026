"""A network with one snapshot's first-layer kernels in place of its own.

A run saves conv1's weights at every snapshot but the rest of the network only at the end, so "the
network at step N" means the final network with conv1 set to snapshot N: it shows how much the
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
