"""Waveform generation speed: images/s for a few specs and sizes, best of several runs.

Run from the repository root: `python bench/bench_waveforms.py [--n 20000] [--repeats 5]`.
"""

from __future__ import annotations

import argparse
import dataclasses
import sys
import time
from pathlib import Path

# Run as a script, Python puts bench/ on the path, not the repository root that holds core/.
sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from core.data.waveforms import WaveformSpec, generation_rate, render_batch  # noqa: E402

TARGET = 20_000.0  # images/s at 100x100 on 2 cores


def best_rate(spec: WaveformSpec, n: int, repeats: int) -> float:
    """Best images/s over `repeats` renders of n images."""
    best = float("inf")
    for seed in range(repeats):
        start = time.perf_counter()
        render_batch(spec, n, seed)
        best = min(best, time.perf_counter() - start)
    return n / best


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--n", type=int, default=20_000, help="images per run")
    parser.add_argument("--repeats", type=int, default=5, help="runs per row; the best counts")
    args = parser.parse_args()
    render_batch(WaveformSpec(), 2_000, 0)  # warm-up: first-touch page faults, imports
    default = generation_rate(n=args.n, seed=0, repeats=args.repeats)
    rows = [
        ("default spec, 100x100 (generation_rate)", default),
        ("default + sawtooth, 100x100", best_rate(WaveformSpec(include_sawtooth=True), args.n, 3)),
        ("study spec, 100x100", best_rate(WaveformSpec.study(), args.n, 3)),
        ("default spec, 64x64", best_rate(WaveformSpec(size=64), args.n, 3)),
        ("default spec, 200x200", best_rate(WaveformSpec(size=200), args.n // 4, 3)),
        (
            "thick (3 px) noisy (1% flips), 100x100",
            best_rate(
                dataclasses.replace(WaveformSpec(), thickness=(3, 3), flip_noise=(0.01, 0.01)),
                args.n,
                3,
            ),
        ),
    ]
    for name, rate in rows:
        print(f"{name:42s} {rate:>10,.0f} images/s")
    verdict = "meets" if default >= TARGET else "MISSES"
    print(f"target: >= {TARGET:,.0f} images/s at 100x100 -> {verdict} it")
    return 0 if default >= TARGET else 1


if __name__ == "__main__":
    raise SystemExit(main())
