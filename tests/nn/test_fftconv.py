"""fft_conv2d and Conv2dFFT against torch.nn.functional.conv2d: outputs and all three gradients."""

import pytest
import torch
import torch.nn.functional as F
from torch import nn

from core.errors import LabError
from core.nn import fftconv
from core.nn.fftconv import (
    FFT_MIN_KERNEL,
    Conv2dFFT,
    choose_conv_impl,
    fast_fft_size,
    fft_conv2d,
)


def _both(x, w, b, padding=0, seed=0):
    """(out, grads) of fft_conv2d and of F.conv2d for the same upstream gradient."""
    results = []
    for conv in (fft_conv2d, lambda *a: F.conv2d(*a[:3], padding=a[3])):
        xs, ws = x.detach().requires_grad_(), w.detach().requires_grad_()
        bs = None if b is None else b.detach().requires_grad_()
        out = conv(xs, ws, bs, padding)
        g = torch.randn(out.shape, generator=torch.Generator().manual_seed(seed), dtype=out.dtype)
        inputs = [t for t in (xs, ws, bs) if t is not None]
        results.append((out, torch.autograd.grad(out, inputs, g)))
    return results


def _rand(*shape, dtype=torch.float64, seed=0):
    return torch.randn(shape, generator=torch.Generator().manual_seed(seed), dtype=dtype)


SHAPES = [
    # (x shape, weight shape, padding)
    ((3, 1, 100, 100), (5, 1, 25, 25), 0),  # the lab's first layer
    ((2, 5, 76, 76), (1, 5, 25, 25), 0),  # the study's second layer
    ((2, 5, 19, 19), (16, 5, 5, 5), 2),  # the fast model's second layer
    ((2, 3, 17, 22), (4, 3, 6, 9), 0),  # odd/even, non-square, rectangular kernel
    ((1, 2, 31, 30), (3, 2, 10, 11), (1, 3)),  # odd sizes, uneven padding
    ((2, 16, 30, 30), (16, 16, 9, 9), 0),  # many channel pairs: the einsum path
    ((2, 1, 8, 8), (1, 1, 8, 8), 0),  # kernel as large as the image: one output pixel
]


@pytest.mark.parametrize("xs,ws,padding", SHAPES)
def test_matches_conv2d_float64(xs, ws, padding):
    x, w, b = _rand(*xs), _rand(*ws, seed=1), _rand(ws[0], seed=2)
    (out, grads), (ref, ref_grads) = _both(x, w, b, padding)
    assert out.shape == ref.shape
    torch.testing.assert_close(out, ref, atol=1e-9, rtol=1e-9)
    for g, r in zip(grads, ref_grads):
        torch.testing.assert_close(g, r, atol=1e-9, rtol=1e-9)


@pytest.mark.parametrize(
    "xs,ws",
    [((64, 1, 100, 100), (5, 1, 25, 25)), ((16, 5, 76, 76), (1, 5, 25, 25))],
)
def test_matches_conv2d_float32(xs, ws):
    x = (torch.rand(xs, generator=torch.Generator().manual_seed(0)) < 0.05).float()
    w, b = _rand(*ws, dtype=torch.float32, seed=1) / ws[-1], _rand(ws[0], dtype=torch.float32)
    (out, grads), (ref, ref_grads) = _both(x, w, b)
    assert out.dtype == torch.float32
    for got, want in zip((out, *grads), (ref, *ref_grads)):
        scale = want.abs().max().item()
        torch.testing.assert_close(got, want, atol=1e-4 * scale, rtol=0)


@pytest.mark.parametrize("xs,ws", [((5, 1, 30, 30), (3, 1, 9, 9)), ((7, 3, 20, 21), (2, 3, 5, 4))])
def test_large_batches_run_in_chunks_with_the_same_result(monkeypatch, xs, ws):
    monkeypatch.setattr(fftconv, "_CHUNK_ELEMENTS", 1)  # one image per chunk
    assert fftconv._batch_chunk(ws[1], ws[0], (30, 30)) == 1
    x, w, b = _rand(*xs), _rand(*ws, seed=1), _rand(ws[0], seed=2)
    (out, grads), (ref, ref_grads) = _both(x, w, b, padding=1)
    torch.testing.assert_close(out, ref, atol=1e-9, rtol=1e-9)
    for g, r in zip(grads, ref_grads):
        torch.testing.assert_close(g, r, atol=1e-9, rtol=1e-9)


def test_without_bias_and_without_input_gradient():
    x, w = _rand(2, 1, 20, 20), _rand(3, 1, 7, 7, seed=1).requires_grad_()
    out = fft_conv2d(x, w)
    torch.testing.assert_close(out, F.conv2d(x, w), atol=1e-9, rtol=1e-9)
    out.sum().backward()  # an expanded (zero-stride) upstream gradient
    w2 = w.detach().requires_grad_()
    ref = torch.autograd.grad(F.conv2d(x, w2).sum(), w2)[0]
    assert x.grad is None
    torch.testing.assert_close(w.grad, ref, atol=1e-9, rtol=1e-9)


