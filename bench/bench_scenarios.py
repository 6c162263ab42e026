"""How long each classroom scenario takes, both runs one after the other as the Scenarios page
queues them: python bench/bench_scenarios.py [key ...]

Target: under a minute per scenario on 2 CPU cores. Prints, per run, its seconds (data, training
and saving), steps, status and held-out accuracy, and the median structure score of its kernels.
"""

from __future__ import annotations

import sys
import tempfile
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from core.interpret.diagnostics import kernel_diagnostics  # noqa: E402
from core.training.experiment import run_experiment  # noqa: E402
from core.training.runs import RunStore, load_run  # noqa: E402
from core.training.scenarios import SCENARIOS  # noqa: E402

TARGET_S = 60.0


def main(keys: list[str]) -> int:
    store = RunStore(tempfile.mkdtemp(prefix="bench-scenarios-"))
    rows = []
    for sc in SCENARIOS:
        if keys and sc.key not in keys:
            continue
        total = 0.0
        for label, exp in zip(sc.labels, sc.experiments):
            start = time.perf_counter()
            result = run_experiment(exp, store)
            seconds = time.perf_counter() - start
            total += seconds
            snaps = load_run(result.run_dir).snapshots()
            diag = kernel_diagnostics(snaps.weights, snaps.step, snaps.bias)
            acc = result.metrics.get("test_accuracy")
            acc_s = f"{acc:.0%}" if acc is not None else "–"
            moved = np.median(diag["rel_change_init"][-1])
            print(
                f"{sc.key:8s} {label:20s} {seconds:6.1f} s  {result.steps:4d} steps  "
                f"{result.status:8s} held-out {acc_s:>4}  structure median "
                f"{np.nanmedian(diag['structure'][-1]):5.1f}  moved {moved:5.0%}  "
                f"| {result.message}",
                flush=True,
            )
        rows.append((sc.key, sc.name, total))
    print(f"\n{'scenario':45s} seconds  target  ok")
    for key, name, total in rows:
        ok = "yes" if total <= TARGET_S else "NO"
        print(f"{(key + ': ' + name)[:45]:45s} {total:7.1f}  {TARGET_S:6.0f}  {ok}")
    return 0 if all(t <= TARGET_S for *_, t in rows) else 1


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
