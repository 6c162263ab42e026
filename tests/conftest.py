"""Fixtures shared by the page tests: one smoke-sized trained run, copied into a private root."""

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
def runs_root(run_dir, monkeypatch, tmp_path) -> Path:
    """A runs root holding a fresh copy of the run, with the shipped example runs hidden."""
    import ui.state

    root = tmp_path / "runs"
    shutil.copytree(run_dir, root / run_dir.name)
    monkeypatch.setenv("KERNEL_LAB_RUNS", str(root))
    monkeypatch.setattr(ui.state, "EXAMPLE_RUNS", tmp_path / "no-examples")
    return root
