"""Where in an image the network looks: input-gradient saliency and Grad-CAM on conv1
(`core.render.overlay` draws them on the image).

Both maps are (H, W) float32 in [0, 1] for one image (H, W) in network units ({0, 1}). They are
computed with the model in eval mode and leave its parameters' `.grad` untouched.
"""

from __future__ import annotations

import numpy as np
import torch
import torch.nn.functional as F
from torch import nn

from core.nn.swap import conv1_swapped, model_device


def _image_tensor(image, device: torch.device) -> torch.Tensor:
    """float32 (1, 1, H, W) from an (H, W) image."""
    t = image.detach() if isinstance(image, torch.Tensor) else torch.as_tensor(np.asarray(image))
    t = t.to(device=device, dtype=torch.float32)
    if t.ndim == 3 and t.shape[0] == 1:
        t = t[0]
    if t.ndim != 2:
        raise ValueError(f"image must be (H, W), got shape {tuple(t.shape)}")
    return t[None, None]


def _normalise(heat: np.ndarray, percentile: float = 100.0) -> np.ndarray:
    """float32 in [0, 1]: divided by its `percentile` (max by default), all-zero stays zero."""
    heat = np.nan_to_num(np.asarray(heat, dtype=np.float32))
    top = float(np.percentile(heat, percentile)) if heat.size else 0.0
    if top <= 0:
        top = float(heat.max()) if heat.size else 0.0
    if top <= 0:
        return np.zeros_like(heat)
    return np.clip(heat / top, 0.0, 1.0)


def _target(model: nn.Module, x: torch.Tensor, target: int | None) -> int:
    if target is not None:
        return int(target)
    with torch.no_grad():
        return int(model(x).argmax(dim=1)[0])


def saliency_map(
    model: nn.Module,
    image,
    target: int | None = None,
    *,
    samples: int = 8,
    noise: float = 0.15,
    seed: int = 0,
    percentile: float = 99.5,
    weights=None,
    bias=None,
) -> np.ndarray:
    """(H, W) |d output[target] / d pixel| in [0, 1]: SmoothGrad-lite averages `samples` noisy
    copies (samples=0: the plain gradient); target defaults to the predicted class."""
    with conv1_swapped(model, weights, bias), torch.enable_grad():
        x = _image_tensor(image, model_device(model))
        cls = _target(model, x, target)
        batch = x
        if samples > 0:
            gen = torch.Generator().manual_seed(seed)
            eps = torch.randn((samples, 1, *x.shape[-2:]), generator=gen) * noise
            batch = x + eps.to(x.device)  # (S, 1, H, W)
        batch = batch.detach().requires_grad_(True)
        (grad,) = torch.autograd.grad(model(batch)[:, cls].sum(), batch)
        heat = grad.abs().mean(dim=(0, 1)).cpu().numpy()
    return _normalise(heat, percentile)


def grad_cam(
    model: nn.Module,
    image,
    target: int | None = None,
    *,
    rectify: bool = True,
    weights=None,
    bias=None,
) -> np.ndarray:
    """(H, W) Grad-CAM in [0, 1] on conv1: ReLU(sum_k mean(d out/d A_k) * A_k), each value placed at
    the centre of its receptive field. `rectify` uses ReLU(A), what a ReLU network passes on."""
    captured: list[torch.Tensor] = []

    def hook(_module, _inputs, output):
        captured.append(output)

    with conv1_swapped(model, weights, bias):
        x = _image_tensor(image, model_device(model))
        cls = _target(model, x, target)
        handle = model.conv1.register_forward_hook(hook)
        try:
            with torch.enable_grad():
                x = x.detach().requires_grad_(True)  # conv1's output needs a graph to differentiate
                out = model(x)[0, cls]
                act = captured[-1]  # (1, k, H', W')
                (grad,) = torch.autograd.grad(out, act)
        finally:
            handle.remove()
        a = act.detach()[0]
        if rectify:
            a = a.clamp(min=0)
        alpha = grad[0].mean(dim=(1, 2))  # (k,)
        cam = torch.relu((alpha[:, None, None] * a).sum(dim=0))  # (H', W')
        cam = _to_input_grid(cam, model.conv1, x.shape[-2:]).cpu().numpy()
    return _normalise(cam)


def _to_input_grid(cam: torch.Tensor, conv: nn.Conv2d, size) -> torch.Tensor:
    """(H, W): a stride-1 map padded so each value sits at its receptive field's centre; any other
    geometry is resized bilinearly."""
    h, w = size
    ch, cw = cam.shape
    if tuple(conv.stride) == (1, 1) and ch <= h and cw <= w:
        top, left = (h - ch) // 2, (w - cw) // 2
        return F.pad(cam, (left, w - cw - left, top, h - ch - top))
    return F.interpolate(cam[None, None], size=(h, w), mode="bilinear", align_corners=False)[0, 0]
