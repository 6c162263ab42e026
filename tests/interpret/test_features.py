import numpy as np
import pytest
import torch
import torch.nn.functional as F

from core.errors import LabError
from core.interpret.features import (
    CORRELATION_VS_CONVOLUTION,
    correlate,
    feature_map,
    feature_maps,
    receptive_field,
)


def _trace(h, w, seed=0):
    rng = np.random.default_rng(seed)
    return (rng.random((h, w)) < 0.1).astype(np.float32)


def _reference(image, kernel, bias=0.0):
    """The network's own computation: F.conv2d on (1, 1, H, W)."""
    x = torch.from_numpy(image)[None, None]
    w = torch.from_numpy(np.ascontiguousarray(kernel, dtype=np.float32))[None, None]
    return F.conv2d(x, w, torch.tensor([bias], dtype=torch.float32))[0, 0].numpy()


@pytest.mark.parametrize("size", [30, 100, 160])  # direct and FFT routes
def test_correlation_matches_conv2d(size):
    rng = np.random.default_rng(size)
    image, kernel = _trace(size, size + 7), rng.normal(0, 0.05, (25, 25)).astype(np.float32)
    if size == 30:
        kernel = kernel[:5, :5]
    got = feature_map(image, kernel, 0.3, "correlation")
    want = _reference(image, kernel, 0.3)
    assert got.shape == want.shape == (size - kernel.shape[0] + 1, size + 7 - kernel.shape[1] + 1)
    assert got.dtype == np.float32
    np.testing.assert_allclose(got, want, atol=2e-5)


def test_convolution_is_correlation_with_the_flipped_kernel():
    rng = np.random.default_rng(1)
    image, kernel = _trace(60, 60), rng.normal(0, 0.05, (25, 25)).astype(np.float32)
    got = feature_map(image, kernel, -0.1, "convolution")
    np.testing.assert_allclose(got, _reference(image, kernel[::-1, ::-1], -0.1), atol=2e-5)
    assert not np.allclose(got, feature_map(image, kernel, -0.1, "correlation"), atol=1e-3)


def test_a_hand_computed_example():
    image = np.array([[1, 0, 0], [0, 1, 0], [0, 0, 0]], np.float32)
    kernel = np.array([[1, 2], [3, 4]], np.float32)
    assert np.allclose(
        feature_map(image, kernel, 0.5), [[1 + 4 + 0.5, 0 + 3 + 0.5], [2 + 0.5, 1.5]]
    )
    # convolution: flipped kernel [[4, 3], [2, 1]]
    assert np.allclose(feature_map(image, kernel, 0.0, "convolution"), [[5, 2], [3, 4]])


def test_both_routes_agree_and_are_differentiable():
    x = torch.rand(2, 1, 64, 64, requires_grad=True)
    w = torch.randn(3, 1, 25, 25)
    direct, fft = correlate(x, w, use_fft=False), correlate(x, w, use_fft=True)
    assert direct.shape == fft.shape == (2, 3, 40, 40)
    torch.testing.assert_close(fft, direct, atol=1e-4, rtol=1e-4)
    fft.sum().backward()
    assert x.grad is not None and x.grad.shape == x.shape


def test_feature_maps_stack_one_map_per_kernel():
    rng = np.random.default_rng(2)
    image = _trace(100, 100)
    weights = rng.normal(0, 0.05, (5, 1, 25, 25)).astype(np.float32)
    bias = rng.normal(0, 0.1, 5).astype(np.float32)
    maps = feature_maps(image, weights, bias)
    assert maps.shape == (5, 76, 76)
    for k in range(5):
        np.testing.assert_allclose(maps[k], feature_map(image, weights[k, 0], bias[k]), atol=1e-5)
    ref = F.conv2d(torch.from_numpy(image)[None, None], torch.from_numpy(weights))
    ref = ref + torch.from_numpy(bias).reshape(1, 5, 1, 1)
    np.testing.assert_allclose(maps, ref[0].numpy(), atol=2e-5)
    as_torch = feature_maps(
        torch.from_numpy(image), torch.from_numpy(weights), torch.from_numpy(bias)
    )
    np.testing.assert_allclose(as_torch, maps)


@pytest.mark.parametrize("mode", ["correlation", "convolution"])
def test_receptive_field_sum_is_the_feature_map_value(mode):
    rng = np.random.default_rng(3)
    image, kernel = _trace(100, 100, seed=4), rng.normal(0, 0.05, (25, 25)).astype(np.float32)
    fmap = feature_map(image, kernel, 0.2, mode)
    for row, col in [(0, 0), (75, 75), (10, 60), (40, 3)]:
        rf = receptive_field(image, kernel, 0.2, row, col, mode)
        assert rf["patch"].shape == rf["kernel"].shape == rf["product"].shape == (25, 25)
        assert np.array_equal(rf["patch"], image[row : row + 25, col : col + 25])
        want_kernel = kernel[::-1, ::-1] if mode == "convolution" else kernel
        assert np.array_equal(rf["kernel"], want_kernel)
        assert rf["sum"] == pytest.approx(float(rf["product"].sum()), abs=1e-6)
        assert rf["value"] == pytest.approx(rf["sum"] + 0.2)
        assert rf["value"] == pytest.approx(float(fmap[row, col]), abs=1e-5)


def test_user_errors_and_bad_arguments():
    with pytest.raises(LabError, match="larger than the image"):
        feature_map(np.zeros((10, 10)), np.zeros((25, 25)))
    with pytest.raises(LabError, match="outside the feature map"):
        receptive_field(np.zeros((30, 30)), np.zeros((25, 25)), 0.0, 6, 0)
    with pytest.raises(ValueError):
        feature_map(np.zeros((30, 30)), np.zeros((5, 5)), mode="sideways")
    with pytest.raises(ValueError):
        feature_map(np.zeros((30, 30, 3)), np.zeros((5, 5)))


def test_integer_and_boolean_images_are_taken_as_they_are():
    image = _trace(40, 40)
    kernel = np.ones((5, 5), np.float32)
    want = feature_map(image, kernel)
    assert np.allclose(feature_map(image.astype(bool), kernel), want)
    assert np.allclose(feature_map(image.astype(np.uint8), kernel), want)


def test_the_explanation_is_one_sentence():
    text = CORRELATION_VS_CONVOLUTION
    assert text.endswith(".") and text.count(". ") == 0 and "flip" in text
