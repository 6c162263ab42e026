"""The networks: a fast FFT convolution for large kernels, the lab's configurable CNN (first layer
`conv1` always), swapping a snapshot's kernels into it, and torch thread control for tiny ops.
"""

from core.nn.fftconv import Conv2dFFT, choose_conv_impl, fft_conv2d
from core.nn.model import ModelConfig, build_model, count_params, select_device
from core.nn.swap import conv1_swapped, model_device

__all__ = [
    "Conv2dFFT",
    "ModelConfig",
    "build_model",
    "choose_conv_impl",
    "conv1_swapped",
    "count_params",
    "fft_conv2d",
    "model_device",
    "select_device",
]
