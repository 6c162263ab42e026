"""What a kernel or a class "wants to see": activation maximisation and top-activating patches.

`preferred_input` looks for the one-bit image that raises a kernel's mean ReLU activation (over
all positions) or a class output most. Free pixels drift to blobs and hatching that no scope shows,
so by default the answer is a trace (one run of white per column, `core/strokes.py`), found by
Frank-Wolfe over traces: linearise the objective at the running soft image (jittered, its gain map
blurred less and less), take the exactly best trace for those gains by dynamic programming with a
price on ink (vertical travel, the trace's total variation) that keeps it within a real trace's
worth, step towards it; the best trace seen wins, binary by construction. style="pixels" instead
optimises free pixels x = sigmoid(z) with total-variation and ink penalties, an ink budget, jitter
and a fading blur, then keeps the brightest pixels.
`top_patches` (`core/patches.py`) is the data-driven counterpart.
"""

from __future__ import annotations

import numpy as np
import torch
import torch.nn.functional as F
from torch import nn

from core.errors import LabError
from core.interpret.patches import kernel_response
from core.interpret.strokes import best_path, random_curves, render_curves
from core.nn.swap import conv1_swapped, model_device


def _gaussian_blur(x: torch.Tensor, sigma: float) -> torch.Tensor:
    """x (1, 1, H, W) blurred by a separable Gaussian of `sigma` pixels (reflect padding)."""
    if sigma <= 0.05:
        return x
    r = max(1, int(round(3 * sigma)))
    t = torch.arange(-r, r + 1, dtype=x.dtype, device=x.device)
    g = torch.exp(-0.5 * (t / sigma) ** 2)
    g = g / g.sum()
    x = F.conv2d(F.pad(x, (r, r, 0, 0), mode="reflect"), g.view(1, 1, 1, -1))
    return F.conv2d(F.pad(x, (0, 0, r, r), mode="reflect"), g.view(1, 1, -1, 1))


def _ink_offset(z: torch.Tensor, budget: float, iters: int = 30) -> float:
    """The shift c >= 0 such that sigmoid(z - c) holds at most `budget` white in total (bisection):
    the image keeps no more ink than a trace."""
    if float(torch.sigmoid(z).sum()) <= budget:
        return 0.0
    lo, hi = 0.0, float(z.max() - z.min()) + 20.0
    for _ in range(iters):
        mid = 0.5 * (lo + hi)
        if float(torch.sigmoid(z - mid).sum()) > budget:
            lo = mid
        else:
            hi = mid
    return hi


def _binarise(x: np.ndarray, keep: int) -> np.ndarray:
    """{0, 1} image: the `keep` brightest pixels (a trace's worth of ink) among those above the
    median, so a faint optimum still shows where its ink went and a flat one stays black."""
    flat = x.ravel()
    if keep <= 0 or flat.max() <= np.median(flat):
        return np.zeros_like(x, dtype=np.float32)
    cut = np.partition(flat, flat.size - keep)[flat.size - keep]
    return ((x >= cut) & (x > np.median(flat))).astype(np.float32)


def _objective(model: nn.Module, x: torch.Tensor, kernel, cls, temperature: float = 0.0):
    """(B,) the quantity to maximise for x (B, 1, H, W). While optimising, a kernel's ReLU is
    softened to T softplus(a / T): an off kernel still says which arrangement of ink brings it
    closer to firing (the mean of a plain linear response ignores arrangement)."""
    if kernel is not None:
        a = kernel_response(model.conv1, x, kernel)
        if temperature > 0:
            return (temperature * F.softplus(a / temperature)).mean(dim=(1, 2))
        return torch.relu(a).mean(dim=(1, 2))
    return model(x)[:, cls]


def _temperature(model, kernel, size, gen, dev) -> float:
    """The spread of a kernel's pre-activation over random traces: where softening starts."""
    if kernel is None:
        return 0.0
    with torch.no_grad():
        probe = render_curves(random_curves(8, size, gen), size[0]).to(dev)
        return float(kernel_response(model.conv1, probe, kernel).std()) + 1e-6


def _random_pixels(n: int, size: tuple[int, int], fraction: float, gen: torch.Generator):
    """(n, 1, H, W) random one-bit images with about `fraction` white pixels."""
    return (torch.rand((n, 1, *size), generator=gen) < fraction).float()


