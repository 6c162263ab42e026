"""Train the shape namer the answers consult for a second opinion, and save its weights.

    python scripts/train_namer.py [--read 30000] [--rendered 7500] [--epochs 8] [--out PATH]

Draws `--read` shapes as a capture's reading draws them and `--rendered` class images plus as many
distractor images as a run's training images are drawn (core.capture.namertrain), trains, and
prints the share of each family named right on examples it did not train on. The shipped
core/capture/namer.pt is these defaults (seed 0): about 6 minutes on 2 CPU cores.
"""

from __future__ import annotations

import argparse
import sys
import time
from multiprocessing import Pool
from pathlib import Path

import numpy as np
import torch

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from core.capture.namer import WEIGHTS  # noqa: E402
from core.capture.namertrain import (  # noqa: E402
    accuracy_by_family,
    read_example,
    rendered_examples,
    save_namer,
    train_namer,
)

HELD_OUT = 10**7  # read examples from here on are never trained on


def examples(read: int, rendered: int, first: int, seed: int) -> tuple[np.ndarray, np.ndarray]:
    with Pool(2) as pool:
        got = pool.map(read_example, range(first, first + read), chunksize=64)
    xr, yr = np.stack([g[0] for g in got]), np.array([g[1] for g in got], dtype=np.int64)
    xn, yn = rendered_examples(rendered, seed)
    return np.concatenate([xr, xn]), np.concatenate([yr, yn])


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--read", type=int, default=30_000)
    ap.add_argument("--rendered", type=int, default=7_500)
    ap.add_argument("--epochs", type=int, default=8)
    ap.add_argument("--width", type=int, default=16)
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--out", default=str(WEIGHTS))
    a = ap.parse_args()
    t0 = time.perf_counter()
    x, y = examples(a.read, a.rendered, 0, 101 + a.seed)
    print(f"{len(x)} examples drawn in {time.perf_counter() - t0:.0f} s", flush=True)
    torch.set_num_threads(2)

    def say(epoch: int, loss: float) -> None:
        print(f"epoch {epoch}  loss {loss:.4f}  {time.perf_counter() - t0:.0f} s", flush=True)

    net = train_namer(x, y, epochs=a.epochs, width=a.width, seed=a.seed, progress=say)
    xh, yh = examples(1_500, 750, HELD_OUT, 10**6)
    scores = accuracy_by_family(net, xh, yh)
    print("held-out named right: " + ", ".join(f"{k} {v:.2f}" for k, v in scores.items()))
    save_namer(net, a.out, read=a.read, rendered=a.rendered, epochs=a.epochs, seed=a.seed,
               held_out=scores)  # fmt: skip
    print(f"saved {a.out}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
