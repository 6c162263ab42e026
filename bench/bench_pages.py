"""How responsive the pages are, measured with AppTest: python bench/bench_pages.py

Targets: a page's first render in a fresh session <= 2 s, an interaction <= 0.5 s, and while a
training runs, the Train page's redraw (its 1 s fragment, timed here as a whole-page rerun, which
costs more) well under a second so the charts refresh at least once a second.
"""

from __future__ import annotations

import os
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
os.environ["KERNEL_LAB_RUNS"] = tempfile.mkdtemp(prefix="bench-runs-")

from streamlit.testing.v1 import AppTest  # noqa: E402

from core.training.experiment import run_experiment  # noqa: E402
from core.training.jobs import job_queue  # noqa: E402
from core.training.presets import preset  # noqa: E402
from core.training.runs import RunStore  # noqa: E402

PAGES = {
    "Home": "app.py",
    "Waveforms": "views/1_Waveforms.py",
    "Train": "views/2_Train.py",
    "Kernels": "views/3_Kernels.py",
    "Scope": "views/4_Scope.py",
    "Insight": "views/5_Insight.py",
    "Compare": "views/6_Compare.py",
    "Scenarios": "views/7_Scenarios.py",
}
TIMEOUT = 60
rows: list[tuple[str, str, float, float]] = []


def timed(fn) -> float:
    start = time.perf_counter()
    fn()
    return time.perf_counter() - start


def fresh(path: str) -> AppTest:
    at = AppTest.from_file(str(ROOT / path), default_timeout=TIMEOUT)
    return at


def record(page: str, what: str, seconds: float, target: float) -> None:
    rows.append((page, what, seconds, target))


def first_renders() -> None:
    for name, path in PAGES.items():
        if not (ROOT / path).is_file():
            continue
        times = []
        for _ in range(3):
            at = fresh(path)
            times.append(timed(at.run))
            if at.exception:
                print(f"{name}: {at.exception[0].message}")
        record(name, "first render, fresh session (median of 3)", statistics.median(times), 2.0)


def interactions() -> None:
    at = fresh("views/1_Waveforms.py")
    at.run()
    t = [timed(at.slider(key="wf_cycles").set_value((1.0 + i / 4, 4.0)).run) for i in range(5)]
    record("Waveforms", "move a range slider (median of 5)", statistics.median(t), 0.5)
    t = [timed(at.button(key="wf_reroll").click().run) for _ in range(5)]
    record("Waveforms", "re-roll the samples (median of 5)", statistics.median(t), 0.5)
    at.button_group(key="wf_one_class").set_value("sine").run()
    t = [timed(at.slider(key="wf_one_sine_cycles").set_value(1.0 + i).run) for i in range(5)]
    record("Waveforms", "single view slider (median of 5)", statistics.median(t), 0.5)

    at = fresh("views/2_Train.py")
    at.run()
    t = [timed(at.number_input(key="tr_epochs").set_value(2 + i).run) for i in range(5)]
    record("Train", "change a setting (median of 5)", statistics.median(t), 0.5)
    t = [timed(at.button_group(key="tr_preset").set_value(p).run) for p in ("paper", "fast") * 2]
    record("Train", "switch preset (median of 4)", statistics.median(t), 0.5)

    at = fresh("app.py")
    at.run()
    picker = at.selectbox(key="home_run")
    t = [timed(picker.select_index(i % len(picker.options)).run) for i in range(4)]
    record("Home", "pick a run (median of 4)", statistics.median(t), 0.5)


def insight_interactions() -> None:
    """The insight parts: Kernels' slider and tabs, Insight's snapshot / cell / heat map, Compare's
    step."""
    at = fresh("views/3_Kernels.py")
    at.run()
    n = len(at.select_slider(key="kernels_frame").options)
    t = [timed(at.select_slider(key="kernels_frame").set_value(i).run) for i in (0, n // 2, 1)]
    record("Kernels", "scrub the snapshot slider (median of 3)", statistics.median(t), 0.5)
    times = []
    for tab in ("What training added", "Orientation", "Size and change", "Frequency", "Structure"):
        at.session_state["kernels_insight_tab"] = tab
        times.append(timed(at.run))
    record("Kernels", "switch a diagnostics tab (median of 5)", statistics.median(times), 0.5)
    at.session_state["kernels_insight_tab"] = "Preferred inputs"
    at.run()
    record("Kernels", "find preferred inputs (button, then cached)",
           timed(at.button(key="kernels_find_preferred").click().run), 10.0)  # fmt: skip

    at = fresh("views/5_Insight.py")
    at.run()
    frame = at.select_slider(key="insight_frame")
    n = len(frame.options)
    t = [timed(at.select_slider(key="insight_frame").set_value(i).run) for i in (0, n // 2, 2)]
    record(
        "Insight", "move the snapshot slider, new frames (median of 3)", statistics.median(t), 0.5
    )
    t = [timed(at.selectbox(key="insight_cell").set_value(i).run) for i in (0, 4, 8)]
    record("Insight", "choose a cell (median of 3)", statistics.median(t), 0.5)
    t = [timed(at.button_group(key="insight_heat").set_value(m).run)
         for m in ("grad_cam", "none", "saliency")]  # fmt: skip
    record("Insight", "switch the heat map (median of 3)", statistics.median(t), 0.5)

    at = fresh("views/6_Compare.py")
    at.run()
    pair = at.select_slider(key="compare_pair")
    t = [timed(at.select_slider(key="compare_pair").set_value(i).run)
         for i in (0, len(pair.options) // 2, 1)]  # fmt: skip
    record("Compare", "move the step slider (median of 3)", statistics.median(t), 0.5)


def refresh_while_training() -> None:
    at = fresh("views/2_Train.py")
    at.run()
    for key, value in (("tr_n_train", 1200), ("tr_n_test", 120), ("tr_batch_size", 24)):
        at.number_input(key=key).set_value(value)
    at.number_input(key="tr_epochs").set_value(20).run()
    at.button(key="tr_start").click().run()
    job = at.session_state["lab_train_job"]
    while not job.progress().metrics and not job.progress().finished:
        time.sleep(0.2)
    times = []
    for _ in range(15):
        times.append(timed(at.run))
        time.sleep(0.3)
    steps = job.progress().step
    job.stop()
    job.join(60)
    record("Train", f"redraw while training (median of 15, to step {steps})",
           statistics.median(times), 0.2)  # fmt: skip
    record("Train", "redraw while training (slowest of 15)", max(times), 1.0)


def main() -> None:
    # The server imports torch, altair... once; no browser session pays for that again.
    record("(process)", "first render ever, imports included", timed(fresh("app.py").run), 10.0)
    # One smoke run so the run pickers, Kernels and Scope have something real to show.
    exp = preset("fast").with_changes(n_train=240, n_test=60, batch_size=24, epochs=1)
    run_experiment(exp, RunStore())
    run_experiment(exp.with_changes(seed=1), RunStore())  # a second run for the Compare page
    first_renders()
    interactions()
    insight_interactions()
    refresh_while_training()
    for job in job_queue().jobs:
        job.stop()
    width = max(len(f"{p}: {w}") for p, w, _, _ in rows)
    print(f"\n{'page: measure'.ljust(width)}  seconds  target  ok")
    for page, what, seconds, target in rows:
        ok = "yes" if seconds <= target else "NO"
        print(f"{f'{page}: {what}'.ljust(width)}  {seconds:7.3f}  {target:6.1f}  {ok}")


if __name__ == "__main__":
    main()
