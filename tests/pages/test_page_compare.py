"""AppTest checks of the Compare page: two runs side by side at matching steps, curves overlaid,
the summary table, and the pair a classroom scenario hands over."""

from __future__ import annotations

import dataclasses
import shutil
from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

from core.training.experiment import run_experiment
from core.training.presets import preset
from core.training.runs import RunStore
from ui.state import COMPARE_KEY

PAGE = str(Path(__file__).resolve().parents[2] / "pages" / "6_Compare.py")
TIMEOUT = 60


@pytest.fixture(scope="module")
def run_dirs(tmp_path_factory) -> list[Path]:
    """Two smoke runs that differ: 5 kernels over 10 steps, 8 kernels over 20."""
    root = RunStore(tmp_path_factory.mktemp("runs"))
    five = preset("fast").with_changes(n_train=240, n_test=60, batch_size=24, epochs=1)
    eight = dataclasses.replace(five, model=dataclasses.replace(five.model, kernels=8))
    eight = eight.with_changes(epochs=2)
    return [run_experiment(five, root, name="five").run_dir,
            run_experiment(eight, root, name="eight").run_dir]  # fmt: skip


@pytest.fixture()
def runs_root(run_dirs, monkeypatch, tmp_path) -> Path:
    import ui.state

    root = tmp_path / "runs"
    for d in run_dirs:
        shutil.copytree(d, root / d.name)
    monkeypatch.setenv("KERNEL_LAB_RUNS", str(root))
    monkeypatch.setattr(ui.state, "EXAMPLE_RUNS", tmp_path / "no-examples")
    return root


def _ok(at: AppTest) -> None:
    assert not at.exception, [e.value for e in at.exception]


def _titles(at: AppTest) -> list[str]:
    return [m.value for m in at.markdown if m.value.startswith("**Run ")]


def test_one_run_is_not_enough(run_dirs, monkeypatch, tmp_path):
    import ui.state

    root = tmp_path / "runs"
    shutil.copytree(run_dirs[0], root / run_dirs[0].name)
    monkeypatch.setenv("KERNEL_LAB_RUNS", str(root))
    monkeypatch.setattr(ui.state, "EXAMPLE_RUNS", tmp_path / "no-examples")
    at = AppTest.from_file(PAGE, default_timeout=TIMEOUT).run()
    _ok(at)
    assert any("Comparing needs two runs" in i.value for i in at.info)


def test_two_runs_side_by_side(runs_root):
    at = AppTest.from_file(PAGE, default_timeout=TIMEOUT).run()
    _ok(at)
    a, b = at.selectbox(key="compare_run_a"), at.selectbox(key="compare_run_b")
    assert a.value != b.value
    titles = _titles(at)
    assert len(titles) == 2 and "8 kernels" in titles[0] and "5 kernels" in titles[1]
    assert len(at.image) == 2  # both montages
    assert len(at.get("vega_lite_chart")) == 2  # curves overlaid, structure overlaid
    table = at.get("dataframe")[0].value
    assert list(table["kernels"]) == [8, 5]
    assert {"structured", "median score", "learned part", "held-out"} <= set(table.columns)


def test_the_step_slider_pairs_matching_snapshots(runs_root):
    at = AppTest.from_file(PAGE, default_timeout=TIMEOUT).run()
    pair = at.select_slider(key="compare_pair")
    assert pair.value == len(pair.options) - 1
    last = [i.value for i in at.image]
    pair.set_value(5).run()
    _ok(at)
    titles = _titles(at)
    assert "· step 5 ·" in titles[0] and "· step 5 ·" in titles[1]  # the same step in both
    assert [i.value for i in at.image] != last
    pair.set_value(len(pair.options) - 1).run()  # run A at step 20, run B ended at step 10
    assert any("it ended there" in c.value for c in at.caption)


def test_a_scenario_pair_opens_preselected(runs_root, run_dirs):
    at = AppTest.from_file(PAGE, default_timeout=TIMEOUT)
    paths = sorted(str(p) for p in runs_root.iterdir())
    five = next(p for p in paths if p.endswith("five"))
    eight = next(p for p in paths if p.endswith("eight"))
    at.session_state[COMPARE_KEY] = [five, eight]
    at.run()
    _ok(at)
    titles = _titles(at)
    assert "five" in titles[0] and "eight" in titles[1]
    at.selectbox(key="compare_run_a").set_value(at.selectbox(key="compare_run_b").value).run()
    assert any("the same run" in i.value for i in at.info)
