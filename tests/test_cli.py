"""The command line: train --json, predict (good and bad files), runs, bench --quick."""

import json
import os
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
from PIL import Image

from core.cli import main
from core.data.waveforms import WaveformSpec, render_batch
from core.nn.model import build_model, count_params
from core.training.presets import preset

ROOT = Path(__file__).resolve().parents[1]
SMOKE = ["--n-train", "240", "--n-test", "60", "--batch-size", "24", "--epochs", "2"]


@pytest.fixture(scope="module")
def trained_run(tmp_path_factory):
    root = tmp_path_factory.mktemp("runs")
    proc = subprocess.run(
        [
            sys.executable,
            "-m",
            "core",
            "train",
            "--preset",
            "fast",
            "--seed",
            "1",
            *SMOKE,
            "--runs-dir",
            str(root),
            "--json",
        ],  # fmt: skip
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert proc.returncode == 0, proc.stderr
    return json.loads(proc.stdout.strip().splitlines()[-1])


def test_train_json_summary(trained_run):
    keys = {"run_dir", "preset", "epochs", "steps", "seconds", "train_accuracy", "test_accuracy",
            "params", "status"}  # fmt: skip
    assert set(trained_run) == keys
    assert trained_run["preset"] == "fast" and trained_run["epochs"] == 2
    assert trained_run["steps"] == 20 and trained_run["status"] == "done"
    assert 0 <= trained_run["test_accuracy"] <= 1
    assert trained_run["params"] == count_params(build_model(preset("fast").model))
    assert (Path(trained_run["run_dir"]) / "snapshots.npz").is_file()


def save_waveforms(tmp_path, n=6):
    imgs, labels = render_batch(WaveformSpec(), n, seed=9)
    paths = []
    for i, img in enumerate(imgs):
        p = tmp_path / f"wave{i}.png"
        Image.fromarray((img * 255).astype(np.uint8)).resize((400, 300)).save(p)
        paths.append(str(p))
    return paths


def test_predict_json_and_a_bad_file(trained_run, tmp_path, capsys):
    good = save_waveforms(tmp_path, 3)
    bad = tmp_path / "notes.png"
    bad.write_text("this is not an image")
    code = main(
        ["predict", "--run", trained_run["run_dir"], good[0], str(bad), *good[1:], "--json"]
    )
    out, err = capsys.readouterr()
    assert code != 0
    results = json.loads(out)
    assert [r["file"] for r in results] == good
    for r in results:
        assert r["label"] in ("square", "gaussian", "sine")
        assert isinstance(r["unsure"], bool)  # the top class is given either way
        assert abs(sum(r["probabilities"].values()) - 1) < 1e-4
    lines = err.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith(str(bad)) and "Traceback" not in err


def test_predict_plain_text_output(trained_run, tmp_path, capsys):
    good = save_waveforms(tmp_path, 2)
    assert main(["predict", "--run", trained_run["run_dir"], *good]) == 0
    out = capsys.readouterr().out
    assert out.count("\n") == 2 and "square" in out and "sine" in out


def test_predict_of_a_picture_of_two_waveforms_answers_about_the_known_one(tmp_path, capsys):
    from core.data.scope_samples import demo_screenshot
    from core.training.predict import EXAMPLE_RUN

    both, alone = tmp_path / "two.png", tmp_path / "saw.png"
    saw, sine = ("sawtooth", "yellow"), ("sine", "cyan")
    Image.fromarray(demo_screenshot(800, 480, (saw, sine))[0]).save(both)
    Image.fromarray(demo_screenshot(800, 480, (saw,))[0]).save(alone)
    run = str(EXAMPLE_RUN)
    assert main(["predict", "--run", run, str(both), str(alone), "--json"]) == 0
    two, saw = json.loads(capsys.readouterr().out)
    assert (two["label"], two["unsure"], two["traces"]) == ("sine", False, 2)
    assert saw["unsure"] and saw["traces"] == 1
    assert saw["looks_like"] == "sawtooth" and two["looks_like"] is None  # the shape namer's
    assert main(["predict", "--run", run, str(both), str(alone)]) == 0
    out = capsys.readouterr().out
    assert "of 2 waveforms read, the one it recognises best" in out
    assert "unsure: none of the shapes this network knows (it looks like a sawtooth)" in out


def test_predict_says_when_the_line_it_read_is_not_trusted(tmp_path, capsys):
    """A phone photo of a menu, read as boxes: unsure because of the reading, and it says so
    (in --json as `doubt`) rather than blaming a shape the network was not taught."""
    from core.data.looks import render_capture
    from core.training.predict import EXAMPLE_RUN

    menu = tmp_path / "menu.png"
    Image.fromarray(render_capture("photo", "none", 40235).image).save(menu)
    assert main(["predict", "--run", str(EXAMPLE_RUN), str(menu), "--json"]) == 0
    (said,) = json.loads(capsys.readouterr().out)
    assert said["unsure"] and "not a single line across the plot" in said["doubt"]
    assert main(["predict", "--run", str(EXAMPLE_RUN), str(menu)]) == 0
    out = capsys.readouterr().out
    assert "unsure: The line found is not a single line" in out
    assert "none of the shapes" not in out


def test_predict_with_a_missing_run_says_so(tmp_path, capsys):
    code = main(["predict", "--run", str(tmp_path / "nope"), "x.png"])
    assert code == 2
    assert capsys.readouterr().err.startswith("error: There is no run folder")


def test_bad_crop_and_settings_are_sentences(trained_run, tmp_path, capsys):
    good = save_waveforms(tmp_path, 1)
    assert main(["predict", "--run", trained_run["run_dir"], *good, "--crop", "10,10,5,5"]) == 2
    assert "--crop" in capsys.readouterr().err
    assert main(["train", "--lr", "-1", "--runs-dir", str(tmp_path)]) == 2
    assert "learning rate" in capsys.readouterr().err


def test_runs_lists_and_warns(trained_run, tmp_path, capsys):
    root = Path(trained_run["run_dir"]).parent
    (root / "broken").mkdir(exist_ok=True)
    os.utime(root / "broken", (0, 0))  # an old empty folder, not a run being created this instant
    assert main(["runs", "--runs-dir", str(root)]) == 0
    out, err = capsys.readouterr()
    assert Path(trained_run["run_dir"]).name in out and "broken" in err


def test_runs_dir_from_environment(tmp_path):
    env = os.environ | {"KERNEL_LAB_RUNS": str(tmp_path)}
    proc = subprocess.run(
        [sys.executable, "-m", "core", "train", *SMOKE, "--epochs", "1", "--json"],
        cwd=ROOT, env=env, capture_output=True, text=True, timeout=300,
    )  # fmt: skip
    assert proc.returncode == 0, proc.stderr
    assert Path(json.loads(proc.stdout.splitlines()[-1])["run_dir"]).parent == tmp_path


def test_battery_of_bad_and_odd_files_through_the_cli(trained_run, tmp_path, capsys):
    from tests.fixtures_images import battery

    files = battery(tmp_path)
    assert len(files) >= 15
    code = main(["predict", "--run", trained_run["run_dir"], *[str(p) for p, _ in files], "--json"])
    out, err = capsys.readouterr()
    assert "Traceback" not in err
    predicted = {r["file"] for r in json.loads(out)}
    complaints = err.strip().splitlines()
    for path, ok in files:
        if ok:  # odd but valid: read, and either predicted or "no trace found" for a blank picture
            assert str(path) in predicted or any(
                c.startswith(f"{path}: No waveform trace") for c in complaints
            ), path
        else:
            assert str(path) not in predicted
            line = next(c for c in complaints if c.startswith(f"{path}: "))
            assert line.endswith(".") and len(line) < 300
    assert code == 1


def test_predict_text_never_prints_an_unsure_probability_as_the_threshold(
    trained_run, tmp_path, monkeypatch, capsys
):
    import core.training.predict as predict

    def answer_at(predictor, path, **_):
        probs = {"square": 0.698, "gaussian": 0.2, "sine": 0.102}
        return {"file": str(path), "label": "square", "unsure": True, "probabilities": probs}

    monkeypatch.setattr(predict, "predict_file", answer_at)
    good = save_waveforms(tmp_path, 1)
    assert main(["predict", "--run", trained_run["run_dir"], *good]) == 0
    out = capsys.readouterr().out
    assert "square 0.698" in out and "0.70" not in out and "unsure" in out
    assert "gaussian 0.20" in out
