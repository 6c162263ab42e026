"""A run that learned nothing says so on Home, in the pickers and on Kernels; a new session lands
on a run that works (the shipped example) rather than on the newest, failed one."""

from __future__ import annotations

from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

from core.training.runs import RunWriter
from ui.state import RUN_KEY

ROOT = Path(__file__).resolve().parents[2]
TIMEOUT = 30
ALL_SINE = [[0, 0, 20], [0, 0, 20], [0, 0, 20]]


def failed_run(root: Path, name: str = "lr10-run", created: float = 9e9) -> Path:
    """A finished run as lr = 10 leaves it: 33% held-out, every answer "sine", no verdict saved
    (as runs trained before the verdict existed)."""
    path = root / name
    path.mkdir(parents=True)
    config = {"preset": "fast", "classes": ["square", "gaussian", "sine"],
              "train": {"optimizer": "adam", "lr": 10.0, "loss": "cross_entropy"}}  # fmt: skip
    writer = RunWriter(path, config)
    writer.created = created
    for step in (1, 2, 3):
        writer.add_metrics({"step": step, "loss": 7.0, "test_accuracy": 1 / 3})
    writer.set_status("done", "Finished 3 epoch(s).", confusion=ALL_SINE)
    return path


@pytest.fixture()
def runs_root(tmp_path, monkeypatch) -> Path:
    root = tmp_path / "runs"
    monkeypatch.setenv("KERNEL_LAB_RUNS", str(root))
    return root


def test_a_new_session_lands_on_the_example_not_the_newest_failed_run(runs_root):
    failed_run(runs_root)
    at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=TIMEOUT).run()
    assert not at.exception
    box = at.selectbox(key="home_run")
    assert "[example]" in box.options[box.index]
    assert "examples/runs" in at.session_state[RUN_KEY]
    failed = next(o for o in box.options if "lr10-run" in o)
    assert "[did not learn]" in failed
    assert not [w for w in at.warning if "did not learn" in w.value]


def test_choosing_the_failed_run_says_it_did_not_learn_and_what_to_change(runs_root):
    failed_run(runs_root)
    at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=TIMEOUT).run()
    box = at.selectbox(key="home_run")
    box.select_index(next(i for i, o in enumerate(box.options) if "lr10-run" in o)).run()
    text = " ".join(w.value for w in at.warning)
    assert "did not learn" in text and "chance" in text
    assert '"sine" to nearly every image' in text and "lower the learning rate" in text


def test_kernels_page_warns_on_a_run_that_did_not_learn(runs_root, monkeypatch):
    import ui.state

    monkeypatch.setattr(ui.state, "EXAMPLE_RUNS", runs_root.parent / "no-examples")
    failed_run(runs_root)
    at = AppTest.from_file(str(ROOT / "views" / "3_Kernels.py"), default_timeout=TIMEOUT).run()
    assert not at.exception
    assert any("did not learn" in w.value for w in at.warning)