def _pixel_gain(model, kernel, cls, size, gen, dev, temperature) -> float:
    """The objective's gain from one white pixel on random sparse images (99th percentile), so that
    penalties are in "pixels' worth" whatever the model's output scale."""
    probe = _random_pixels(16, size, 0.02, gen).to(dev).requires_grad_(True)
    (g,) = torch.autograd.grad(_objective(model, probe, kernel, cls, temperature).sum(), probe)
    return float(torch.quantile(g.abs().mean(dim=0).flatten(), 0.99)) + 1e-12


def _jitter(jitter: int, gen: torch.Generator) -> tuple[int, int]:
    """A random (rows, columns) shift of at most `jitter` pixels: robustness to where things are."""
    if jitter <= 0:
        return (0, 0)
    dy, dx = torch.randint(-jitter, jitter + 1, (2,), generator=gen).tolist()
    return (dy, dx)


def _path_within(gain: np.ndarray, ink_cost: float, max_travel: float) -> np.ndarray:
    """`best_path` heights, with the ink cost doubled until the trace's vertical travel fits."""
    ink_cost = max(ink_cost, 1e-12)
    for _ in range(12):
        y, _ = best_path(gain, ink_cost)
        if np.abs(np.diff(y)).sum() <= max_travel:
            break
        ink_cost *= 2.0
    return y


