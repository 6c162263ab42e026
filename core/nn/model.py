"""The lab's networks: one `ModelConfig` builds the study's network ('paper') or a small fast one.

Every network is an `nn.Sequential` whose named layers read in order (conv1, act1, pool1, conv2,
act2, pool2, dropout, gpool | flatten, fc1, act_fc1, ..., out_act); its first layer is always
`conv1`, so state-dict keys `conv1.weight` (k, C, K, K) / `conv1.bias` (k,) exist in every run.
"""

from __future__ import annotations

import dataclasses
import functools
import math
import statistics
import time
from collections import OrderedDict
from dataclasses import dataclass

import torch
import torch.nn.functional as F
from torch import Tensor, nn

from core.errors import LabError
from core.nn.fftconv import CONV_IMPLS, Conv2dFFT

ACTIVATIONS = {
    "relu": nn.ReLU,
    "tanh": nn.Tanh,
    "sigmoid": nn.Sigmoid,
    "leaky_relu": nn.LeakyReLU,
    "gelu": nn.GELU,
}
OUTPUT_ACTIVATIONS = ("none", "tanh", "sigmoid")
HEADS = ("gap", "mlp")
MAX_PARAMS = 50_000_000  # larger networks take minutes a step and gigabytes on a laptop


@dataclass(frozen=True)
class ModelConfig:
    """A network: conv1 -> act -> [maxpool pool1] -> [conv2 -> act -> [maxpool pool2]] ->
    [dropout] -> head ('gap': global avg+max pooling, 'mlp': flatten) -> hidden Linears -> out."""

    image_size: int = 100  # pixels a side of the (square) input images
    in_channels: int = 1
    n_classes: int = 3  # 4 with sawtooth
    kernels: int = 5  # conv1 output channels: the kernels the lab shows
    kernel_size: int = 25
    conv_impl: str = "auto"  # "auto" | "fft" | "direct"
    activation: str = "relu"  # after conv1 and conv2
    pool1: int = 4  # max-pool window after conv1; 0 or 1 = none
    conv2: bool = True
    conv2_channels: int = 16
    conv2_kernel: int = 5
    conv2_padding: int = 2
    pool2: int = 0  # max-pool window after conv2 (used only with conv2); 0 or 1 = none
    dropout: float = 0.0  # before the head, where the study has it
    head: str = "gap"  # "gap" | "mlp"
    hidden: tuple[int, ...] = ()  # widths of hidden Linear layers (study: (4096, 1024))
    # activation after hidden layer i is hidden_activations[min(i, len - 1)]
    hidden_activations: tuple[str, ...] = ("relu",)
    output_activation: str = "none"  # "none" | "tanh" | "sigmoid"

    def __post_init__(self) -> None:
        _check_types(self)
        _check_values(self)


_TUPLE_ITEMS = {"hidden": int, "hidden_activations": str}


def _check_types(cfg: ModelConfig) -> None:
    for f in dataclasses.fields(cfg):
        v, default = getattr(cfg, f.name), f.default
        if f.name in _TUPLE_ITEMS:
            if isinstance(v, list):  # keep the config hashable
                v = tuple(v)
                object.__setattr__(cfg, f.name, v)
            kind = _TUPLE_ITEMS[f.name]
            ok = isinstance(v, tuple) and all(
                isinstance(i, kind) and not isinstance(i, bool) for i in v
            )
            what = f"a list of {'whole numbers' if kind is int else 'names'}"
        elif isinstance(default, bool):
            ok, what = isinstance(v, bool), "true or false"
        elif isinstance(default, int):
            ok, what = isinstance(v, int) and not isinstance(v, bool), "a whole number"
        elif isinstance(default, float):
            ok, what = isinstance(v, int | float) and not isinstance(v, bool), "a number"
        else:
            ok, what = isinstance(v, str), "a name"
        if not ok:
            raise LabError(f"The model setting {f.name} must be {what}, not {v!r}.")


def _check_choice(name: str, value: str, choices) -> None:
    if value not in choices:
        raise LabError(f"Unknown {name} {value!r}; choose one of {', '.join(choices)}.")


def _check_values(cfg: ModelConfig) -> None:
    for name in ("image_size", "in_channels", "kernels", "kernel_size", "conv2_channels"):
        if getattr(cfg, name) < 1:
            raise LabError(f"The model setting {name} must be at least 1.")
    if cfg.n_classes < 2:
        raise LabError("A classifier needs at least 2 classes.")
    for name in ("pool1", "pool2", "conv2_padding"):
        if getattr(cfg, name) < 0:
            raise LabError(f"The model setting {name} cannot be negative.")
    if cfg.conv2_kernel < 1:
        raise LabError("The second convolution's kernel must be at least 1 pixel.")
    if not 0.0 <= cfg.dropout < 1.0:
        raise LabError(f"Dropout must be at least 0 and below 1, not {cfg.dropout}.")
    _check_choice("convolution", cfg.conv_impl, CONV_IMPLS)
    _check_choice("activation", cfg.activation, ACTIVATIONS)
    _check_choice("head", cfg.head, HEADS)
    _check_choice("output activation", cfg.output_activation, OUTPUT_ACTIVATIONS)
    if cfg.hidden and not cfg.hidden_activations:  # with no hidden layer none is used
        raise LabError("Give at least one activation for the hidden layers.")
    for a in cfg.hidden_activations:
        _check_choice("hidden-layer activation", a, ACTIVATIONS)
    if any(w < 1 for w in cfg.hidden):
        raise LabError(f"Hidden layer widths must be at least 1, not {list(cfg.hidden)}.")
    feature_shape(cfg)  # raises when a layer does not fit


