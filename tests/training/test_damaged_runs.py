"""Damaged run folders are named with what is wrong, never break the listing, never get deleted,
and good runs beside them (names with spaces and non-ASCII letters included) stay usable."""

from __future__ import annotations

import json

import pytest

from core.errors import RunError
from core.training.runs import RunStore, load_run
from tests.damage import DAMAGES, EMPTY, GOOD_NAMES, LOOP, LOOP_PAIR, make_damaged_root, tree


@pytest.fixture()
def damaged_root(run_dir, tmp_path):
    return make_damaged_root(run_dir, tmp_path / "runs")


def _what_is_said(runs, warnings) -> dict[str, str]:
    said = {r.name: " ".join(r.problems) for r in runs}
    for w in warnings:
        name = w.removeprefix("Skipped ").split(":")[0]
        said[name] = said.get(name, "") + w
    return said


def test_every_damage_is_named_and_good_runs_stay_usable(damaged_root):
    before = tree(damaged_root)
    runs, warnings = RunStore(damaged_root).list_runs()  # must not raise
    said = _what_is_said(runs, warnings)
    for name, (_, word) in DAMAGES.items():
        assert word in said.get(name, ""), (name, said.get(name))
    assert "empty" in said[EMPTY]
    assert "loops" in said[LOOP] and "loops" in said[LOOP_PAIR]
    by_name = {r.name: r for r in runs}
    for name in GOOD_NAMES:
        good = by_name[name]
        assert good.problems == [] and good.state == "done"
        assert len(good.snapshots()) > 0 and good.state_dict()
        assert good.final_metric("test_accuracy") is not None
    assert tree(damaged_root) == before  # nothing deleted


def test_wrong_types_in_status_and_metrics_do_not_break_sorting_or_labels(damaged_root):
    runs, _ = RunStore(damaged_root).list_runs()
    for r in runs:
        assert isinstance(r.created, float) and isinstance(r.label, str)
        acc = r.final_metric("test_accuracy")
        assert acc is None or isinstance(acc, float)
    bad = next(r for r in runs if r.name == "bad-metrics-row")
    assert bad.final_metric("loss") is not None  # the good rows before the bad one still count


def test_class_names_of_the_wrong_type_are_refused_with_a_sentence(damaged_root):
    for name in ("classes-int", "classes-str"):
        with pytest.raises(RunError, match="classes"):
            load_run(damaged_root / name)


def test_cli_runs_names_every_damaged_folder(damaged_root, capsys):
    from core.cli import main

    assert main(["runs", "--runs-dir", str(damaged_root)]) == 0
    out, err = capsys.readouterr()
    for name in GOOD_NAMES:
        assert name in out
    for name, (_, word) in DAMAGES.items():
        line = next(x for x in (out + err).splitlines() if name in x)
        assert word in line, line
    assert "loops" in err and EMPTY in err


def test_a_new_run_between_config_and_status_reads_as_starting(run_dir, tmp_path):
    """The instant after config.json is written and before status.json is: not an error."""
    p = tmp_path / "new"
    p.mkdir()
    (p / "config.json").write_text((run_dir / "config.json").read_text())
    run = load_run(p)
    assert run.state == "running" and run.problems == []


def test_a_status_file_claiming_a_dead_pid_reads_interrupted(run_dir, tmp_path):
    import subprocess
    import sys

    dead = subprocess.run([sys.executable, "-c", "import os; print(os.getpid())"],
                          capture_output=True, text=True, check=True)  # fmt: skip
    p = tmp_path / "r"
    import shutil

    shutil.copytree(run_dir, p)
    status = json.loads((p / "status.json").read_text())
    status.update(status="running", pid=int(dead.stdout))
    (p / "status.json").write_text(json.dumps(status))
    (p / ".snapshots.npz.abc.tmp").write_bytes(b"half a file")
    assert load_run(p).state == "interrupted"
    runs, _ = RunStore(tmp_path).list_runs()
    assert runs[0].state == "interrupted" and "interrupted" in runs[0].label
    assert not (p / ".snapshots.npz.abc.tmp").exists()  # the dead writer's leftover is gone
    assert (p / "snapshots.npz").exists()
