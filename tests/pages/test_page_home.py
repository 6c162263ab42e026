"""AppTest checks of the home page: the four steps, and the run picker shared by every page."""

from __future__ import annotations

from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

from core.training.runs import RunWriter
from ui.state import RUN_KEY

APP = str(Path(__file__).resolve().parents[2] / "app.py")
TIMEOUT = 30


def fake_run(root: Path, name: str, accuracy: float, created: float) -> Path:
    """A finished run folder without training: config, three metric rows and a status."""
    path = root / name
    path.mkdir(parents=True)
    writer = RunWriter(path, {"preset": "fast", "classes": ["square", "gaussian", "sine"]})
    writer.created = created
    for step in (1, 2, 3):
        writer.add_metrics(
            {"step": step, "epoch": step / 3, "loss": 1.0 / step, "train_accuracy": 0.5,
             "test_accuracy": accuracy * step / 3, "plateau": False}
        )  # fmt: skip
    writer.set_status("done", "Finished 1 epoch(s).")
    return path


@pytest.fixture()
def runs_root(tmp_path, monkeypatch) -> Path:
    root = tmp_path / "runs"
    monkeypatch.setenv("KERNEL_LAB_RUNS", str(root))
    return root


def test_renders_fresh_with_no_runs_of_its_own(runs_root):
    at = AppTest.from_file(APP, default_timeout=TIMEOUT).run()
    assert not at.exception
    assert at.title[0].value == "CNN Kernel Lab"
    links = [link.proto.page for link in at.get("page_link")]
    assert links[:2] == ["Waveforms", "Train"]  # real links to the pages, not plain text
    labels = " ".join(link.proto.label for link in at.get("page_link"))
    labels += " ".join(m.value for m in at.markdown)  # a step not written yet is plain text
    for step in ("Waveforms", "Train", "Kernels", "Scope"):
        assert step in labels


def test_run_picker_defaults_to_the_newest_and_is_shared(runs_root):
    old = fake_run(runs_root, "old-run", 0.6, created=1000.0)
    new = fake_run(runs_root, "new-run", 0.9, created=2000.0)
    at = AppTest.from_file(APP, default_timeout=TIMEOUT).run()
    assert not at.exception
    picker = at.selectbox(key="home_run")
    assert "new-run" in picker.options[picker.value]
    assert at.session_state[RUN_KEY] == str(new)
    assert any(m.value == "90%" for m in at.metric)
    labels = picker.options
    picker.select_index(next(i for i, o in enumerate(labels) if "old-run" in o)).run()
    assert at.session_state[RUN_KEY] == str(old)
    assert any(m.value == "60%" for m in at.metric)
