"""Feature maps: what one first-layer kernel computes on one image, and why, pixel by pixel.

`correlation` is what `nn.Conv2d` computes (the kernel slides over the image as drawn);
`convolution` flips the kernel in both axes first, as the original study's script did. Large
kernels go through the FFT by the network's own rule (`choose_conv_impl`), many times faster there
than direct `F.conv2d` on a CPU; both give the same numbers to float32 rounding.
"""

from __future__ import annotations

from typing import Literal

import numpy as np
import torch
import torch.nn.functional as F

from core.errors import LabError
from core.nn.fftconv import choose_conv_impl, fft_conv2d

Mode = Literal["correlation", "convolution"]
MODES: tuple[str, ...] = ("correlation", "convolution")

CORRELATION_VS_CONVOLUTION = (
    "A CNN layer computes a cross-correlation: the kernel slides over the image as it is drawn and "
    "each output is the sum of pixel times weight, while a true convolution first flips the kernel "
    "upside down and left to right, so the two maps differ unless the kernel is symmetric."
)


def _tensor(a, name: str, ndim: int) -> torch.Tensor:
    t = a.detach() if isinstance(a, torch.Tensor) else torch.from_numpy(np.asarray(a))
    t = t.to(dtype=torch.float32, device="cpu")
    if t.ndim != ndim:
        raise ValueError(f"{name} must have {ndim} dimensions, got shape {tuple(t.shape)}")
    return t


def _check(image: torch.Tensor, kh: int, kw: int) -> None:
    h, w = image.shape[-2:]
    if kh > h or kw > w:
        raise LabError(f"The kernel ({kh}x{kw}) is larger than the image ({h}x{w}).")


def correlate(x: torch.Tensor, w: torch.Tensor, use_fft: bool | None = None) -> torch.Tensor:
    """Valid cross-correlation (B, k, H-K+1, W-K+1) of x (B, 1, H, W) with w (k, 1, K, K), exactly
    F.conv2d(x, w) up to rounding; differentiable. use_fft=None picks the faster route, by the
    network's own rule (core.nn.fftconv.choose_conv_impl)."""
    if use_fft is None:
        use_fft = choose_conv_impl(min(w.shape[-2:]), x.device) == "fft"
    if not use_fft:
        return F.conv2d(x, w)
    return fft_conv2d(x, w)  # the network's own FFT route (core.fftconv), same result


def feature_maps(image, weights, bias=None, mode: Mode = "correlation") -> np.ndarray:
    """float32 (k, H-K+1, W-K+1): image (H, W) in network units, weights (k, 1, K, K), bias (k,)."""
    x = _tensor(image, "image", 2)[None, None]  # (1, 1, H, W)
    w = _tensor(weights, "weights", 4)
    if w.shape[1] != 1:
        raise ValueError(f"weights must have one input channel, got shape {tuple(w.shape)}")
    if mode == "convolution":
        w = w.flip(-1, -2)
    elif mode != "correlation":
        raise ValueError(f"mode must be one of {MODES}, not {mode!r}")
    _check(x, *w.shape[-2:])
    with torch.no_grad():
        y = correlate(x, w)[0]
        if bias is not None:
            y = y + _tensor(bias, "bias", 1).reshape(-1, 1, 1)
    return y.numpy()


def feature_map(image, kernel, bias: float = 0.0, mode: Mode = "correlation") -> np.ndarray:
    """float32 (H-K+1, W-K+1): one kernel (K, K) on image (H, W) as conv1 applies it, plus bias."""
    k = _tensor(kernel, "kernel", 2)[None, None]
    return feature_maps(image, k, torch.tensor([float(bias)]), mode)[0]


def receptive_field(
    image, kernel, bias: float, row: int, col: int, mode: Mode = "correlation"
) -> dict:
    """The sum behind map[row, col]: patch (K, K), kernel as applied, product, sum, bias, value."""
    img = _tensor(image, "image", 2).numpy()
    ker = _tensor(kernel, "kernel", 2).numpy()
    kh, kw = ker.shape
    _check(torch.from_numpy(img), kh, kw)
    oh, ow = img.shape[0] - kh + 1, img.shape[1] - kw + 1
    if not (0 <= row < oh and 0 <= col < ow):
        raise LabError(f"Position ({row}, {col}) is outside the feature map ({oh}x{ow}).")
    if mode == "convolution":
        ker = ker[::-1, ::-1].copy()
    elif mode != "correlation":
        raise ValueError(f"mode must be one of {MODES}, not {mode!r}")
    patch = img[row : row + kh, col : col + kw].copy()
    product = patch * ker
    total = float(product.sum(dtype=np.float64))
    return {
        "patch": patch,
        "kernel": ker,
        "product": product,
        "sum": total,
        "bias": float(bias),
        "value": total + float(bias),
    }
