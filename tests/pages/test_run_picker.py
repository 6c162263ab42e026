"""The run pickers stay on the chosen run when another session's training adds a run to the top of
the list (their options are indices, so without care they would jump to a neighbour)."""

from __future__ import annotations

from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

from tests.pages.test_page_home import fake_run
from ui.state import RUN_KEY

ROOT = Path(__file__).resolve().parents[2]
TIMEOUT = 30


@pytest.fixture()
def runs_root(tmp_path, monkeypatch) -> Path:
    import ui.state

    root = tmp_path / "runs"
    monkeypatch.setenv("KERNEL_LAB_RUNS", str(root))
    monkeypatch.setattr(ui.state, "EXAMPLE_RUNS", tmp_path / "no-examples")
    fake_run(root, "run-a", 0.5, created=1000.0)
    fake_run(root, "run-b", 0.7, created=2000.0)
    return root


def _chosen(at: AppTest, key: str) -> str:
    box = at.selectbox(key=key)
    return box.options[box.index]


def test_home_picker_keeps_its_run_when_a_new_run_appears(runs_root):
    at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=TIMEOUT).run()
    box = at.selectbox(key="home_run")
    box.select_index(next(i for i, o in enumerate(box.options) if "run-a" in o)).run()
    assert "run-a" in _chosen(at, "home_run")
    fake_run(runs_root, "run-new", 0.9, created=3000.0)  # trained meanwhile by someone else
    at.run()
    assert not at.exception
    assert "run-a" in _chosen(at, "home_run")
    assert at.session_state[RUN_KEY].endswith("run-a")
    assert "run-new" in at.selectbox(key="home_run").options[0]


def test_a_picked_run_that_disappears_falls_back_to_the_newest(runs_root):
    import shutil

    at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=TIMEOUT).run()
    box = at.selectbox(key="home_run")
    box.select_index(next(i for i, o in enumerate(box.options) if "run-a" in o)).run()
    shutil.rmtree(runs_root / "run-a")
    at.run()
    assert not at.exception
    assert "run-b" in _chosen(at, "home_run")
