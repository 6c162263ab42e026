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
from tests.pages.harness import app_test, check, open_page
from ui.state import COMPARE_KEY


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
def both(run_dirs, runs_root) -> list[Path]:
    """Fresh copies of the two runs, the only runs in runs_root."""
    return [Path(shutil.copytree(d, runs_root / d.name)) for d in run_dirs]


def _titles(at: AppTest) -> list[str]:
    return [m.value for m in at.markdown if m.value.startswith("**Run ")]


def test_one_run_is_not_enough(run_dirs, runs_root):
    shutil.copytree(run_dirs[0], runs_root / run_dirs[0].name)
    at = open_page("Compare")
    assert any("Comparing needs two runs" in i.value for i in at.info)


def test_two_runs_side_by_side(both):
    at = open_page("Compare")
    a, b = at.selectbox(key="compare_run_a"), at.selectbox(key="compare_run_b")
    assert a.value != b.value
    titles = _titles(at)
    assert len(titles) == 2 and "8 kernels" in titles[0] and "5 kernels" in titles[1]
    assert len(at.image) == 2  # both montages
    assert len(at.get("vega_lite_chart")) == 2  # curves overlaid, structure overlaid
    table = at.get("dataframe")[0].value
    assert list(table["kernels"]) == [8, 5]
    assert {"structured", "median score", "learned part", "held-out"} <= set(table.columns)


def test_the_step_slider_pairs_matching_snapshots(both):
    at = open_page("Compare")
    pair = at.select_slider(key="compare_pair")
    assert pair.value == len(pair.options) - 1
    last = [i.value for i in at.image]
    pair.set_value(5).run()
    check(at)
    titles = _titles(at)
    assert "· step 5 ·" in titles[0] and "· step 5 ·" in titles[1]  # the same step in both
    assert [i.value for i in at.image] != last
    pair.set_value(len(pair.options) - 1).run()  # run A at step 20, run B ended at step 10
    assert any("it ended there" in c.value for c in at.caption)


def test_a_scenario_pair_opens_preselected(both):
    at = app_test("Compare")
    five, eight = (str(p) for p in both)
    at.session_state[COMPARE_KEY] = [five, eight]
    check(at.run())
    titles = _titles(at)
    assert "five" in titles[0] and "eight" in titles[1]
    at.selectbox(key="compare_run_a").set_value(at.selectbox(key="compare_run_b").value).run()
    assert any("the same run" in i.value for i in at.info)