def feature_shape(cfg: ModelConfig) -> tuple[int, int, int]:
    """(C, H, W) of the maps that enter the head; LabError when a layer does not fit its input."""
    s = cfg.image_size
    if cfg.kernel_size > s:
        raise LabError(
            f"A {cfg.kernel_size}x{cfg.kernel_size} kernel does not fit a {s}x{s} image; "
            f"use a kernel of at most {s} pixels."
        )
    s = s - cfg.kernel_size + 1
    if cfg.pool1 > 1:
        if cfg.pool1 > s:
            raise LabError(f"Max-pooling by {cfg.pool1} does not fit conv1's {s}x{s} maps.")
        s //= cfg.pool1
    c = cfg.kernels
    if cfg.conv2:
        padded = s + 2 * cfg.conv2_padding
        if cfg.conv2_kernel > padded:
            raise LabError(
                f"The second convolution's {cfg.conv2_kernel}x{cfg.conv2_kernel} kernel does "
                f"not fit the {padded}x{padded} maps it gets; use a smaller kernel or image."
            )
        s, c = padded - cfg.conv2_kernel + 1, cfg.conv2_channels
        if cfg.pool2 > 1:
            if cfg.pool2 > s:
                raise LabError(f"Max-pooling by {cfg.pool2} does not fit conv2's {s}x{s} maps.")
            s //= cfg.pool2
    return c, s, s


class GlobalAvgMaxPool(nn.Module):
    """(B, C, H, W) -> (B, 2C): each map's mean, then each map's maximum."""

    def forward(self, x: Tensor) -> Tensor:
        return torch.cat([x.mean(dim=(2, 3)), x.amax(dim=(2, 3))], dim=1)


class KernelNet(nn.Sequential):
    """(B, C, H, W) images -> (B, n_classes) raw outputs; layers named as in `ModelConfig`."""

    def __init__(self, cfg: ModelConfig) -> None:
        layers: OrderedDict[str, nn.Module] = OrderedDict()
        act = ACTIVATIONS[cfg.activation]
        k = cfg.kernel_size
        layers["conv1"] = Conv2dFFT(cfg.in_channels, cfg.kernels, k, impl=cfg.conv_impl)
        layers["act1"] = act()
        if cfg.pool1 > 1:
            layers["pool1"] = nn.MaxPool2d(cfg.pool1)
        if cfg.conv2:
            layers["conv2"] = Conv2dFFT(
                cfg.kernels,
                cfg.conv2_channels,
                cfg.conv2_kernel,
                padding=cfg.conv2_padding,
                impl=cfg.conv_impl,
            )
            layers["act2"] = act()
            if cfg.pool2 > 1:
                layers["pool2"] = nn.MaxPool2d(cfg.pool2)
        if cfg.dropout > 0:
            layers["dropout"] = nn.Dropout(cfg.dropout)
        c, h, w = feature_shape(cfg)
        if cfg.head == "gap":
            layers["gpool"], width = GlobalAvgMaxPool(), 2 * c
        else:
            layers["flatten"], width = nn.Flatten(), c * h * w
        for i, hidden in enumerate(cfg.hidden, start=1):
            layers[f"fc{i}"] = nn.Linear(width, hidden)
            name = cfg.hidden_activations[min(i - 1, len(cfg.hidden_activations) - 1)]
            layers[f"act_fc{i}"] = ACTIVATIONS[name]()
            width = hidden
        layers[f"fc{len(cfg.hidden) + 1}"] = nn.Linear(width, cfg.n_classes)
        if cfg.output_activation != "none":
            layers["out_act"] = ACTIVATIONS[cfg.output_activation]()
        super().__init__(layers)
        self.cfg = cfg

    def features1(self, x: Tensor) -> Tensor:
        """(B, k, H-K+1, W-K+1): the first layer's maps before their activation."""
        return self.conv1(x)


