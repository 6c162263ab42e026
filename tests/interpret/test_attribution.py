import numpy as np
import pytest
import torch
from torch import nn

from core.interpret.attribution import grad_cam, saliency_map
from core.nn.threads import single_threaded

SIZE, K = 40, 5


@pytest.fixture(autouse=True, scope="module")
def _one_thread():
    """Many tiny tensor ops: run them as the app does, on one torch thread (core.threads)."""
    with single_threaded():
        yield


class _Halves(nn.Module):
    """Output 0 looks only at the left half of conv1's map, output 1 only at the right half."""

    def __init__(self):
        super().__init__()
        torch.manual_seed(0)
        self.conv1 = nn.Conv2d(1, 2, K)
        with torch.no_grad():
            self.conv1.weight.abs_()
            self.conv1.bias.fill_(0.1)

    def forward(self, x):
        a = torch.relu(self.conv1(x)).sum(dim=1)  # (B, H', W')
        half = a.shape[-1] // 2
        return torch.stack([a[..., :half].mean(dim=(1, 2)), a[..., half:].mean(dim=(1, 2))], 1)


def _image():
    img = np.zeros((SIZE, SIZE), np.float32)
    img[20, :] = 1.0
    img[5:20, 10] = 1.0
    return img


def test_saliency_shape_range_and_where_it_looks():
    model = _Halves()
    model.train()
    for samples in (0, 4):
        heat = saliency_map(model, _image(), target=0, samples=samples)
        assert heat.shape == (SIZE, SIZE) and heat.dtype == np.float32
        assert heat.min() >= 0 and heat.max() == pytest.approx(1.0)
        half = (SIZE - K + 1) // 2
        assert np.all(heat[:, half + K - 1 :] == 0)  # beyond what output 0 can see
    assert model.training and all(p.grad is None for p in model.parameters())


def test_saliency_default_target_is_the_prediction():
    model = _Halves()
    img = _image()
    pred = int(model(torch.from_numpy(img)[None, None]).argmax())
    np.testing.assert_allclose(saliency_map(model, img), saliency_map(model, img, target=pred))


def test_grad_cam_shape_range_and_centres():
    model = _Halves()
    with torch.no_grad():  # a page may call it inside no_grad; it must still work
        cam = grad_cam(model, _image(), target=1)
    assert cam.shape == (SIZE, SIZE) and cam.min() >= 0 and cam.max() == pytest.approx(1.0)
    pad = (K - 1) // 2
    assert np.all(cam[:pad] == 0) and np.all(cam[:, -pad:] == 0)  # centres of valid positions only
    assert cam[20, 20] > 0.5  # kernels with positive weights fire on the trace
    assert all(p.grad is None for p in model.parameters())


def test_maps_with_snapshot_weights_restore_conv1():
    model = _Halves()
    before = model.conv1.weight.detach().clone()
    zero = grad_cam(model, _image(), 0, weights=torch.zeros_like(before), bias=-torch.ones(2))
    assert np.all(zero == 0)  # a dead layer gives an empty map, not NaNs
    assert torch.equal(model.conv1.weight, before)
