"""Saliency and Grad-CAM against captum, the reference implementation, on the lab's own network
(as the FFT convolution is checked against F.conv2d).

The lab's maps differ from captum's defaults on purpose, so each is compared with the captum method
and settings that compute the same thing:
- saliency with samples > 0 is SmoothGrad of |gradient|: captum's NoiseTunnel(Saliency) with
  nt_type="smoothgrad"; both draw the noise as one (samples, 1, H, W) normal tensor, so the same
  seed gives the same noisy copies;
- Grad-CAM is on conv1, each value placed at the centre of its kernel's receptive field: captum's
  LayerGradCam on conv1, padded by (K - 1) / 2 here; `rectify` weighs ReLU(A) instead of A, which
  captum gives per channel (attr_dim_summation=False) masked by LayerActivation's A > 0;
- the lab divides each map by its maximum (saliency: its 99.5th percentile, clipped to 1).
"""

from __future__ import annotations

import numpy as np
import pytest
import torch
from captum.attr import LayerActivation, LayerGradCam, NoiseTunnel, Saliency

from core.data.waveforms import WaveformSpec, render_batch
from core.interpret.attribution import grad_cam, saliency_map
from core.nn.model import ModelConfig, build_model

SIZE, K = 100, 25


def _network(conv_impl: str) -> torch.nn.Module:
    """The default network (conv1 25x25, pooling, conv2, global pooling) with dropout, in training
    mode: the lab must switch to eval mode itself, or dropout makes the maps differ."""
    cfg = ModelConfig(image_size=SIZE, kernel_size=K, conv_impl=conv_impl, dropout=0.5)
    return build_model(cfg, seed=0).train()


def _images() -> torch.Tensor:
    """float32 (3, 1, H, W): one generated image of each class."""
    images, labels = render_batch(WaveformSpec(size=SIZE), 3, seed=1)
    return torch.from_numpy(images[np.argsort(labels)].astype(np.float32))[:, None]


def _scaled(heat: torch.Tensor, percentile: float = 100.0) -> np.ndarray:
    heat = heat.detach().numpy().astype(np.float32)
    return np.clip(heat / np.percentile(heat, percentile), 0.0, 1.0)


def _at_kernel_centres(cam: torch.Tensor) -> torch.Tensor:
    """(H', W') conv1 map -> (H, W): value [i, j] at pixel [i + (K-1)/2, j + (K-1)/2]."""
    full = torch.zeros(SIZE, SIZE)
    pad = (K - 1) // 2
    full[pad : pad + cam.shape[0], pad : pad + cam.shape[1]] = cam
    return full


@pytest.fixture(params=["fft", "direct"])
def model(request) -> torch.nn.Module:
    return _network(request.param)


@pytest.mark.parametrize("target", [0, 1, 2])
def test_plain_saliency_is_captums_saliency(model, target):
    x = _images()[target : target + 1]
    ours = saliency_map(model, x[0, 0], target, samples=0, percentile=100.0)
    assert model.training  # the lab gives the mode back
    ref = Saliency(model.eval()).attribute(x.clone().requires_grad_(), target=target, abs=True)
    np.testing.assert_allclose(ours, _scaled(ref[0, 0]), atol=1e-5)
    assert (ours > 0).mean() > 0.5  # a real map, not two empty ones that agree


@pytest.mark.parametrize("seed", [0, 7])
def test_smoothgrad_is_captums_noise_tunnel_with_the_same_noise(model, seed):
    x = _images()[1:2]
    ours = saliency_map(model, x[0, 0], 1, samples=6, noise=0.15, seed=seed, percentile=100.0)
    default = saliency_map(model, x[0, 0], 1, samples=6, noise=0.15, seed=seed)  # 99.5th pct
    torch.manual_seed(seed)  # captum draws its noise from the global generator
    tunnel = NoiseTunnel(Saliency(model.eval()))
    ref = tunnel.attribute(
        x.clone().requires_grad_(), nt_type="smoothgrad", nt_samples=6, stdevs=0.15, target=1
    )[0, 0]
    np.testing.assert_allclose(ours, _scaled(ref), atol=1e-5)
    np.testing.assert_allclose(default, _scaled(ref, 99.5), atol=1e-5)
    plain = saliency_map(model, x[0, 0], 1, samples=0, percentile=100.0)
    assert np.abs(ours - plain).max() > 0.05  # the noise matters: the agreement is not vacuous


@pytest.mark.parametrize("target", [0, 2])
def test_grad_cam_is_captums_layer_grad_cam_at_kernel_centres(model, target):
    x = _images()[target : target + 1]
    ours = grad_cam(model, x[0, 0], target, rectify=False)
    cam = LayerGradCam(model.eval(), model.conv1).attribute(
        x, target=target, relu_attributions=True
    )[0, 0]  # (H', W') = (H - K + 1, W - K + 1)
    assert cam.shape == (SIZE - K + 1, SIZE - K + 1)
    np.testing.assert_allclose(ours, _scaled(_at_kernel_centres(cam)), atol=1e-5)
    assert 0.05 < (ours > 0).mean() < 1.0


@pytest.mark.parametrize("target", [0, 1, 2])
def test_rectified_grad_cam_is_captums_per_channel_terms_where_a_kernel_fires(model, target):
    x = _images()[target : target + 1]
    ours = grad_cam(model, x[0, 0], target)  # rectify=True: what the pages show
    model.eval()
    layer = LayerGradCam(model, model.conv1)
    terms = layer.attribute(x, target=target, attr_dim_summation=False)[0]
    # terms: (k, H', W'), the mean gradient of channel k times its map A_k
    fires = LayerActivation(model, model.conv1).attribute(x)[0] > 0  # (k, H', W')
    cam = torch.relu((terms * fires).sum(dim=0))
    np.testing.assert_allclose(ours, _scaled(_at_kernel_centres(cam)), atol=1e-5)
    plain = grad_cam(model, x[0, 0], target, rectify=False)
    assert np.abs(ours - plain).max() > 0.05  # rectifying changes the map: a real check


def test_snapshot_kernels_are_used_as_captum_sees_them_in_the_layer(model):
    """weights/bias swap a snapshot's kernels in for the map; captum sees them in the layer."""
    x = _images()[2:3]
    gen = torch.Generator().manual_seed(4)
    w = torch.randn(model.conv1.weight.shape, generator=gen) * 0.05
    b = torch.randn(model.conv1.bias.shape, generator=gen) * 0.05
    ours_cam = grad_cam(model, x[0, 0], 2, weights=w, bias=b, rectify=False)
    ours_sal = saliency_map(model, x[0, 0], 2, samples=0, weights=w, bias=b, percentile=100.0)
    with torch.no_grad():
        model.conv1.weight.copy_(w)
        model.conv1.bias.copy_(b)
    model.eval()
    cam = LayerGradCam(model, model.conv1).attribute(x, target=2, relu_attributions=True)[0, 0]
    sal = Saliency(model).attribute(x.clone().requires_grad_(), target=2)[0, 0]
    np.testing.assert_allclose(ours_cam, _scaled(_at_kernel_centres(cam)), atol=1e-5)
    np.testing.assert_allclose(ours_sal, _scaled(sal), atol=1e-5)
