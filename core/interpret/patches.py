"""The data-driven answer to "what does this kernel detect?": the K x K patches of real images
where a first-layer kernel responds most, and that kernel's response map on a batch.
"""

from __future__ import annotations

import numpy as np
import torch
import torch.nn.functional as F
from torch import nn

from core.errors import LabError
from core.interpret.features import correlate
from core.nn.swap import conv1_swapped, model_device


def kernel_response(conv: nn.Conv2d, x: torch.Tensor, kernel: int) -> torch.Tensor:
    """(B, H', W') pre-activation of one conv1 kernel on x (B, 1, H, W), bias included; through
    the FFT when the layer is a plain stride-1 one (many times faster for 25 x 25 kernels)."""
    w = conv.weight[kernel : kernel + 1]
    b = conv.bias[kernel] if conv.bias is not None else 0.0
    plain = tuple(conv.stride) == (1, 1) and tuple(conv.dilation) == (1, 1)
    if not plain or isinstance(conv.padding, str):
        return F.conv2d(x, w, None, conv.stride, conv.padding, conv.dilation)[:, 0] + b
    py, px = conv.padding
    if py or px:
        x = F.pad(x, (px, px, py, py))
    return correlate(x, w)[:, 0] + b


def top_patches(
    model: nn.Module,
    x,
    kernel: int,
    n: int = 8,
    *,
    one_per_image: bool = True,
    weights=None,
    bias=None,
    batch_size: int = 64,
) -> dict[str, np.ndarray]:
    """The n K x K input patches of x (N, 1, H, W) where conv1 kernel `kernel` responds most.

    Returns patches (n, K, K), activation (n,) (pre-ReLU, bias included), image, row, col (n,): the
    patch's image index and top-left corner in that image (zero padding counts as black).
    """
    x = torch.as_tensor(np.asarray(x), dtype=torch.float32)
    conv = model.conv1
    n_k, kh, kw = conv.weight.shape[0], *conv.weight.shape[-2:]
    if not 0 <= kernel < n_k:
        raise LabError(f"Kernel {kernel} does not exist: the first layer has {n_k} kernels.")
    if isinstance(conv.padding, str) or tuple(conv.dilation) != (1, 1):
        raise ValueError("top_patches needs conv1 with numeric padding and no dilation")
    (sy, sx), (py, px) = conv.stride, conv.padding
    with conv1_swapped(model, weights, bias), torch.no_grad():
        dev = model_device(model)
        maps = [
            kernel_response(conv, x[i : i + batch_size].to(dev), kernel).cpu()
            for i in range(0, len(x), batch_size)
        ]
    if not maps or n <= 0:
        empty = np.zeros(0, np.int64)
        return {
            "patches": np.zeros((0, kh, kw), np.float32),
            "activation": np.zeros(0, np.float32),
            "image": empty,
            "row": empty,
            "col": empty,
        }
    a = torch.cat(maps)  # (N, H', W')
    n_img, oh, ow = a.shape
    if one_per_image:
        best, flat = a.reshape(n_img, -1).max(dim=1)
        img_idx = torch.argsort(best, descending=True, stable=True)[:n]
        pos, act = flat[img_idx], best[img_idx]
    else:
        act, flat = torch.topk(a.reshape(-1), min(n, a.numel()))
        img_idx, pos = flat // (oh * ow), flat % (oh * ow)
    rows, cols = (pos // ow) * sy, (pos % ow) * sx  # top-left corner in the padded image
    padded = F.pad(x, (px, px, py, py))
    patches = torch.stack(
        [padded[i, 0, r : r + kh, c : c + kw] for i, r, c in zip(img_idx, rows, cols)]
    )
    return {
        "patches": patches.numpy(),
        "activation": act.numpy(),
        "image": img_idx.numpy().astype(np.int64),
        "row": (rows - py).numpy().astype(np.int64),
        "col": (cols - px).numpy().astype(np.int64),
    }