def test_unbatched_image():
    x, w = _rand(2, 20, 20), _rand(3, 2, 9, 9, seed=1)
    torch.testing.assert_close(fft_conv2d(x, w), F.conv2d(x, w), atol=1e-9, rtol=1e-9)
    assert Conv2dFFT(2, 3, 9, impl="fft")(x.float()).shape == (3, 12, 12)


def test_gradcheck():
    x = _rand(2, 2, 7, 6).requires_grad_()
    w = _rand(3, 2, 3, 4, seed=1).requires_grad_()
    b = _rand(3, seed=2).requires_grad_()
    conv = lambda *a: fft_conv2d(*a, padding=1)  # noqa: E731
    assert torch.autograd.gradcheck(conv, (x, w, b), fast_mode=True)


def test_bfloat16_inputs_are_computed_in_float32():
    x, w = _rand(1, 1, 30, 30, dtype=torch.bfloat16), _rand(2, 1, 9, 9, dtype=torch.bfloat16)
    out = fft_conv2d(x, w)
    assert out.dtype == torch.bfloat16
    ref = F.conv2d(x.float(), w.float())
    torch.testing.assert_close(out.float(), ref, atol=0.1 * ref.abs().max().item(), rtol=0)


def test_impossible_settings_raise_laberror():
    with pytest.raises(LabError, match="does not fit"):
        fft_conv2d(torch.zeros(1, 1, 20, 20), torch.zeros(1, 1, 25, 25))
    with pytest.raises(LabError, match="channel"):
        fft_conv2d(torch.zeros(1, 2, 20, 20), torch.zeros(1, 1, 5, 5))
    with pytest.raises(LabError):
        fft_conv2d(torch.zeros(20, 20), torch.zeros(1, 1, 5, 5))
    with pytest.raises(LabError, match="Unknown convolution"):
        Conv2dFFT(1, 5, 25, impl="winograd")
    with pytest.raises(LabError, match="stride 1"):
        Conv2dFFT(1, 5, 25, stride=2, impl="fft")


def test_fast_fft_size():
    assert [fast_fft_size(n) for n in (1, 7, 11, 76, 100, 101)] == [1, 7, 12, 80, 100, 105]


def test_auto_picks_fft_for_large_kernels_on_cpu_only():
    assert choose_conv_impl(25, "cpu") == "fft"
    assert choose_conv_impl(FFT_MIN_KERNEL - 1, "cpu") == "direct"
    assert choose_conv_impl(25, "cuda") == "direct"
    assert choose_conv_impl(25, "mps") == "direct"
    assert Conv2dFFT(1, 5, 25).uses_fft("cpu")
    assert not Conv2dFFT(1, 5, 25).uses_fft("cuda")
    assert not Conv2dFFT(5, 16, 5, padding=2).uses_fft("cpu")
    assert Conv2dFFT(5, 16, 5, padding=2, impl="fft").uses_fft("cuda")
    assert not Conv2dFFT(1, 5, 25, stride=2).uses_fft("cpu")  # 'auto' falls back to direct


@pytest.mark.parametrize("impl", ["auto", "fft", "direct"])
@pytest.mark.parametrize("kwargs", [{}, {"padding": 3}, {"padding": "same"}, {"stride": 2}])
def test_conv2dfft_is_a_drop_in_conv2d(impl, kwargs):
    if impl == "fft" and "stride" in kwargs:  # strided layers are direct-only: say so clearly
        with pytest.raises(LabError, match="stride 1"):
            Conv2dFFT(2, 4, 11, impl=impl, **kwargs)
        return
    torch.manual_seed(0)
    ref = nn.Conv2d(2, 4, 11, **kwargs).double()
    layer = Conv2dFFT(2, 4, 11, impl=impl, **kwargs).double()
    layer.load_state_dict(ref.state_dict())
    x = _rand(3, 2, 40, 37)
    torch.testing.assert_close(layer(x), ref(x), atol=1e-9, rtol=1e-9)
    assert isinstance(layer, nn.Conv2d)


def test_state_dicts_load_both_ways():
    fft_layer, plain = Conv2dFFT(1, 5, 25, impl="fft"), nn.Conv2d(1, 5, 25)
    assert list(fft_layer.state_dict()) == list(plain.state_dict()) == ["weight", "bias"]
    plain.load_state_dict(fft_layer.state_dict())
    torch.testing.assert_close(plain.weight, fft_layer.weight)
    other = Conv2dFFT(1, 5, 25)
    other.load_state_dict(nn.Conv2d(1, 5, 25).state_dict())
    assert "impl=auto" in repr(other)


def test_hooked_output_differentiates_like_direct():
    """What Grad-CAM does: gradients of a score with respect to the hooked layer output."""
    torch.manual_seed(0)
    x = _rand(1, 1, 40, 40)
    grads = []
    for impl in ("fft", "direct"):
        layer = Conv2dFFT(1, 3, 13, impl=impl).double()
        layer.load_state_dict(dict(weight=_rand(3, 1, 13, 13), bias=_rand(3, seed=3)))
        captured = []
        layer.register_forward_hook(lambda _m, _i, out, c=captured: c.append(out))
        xs = x.clone().requires_grad_()
        score = layer(xs).relu().square().sum()
        grads.append(torch.autograd.grad(score, [captured[0], xs]))
    for a, b in zip(*grads):
        torch.testing.assert_close(a, b, atol=1e-9, rtol=1e-9)
