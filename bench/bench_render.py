"""What a slider move costs outside Streamlit: the kernel montage and a full-resolution feature map.

Run from the repository root: `python bench/bench_render.py [--repeats 5]`. Targets on 2 cores:
<= 0.05 s for the montage of 5 kernels of 25x25 at 8x (the Kernels page redraws it on every
snapshot), <= 1 s for one 25x25 kernel over a 1000x1000 trace (the Scope page's full-resolution
feature map). The whole page's response is in bench/bench_pages.py.
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

# Run as a script, Python puts bench/ on the path, not the repository root that holds core/.
sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import numpy as np  # noqa: E402

from core.interpret.features import feature_map  # noqa: E402
from core.render import kernel_montage  # noqa: E402


def best_of(fn, repeats: int) -> float:
    """Best wall time (s) of fn() over `repeats` runs."""
    best = float("inf")
    for _ in range(repeats):
        start = time.perf_counter()
        fn()
        best = min(best, time.perf_counter() - start)
    return best


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=5, help="runs per row; the best counts")
    args = parser.parse_args()
    rng = np.random.default_rng(0)
    kernels = rng.normal(0, 0.05, (5, 1, 25, 25)).astype(np.float32)  # (k, 1, K, K)
    trace = (rng.random((1000, 1000)) < 0.1).astype(np.float32)  # (H, W), 10% of pixels on
    kernel = rng.normal(0, 0.05, (25, 25)).astype(np.float32)
    rows = [
        ("kernel montage, 5 of 25x25 at 8x", lambda: kernel_montage(kernels, upscale=8), 0.05),
        ("feature map, 25x25 on 1000x1000", lambda: feature_map(trace, kernel, 0.1), 1.0),
    ]
    ok = True
    print(f"best of {args.repeats}:")
    for name, fn, target in rows:
        fn()  # warm-up: imports, the FFT plan, first-touch page faults
        secs = best_of(fn, args.repeats)
        ok &= secs <= target
        verdict = "ok" if secs <= target else "TOO SLOW"
        print(f"  {name:34s} {secs:7.4f} s  (target <= {target:g} s: {verdict})")
    return 0 if ok else 1


if __name__ == "__main__":
    raise SystemExit(main())
