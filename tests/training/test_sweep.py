"""Sweeps: settings x seeds expand into experiments; smoke-sized sweeps (two settings, two seeds)
run through the local worker pool and through submitit's local mode into normal run folders and
one sweep table."""

from __future__ import annotations

import csv
import json

import pytest

from core.cli import main
from core.errors import LabError
from core.training.runs import load_run
from core.training.sweep import SweepSpec, load_table, parse_value, run_sweep, spec_from_dict

SMOKE = (("n_train", 60), ("n_test", 30), ("epochs", 1), ("batch_size", 20))


def smoke_spec() -> SweepSpec:
    return SweepSpec("fast", SMOKE, (("kernels", (2, 3)),), (0, 1))


def test_points_cross_settings_with_seeds():
    spec = SweepSpec("fast", SMOKE, (("kernels", (2, 3)), ("loss", ("l1", "mse"))), (0, 1, 2))
    points = spec.points()
    assert len(points) == 2 * 2 * 3
    exps = [p.experiment() for p in points]
    assert {(e.model.kernels, e.train.loss, e.train.seed) for e in exps} == {
        (k, loss, s) for k in (2, 3) for loss in ("l1", "mse") for s in (0, 1, 2)
    }
    assert all(e.train.n_train == 60 and e.train.epochs == 1 for e in exps)
    assert len({p.run_name() for p in points}) == len(points)


def test_preset_axis_keeps_each_recipes_own_sizes():
    spec = SweepSpec(
        "fast",
        (),
        (("preset", ("paper", "fast")),),
        (0,),
        preset_fixed=(("paper", (("n_train", 100), ("batch_size", 10))), ("fast", SMOKE)),
    )
    paper, fast = (p.experiment() for p in spec.points())
    assert (paper.preset, paper.train.loss, paper.train.n_train) == ("paper", "l1", 100)
    assert (fast.preset, fast.train.loss, fast.train.n_train) == ("fast", "cross_entropy", 60)
    assert spec_from_dict(json.loads(json.dumps(_spec_dict(spec)))) == spec


def _spec_dict(spec):
    from core.training.sweep import spec_to_dict

    return spec_to_dict(spec)


@pytest.mark.parametrize(
    "bad, match",
    [
        (lambda: SweepSpec("fast", (), (("colour", (1,)),)), "Unknown setting"),
        (lambda: SweepSpec("fast", (), (("kernels", ()),)), "no values"),
        (lambda: SweepSpec("fast", SMOKE, (("kernel_size", (200,)),)), "does not fit"),
        (lambda: SweepSpec("fast", SMOKE, seeds=()), "at least one seed"),
        (lambda: parse_value("kernels", "many"), "not a valid value"),
        (lambda: parse_value("preset", "huge"), "Unknown preset"),
    ],
)
def test_bad_sweeps_say_why(bad, match):
    with pytest.raises(LabError, match=match):
        bad()


def check_sweep(out, rows):
    assert [r["index"] for r in rows] == [0, 1, 2, 3]
    assert [(r["kernels"], r["seed"]) for r in rows] == [(2, 0), (2, 1), (3, 0), (3, 1)]
    for r in rows:
        run = load_run(out / "runs" / r["run"])  # a normal run folder
        assert run.state == "done" and run.config["model"]["kernels"] == r["kernels"]
        assert run.snapshots().weights.shape[1] == r["kernels"]
        assert 0 <= r["final_accuracy"] <= 1 and r["steps"] == 3
    table = list(csv.DictReader((out / "sweep.csv").open()))
    assert [t["run"] for t in table] == [r["run"] for r in rows]
    spec, saved, body = load_table(out)
    assert spec == smoke_spec() and saved == rows and body["runs"] == 4


@pytest.fixture(scope="module")
def pool_sweep(tmp_path_factory):
    out = tmp_path_factory.mktemp("pool")
    seen = []
    rows = run_sweep(smoke_spec(), out, workers=2, on_row=lambda d, t, r: seen.append((d, t)))
    return out, rows, seen


def test_pool_sweep_writes_run_folders_and_one_table(pool_sweep):
    out, rows, seen = pool_sweep
    check_sweep(out, rows)
    assert seen == [(1, 4), (2, 4), (3, 4), (4, 4)]


def test_submitit_local_mode_gives_the_same_runs(pool_sweep, tmp_path):
    pytest.importorskip("submitit")
    rows = run_sweep(smoke_spec(), tmp_path, workers=2, engine="submitit", cluster="local")
    check_sweep(tmp_path, rows)
    same = ("final_accuracy", "structure_initial", "structure_final", "steps")
    assert [[r[k] for k in same] for r in rows] == [[r[k] for k in same] for r in pool_sweep[1]]


def test_cli_sweep(tmp_path, capsys):
    out = tmp_path / "sw"
    args = ["sweep", "--vary", "kernels=2", "--vary", "loss=l1,mse", "--seeds", "0", "--out"]
    args += [str(out), "--workers", "1", "--json"]
    for k, v in SMOKE:
        args += ["--set", f"{k}={v}"]
    assert main(args) == 0
    assert json.loads(capsys.readouterr().out.strip())["runs"] == 2
    rows = list(csv.DictReader((out / "sweep.csv").open()))
    assert [r["loss"] for r in rows] == ["l1", "mse"]
    assert main(["sweep", "--vary", "kernels", "--out", str(out)]) == 2
    assert "setting=value" in capsys.readouterr().err
    assert main(["sweep", "--seeds", "a-b", "--out", str(out)]) == 2


def test_damaged_table_says_so(tmp_path):
    with pytest.raises(LabError, match="no sweep table"):
        load_table(tmp_path)
    (tmp_path / "sweep.json").write_text("{not json")
    with pytest.raises(LabError, match="damaged"):
        load_table(tmp_path)


def test_resume_runs_only_what_is_missing(pool_sweep, tmp_path):
    import shutil

    out, rows, _ = pool_sweep
    copy = tmp_path / "copy"
    shutil.copytree(out, copy)
    spec, saved, body = load_table(copy)
    from core.training.sweep import write_table

    write_table(copy, spec, saved[:3], 1.0, 1, "pool")  # as if stopped after three runs
    seen = []
    again = run_sweep(spec, copy, workers=1, resume=True, on_row=lambda d, t, r: seen.append(r))
    assert [r["index"] for r in seen] == [3]  # only the missing run trained
    assert [r["index"] for r in again] == [0, 1, 2, 3] and again[:3] == saved[:3]
    other = SweepSpec("fast", SMOKE, (("kernels", (4,)),), (0,))
    with pytest.raises(LabError, match="different sweep"):
        run_sweep(other, copy, resume=True)
