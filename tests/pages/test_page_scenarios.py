"""AppTest checks of the Scenarios page: every scenario with its explanation and button; pressing
one queues its runs, one at a time, shows their progress, and hands them to the Compare page."""

from __future__ import annotations

import dataclasses
import time

import pytest

import core.training.scenarios
from core.training.jobs import job_queue
from core.training.runs import RunStore, load_run
from tests.pages.harness import check, open_page, texts
from ui.state import COMPARE_KEY, RUN_KEY


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
    at = open_page("Scenarios")
    names = [s.value for s in at.subheader]
    for sc in core.training.scenarios.SCENARIOS:
        assert sc.name in names
        assert any(m.value == sc.explanation for m in at.markdown)
        button = at.button(key=f"scen_run_{sc.key}")
        assert button.label == f"Run it (about {sc.seconds} s)" and not button.disabled


def test_a_scenario_button_queues_its_runs_and_hands_them_to_compare(runs_root, tiny):
    at = open_page("Scenarios")
    check(at.button(key="scen_run_loss").click().run())
    scenario_run = at.session_state["lab_scenario"]
    jobs = scenario_run.jobs
    assert [j.experiment.preset for j in jobs] == ["loss-l1-and-tanh", "loss-cross-entropy"]
    assert all(j in job_queue().jobs for j in jobs)
    assert any(s.value.startswith("Training: L1 + tanh") for s in at.subheader)
    assert at.button(key="scen_run_decay").disabled  # one scenario at a time
    assert any(m.value.startswith("**L1 and tanh**") for m in at.markdown)
    for job in jobs:
        job.join(120)
    check(at.run())
    deadline = time.monotonic() + 30  # the jobs have ended: the next reruns must say so
    while not any(s.value.startswith("Done:") for s in at.subheader):
        assert time.monotonic() < deadline, "the page never said the scenario was done"
        check(at.run())
    assert any(s.value.startswith("Done: L1 + tanh") for s in at.subheader)
    dirs = at.session_state[COMPARE_KEY]
    assert len(dirs) == 2 and [load_run(d).config["preset"] for d in dirs] == [
        "loss-l1-and-tanh",
        "loss-cross-entropy",
    ]
    assert at.session_state[RUN_KEY] == dirs[0]
    assert any(s.value.startswith("What to look at:") for s in at.success)
    assert not at.button(key="scen_run_decay").disabled


ENDED_UNTRAINED = ("Cancelled before it started.",)


def test_stopping_a_scenario(runs_root, tiny, tmp_path):
    """Stopped while another session's training fills the slots: the scenario's runs end without
    training (cancelled in line, or stopped before a step where a slot was free), and the page
    says the scenario is over with nothing to compare."""
    exp = tiny[0].experiments[0].with_changes(epochs=50)
    other = job_queue().submit(exp, RunStore(tmp_path / "other"), owner="another-session")
    try:
        at = open_page("Scenarios")
        at.button(key="scen_run_kernels").click().run()
        run = at.session_state["lab_scenario"]
        assert any(s.value == f"Training: {run.scenario.name}" for s in at.subheader)
        check(at.button(key="scen_stop").click().run())
        for job in run.jobs:
            job.join(120)
            message = job.progress().message
            assert message in ENDED_UNTRAINED or message.startswith("Stopped at step"), message
        check(at.run())
    finally:
        other.stop()
        other.join(60)
    assert any(s.value == f"Done: {run.scenario.name}" for s in at.subheader)
    shown = texts(at.markdown)
    for label in run.scenario.labels:
        assert f"**{label}**: stopped." in shown
    assert "nothing to compare" in texts(at.warning)
    assert COMPARE_KEY not in at.session_state
    assert not any(b.key == "scen_stop" for b in at.button)
    assert not at.button(key="scen_run_kernels").disabled
