"""FFT-based 2-D cross-correlation for large kernels, and `Conv2dFFT`, a drop-in `nn.Conv2d`.

Why: a 25x25 kernel on 100x100 images costs 64*5*76*76*625 multiply-adds per batch of 64 done
directly, and PyTorch's CPU backward for kernels this large is slow. In the frequency domain the
same cross-correlation is one pointwise product per frequency, so its cost hardly depends on K.

Measured with `python -m bench.bench_conv` on a 2-core AMD EPYC VM shared with other jobs, torch
2.13 CPU, 2 threads; images/s of forward+backward, the best step of interleaved runs (three runs):

    conv1 alone, (64,1,100,100) x (5,1,25,25), fwd + weight grad    images/s
        direct F.conv2d (oneDNN, the default)                          510
        direct, channels_last                                          516
        direct, bf16 autocast                                          403
        direct, oneDNN off (ATen's slow path)                          129
        im2col (unfold + matmul, in chunks)                             63
        FFT, plain torch.fft ops + autograd (whole batch)            3,698
        FFT, fft_conv2d (hand-written backward)                      3,752
    fast model, batch 64, whole forward+backward
        impl="direct"                                                  486
        impl="direct", bf16 autocast / channels_last             392 / 486
        impl="direct", torch.compile (20-40 s first compile)           440
        impl="fft" (conv2's 5x5 too)                                 2,432
        impl="fft", torch.compile (complex ops fall back)            1,349
        impl="auto" (FFT conv1, direct conv2)                        2,875
    paper model, batch 100: impl="direct" 62, impl="auto" (both convs FFT) 1,295

    Crossover, ms per forward+backward of 64 images (direct / FFT): 1->5 channels on 100x100:
    K=5 10.1/14.7, K=7 12.1/14.2, K=9 19.3/14.5, K=13 31.3/13.9, K=25 123/13.4;
    5->16 channels on 25x25: K=5 4.3/7.5, K=7 6.5/8.8, K=9 7.8/6.8, K=13 9.2/6.8.

"auto" therefore uses FFTs on CPU for kernels of at least `FFT_MIN_KERNEL` pixels a side (the
crossover measured for 1->5 channels on 100x100 and 5->16 channels on 25x25 images) and the
direct convolution on CUDA/MPS, where cuDNN/MPS kernels are fast.

The hand-written backward against autograd through the very same forward (same chunks and FFT
lengths), median step time ratio autograd / hand-written over six interleaved runs of seven to
nine steps each, on this 2-core VM at load 1 to 24 (Nov 2026): conv1 alone 1.2 (5 runs of 6
favour it), the paper model's step 1.13 (6 of 6), the fast model's step 0.95 (within noise). So
it stays: it reuses the forward's spectra instead of transforming the input again.

Big batches (an evaluation set of 600, the study's batch of 1000) run in chunks of about 64 images:
whole, their spectra overflow the caches and cost about twice as much per image.
"""

from __future__ import annotations

import torch
import torch.nn.functional as F
from torch import Tensor, nn
from torch.autograd.function import once_differentiable

from core.errors import LabError
from core.nn.interrupt import checkpoint

CONV_IMPLS = ("auto", "fft", "direct")
FFT_MIN_KERNEL = 9  # kernel side from which FFTs beat the direct CPU convolution (measured)
_EINSUM_MIN_CHANNEL_PAIRS = 128  # below this many (in, out) pairs a broadcast product is faster
_CHUNK_ELEMENTS = 2**21  # complex values per batch chunk (16 MB in complex64; measured)


def fast_fft_size(n: int) -> int:
    """The smallest 2^a 3^b 5^c 7^d >= n: lengths the FFT libraries transform fastest."""
    m = max(int(n), 1)
    while True:
        rest = m
        for p in (2, 3, 5, 7):
            while rest % p == 0:
                rest //= p
        if rest == 1:
            return m
        m += 1


def choose_conv_impl(kernel_size: int, device: torch.device | str = "cpu") -> str:
    """'fft' or 'direct': what 'auto' runs for a kernel of this side on this device."""
    kind = torch.device(device).type
    return "fft" if kind == "cpu" and kernel_size >= FFT_MIN_KERNEL else "direct"


def _channel_product(a: Tensor, b: Tensor, out_axis: str) -> Tensor:
    """Complex spectra a (B, C, F1, F2) x b (O, C, F1, F2) -> (B, O, ...) summed over C, or
    a (B, C, ...) x b (B, O, ...) -> (O, C, ...) summed over B when out_axis == 'weight'."""
    if out_axis == "output":
        n_in, n_out = a.shape[1], b.shape[0]
        if n_in == 1:
            return a * b.transpose(0, 1)  # (B, 1, ...) * (1, O, ...) -> (B, O, ...)
        if n_in * n_out < _EINSUM_MIN_CHANNEL_PAIRS:
            return (a.unsqueeze(1) * b.unsqueeze(0)).sum(2)  # (B, O, C, ...) -> (B, O, ...)
        return torch.einsum("bchw,ochw->bohw", a, b)
    n_in, n_out = a.shape[1], b.shape[1]
    if n_in * n_out < _EINSUM_MIN_CHANNEL_PAIRS:
        return (b.unsqueeze(2) * a.unsqueeze(1)).sum(0)  # (B, O, C, ...) -> (O, C, ...)
    return torch.einsum("bchw,bohw->ochw", a, b)