def _stroke_start(model: nn.Module, kernel: int, size, ink_weight: float, max_travel, dev):
    """(1, 1, H, W) the trace through the best stroke for `kernel` placed mid-image, and its
    objective value: a start from which even a kernel that is off on most traces can be found."""
    h, w = size
    weights = model.conv1.weight[kernel, 0].detach().cpu().double().numpy()
    kh, kw = weights.shape
    gain = np.zeros((h, w))
    top, left = max(0, (h - kh) // 2), max(0, (w - kw) // 2)
    gain[top : top + kh, left : left + kw] = weights[: h - top, : w - left]
    y = _path_within(gain, ink_weight * float(np.quantile(np.abs(weights), 0.99)), max_travel)
    x = render_curves(torch.from_numpy(y[None].astype(np.float32)), h).to(dev)
    with torch.no_grad():
        value = float(_objective(model, x, kernel, None)[0])
    return x, value


def _optimise_trace(model, kernel, cls, size, steps, gen, dev, ink, jitter) -> np.ndarray:
    """(H, W) one-bit trace by Frank-Wolfe over traces: at the running soft image x, the pixel
    gains d objective / d x (blurred less and less) give the best trace exactly (`best_path`);
    x moves towards it, and the best trace seen that fits the ink budget, by the true objective,
    wins."""
    h, w = size
    ink_weight, white_fraction = ink
    max_travel = max(white_fraction * h * w - w, h)  # a real trace's worth of ink in all
    t0 = _temperature(model, kernel, size, gen, dev)
    price = ink_weight
    if kernel is not None:  # start from the stroke that drives the kernel hardest at one place
        x, best_value = _stroke_start(model, kernel, size, ink_weight, max_travel, dev)
    else:  # start from the best of a few random traces: a class is rarely off on all of them
        probes = render_curves(random_curves(8, size, gen), h).to(dev)
        with torch.no_grad():
            values = _objective(model, probes, kernel, cls)
        x, best_value = probes[int(values.argmax()) : int(values.argmax()) + 1], float(values.max())
    best, start = x, 1
    for i in range(start, steps + start):
        anneal = 1.0 - (i - start) / max(1, steps - 1)
        xi = x.detach().requires_grad_(True)
        shifted = torch.roll(xi, shifts=_jitter(jitter, gen), dims=(2, 3))
        objective = _objective(model, shifted, kernel, cls, t0 * (0.1 + 0.9 * anneal))
        (gain,) = torch.autograd.grad(objective.sum(), xi)  # the model's grads stay None
        gain = _gaussian_blur(gain, 1.5 * anneal)[0, 0].cpu().numpy()
        y, _ = best_path(gain, price * float(np.quantile(np.abs(gain), 0.99)) + 1e-12)
        trace = render_curves(torch.from_numpy(y[None].astype(np.float32)), h).to(dev)
        # Price ink like a market: up while traces use more than a real trace would, else down.
        fits = np.abs(np.diff(y)).sum() <= max_travel
        price = price / 1.15 if fits else price * 1.5
        with torch.no_grad():
            value = float(_objective(model, trace, kernel, cls)[0])
        if fits and value > best_value:
            best, best_value = trace, value
        x = x + (2.0 / (i + 2.0)) * (trace - x)
    return best[0, 0].cpu().numpy()


def _optimise_pixels(model, kernel, cls, size, steps, gen, dev, white_fraction, jitter, start):
    """(H, W) soft image x = sigmoid(z) from `start` (H, W): Adam on z with TV and ink penalties,
    an ink budget of `white_fraction` enforced by shifting z, jitter, and a fading blur of z."""
    t0 = _temperature(model, kernel, size, gen, dev)
    scale = _pixel_gain(model, kernel, cls, size, gen, dev, t0)
    budget = white_fraction * size[0] * size[1]
    z = torch.logit(0.05 + 0.9 * torch.as_tensor(start, dtype=torch.float32))[None, None].to(dev)
    z = (z + 0.5 * torch.randn(z.shape, generator=gen).to(dev)).requires_grad_(True)
    opt = torch.optim.Adam([z], lr=0.1)
    for i in range(steps):
        x = torch.sigmoid(z)
        x = torch.roll(x, shifts=_jitter(jitter, gen), dims=(2, 3))
        tv = (x[..., 1:, :] - x[..., :-1, :]).abs().sum() + (x[..., 1:] - x[..., :-1]).abs().sum()
        anneal = 0.1 ** (i / max(1, steps - 1))
        loss = -_objective(model, x, kernel, cls, t0 * anneal)[0] / scale + 0.1 * (tv + x.sum())
        (z.grad,) = torch.autograd.grad(loss, z)
        opt.step()
        with torch.no_grad():
            sigma = 1.5 * (1 - i / max(1, steps - 1))
            if sigma > 0.05 and i % 4 == 0:  # blur early: coarse structure first
                z.copy_(_gaussian_blur(z, sigma))
            z.sub_(_ink_offset(z, budget))
    return torch.sigmoid(z).detach()[0, 0].cpu().numpy()


def preferred_input(
    model: nn.Module,
    *,
    kernel: int | None = None,
    cls: int | None = None,
    size: tuple[int, int] = (100, 100),
    style: str = "trace",
    steps: int | None = None,
    seed: int = 0,
    ink_weight: float = 0.3,
    white_fraction: float = 0.02,
    jitter: int = 1,
    binarise: bool = True,
    weights=None,
    bias=None,
) -> np.ndarray:
    """float32 (H, W) one-bit image that maximises conv1 kernel `kernel`'s mean ReLU activation or
    class `cls`'s output (give exactly one). style "trace": the best single waveform trace (one
    run of white per column, ink within `white_fraction` of the pixels or one full swing);
    "pixels": free-form ink, at most `white_fraction` of the pixels, started from that trace and
    kept only where it beats it (soft in [0, 1] if not binarise). steps: 60 / 150 by default."""
    if (kernel is None) == (cls is None):
        raise ValueError("give exactly one of kernel= or cls=")
    if style not in ("trace", "pixels"):
        raise ValueError(f"style must be 'trace' or 'pixels', not {style!r}")
    n_k = model.conv1.weight.shape[0]
    if kernel is not None and not 0 <= kernel < n_k:
        raise LabError(f"Kernel {kernel} does not exist: the first layer has {n_k} kernels.")
    gen = torch.Generator().manual_seed(seed)
    with conv1_swapped(model, weights, bias), torch.enable_grad():
        dev = model_device(model)
        if cls is not None:
            with torch.no_grad():
                n_out = model(torch.zeros((1, 1, *size), device=dev)).shape[1]
            if not 0 <= cls < n_out:
                raise LabError(f"Class {cls} does not exist: the network has {n_out} outputs.")
        if style == "trace":
            steps = 60 if steps is None else steps
            ink = (ink_weight, white_fraction)
            return _optimise_trace(model, kernel, cls, size, steps, gen, dev, ink, jitter)
        # Free pixels start from the best trace, and only replace it if they do better.
        ink = (ink_weight, white_fraction)
        trace = _optimise_trace(model, kernel, cls, size, 30, gen, dev, ink, jitter)
        steps = 150 if steps is None else steps
        args = (white_fraction, jitter, trace)
        x = _optimise_pixels(model, kernel, cls, size, steps, gen, dev, *args)
        if not binarise:
            return x.astype(np.float32)
        x = _binarise(x, int(round(white_fraction * x.size)))
        with torch.no_grad():
            both = torch.from_numpy(np.stack([x, trace]).astype(np.float32))[:, None].to(dev)
            values = _objective(model, both, kernel, cls)
    return (x if values[0] >= values[1] else trace).astype(np.float32)
