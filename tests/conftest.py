"""Fixtures shared by the tests: one smoke-sized trained run, and a private runs root for the pages
(empty, or holding a copy of that run, or with the run as the only example)."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from core.training.experiment import run_experiment
from core.training.presets import preset
from core.training.runs import RunStore


@pytest.fixture(scope="session")
def run_dir(tmp_path_factory) -> Path:
    """One smoke-sized trained run (1 epoch of 240 images), trained once per test session."""
    root = tmp_path_factory.mktemp("runs")
    exp = preset("fast").with_changes(n_train=240, n_test=60, batch_size=24, epochs=1)
    return run_experiment(exp, RunStore(root)).run_dir


@pytest.fixture()
def runs_root(monkeypatch, tmp_path) -> Path:
    """An empty private runs root ($KERNEL_LAB_RUNS), with the shipped example runs hidden."""
    import ui.state

    root = tmp_path / "runs"
    monkeypatch.setenv("KERNEL_LAB_RUNS", str(root))
    monkeypatch.setattr(ui.state, "EXAMPLE_RUNS", tmp_path / "no-examples")
    return root


@pytest.fixture()
def trained_run(run_dir, runs_root) -> Path:
    """A fresh copy of the smoke run, the only run in runs_root: its folder (free to damage)."""
    return Path(shutil.copytree(run_dir, runs_root / run_dir.name))


@pytest.fixture()
def example_run(run_dir, runs_root, monkeypatch, tmp_path) -> Path:
    """No saved runs, and a copy of the smoke run as the only shipped example: its folder."""
    import ui.state

    examples = tmp_path / "examples"
    monkeypatch.setattr(ui.state, "EXAMPLE_RUNS", examples)
    return Path(shutil.copytree(run_dir, examples / run_dir.name))


@pytest.fixture()
def shipped_examples(runs_root, monkeypatch) -> list[str]:
    """No saved runs, and the example runs that ship in examples/runs: their folder names."""
    import ui.state

    examples = Path(__file__).resolve().parents[1] / "examples" / "runs"
    monkeypatch.setattr(ui.state, "EXAMPLE_RUNS", examples)
    names = sorted(p.name for p in examples.iterdir() if (p / "config.json").is_file())
    assert names, "the repository ships an example run for a first launch"
    return names
