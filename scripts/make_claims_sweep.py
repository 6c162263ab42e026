"""Regenerate the sweep behind the Claims page, shipped in examples/sweeps/claims/.

    nice python scripts/make_claims_sweep.py [--only kernels,sizes,losses] [--workers N]

Runs each sweep of core.training.claims.SWEEPS with the sweep engine, then keeps what the page and
the other pages need: the sweep table, and per run its config, status, metrics and the first and
last kernel snapshots (compressed, float16); model.pt and the frames in between are left out
(a few MB in all instead of hundreds).
"""

from __future__ import annotations

import argparse
import shutil
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from core.training.claims import SWEEPS  # noqa: E402
from core.training.runs import load_snapshots  # noqa: E402
from core.training.sweep import run_sweep  # noqa: E402

TARGET = ROOT / "examples" / "sweeps" / "claims"
KEEP = ("config.json", "status.json", "metrics.csv")


def prune(src: Path, dst: Path) -> None:
    """Copy a sweep folder, keeping its table and each run's summaries and end kernels."""
    if dst.exists():
        shutil.rmtree(dst)
    (dst / "runs").mkdir(parents=True)
    for name in ("sweep.csv", "sweep.json"):
        shutil.copy2(src / name, dst / name)
    for run in sorted((src / "runs").iterdir()):
        if not run.is_dir() or run.name.startswith("."):
            continue
        out = dst / "runs" / run.name
        out.mkdir()
        for name in KEEP:
            if (run / name).is_file():
                shutil.copy2(run / name, out / name)
        s = load_snapshots(run / "snapshots.npz")
        ends = [0, len(s) - 1] if len(s) > 1 else [0]
        np.savez_compressed(
            out / "snapshots.npz",
            # float16 halves the file; the pages read snapshots back as float32
            weights=s.weights[ends].astype(np.float16), bias=s.bias[ends].astype(np.float16),
            step=s.step[ends], epoch=s.epoch[ends],
        )  # fmt: skip


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--only", default=",".join(SWEEPS), help="sweeps to regenerate")
    ap.add_argument("--workers", type=int, default=None, help="parallel runs (default all cores)")
    ap.add_argument("--work", default=None, help="keep the full runs here (resumes if stopped)")
    args = ap.parse_args()
    for key in args.only.split(","):
        spec = SWEEPS[key]
        t0 = time.perf_counter()
        work = Path(args.work or tempfile.mkdtemp(prefix="claims-sweep-")) / key

        def report(done, total, row, key=key):
            acc = row.get("final_accuracy")
            print(f"{key} [{done}/{total}] {row['run']} {row['status']} {acc}", flush=True)

        run_sweep(spec, work, workers=args.workers, on_row=report, resume=True)
        prune(work, TARGET / key)
        if not args.work:
            shutil.rmtree(work.parent)
        size = sum(p.stat().st_size for p in (TARGET / key).rglob("*") if p.is_file()) / 1e6
        print(f"wrote {key}: {size:.2f} MB in {time.perf_counter() - t0:.0f} s", flush=True)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
