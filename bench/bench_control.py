"""How fast Pause, Resume, Stop and Step act on a run in its worker process, on both presets:
python bench/bench_control.py [trials] [preset ...]

Issue 11's target: each takes effect within 0.5 s, the study's long steps (batch 1000, seconds to
tens of seconds each) included. Drives the same `JobQueue` the Train page uses and times, from the
call to the moment the worker reports it: Pause -> "paused", Resume -> "running", Step -> one more
step, Stop -> "stopping" (no more steps) and then the run saved. Paper uses fewer images (2000)
than its preset so that data generation is short; its steps are the preset's batches of 1000.
"""

from __future__ import annotations

import os
import random
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from core.training.jobs import JobQueue  # noqa: E402
from core.training.presets import preset  # noqa: E402
from core.training.runs import RunStore  # noqa: E402

TARGET_S = 0.5
EXPERIMENTS = {
    "fast": preset("fast").with_changes(epochs=50),
    "paper": preset("paper").with_changes(n_train=2000, n_test=200, epochs=50),
}


def until(check, timeout: float = 600.0) -> float:
    """Seconds until check() is true (polled every 5 ms)."""
    start = time.perf_counter()
    while not check():
        if time.perf_counter() - start > timeout:
            raise TimeoutError
        time.sleep(0.005)
    return time.perf_counter() - start


def measure(name: str, trials: int) -> dict[str, list[float]]:
    q = JobQueue(slots=1)
    job = q.submit(EXPERIMENTS[name], RunStore(tempfile.mkdtemp(prefix="bench-control-")))
    times: dict[str, list[float]] = {"pause": [], "resume": [], "step": [], "stop": [], "saved": []}
    until(lambda: job.progress().step >= 1)
    for _ in range(trials):
        time.sleep(random.uniform(0.2, 1.5))  # land anywhere inside a step
        job.pause()
        times["pause"].append(until(lambda: job.progress().state == "paused"))
        step = job.progress().step
        job.step_once()
        start = time.perf_counter()
        until(lambda s=step: job.progress().step == s + 1)
        times["step"].append(time.perf_counter() - start)  # includes the step itself
        job.resume()
        times["resume"].append(until(lambda: job.progress().state == "running"))
    time.sleep(random.uniform(0.2, 1.5))
    job.stop()
    times["stop"].append(until(lambda: job.progress().state in ("stopping", "stopped")))
    times["saved"].append(until(lambda: not job.alive))
    return times


def main(trials: int, names: list[str]) -> int:
    ok = True
    for name in names or EXPERIMENTS:
        times = measure(name, trials)
        cells = []
        for what, values in times.items():
            worst = max(values)
            if what in ("pause", "resume", "stop"):
                ok &= worst <= TARGET_S
            cells.append(f"{what} median {statistics.median(values):.2f} s, worst {worst:.2f} s")
        load = ", ".join(f"{v:.2f}" for v in os.getloadavg())
        print(f"{name}: " + " · ".join(cells) + f" ({len(times['pause'])} trials; load {load})")
    print(f"Pause/Resume/Stop within {TARGET_S} s: {'OK' if ok else 'MISSED'}")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main(int(sys.argv[1]) if len(sys.argv) > 1 else 5, sys.argv[2:]))
