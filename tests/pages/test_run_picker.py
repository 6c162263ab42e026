"""The run pickers stay on the chosen run when another session's training adds a run to the top of
the list (their options are indices, so without care they would jump to a neighbour)."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

from tests.pages.harness import check, fake_run, open_page
from ui.state import RUN_KEY


@pytest.fixture()
def two_runs(runs_root) -> Path:
    """runs_root with run-a and the newer run-b."""
    fake_run(runs_root, "run-a", 0.5, created=1000.0)
    fake_run(runs_root, "run-b", 0.7, created=2000.0)
    return runs_root


def _chosen(at: AppTest, key: str) -> str:
    box = at.selectbox(key=key)
    return box.options[box.index]


def test_home_picker_keeps_its_run_when_a_new_run_appears(two_runs):
    at = open_page("Home")
    box = at.selectbox(key="home_run")
    box.select_index(next(i for i, o in enumerate(box.options) if "run-a" in o)).run()
    assert "run-a" in _chosen(at, "home_run")
    fake_run(two_runs, "run-new", 0.9, created=3000.0)  # trained meanwhile by someone else
    check(at.run())
    assert "run-a" in _chosen(at, "home_run")
    assert at.session_state[RUN_KEY].endswith("run-a")
    assert "run-new" in at.selectbox(key="home_run").options[0]


def test_a_picked_run_that_disappears_falls_back_to_the_newest(two_runs):
    at = open_page("Home")
    box = at.selectbox(key="home_run")
    box.select_index(next(i for i, o in enumerate(box.options) if "run-a" in o)).run()
    shutil.rmtree(two_runs / "run-a")
    check(at.run())
    assert "run-b" in _chosen(at, "home_run")


def test_a_new_session_lands_on_a_finished_run_not_one_still_training(two_runs):
    """A student who opens a page afresh (a reload, a bookmark) while a classmate's run trains
    lands on the newest finished run: a running one has no network yet, so the Scope page could
    not answer (the load benchmark saw a student wait there with their own run saved)."""
    from core.training.runs import RunWriter, load_run

    (two_runs / "run-training").mkdir()
    writer = RunWriter(two_runs / "run-training", {"preset": "fast", "classes": ["square"]})
    writer.created = 3000.0
    writer.set_status("running", "Training has started.")
    try:
        assert load_run(two_runs / "run-training").state == "running"
        at = open_page("Home")
        assert "run-training" in at.selectbox(key="home_run").options[0]  # listed first
        assert "run-b" in _chosen(at, "home_run")
        assert at.session_state[RUN_KEY].endswith("run-b")
    finally:
        writer.set_status("done", "Finished.")