def _seeded_init(model: nn.Module, seed: int) -> None:
    """PyTorch's default Conv2d/Linear init, drawn from a private generator seeded with `seed`."""
    gen = torch.Generator().manual_seed(seed)
    with torch.no_grad():
        for m in model.modules():
            if isinstance(m, nn.Conv2d | nn.Linear):
                # a=sqrt(5) gives U(-1/sqrt(fan_in), 1/sqrt(fan_in)), as reset_parameters does.
                nn.init.kaiming_uniform_(m.weight, a=math.sqrt(5), generator=gen)
                if m.bias is not None:
                    bound = 1 / math.sqrt(m.weight[0].numel())
                    m.bias.uniform_(-bound, bound, generator=gen)
            elif any(True for _ in m.parameters(recurse=False)):
                raise TypeError(f"no seeded init for {type(m).__name__}")


def build_model(cfg: ModelConfig, seed: int | None = None) -> KernelNet:
    """The network for `cfg` on CPU; with a seed its initial weights are deterministic and the
    global RNG is neither read nor changed."""
    if seed is None:
        return KernelNet(cfg)
    with torch.device("meta"):  # no parameters drawn from the global RNG
        model = KernelNet(cfg)
    model = model.to_empty(device="cpu")
    _seeded_init(model, seed)
    return model


def count_params(model: nn.Module) -> int:
    """Number of trainable parameters."""
    return sum(p.numel() for p in model.parameters() if p.requires_grad)


@functools.lru_cache(maxsize=128)
def param_count(cfg: ModelConfig) -> int:
    """Trainable parameters of the network for `cfg`, counted without allocating its weights."""
    with torch.device("meta"):
        return count_params(build_model(cfg))


def check_size(cfg: ModelConfig) -> int:
    """The parameter count, or a LabError when the network is too big to train in the lab."""
    n = param_count(cfg)
    if n > MAX_PARAMS:
        raise LabError(
            f"This network has {n:,} parameters, more than the lab's limit of {MAX_PARAMS:,}; "
            "use fewer or narrower hidden layers, or pooling before a flattening head."
        )
    return n


def select_device(name: str) -> torch.device:
    """'auto' (CUDA, then MPS, then CPU), 'cpu', 'cuda', 'cuda:N' or 'mps' as a torch.device."""
    name = str(name).strip().lower()
    has_mps = bool(getattr(torch.backends, "mps", None)) and torch.backends.mps.is_available()
    if name == "auto":
        if torch.cuda.is_available():
            return torch.device("cuda")
        return torch.device("mps" if has_mps else "cpu")
    if name == "cpu":
        return torch.device("cpu")
    if name == "mps":
        if not has_mps:
            raise LabError("This machine has no Apple GPU (MPS); choose 'cpu' or 'auto'.")
        return torch.device("mps")
    if name == "cuda" or name.startswith("cuda:"):
        if not torch.cuda.is_available():
            raise LabError("This machine has no CUDA GPU; choose 'cpu' or 'auto'.")
        try:
            dev = torch.device(name)
        except RuntimeError:
            raise LabError(f"{name!r} is not a device name; try 'cuda' or 'cuda:0'.") from None
        if dev.index is not None and dev.index >= torch.cuda.device_count():
            raise LabError(
                f"There is no GPU {dev.index}; this machine has {torch.cuda.device_count()}."
            )
        return dev
    raise LabError(f"Unknown device {name!r}; choose 'auto', 'cpu', 'cuda' or 'mps'.")


def step_times(
    cfg: ModelConfig,
    batch: int = 64,
    impl: str | None = None,
    seconds: float = 2.0,
    device: torch.device | str = "cpu",
) -> list[float]:
    """Seconds per forward+backward step (cross-entropy, batch of binary images) over about
    `seconds` of work after a warm-up; `impl` overrides cfg.conv_impl."""
    if impl is not None:
        cfg = dataclasses.replace(cfg, conv_impl=impl)
    dev = torch.device(device)
    model = build_model(cfg, seed=0).to(dev).train()
    gen = torch.Generator().manual_seed(0)
    shape = (batch, cfg.in_channels, cfg.image_size, cfg.image_size)
    x = (torch.rand(shape, generator=gen) < 0.05).float().to(dev)  # (B, C, H, W)
    y = torch.randint(0, cfg.n_classes, (batch,), generator=gen).to(dev)

    def step() -> None:
        model.zero_grad(set_to_none=True)
        F.cross_entropy(model(x), y).backward()
        if dev.type == "cuda":
            torch.cuda.synchronize(dev)
        elif dev.type == "mps":
            torch.mps.synchronize()

    for _ in range(2):
        step()
    times: list[float] = []
    start = time.perf_counter()
    while len(times) < 3 or time.perf_counter() - start < seconds:
        t0 = time.perf_counter()
        step()
        times.append(time.perf_counter() - t0)
    return times


def throughput(
    cfg: ModelConfig,
    batch: int = 64,
    impl: str | None = None,
    seconds: float = 2.0,
    device: torch.device | str = "cpu",
) -> float:
    """Images/s of forward+backward (median step) for `cfg` at `batch`; see `step_times`."""
    return batch / statistics.median(step_times(cfg, batch, impl, seconds, device))