def _irfft2_crop(spec: Tensor, n: tuple[int, int], rows: slice, cols: slice) -> Tensor:
    """Real irfft2(spec, s=n)[..., rows, cols], skipping the column transforms of unused rows."""
    y = torch.fft.ifft(spec, dim=-2)[..., rows, :]  # (..., h, n2 // 2 + 1)
    return torch.fft.irfft(y, n=n[1], dim=-1)[..., cols]


def _batch_chunk(c_in: int, c_out: int, n: tuple[int, int]) -> int:
    """Images per chunk: spectra of a whole large batch (eval sets, the study's batch of 1000)
    overflow the CPU caches and run several times slower per image than ~64 at a time."""
    per_image = max(c_in * c_out, c_in + c_out) * n[0] * (n[1] // 2 + 1)
    return max(1, _CHUNK_ELEMENTS // per_image)


class _FFTConv2dFn(torch.autograd.Function):
    """Valid cross-correlation (stride 1, no padding) through rfft2, in batch chunks, with a
    hand-written backward that reuses the forward's spectra instead of transforming them again."""

    @staticmethod
    def forward(ctx, x: Tensor, weight: Tensor, bias: Tensor | None) -> Tensor:
        b, c, h, w = x.shape  # (B, C, H, W)
        o, _, k1, k2 = weight.shape  # (O, C, K1, K2)
        ho, wo = h - k1 + 1, w - k2 + 1
        # Circular correlation of length >= H never wraps onto the valid outputs (nor, in the
        # backward, onto the input or kernel gradients), so no zero padding to H + K - 1 is needed.
        n = (fast_fft_size(h), fast_fft_size(w))
        chunk = _batch_chunk(c, o, n)
        y = x.new_empty((b, o, ho, wo))
        xfs = []
        with torch.autocast(x.device.type, enabled=False):
            wf = torch.fft.rfft2(weight, s=n)  # (O, C, N1, N2//2+1)
            wf_conj = wf.conj().resolve_conj()
            for start in range(0, b, chunk):
                checkpoint()  # a long step can be abandoned here (Stop, Pause)
                part = slice(start, start + chunk)
                xf = torch.fft.rfft2(x[part], s=n)  # (b, C, N1, N2//2+1)
                yf = _channel_product(xf, wf_conj, "output")  # (b, O, N1, N2//2+1)
                if bias is not None:
                    # A constant added to every pixel is the zero-frequency bin times N1*N2.
                    yf[:, :, 0, 0] += bias.to(yf.dtype) * (n[0] * n[1])
                y[part] = _irfft2_crop(yf, n, slice(0, ho), slice(0, wo))  # (b, O, Ho, Wo)
                xfs.append(xf)
        ctx.save_for_backward(wf, *xfs)
        ctx.geometry = (n, chunk, h, w, k1, k2)
        return y

    @staticmethod
    @once_differentiable
    def backward(ctx, grad: Tensor):
        wf, *xfs = ctx.saved_tensors
        n, chunk, h, w, k1, k2 = ctx.geometry
        need_x, need_w, need_b = ctx.needs_input_grad
        gx = grad.new_empty((grad.shape[0], wf.shape[1], h, w)) if need_x else None
        gw = gb = spec_w = None
        with torch.autocast(grad.device.type, enabled=False):
            for i, xf in enumerate(xfs):
                checkpoint()
                part = slice(i * chunk, (i + 1) * chunk)
                gf = torch.fft.rfft2(grad[part], s=n)  # (b, O, N1, N2//2+1)
                if need_x:  # full convolution of the output gradient with the kernel
                    spec = _channel_product(gf, wf.transpose(0, 1), "output")  # (b, C, ...)
                    gx[part] = _irfft2_crop(spec, n, slice(0, h), slice(0, w))  # (b, C, H, W)
                if need_w:  # cross-correlation of the input with the output gradient
                    # conj() of an operand is materialised: take it of the smaller one.
                    if xf.shape[1] <= gf.shape[1]:
                        spec = _channel_product(xf.conj(), gf, "weight").conj()
                    else:
                        spec = _channel_product(xf, gf.conj(), "weight")  # (O, C, ...)
                    spec_w = spec if spec_w is None else spec_w + spec
            if need_w:
                gw = _irfft2_crop(spec_w, n, slice(0, k1), slice(0, k2))  # (O, C, K1, K2)
            if need_b:
                gb = grad.sum(dim=(0, 2, 3))  # (O,)
        return gx, gw, gb


def _pair(v: int | tuple[int, int]) -> tuple[int, int]:
    return (v, v) if isinstance(v, int) else (int(v[0]), int(v[1]))


def fft_conv2d(
    x: Tensor, weight: Tensor, bias: Tensor | None = None, padding: int | tuple[int, int] = 0
) -> Tensor:
    """(B, O, H+2p-K1+1, W+2p-K2+1): F.conv2d(x (B, C, H, W), weight (O, C, K1, K2), bias (O,),
    padding) with stride 1 and one group, computed with FFTs; differentiable in all three."""
    if x.dim() == 3 and weight.dim() == 4:  # one unbatched image (C, H, W), as F.conv2d takes
        return fft_conv2d(x[None], weight, bias, padding)[0]
    if x.dim() != 4 or weight.dim() != 4:
        raise LabError(
            f"fft_conv2d needs a (B, C, H, W) batch and (O, C, K, K) kernels, "
            f"not {tuple(x.shape)} and {tuple(weight.shape)}."
        )
    if x.shape[1] != weight.shape[1]:
        raise LabError(
            f"The images have {x.shape[1]} channel(s) but the kernels expect {weight.shape[1]}."
        )
    ph, pw = _pair(padding)
    if ph < 0 or pw < 0:
        raise LabError(f"Padding must be zero or more pixels, not {padding}.")
    h, w = x.shape[-2] + 2 * ph, x.shape[-1] + 2 * pw
    k1, k2 = weight.shape[-2:]
    if k1 > h or k2 > w:
        raise LabError(
            f"A {k1}x{k2} kernel does not fit in a {h}x{w} image; "
            f"use a kernel of at most {min(h, w)} pixels or a larger image."
        )
    dtype = torch.promote_types(x.dtype, weight.dtype)
    work = dtype if dtype in (torch.float32, torch.float64) else torch.float32  # no half FFTs
    xw, ww = x.to(work), weight.to(work)
    bw = None if bias is None else bias.to(work)
    if ph or pw:
        xw = F.pad(xw, (pw, pw, ph, ph))
    return _FFTConv2dFn.apply(xw, ww, bw).to(dtype)


class Conv2dFFT(nn.Conv2d):
    """nn.Conv2d (same arguments, parameters and state dict) that runs through FFTs when `impl`
    is 'fft', or 'auto' on CPU with kernels >= FFT_MIN_KERNEL; (B, C, H, W) -> (B, O, H', W')."""

    def __init__(
        self,
        in_channels: int,
        out_channels: int,
        kernel_size: int | tuple[int, int],
        stride: int | tuple[int, int] = 1,
        padding: str | int | tuple[int, int] = 0,
        dilation: int | tuple[int, int] = 1,
        groups: int = 1,
        bias: bool = True,
        padding_mode: str = "zeros",
        device: torch.device | str | None = None,
        dtype: torch.dtype | None = None,
        impl: str = "auto",
    ) -> None:
        super().__init__(
            in_channels,
            out_channels,
            kernel_size,
            stride,
            padding,
            dilation,
            groups,
            bias,
            padding_mode,
            device,
            dtype,
        )
        if impl not in CONV_IMPLS:
            raise LabError(f"Unknown convolution {impl!r}; choose one of {', '.join(CONV_IMPLS)}.")
        if impl == "fft" and self._fft_padding() is None:
            raise LabError(
                "The FFT convolution handles stride 1, dilation 1, one group and zero padding "
                "only; use the direct convolution for this layer."
            )
        self.impl = impl

    def _fft_padding(self) -> tuple[int, int] | None:
        """(ph, pw) when this layer's geometry is one fft_conv2d computes, else None."""
        if self.stride != (1, 1) or self.dilation != (1, 1) or self.groups != 1:
            return None
        if self.padding_mode != "zeros":
            return None
        if self.padding == "valid":
            return (0, 0)
        if self.padding == "same":
            k1, k2 = self.kernel_size
            return ((k1 - 1) // 2, (k2 - 1) // 2) if k1 % 2 and k2 % 2 else None
        return _pair(self.padding)

    def uses_fft(self, device: torch.device | str) -> bool:
        """Whether a forward on `device` runs through FFTs."""
        if self.impl == "direct" or self._fft_padding() is None:
            return False
        if self.impl == "fft":
            return True
        return choose_conv_impl(min(self.kernel_size), device) == "fft"

    def forward(self, x: Tensor) -> Tensor:
        if self.uses_fft(x.device):
            return fft_conv2d(x, self.weight, self.bias, self._fft_padding())
        return super().forward(x)

    def extra_repr(self) -> str:
        return f"{super().extra_repr()}, impl={self.impl}"
