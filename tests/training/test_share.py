"""Sharing runs as zips: export, import back, and every bad zip refused with a sentence."""

import io
import json
import shutil
import zipfile
from pathlib import Path

import pytest

from core.errors import RunError
from core.training.predict import load_predictor
from core.training.runs import RunStore, load_run
from core.training.share import import_run_zip, run_zip_bytes

EXAMPLE = Path(__file__).resolve().parents[2] / "examples" / "runs" / "example-fast"


def zip_of(files: dict[str, bytes]) -> bytes:
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as z:
        for name, data in files.items():
            z.writestr(name, data)
    return buf.getvalue()


def test_a_run_round_trips_through_a_zip_without_touching_existing_runs(tmp_path):
    store = RunStore(tmp_path / "runs")
    data = run_zip_bytes(EXAMPLE)
    names = zipfile.ZipFile(io.BytesIO(data)).namelist()
    assert sorted(names) == sorted(f"example-fast/{f.name}" for f in EXAMPLE.iterdir())
    first = import_run_zip(data, store)
    assert first.name == "example-fast"
    before = {p.name: p.read_bytes() for p in first.iterdir()}
    second = import_run_zip(data, store)  # the same run again: a new folder, the first untouched
    assert second.name == "example-fast-2"
    assert {p.name: p.read_bytes() for p in first.iterdir()} == before
    for f in EXAMPLE.iterdir():
        assert (second / f.name).read_bytes() == f.read_bytes()
    run = load_run(second)
    assert len(run.snapshots()) == len(load_run(EXAMPLE).snapshots())
    load_predictor(run)
    assert not [p for p in store.root.iterdir() if p.name.startswith(".")]  # no leftovers


def file_bytes(name: str) -> bytes:
    return (EXAMPLE / name).read_bytes()


@pytest.mark.parametrize(
    "data, says",
    [
        (b"PK\x03\x04 not really a zip", "is not a zip file"),
        (b"\x89PNG\r\n\x1a\n", "is not a zip file"),
        (zip_of({"notes.txt": b"hello"}), "is not a shared run: it has no config.json"),
        (zip_of({"r/config.json": b"{}"}), "it has no status.json"),
        (zip_of({"r/config.json": b"{", "r/status.json": b"{}"}), "not valid JSON"),
        (
            zip_of({"a/config.json": b"{}", "a/status.json": b"{}", "b/config.json": b"{}"}),
            "holds several runs",
        ),
    ],
)
def test_bad_zips_are_refused_with_a_sentence_and_leave_nothing(tmp_path, data, says):
    store = RunStore(tmp_path / "runs")
    with pytest.raises(RunError, match=says):
        import_run_zip(data, store, label="shared.zip")
    assert not store.root.exists() or not list(store.root.iterdir())


def test_damaged_files_inside_a_zip_are_refused(tmp_path):
    store = RunStore(tmp_path / "runs")
    good = {f"r/{n}": file_bytes(n) for n in ("config.json", "status.json", "metrics.csv")}
    with pytest.raises(RunError, match="snapshots.npz is damaged"):
        import_run_zip(zip_of(good | {"r/snapshots.npz": b"garbage"}), store)
    with pytest.raises(RunError, match="model.pt or config.json is damaged"):
        import_run_zip(zip_of(good | {"r/model.pt": b"garbage"}), store)
    assert not list(store.root.iterdir())


def test_paths_out_of_the_folder_and_stray_files_are_ignored(tmp_path):
    store = RunStore(tmp_path / "runs")
    files = {f"r/{n}": file_bytes(n) for n in ("config.json", "status.json")}
    files |= {"../evil.txt": b"x", "r/../../config.py": b"x", "__MACOSX/r/._x": b"x"}
    path = import_run_zip(zip_of(files), store)
    assert sorted(p.name for p in path.iterdir()) == ["config.json", "status.json"]
    assert not (tmp_path / "evil.txt").exists()


def test_a_run_shared_mid_training_comes_in_stopped(tmp_path):
    status = json.loads(file_bytes("status.json")) | {"status": "running"}
    files = {"r/config.json": file_bytes("config.json"), "r/status.json": json.dumps(status)}
    path = import_run_zip(zip_of(files), RunStore(tmp_path / "runs"))
    assert load_run(path).state == "stopped"


def test_a_damaged_run_is_not_exported(tmp_path):
    shutil.copytree(EXAMPLE, tmp_path / "r")
    (tmp_path / "r" / "status.json").write_text("{")
    with pytest.raises(RunError):
        run_zip_bytes(tmp_path / "r")
