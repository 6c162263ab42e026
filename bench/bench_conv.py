"""Convolution speed on CPU: every way of running the 25x25 first layer we tried, the default model
and the paper model per conv implementation, and the FFT/direct crossover kernel size.

Run from the repository root: `python -m bench.bench_conv [--quick] [--compile] [--threads 2]`.
Numbers are images/s of forward+backward; 'best' is the fastest step, 'median' the typical one
(on a shared machine the best is the fairer comparison between implementations).
"""

from __future__ import annotations

import argparse
import contextlib
import statistics
import time
from collections.abc import Callable
from dataclasses import replace

import torch
import torch.nn.functional as F

from core.nn.fftconv import CONV_IMPLS, FFT_MIN_KERNEL, fast_fft_size, fft_conv2d
from core.nn.model import ModelConfig, build_model, throughput
from core.training.presets import MODEL_PRESETS


def _interleaved(
    cases: dict[str, Callable[[], None]], rounds: int, turn: float
) -> dict[str, list[float]]:
    """Seconds per step of each case, taking turns of about `turn` seconds for `rounds` rounds,
    so that every case sees the same mix of quiet and busy moments on a shared machine."""
    times: dict[str, list[float]] = {name: [] for name in cases}
    for step in cases.values():  # warm-up: allocator, FFT plans, oneDNN primitives
        step()
    for _ in range(rounds):
        for name, step in cases.items():
            start = time.perf_counter()
            while True:
                t0 = time.perf_counter()
                step()
                t1 = time.perf_counter()
                times[name].append(t1 - t0)
                if t1 - start >= turn:
                    break
    return times


def _row(name: str, batch: int, times: list[float]) -> dict:
    return {
        "name": name,
        "best": batch / min(times),
        "median": batch / statistics.median(times),
        "ms": 1e3 * min(times),
    }


def _print(title: str, rows: list[dict]) -> None:
    print(f"\n{title}")
    print(f"  {'implementation':44s} {'best img/s':>11s} {'median':>9s} {'best ms':>9s}")
    for r in rows:
        print(f"  {r['name']:44s} {r['best']:11.0f} {r['median']:9.0f} {r['ms']:9.1f}")


def _images(batch: int, size: int = 100, seed: int = 0) -> torch.Tensor:
    gen = torch.Generator().manual_seed(seed)
    return (torch.rand(batch, 1, size, size, generator=gen) < 0.05).float()  # (B, 1, H, W)


def _im2col_conv2d(x: torch.Tensor, w: torch.Tensor, b: torch.Tensor, chunk: int = 16):
    """F.conv2d as unfold + matmul, in chunks (the full unfold of 64 images is 0.9 GB)."""
    o, _, k, _ = w.shape
    ho, wo = x.shape[-2] - k + 1, x.shape[-1] - k + 1
    outs = []
    for xs in x.split(chunk):
        cols = F.unfold(xs, k)  # (b, C*K*K, Ho*Wo)
        outs.append((w.view(o, -1) @ cols + b.view(1, o, 1)).view(-1, o, ho, wo))
    return torch.cat(outs)


def _fft_autograd_conv2d(x: torch.Tensor, w: torch.Tensor, b: torch.Tensor):
    """fft_conv2d's forward for one chunk (fast FFT lengths, valid crop) in plain torch.fft ops,
    differentiated by autograd: what its hand-written backward has to beat."""
    h, wd = x.shape[-2:]
    k = w.shape[-1]
    n = (fast_fft_size(h), fast_fft_size(wd))
    xf = torch.fft.rfft2(x, s=n).unsqueeze(1)  # (B, 1, C, N1, N2//2+1)
    wf = torch.fft.rfft2(w, s=n).conj().unsqueeze(0)  # (1, O, C, N1, N2//2+1)
    y = torch.fft.irfft2((xf * wf).sum(2), s=n)  # (B, O, N1, N2)
    return y[..., : h - k + 1, : wd - k + 1] + b.view(1, -1, 1, 1)


def bench_layer(rounds: int, turn: float) -> list[dict]:
    """conv1 alone: (64, 1, 100, 100) x (5, 1, 25, 25), forward + weight/bias gradients."""
    x = _images(64)
    w = (torch.randn(5, 1, 25, 25) / 25).requires_grad_()
    b = torch.zeros(5, requires_grad=True)
    xcl = x.contiguous(memory_format=torch.channels_last)

    def make(conv, inp=x, ctx=contextlib.nullcontext):
        def step():
            with ctx():
                y = conv(inp, w, b)
            y.float().square().mean().backward()

        return step

    def bf16():
        return torch.autocast("cpu", dtype=torch.bfloat16)

    def no_onednn():
        return torch.backends.mkldnn.flags(enabled=False)

    cases = {
        "direct F.conv2d (oneDNN)": make(F.conv2d),
        "direct, channels_last": make(F.conv2d, xcl),
        "direct, bf16 autocast": make(F.conv2d, ctx=bf16),
        "direct, oneDNN off (ATen slow path)": make(F.conv2d, ctx=no_onednn),
        "im2col: unfold + matmul": make(_im2col_conv2d),
        "FFT, same forward, autograd backward": make(_fft_autograd_conv2d),
        "FFT, fft_conv2d (hand-written backward)": make(fft_conv2d),
    }
    return [_row(n, 64, t) for n, t in _interleaved(cases, rounds, turn).items()]


