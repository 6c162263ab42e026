"""The study's network at its published scale ('paper-published': 500x500 images, ~209M weights)
and what it needs: a CUDA GPU, memory worked out from its shapes, a CPU time measured here.

The study's code flattens 226x226 maps into fc1, which only fits 500x500 inputs:
500 - 25 + 1 = 476 (conv1), 476 - 25 + 1 = 452 (conv2), 452 / 2 = 226 (max-pool).
Nothing here allocates the network's weights except `cpu_seconds_per_epoch`, which a user asks for.
"""

from __future__ import annotations

import dataclasses
import math
import statistics
import time
from dataclasses import dataclass

import torch
from torch import nn

from core.errors import LabError
from core.nn.model import ModelConfig, build_model, check_size, count_params, select_device
from core.training.loop import TrainConfig

PUBLISHED = "paper-published"
PUBLISHED_SIZE = 500  # pixels a side: the only size whose maps flatten to 226*226
# Networks above this many weights train only on a CUDA GPU: on a CPU one epoch takes hours.
GPU_ONLY_PARAMS = 50_000_000
MEASURE_MAX = 250_000_000  # the published network (213M) and a little more
BYTES = 4  # float32


@dataclass(frozen=True)
class Needs:
    """What one training run of a network needs: weights, memory (bytes) and the device."""

    params: int
    weights_bytes: int  # weights + gradients + optimiser state
    data_bytes: int  # the training and held-out images, kept on the device as float32
    activation_bytes: int  # one batch's saved layer outputs (forward and backward)
    needs_gpu: bool

    @property
    def total_bytes(self) -> int:
        return self.weights_bytes + self.data_bytes + self.activation_bytes


def meta_model(cfg: ModelConfig) -> nn.Module:
    """The network on the meta device: shapes and counts, no memory."""
    with torch.device("meta"):
        return build_model(cfg)


def layer_shapes(cfg: ModelConfig, batch: int = 1) -> dict[str, tuple[int, ...]]:
    """Output shape of each named layer for a (batch, C, H, W) input, worked out on meta."""
    model = meta_model(cfg)
    x = torch.empty(batch, cfg.in_channels, cfg.image_size, cfg.image_size, device="meta")
    shapes: dict[str, tuple[int, ...]] = {}
    for name, layer in model.named_children():
        x = layer(x)
        shapes[name] = tuple(x.shape)
    return shapes


def needs(cfg: ModelConfig, train: TrainConfig) -> Needs:
    """The memory a run of (cfg, train) needs, from shapes alone (about: framework overhead and
    FFT workspaces come on top)."""
    params = count_params(meta_model(cfg))
    state = 2 if train.optimizer == "adam" else (1 if train.momentum > 0 else 0)
    pixels = cfg.in_channels * cfg.image_size**2
    outputs = sum(math.prod(s) for s in layer_shapes(cfg).values())
    return Needs(
        params=params,
        weights_bytes=(2 + state) * params * BYTES,
        data_bytes=(train.n_train + train.n_test) * pixels * BYTES,
        # each layer keeps its output for the backward pass, and the gradient is as big again
        activation_bytes=2 * train.batch_size * (outputs + pixels) * BYTES,
        needs_gpu=params > GPU_ONLY_PARAMS,
    )


def gib(n: int) -> str:
    return f"{n / 2**30:.1f} GiB"


def cpu_seconds_per_epoch(cfg: ModelConfig, train: TrainConfig, batch: int = 2) -> float:
    """Seconds one epoch would take on this CPU: a few SGD steps of `batch` images timed here,
    scaled to n_train images. Allocates the whole network (weights and gradients)."""
    model = build_model(dataclasses.replace(cfg, conv_impl="auto"), seed=0).train()
    opt = torch.optim.SGD(model.parameters(), lr=train.lr)
    gen = torch.Generator().manual_seed(0)
    shape = (batch, cfg.in_channels, cfg.image_size, cfg.image_size)
    x = (torch.rand(shape, generator=gen) < 0.02).float()  # (B, C, H, W) one-bit images
    target = torch.zeros(batch, cfg.n_classes)
    times = []
    for i in range(3):
        t0 = time.perf_counter()
        opt.zero_grad(set_to_none=True)
        nn.functional.l1_loss(model(x), target).backward()
        opt.step()
        if i:  # the first step warms up allocators and FFT plans
            times.append(time.perf_counter() - t0)
    return statistics.median(times) / batch * train.n_train


def needs_sentence(n: Needs, seconds_per_epoch: float | None = None) -> str:
    """What a user reads before (not) starting the run."""
    text = (
        f"This network has {n.params:,} parameters. Training it needs about "
        f"{gib(n.total_bytes)} of memory ({gib(n.weights_bytes)} for weights and gradients, "
        f"{gib(n.data_bytes)} for the images, {gib(n.activation_bytes)} for one batch's "
        "layer outputs)"
    )
    text += " and a CUDA GPU with that much memory." if n.needs_gpu else "."
    if seconds_per_epoch is not None:
        text += f" On this computer's CPU one epoch would take about {_duration(seconds_per_epoch)}"
        text += " (a few small steps timed here, scaled to the whole training set)."
    return text


def _duration(s: float) -> str:
    if s < 120:
        return f"{s:.0f} s"
    if s < 7200:
        return f"{s / 60:.0f} minutes"
    return f"{s / 3600:.1f} hours"


def check_runnable(
    cfg: ModelConfig, train: TrainConfig, device: torch.device, measure: bool = False
) -> None:
    """LabError, with what it needs, when a network this big is asked to train without CUDA;
    with `measure` the sentence includes one epoch's time measured on this CPU."""
    n = needs(cfg, train)
    if n.needs_gpu and device.type != "cuda":
        # timing steps of a far bigger network would itself need tens of GB: estimate only up to
        # the published network's size
        seconds = cpu_seconds_per_epoch(cfg, train) if measure and n.params <= MEASURE_MAX else None
        raise LabError(
            f"{needs_sentence(n, seconds)} This computer has no CUDA GPU, so the run was not "
            "started; "
            "run it with `python -m core train --preset paper-published` on a machine that has one."
        )


def check_trainable(cfg: ModelConfig, train: TrainConfig) -> int:
    """The parameter count, or a LabError when this machine cannot train the network: networks
    only a GPU can train (the published preset) need CUDA, all others the lab's size limit."""
    n = needs(cfg, train)
    if n.needs_gpu:
        check_runnable(cfg, train, select_device(train.device))
        return n.params
    return check_size(cfg)
