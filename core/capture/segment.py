"""A small trace-segmentation network: which pixels of a picture are a waveform's trace.

Hand rules (a graticule's period, a colour that stands out, one line per column) read the looks
they were made for; a phone photo's glare and bezel or a textbook's arrow-headed axes defeat them.
This network learns the question instead, from thousands of captures the looks generator
(`core.data.looks`) draws in every look with their ground-truth trace masks: domain
randomisation, so what it learns is "a thin line that runs across like a signal", not one scope's
colours. It sees the picture shrunk to SIDE pixels on its longest side and answers, per pixel,
the chance that a trace (any channel's) passes there; `core.capture.search` then reads the trace
in the picture's own pixels where the network points.

The weights ship with the project (WEIGHTS, made by `python scripts/train_segmenter.py`, about
0.3 MB); without them the automatic reading uses its rules alone.
"""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path

import numpy as np
import torch
from PIL import Image
from torch import nn

SIDE = 320  # longest side (px) of the picture the network sees
WEIGHTS = Path(__file__).with_name("segnet.pt")


def _block(cin: int, cout: int, dilation: int = 1) -> nn.Sequential:
    return nn.Sequential(
        nn.Conv2d(cin, cout, 3, padding=dilation, dilation=dilation, bias=False),
        nn.BatchNorm2d(cout),
        nn.ReLU(inplace=True),
    )


class SegNet(nn.Module):
    """A three-level U-Net: full, half and quarter resolution (dilated at the quarter, so one
    pixel's answer sees about a sixth of the picture: enough to tell a trace from a grid line,
    a letter or a channel badge)."""

    def __init__(self, width: int = 12):
        super().__init__()
        w1, w2, w3 = width, 2 * width, 4 * width
        self.enc1 = nn.Sequential(_block(6, w1), _block(w1, w1))
        self.enc2 = nn.Sequential(_block(w1, w2), _block(w2, w2))
        self.enc3 = nn.Sequential(_block(w2, w3), _block(w3, w3, 2), _block(w3, w3, 4))
        self.dec2 = _block(w3 + w2, w2)
        self.dec1 = _block(w2 + w1, w1)
        self.head = nn.Conv2d(w1, 1, 1)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        e1 = self.enc1(x)
        e2 = self.enc2(nn.functional.max_pool2d(e1, 2, ceil_mode=True))
        e3 = self.enc3(nn.functional.max_pool2d(e2, 2, ceil_mode=True))
        up = nn.functional.interpolate(e3, size=e2.shape[-2:], mode="nearest")
        d2 = self.dec2(torch.cat([up, e2], 1))
        up = nn.functional.interpolate(d2, size=e1.shape[-2:], mode="nearest")
        return self.head(self.dec1(torch.cat([up, e1], 1)))[:, 0]


def shrink(rgb: np.ndarray, side: int = SIDE) -> np.ndarray:
    """uint8 (H, W, 3) area-averaged to `side` on its longest side (a thin line stays, fainter)."""
    h, w = rgb.shape[:2]
    f = max(h, w) / side
    if f <= 1:
        return rgb
    size = (max(8, round(w / f)), max(8, round(h / f)))
    return np.asarray(Image.fromarray(rgb).resize(size, Image.Resampling.BOX))


def features(rgb: np.ndarray) -> np.ndarray:
    """float32 (6, h, w) network input of uint8 (h, w, 3): the colours, and the colours less the
    picture's commonest (its background), so a light and a dark picture look alike in the second."""
    a = rgb.astype(np.float32) / 255.0
    bg = np.median(a.reshape(-1, 3)[:: max(1, a.shape[0] * a.shape[1] // 20000)], axis=0)
    return np.concatenate([a, 2.0 * (a - bg)], axis=2).transpose(2, 0, 1).copy()


@lru_cache(maxsize=1)
def load_segnet(path: str | None = None) -> SegNet | None:
    """The shipped network in eval mode, or None where its weights are absent."""
    p = Path(path) if path else WEIGHTS
    if not p.is_file():
        return None
    saved = torch.load(p, map_location="cpu", weights_only=True)
    net = SegNet(int(saved.get("width", 12)))
    net.load_state_dict(saved["state"])
    return net.eval()


def trace_probability(rgb: np.ndarray, net: SegNet | None = None) -> np.ndarray | None:
    """float32 (h, w) chance that a trace passes through each pixel of `shrink(rgb)`, or None
    where no network is available."""
    net = net if net is not None else load_segnet()
    if net is None:
        return None
    x = torch.from_numpy(features(shrink(rgb)))[None]
    with torch.inference_mode():
        return torch.sigmoid(net(x))[0].numpy()