def _model_step(cfg: ModelConfig, batch: int, ctx=contextlib.nullcontext, channels_last=False):
    """One forward+backward step of `cfg` (cross-entropy, no optimizer), as model.step_times."""
    model = build_model(cfg, seed=0).train()
    x = _images(batch, cfg.image_size)
    y = torch.randint(0, cfg.n_classes, (batch,), generator=torch.Generator().manual_seed(1))
    if channels_last:
        model = model.to(memory_format=torch.channels_last)
        x = x.contiguous(memory_format=torch.channels_last)

    def step():
        model.zero_grad(set_to_none=True)
        with ctx():
            out = model(x)
        F.cross_entropy(out.float(), y).backward()

    return step


def bench_fast_model(rounds: int, turn: float, compile_too: bool) -> list[dict]:
    """The default model, batch 64, one full training step without the optimizer."""
    cfg = MODEL_PRESETS["fast"]
    cases = {f"impl={i}": _model_step(replace(cfg, conv_impl=i), 64) for i in CONV_IMPLS}
    direct = replace(cfg, conv_impl="direct")

    def bf16():
        return torch.autocast("cpu", dtype=torch.bfloat16)

    cases["impl=direct, bf16 autocast"] = _model_step(direct, 64, bf16)
    cases["impl=direct, channels_last"] = _model_step(direct, 64, channels_last=True)
    cases["impl=fft, channels_last"] = _model_step(
        replace(cfg, conv_impl="fft"), 64, channels_last=True
    )
    if compile_too:
        for impl in ("direct", "fft"):
            model = build_model(replace(cfg, conv_impl=impl), seed=0).train()
            compiled = torch.compile(model)
            x, y = _images(64), torch.randint(0, 3, (64,))

            def step(m=model, c=compiled, x=x, y=y):
                m.zero_grad(set_to_none=True)
                F.cross_entropy(c(x), y).backward()

            t0 = time.perf_counter()
            step()
            cases[f"impl={impl}, torch.compile ({time.perf_counter() - t0:.0f} s to compile)"] = (
                step
            )
    return [_row(n, 64, t) for n, t in _interleaved(cases, rounds, turn).items()]


def bench_paper_model(rounds: int, turn: float) -> list[dict]:
    """The study's network, batch 100 (a few steps: it is slow)."""
    cfg = MODEL_PRESETS["paper"]
    cases = {f"impl={i}": _model_step(replace(cfg, conv_impl=i), 100) for i in ("direct", "auto")}
    return [_row(n, 100, t) for n, t in _interleaved(cases, rounds, turn).items()]


def bench_crossover(rounds: int, turn: float) -> list[dict]:
    """Direct vs FFT per kernel size: 1->5 channels on 100x100 and 5->16 on 25x25, batch 64."""
    rows = []
    shapes = ((1, 5, 100, (3, 5, 7, 9, 11, 13, 17, 25)), (5, 16, 25, (3, 5, 7, 9, 13)))
    for c_in, c_out, size, kernels in shapes:
        x = torch.randn(64, c_in, size, size, requires_grad=c_in > 1)
        for k in kernels:
            w = torch.randn(c_out, c_in, k, k, requires_grad=True)
            b = torch.zeros(c_out, requires_grad=True)
            cases = {}
            for name, conv in (("direct", F.conv2d), ("fft", fft_conv2d)):

                def step(conv=conv, x=x, w=w, b=b):
                    conv(x, w, b).sum().backward()

                cases[name] = step
            best = {n: min(t) for n, t in _interleaved(cases, rounds, turn).items()}
            rows.append({"case": f"{c_in}->{c_out} on {size}x{size}, K={k}", **best})
    return rows


def main(argv: list[str] | None = None) -> None:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--quick", action="store_true", help="short measurements (a smoke run)")
    p.add_argument("--compile", action="store_true", help="also try torch.compile (slow to start)")
    p.add_argument("--threads", type=int, default=2, help="torch CPU threads (default 2)")
    p.add_argument("--rounds", type=int, default=5, help="turns each implementation gets")
    args = p.parse_args(argv)
    torch.set_num_threads(args.threads)
    rounds, turn = (1, 0.1) if args.quick else (args.rounds, 0.5)
    print(
        f"torch {torch.__version__}, {torch.get_num_threads()} threads; images/s, forward+backward"
    )
    _print("conv1 alone (64,1,100,100) x (5,1,25,25), batch 64", bench_layer(rounds, turn))
    _print("fast model (default), batch 64", bench_fast_model(rounds, turn, args.compile))
    _print("paper model, batch 100", bench_paper_model(max(1, rounds // 2), turn))
    print("\ncrossover: forward+backward ms per batch of 64, best step")
    print(f"  ('auto' uses FFT on CPU from K={FFT_MIN_KERNEL})")
    for r in bench_crossover(rounds, turn / 4):
        winner = "fft" if r["fft"] < r["direct"] else "direct"
        ms = f"direct {1e3 * r['direct']:7.1f}  fft {1e3 * r['fft']:7.1f}"
        print(f"  {r['case']:28s} {ms}  {winner}")
    rate = throughput(MODEL_PRESETS["fast"], 64, "auto", seconds=1 if args.quick else 3)
    print(
        f"\ncore.model.throughput(fast, 64, 'auto') (median step, as `python -m core bench`): "
        f"{rate:.0f} images/s"
    )


if __name__ == "__main__":
    main()
