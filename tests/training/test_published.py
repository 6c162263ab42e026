"""The study's network at its published scale: shapes, parameter count and what it needs, all
worked out on the meta device (no 213M weights are allocated in these tests)."""

from __future__ import annotations

import dataclasses

import pytest
import torch

from core.cli import main
from core.errors import LabError
from core.training.experiment import run_experiment
from core.training.presets import preset
from core.training.published import (
    GPU_ONLY_PARAMS,
    PUBLISHED,
    check_runnable,
    layer_shapes,
    meta_model,
    needs,
    needs_sentence,
)
from core.training.runs import RunStore

no_cuda = pytest.mark.skipif(torch.cuda.is_available(), reason="checks the refusal without CUDA")


def test_published_preset_is_the_studys_code():
    exp = preset(PUBLISHED)
    m, t = exp.model, exp.train
    assert exp.waveforms.size == m.image_size == 500
    assert (m.kernels, m.kernel_size, m.conv2_channels, m.conv2_kernel) == (5, 25, 1, 25)
    assert (m.pool1, m.pool2, m.hidden, m.output_activation) == (0, 2, (4096, 1024), "tanh")
    assert (t.loss, t.optimizer, t.lr, t.momentum) == ("l1", "sgd", 0.1, 0.0)
    assert (t.batch_size, t.n_train) == (1000, 10_000)


def test_published_shapes_flatten_226_by_226():
    shapes = layer_shapes(preset(PUBLISHED).model, batch=2)
    assert shapes["conv1"] == (2, 5, 476, 476)
    assert shapes["conv2"] == (2, 1, 452, 452)
    assert shapes["pool2"] == (2, 1, 226, 226)
    assert shapes["flatten"] == (2, 226 * 226)
    assert (shapes["fc1"], shapes["fc2"], shapes["fc3"]) == ((2, 4096), (2, 1024), (2, 3))


def test_published_parameter_count_from_the_studys_layers():
    model = meta_model(preset(PUBLISHED).model)
    assert all(p.is_meta for p in model.parameters())
    conv1, conv2 = 5 * 25 * 25 + 5, 1 * 5 * 25 * 25 + 1
    fc = 226 * 226 * 4096 + 4096 + 4096 * 1024 + 1024 + 1024 * 3 + 3
    assert needs(model.cfg, preset(PUBLISHED).train).params == conv1 + conv2 + fc == 213_416_051
    assert dict(model.named_parameters())["conv1.weight"].shape == (5, 1, 25, 25)


def test_needs_count_weights_images_and_batch():
    exp = preset(PUBLISHED)
    n = needs(exp.model, exp.train)
    assert n.needs_gpu and n.params > GPU_ONLY_PARAMS
    assert n.weights_bytes == 2 * n.params * 4  # plain SGD keeps no state
    assert n.data_bytes == 11_000 * 500 * 500 * 4
    adam = needs(exp.model, dataclasses.replace(exp.train, optimizer="adam"))
    assert adam.weights_bytes == 4 * n.params * 4
    small = needs(exp.model, dataclasses.replace(exp.train, batch_size=100))
    assert small.activation_bytes * 10 == n.activation_bytes
    text = needs_sentence(n, 3 * 3600.0)
    assert "213,416,051 parameters" in text and "CUDA GPU" in text and "3.0 hours" in text


@no_cuda
def test_published_refuses_without_cuda_before_making_images(tmp_path):
    exp = preset(PUBLISHED)
    with pytest.raises(LabError, match="no CUDA GPU"):
        check_runnable(exp.model, exp.train, torch.device("cpu"))
    with pytest.raises(LabError, match="GiB"):
        run_experiment(exp, RunStore(tmp_path))
    assert not any(tmp_path.iterdir())  # no run folder left behind


def test_small_networks_run_anywhere():
    exp = preset("paper")
    check_runnable(exp.model, exp.train, torch.device("cpu"))  # 7M weights: no GPU needed
    assert not needs(exp.model, exp.train).needs_gpu


@no_cuda
def test_cli_says_what_the_published_preset_needs(tmp_path, capsys, monkeypatch):
    # the measured epoch time is checked by name only: timing the full network costs 2 GB
    import core.training.published as pub

    monkeypatch.setattr(pub, "cpu_seconds_per_epoch", lambda cfg, train: 7200.0)
    rc = main(["train", "--preset", PUBLISHED, "--runs-dir", str(tmp_path)])
    err = capsys.readouterr().err
    assert rc == 2
    assert "213,416,051 parameters" in err and "2.0 hours" in err and "no CUDA GPU" in err


def test_cpu_epoch_time_is_measured_and_scaled_to_the_training_set():
    from core.training.published import cpu_seconds_per_epoch

    exp = preset("fast")
    small = dataclasses.replace(exp.train, n_train=100)
    seconds = cpu_seconds_per_epoch(exp.model, small, batch=2)
    assert 0 < seconds < 600


def test_a_published_run_folder_reads_back_like_any_other(tmp_path):
    # what a GPU run writes, minus the weights: config, metrics and 25x25 kernel snapshots
    import numpy as np

    from core.training.experiment import experiment_from_dict, experiment_to_dict
    from core.training.runs import RunWriter, load_run

    exp = preset(PUBLISHED)
    (tmp_path / "pub").mkdir()
    writer = RunWriter(tmp_path / "pub", experiment_to_dict(exp) | {"params": 213_416_051})
    rng = np.random.default_rng(0)
    for step in (0, 10):
        writer.add_snapshot(rng.normal(size=(5, 1, 25, 25)), rng.normal(size=5), step, step / 10)
    writer.add_metrics({"step": 10, "epoch": 1.0, "loss": 0.4, "test_accuracy": 0.5})
    writer.flush_snapshots()
    writer.set_status("done", "Finished 1 epoch(s).")
    run = load_run(tmp_path / "pub")
    assert experiment_from_dict(run.config) == exp
    assert run.snapshots().weights.shape == (2, 5, 1, 25, 25)
    assert (tmp_path / "pub" / "snapshots.npz").stat().st_size < 100_000  # no network weights
    assert run.final_metric("test_accuracy") == 0.5
