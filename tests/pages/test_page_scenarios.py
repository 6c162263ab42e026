"""AppTest checks of the Scenarios page: every scenario with its explanation and button; pressing
one queues its runs, one at a time, shows their progress, and hands them to the Compare page."""

from __future__ import annotations

import dataclasses
import time
from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

import core.training.scenarios
from core.training.jobs import job_queue
from core.training.runs import load_run
from ui.state import COMPARE_KEY, RUN_KEY

PAGE = str(Path(__file__).resolve().parents[2] / "pages" / "7_Scenarios.py")
TIMEOUT = 60


@pytest.fixture()
def runs_root(monkeypatch, tmp_path) -> Path:
    import ui.state

    root = tmp_path / "runs"
    monkeypatch.setenv("KERNEL_LAB_RUNS", str(root))
    monkeypatch.setattr(ui.state, "EXAMPLE_RUNS", tmp_path / "no-examples")
    return root


@pytest.fixture()
def tiny(monkeypatch):
    """The scenarios with smoke-sized experiments, so pressing a button trains in seconds."""
    small = tuple(
        dataclasses.replace(
            sc,
            experiments=tuple(
                e.with_changes(n_train=24, n_test=12, batch_size=12, epochs=1, eval_every=1)
                for e in sc.experiments
            ),
        )
        for sc in core.training.scenarios.SCENARIOS
    )
    monkeypatch.setattr(core.training.scenarios, "SCENARIOS", small)
    return small


def test_every_scenario_is_offered_with_its_explanation(runs_root):
    at = AppTest.from_file(PAGE, default_timeout=TIMEOUT).run()
    assert not at.exception
    names = [s.value for s in at.subheader]
    for sc in core.training.scenarios.SCENARIOS:
        assert sc.name in names
        assert any(m.value == sc.explanation for m in at.markdown)
        button = at.button(key=f"scen_run_{sc.key}")
        assert button.label == f"Run it (about {sc.seconds} s)" and not button.disabled


def test_a_scenario_button_queues_its_runs_and_hands_them_to_compare(runs_root, tiny):
    at = AppTest.from_file(PAGE, default_timeout=TIMEOUT).run()
    at.button(key="scen_run_loss").click().run()
    assert not at.exception, [e.value for e in at.exception]
    scenario_run = at.session_state["lab_scenario"]
    jobs = scenario_run.jobs
    assert [j.experiment.preset for j in jobs] == ["loss-l1-and-tanh", "loss-cross-entropy"]
    assert all(j in job_queue().jobs for j in jobs)
    assert any(s.value.startswith("Training: L1 + tanh") for s in at.subheader)
    assert at.button(key="scen_run_decay").disabled  # one scenario at a time
    assert any(m.value.startswith("**L1 and tanh**") for m in at.markdown)
    for job in jobs:
        job.join(120)
    at.run()
    assert not at.exception, [e.value for e in at.exception]
    deadline = time.time() + 5
    while not any(s.value.startswith("Done:") for s in at.subheader) and time.time() < deadline:
        at.run()
    assert any(s.value.startswith("Done: L1 + tanh") for s in at.subheader)
    dirs = at.session_state[COMPARE_KEY]
    assert len(dirs) == 2 and [load_run(d).config["preset"] for d in dirs] == [
        "loss-l1-and-tanh",
        "loss-cross-entropy",
    ]
    assert at.session_state[RUN_KEY] == dirs[0]
    assert any(s.value.startswith("What to look at:") for s in at.success)
    assert not at.button(key="scen_run_decay").disabled


def test_stopping_a_scenario(runs_root, tiny):
    at = AppTest.from_file(PAGE, default_timeout=TIMEOUT).run()
    at.button(key="scen_run_kernels").click().run()
    jobs = at.session_state["lab_scenario"].jobs
    at.button(key="scen_stop").click().run()
    assert not at.exception
    for job in jobs:
        job.join(120)
        assert job.progress().finished
