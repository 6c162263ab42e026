"""Streamlit side of classroom scenarios: queue a scenario's runs, follow them, hand them to the
Compare page when they are done."""

from __future__ import annotations

from dataclasses import dataclass, field

import streamlit as st

from core.training.jobs import JobProgress, TrainingJob, job_queue
from core.training.scenarios import Scenario
from ui.state import select_run, set_compare_runs, store
from ui.training import ensure_watchdog, session_id

SCENARIO_KEY = "lab_scenario"  # the ScenarioRun this browser session started last


@dataclass
class ScenarioRun:
    """A scenario's queued jobs, one per experiment, in order."""

    scenario: Scenario
    jobs: list[TrainingJob]
    handed_over: bool = False
    progress: list[JobProgress] = field(default_factory=list)

    def refresh(self) -> list[JobProgress]:
        self.progress = [j.progress() for j in self.jobs]
        return self.progress

    @property
    def finished(self) -> bool:
        """Every job has ended and its thread has written its files."""
        return all(p.finished for p in self.refresh()) and not any(j.alive for j in self.jobs)

    def stop(self) -> None:
        for job in self.jobs:
            job.stop()


def start_scenario(sc: Scenario) -> ScenarioRun:
    """Queue the scenario's runs (they train in the server's slots, after any already queued)."""
    ensure_watchdog()
    jobs = [job_queue().submit(exp, store(), owner=session_id()) for exp in sc.experiments]
    run = ScenarioRun(sc, jobs)
    st.session_state[SCENARIO_KEY] = run
    return run


def current() -> ScenarioRun | None:
    return st.session_state.get(SCENARIO_KEY)


def hand_over(run: ScenarioRun) -> list[str]:
    """Once done: its runs become the Compare page's pair and the first the current run; returns
    their folders (those that got one)."""
    dirs = [str(p.run_dir) for p in run.refresh() if p.run_dir is not None]
    if not run.handed_over and len(dirs) >= 2:
        set_compare_runs(dirs[:2])
        select_run(dirs[0])
        run.handed_over = True
    return dirs


def state_line(label: str, p: JobProgress) -> str:
    """'**50 kernels**: running, step 40 of 94' and the like."""
    if p.state == "queued":
        what = "waiting for its turn" + (f" (number {p.queue_position} in line)"
                                         if p.queue_position else "")  # fmt: skip
    elif p.state in ("running", "paused") and p.total_steps:
        what = f"{p.state}, step {p.step} of {p.total_steps}"
    elif p.state == "running":
        what = "preparing the images and the network"
    elif p.finished:
        what = f"{p.state}. {p.message}"
    else:
        what = p.state
    return f"**{label}**: {what}"
