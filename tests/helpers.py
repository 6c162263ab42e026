"""Small fixtures shared by the tests: a tiny network with a `conv1` and easy 3-class data."""

from __future__ import annotations

import torch
from torch import nn


class TinyNet(nn.Module):
    """conv1 (k kernels of KxK) -> ReLU -> global average -> linear: enough to learn band images."""

    def __init__(self, kernels: int = 2, k: int = 3, n_out: int = 3, seed: int = 0) -> None:
        super().__init__()
        g = torch.Generator().manual_seed(seed)
        self.conv1 = nn.Conv2d(1, kernels, k)
        self.pool = nn.AdaptiveMaxPool2d((3, 1))
        self.fc = nn.Linear(kernels * 3, n_out)
        with torch.no_grad():
            for p in self.parameters():
                p.copy_(torch.randn(p.shape, generator=g) * 0.3)

    def forward(self, x: torch.Tensor) -> torch.Tensor:  # (B, 1, H, W) -> (B, n_out)
        h = torch.relu(self.conv1(x))
        return self.fc(self.pool(h).flatten(1))


def band_data(n: int, size: int = 12, seed: int = 0) -> tuple[torch.Tensor, torch.Tensor]:
    """Images with a white line in the top, middle or bottom third = class 0, 1, 2."""
    g = torch.Generator().manual_seed(seed)
    y = torch.arange(n) % 3
    x = torch.zeros(n, 1, size, size)
    third = size // 3
    rows = y * third + torch.randint(0, third, (n,), generator=g)
    x[torch.arange(n), 0, rows, :] = 1.0
    return x, y


def band_split(n_train: int = 90, n_test: int = 30, size: int = 12):
    xtr, ytr = band_data(n_train, size, seed=1)
    xte, yte = band_data(n_test, size, seed=2)
    return xtr, ytr, xte, yte
