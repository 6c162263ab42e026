import itertools

import numpy as np
import pytest
import torch
from torch import nn

from core.errors import LabError
from core.interpret.patches import kernel_response, top_patches
from core.interpret.preferred import preferred_input
from core.interpret.strokes import best_path, preferred_stroke, random_curves, render_curves
from core.nn.threads import single_threaded

SIZE, K = (40, 40), 9
FAST = {"steps": 25}


@pytest.fixture(autouse=True, scope="module")
def _one_thread():
    """Many tiny tensor ops: run them as the app does, on one torch thread (core.threads)."""
    with single_threaded():
        yield


def _bars() -> torch.Tensor:
    """(2, 1, K, K): a horizontal and a vertical bar detector (negative surround)."""
    w = torch.full((2, 1, K, K), -0.3)
    w[0, 0, K // 2, :] = 1.0
    w[1, 0, :, K // 2] = 1.0
    return w


class _Bars(nn.Module):
    """Class 0 = "flat" (horizontal bars), class 1 = "jumps" (vertical bars)."""

    def __init__(self, padding: int = 0, bias: float = -2.0):
        super().__init__()
        self.conv1 = nn.Conv2d(1, 2, K, padding=padding)
        with torch.no_grad():
            self.conv1.weight.copy_(_bars())
            self.conv1.bias.fill_(bias)

    def forward(self, x):
        return torch.relu(self.conv1(x)).mean(dim=(2, 3))


def activation(model: _Bars, images, *, kernel: int | None = None, cls: int | None = None):
    """(B,) what preferred_input maximises, for images (B, H, W): a kernel's mean ReLU response
    or a class output, computed here by hand to check it from outside."""
    x = torch.as_tensor(np.asarray(images), dtype=torch.float32)[:, None]
    with torch.no_grad():
        if kernel is not None:
            return torch.relu(model.conv1(x)[:, kernel]).mean(dim=(1, 2)).numpy()
        return model(x)[:, cls].numpy()


def random_trace_images(n: int, seed: int) -> np.ndarray:
    """(n, H, W) one-bit random traces: the baseline a preferred input should beat."""
    curves = random_curves(n, SIZE, torch.Generator().manual_seed(seed))
    return render_curves(curves, SIZE[0])[:, 0].numpy()


def _is_trace(x: np.ndarray) -> bool:
    return set(np.unique(x).tolist()) <= {0.0, 1.0} and bool((x.sum(axis=0) >= 1).all())


@pytest.mark.parametrize(
    "target, bias",
    [({"kernel": 0}, -2.0), ({"kernel": 1}, -2.0), ({"cls": 0}, -0.2), ({"cls": 1}, -0.2)],
)
def test_preferred_trace_beats_random_traces(target, bias):
    model = _Bars(bias=bias)
    x = preferred_input(model, size=SIZE, seed=1, **target, **FAST)
    assert x.shape == SIZE and x.dtype == np.float32 and _is_trace(x)
    assert x.sum() <= SIZE[0] + SIZE[1]  # no more ink than a real trace: one swing
    baseline = activation(model, random_trace_images(32, seed=2), **target)
    assert activation(model, x[None], **target)[0] > baseline.max()


def test_preferred_trace_reflects_the_kernel():
    model = _Bars()
    flat = preferred_input(model, kernel=0, size=SIZE, **FAST)
    jumps = preferred_input(model, kernel=1, size=SIZE, **FAST)
    assert flat.sum() == SIZE[1]  # a horizontal-bar kernel wants a flat line: one pixel a column
    assert (jumps.sum(axis=0) >= K // 2).any()  # a vertical-bar kernel wants a jump


def test_preferred_pixels_are_binary_and_sparse():
    model = _Bars(bias=-0.2)
    x = preferred_input(model, kernel=0, size=SIZE, style="pixels", steps=30, white_fraction=0.05)
    assert set(np.unique(x).tolist()) <= {0.0, 1.0} and 0 < x.mean() <= 0.05 + 1e-6
    soft = preferred_input(model, cls=0, size=SIZE, style="pixels", steps=10, binarise=False)
    assert soft.min() >= 0 and soft.max() <= 1
    noise = (np.random.default_rng(0).random((16, *SIZE)) < x.mean()).astype(np.float32)
    assert activation(model, x[None], kernel=0)[0] > activation(model, noise, kernel=0).mean()


def test_preferred_input_is_seeded_restores_conv1_and_checks_arguments():
    model = _Bars()
    model.train()
    before = model.conv1.weight.detach().clone()
    a = preferred_input(model, cls=0, size=SIZE, seed=3, steps=10)
    b = preferred_input(model, cls=0, size=SIZE, seed=3, steps=10)
    assert np.array_equal(a, b)
    other = preferred_input(model, kernel=0, size=SIZE, steps=5, weights=_bars().flip(0))
    assert _is_trace(other)
    assert torch.equal(model.conv1.weight, before) and model.training
    assert all(p.grad is None for p in model.parameters())
    with pytest.raises(ValueError):
        preferred_input(model, kernel=0, cls=0, size=SIZE)
    with pytest.raises(LabError):
        preferred_input(model, kernel=5, size=SIZE)
    with pytest.raises(LabError):
        preferred_input(model, cls=7, size=SIZE)


def test_best_path_is_exact():
    rng = np.random.default_rng(0)
    gain = rng.normal(size=(4, 5))
    for ink in (0.0, 0.7):
        y, score = best_path(gain, ink)
        best = -np.inf
        for path in itertools.product(range(4), repeat=5):  # every trace, by brute force
            img = render_curves(torch.tensor([path], dtype=torch.float32), 4)[0, 0].numpy()
            value = (img * gain).sum() - ink * np.abs(np.diff(path)).sum()
            best = max(best, value)
        assert score == pytest.approx(best)
        img = render_curves(torch.from_numpy(y[None].astype(np.float32)), 4)[0, 0].numpy()
        assert (img * gain).sum() - ink * np.abs(np.diff(y)).sum() == pytest.approx(score)


def test_preferred_stroke_of_bar_kernels():
    w = _bars()[:, 0].numpy()
    flat = preferred_stroke(w[0])
    assert flat.shape == (K, K) and flat[K // 2].all() and flat.sum() == K
    jump = preferred_stroke(w[1])
    assert jump[:, K // 2].all()  # the trace runs the whole middle column


def test_render_curves_hard_and_soft():
    y = torch.tensor([[5.0, 5.0, 9.0, 9.0]])
    hard = render_curves(y, 12)[0, 0]
    assert hard.shape == (12, 4)
    assert hard[:, 0].nonzero().flatten().tolist() == [5]
    assert hard[:, 1].nonzero().flatten().tolist() == [5, 6, 7, 8, 9]  # the jump is drawn
    soft = render_curves(y, 12, tau=0.5)[0, 0]
    assert (soft >= 0).all() and (soft <= 1).all() and soft[5, 0] > 0.5 > soft[0, 0]
    traces = random_trace_images(8, seed=0)
    assert traces.shape == (8, *SIZE) and all(_is_trace(t) for t in traces)
    assert np.array_equal(traces, random_trace_images(8, seed=0))


def _planted(n=6, seed=0):
    x = (np.random.default_rng(seed).random((n, 1, *SIZE)) < 0.02).astype(np.float32)
    x[3, 0, 15, 5:25] = 1.0  # a horizontal stroke only in image 3
    return x


def test_kernel_response_matches_conv1():
    model = _Bars(padding=2)
    x = torch.from_numpy(_planted())
    want = model.conv1(x)[:, 1]
    torch.testing.assert_close(kernel_response(model.conv1, x, 1), want, atol=1e-4, rtol=1e-4)


def test_top_patches_find_the_planted_stroke():
    model = _Bars()
    top = top_patches(model, _planted(), kernel=0, n=3)
    assert top["patches"].shape == (3, K, K) and top["image"][0] == 3
    assert (np.diff(top["activation"]) <= 0).all() and len(set(top["image"].tolist())) == 3
    r, c = top["row"][0], top["col"][0]
    assert r == 15 - K // 2 and 5 <= c <= 25 - K
    assert (top["patches"][0][K // 2] == 1).all()
    x = _planted()
    assert np.array_equal(top["patches"][0], x[3, 0, r : r + K, c : c + K])
    many = top_patches(model, x, kernel=0, n=4, one_per_image=False)
    assert (many["image"] == 3).all()  # every best position is on the stroke


def test_top_patches_with_padding_and_snapshot_weights():
    model = _Bars(padding=K // 2)
    x = _planted()
    top = top_patches(model, x, kernel=0, n=2)
    assert top["image"][0] == 3 and top["row"][0] == 15 - K // 2
    flipped = top_patches(model, x, kernel=0, n=1, weights=_bars().flip(0), bias=torch.zeros(2))
    assert flipped["patches"].shape == (1, K, K)
    assert torch.equal(model.conv1.weight, _bars())
    with pytest.raises(LabError):
        top_patches(model, x, kernel=2)
