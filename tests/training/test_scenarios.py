"""Classroom scenarios: every one is a valid, trainable set of experiments; smoke-sized versions
run; the claims that are cheap to check hold. (Full-size timings: bench/bench_scenarios.py.)"""

from __future__ import annotations

import dataclasses

import pytest

from core.data.waveforms import WaveformSpec
from core.errors import LabError
from core.nn.model import check_size
from core.nn.threads import single_threaded
from core.training.experiment import experiment_from_dict, experiment_to_dict, run_experiment
from core.training.runs import RunStore, load_run
from core.training.scenarios import SCENARIO_KEYS, SCENARIOS, Scenario, build_scenarios, scenario


def smoke(exp):
    """The experiment on a handful of images: seconds, whatever the scenario's size."""
    return exp.with_changes(n_train=24, n_test=12, batch_size=12, epochs=1, eval_every=1)


def test_the_issue_s_scenarios_are_there():
    assert {"study", "kernels", "lr", "loss", "decay"} <= set(SCENARIO_KEYS)
    assert len(set(SCENARIO_KEYS)) == len(SCENARIOS)


@pytest.mark.parametrize("sc", SCENARIOS, ids=SCENARIO_KEYS)
def test_each_scenario_is_a_valid_comparison(sc: Scenario):
    assert len(sc.experiments) >= 2 and len(sc.labels) == len(sc.experiments)
    assert len(set(sc.labels)) == len(sc.labels)
    assert sc.name and sc.explanation.endswith((".", ".)")) and sc.comparison.endswith((".", ".)"))
    assert 0 < sc.seconds < 60
    dicts = [experiment_to_dict(e) for e in sc.experiments]
    assert len({str(d) for d in dicts}) == len(dicts)  # the runs really differ
    assert len({e.preset for e in sc.experiments}) == len(dicts)  # and are named apart
    for exp, d in zip(sc.experiments, dicts):
        assert exp.preset.startswith(f"{sc.key}-")
        assert experiment_from_dict(d) == exp  # what a run folder stores gives it back
        assert check_size(exp.model) > 0  # within the lab's limit, as the Train page checks
        assert exp.train.batch_size <= exp.train.n_train


@pytest.mark.parametrize("sc", SCENARIOS, ids=SCENARIO_KEYS)
def test_smoke_sized_versions_run(sc: Scenario, tmp_path):
    store = RunStore(tmp_path)
    for exp in sc.experiments:
        result = run_experiment(smoke(exp), store)
        assert result.status in ("done", "diverged"), result.message
        run = load_run(result.run_dir)
        assert run.config["preset"] == exp.preset
        assert len(run.snapshots()) >= 1 and run.has_model()


def test_the_learning_rate_too_high_run_diverges_with_the_lab_s_sentence(tmp_path):
    """Cheap to check at full size: the run with rate 5 overflows within a few steps."""
    high = scenario("lr").experiments[1]
    assert high.train.lr == 5.0
    with single_threaded():  # tiny steps; a second thread only waits on a busy machine
        result = run_experiment(dataclasses.replace(high), RunStore(tmp_path))
    assert result.status == "diverged"
    assert "training diverged" in result.message and "Lower the learning rate" in result.message
    assert result.steps < 20


def test_lookup_and_other_waveforms():
    assert scenario("decay").name == "Weight decay smooths kernels"
    with pytest.raises(LabError, match="Unknown scenario"):
        scenario("nope")
    spec = WaveformSpec(include_sawtooth=True)
    four = scenario("loss", spec)
    assert all(e.model.n_classes == 4 for e in four.experiments)
    assert len(build_scenarios(spec)) == len(SCENARIOS)
