"""Networks: presets, parameter counts, the conv1 contract, seeds, configs and their errors."""

import dataclasses
import json

import pytest
import torch
from torch import nn

from core.config import from_dict, to_dict
from core.errors import LabError
from core.nn.model import (
    MAX_PARAMS,
    ModelConfig,
    build_model,
    check_size,
    count_params,
    feature_shape,
    param_count,
    select_device,
    throughput,
)
from core.training.presets import MODEL_PRESETS

FAST, PAPER = MODEL_PRESETS["fast"], MODEL_PRESETS["paper"]


def _images(n=2, size=100, seed=0):
    gen = torch.Generator().manual_seed(seed)
    return (torch.rand(n, 1, size, size, generator=gen) < 0.05).float()  # (B, 1, H, W)


def test_paper_parameter_count_at_100px():
    conv1 = 5 * 1 * 25 * 25 + 5  # 100 -> 76
    conv2 = 1 * 5 * 25 * 25 + 1  # 76 -> 52, max-pool 2 -> 26
    fc1 = (1 * 26 * 26) * 4096 + 4096
    fc2 = 4096 * 1024 + 1024
    fc3 = 1024 * 3 + 3
    expected = conv1 + conv2 + fc1 + fc2 + fc3
    assert expected == 6_977_651
    assert count_params(build_model(PAPER, seed=0)) == expected


def test_fast_parameter_count():
    expected = (5 * 25 * 25 + 5) + (16 * 5 * 5 * 5 + 16) + (2 * 16 * 3 + 3)
    assert count_params(build_model(FAST, seed=0)) == expected == 5_245


def test_paper_layers_are_the_studys_in_its_order():
    model = build_model(PAPER, seed=0)
    layers = [(name, type(m).__name__) for name, m in model.named_children()]
    assert layers == [
        ("conv1", "Conv2dFFT"),
        ("act1", "ReLU"),
        ("conv2", "Conv2dFFT"),
        ("act2", "ReLU"),
        ("pool2", "MaxPool2d"),
        ("dropout", "Dropout"),
        ("flatten", "Flatten"),
        ("fc1", "Linear"),
        ("act_fc1", "ReLU"),
        ("fc2", "Linear"),
        ("act_fc2", "Tanh"),
        ("fc3", "Linear"),
        ("out_act", "Tanh"),
    ]
    assert model.pool2.kernel_size == 2 and model.dropout.p == 0.01
    assert (model.conv2.in_channels, model.conv2.out_channels) == (5, 1)
    assert model.conv2.kernel_size == (25, 25) and model.conv2.padding == (0, 0)
    assert (model.fc1.in_features, model.fc1.out_features) == (676, 4096)
    assert (model.fc3.in_features, model.fc3.out_features) == (1024, 3)
    # the study's own state-dict keys
    assert [k for k in model.state_dict() if k.endswith("weight")] == [
        f"{n}.weight" for n in ("conv1", "conv2", "fc1", "fc2", "fc3")
    ]


def test_paper_outputs_are_tanh_bounded():
    out = build_model(PAPER, seed=0).eval()(_images(3))
    assert out.shape == (3, 3) and out.abs().max() <= 1


@pytest.mark.parametrize("size", [64, 100, 128])
@pytest.mark.parametrize(
    "changes",
    [
        {},
        {"conv2": False},
        {"n_classes": 4},
        {"head": "mlp", "hidden": (32,)},
        {"head": "gap", "hidden": (16, 8), "hidden_activations": ("gelu", "sigmoid")},
        {"pool1": 0, "conv2_kernel": 7, "conv2_padding": 0, "pool2": 2, "head": "mlp"},
        {
            "kernels": 3,
            "kernel_size": 9,
            "activation": "leaky_relu",
            "output_activation": "sigmoid",
        },
        {"conv_impl": "direct", "dropout": 0.2, "activation": "tanh"},
    ],
)
def test_output_shapes(size, changes):
    cfg = dataclasses.replace(FAST, image_size=size, **changes)
    model = build_model(cfg, seed=0)
    x = _images(2, size)
    assert model(x).shape == (2, cfg.n_classes)
    k, s = cfg.kernels, size - cfg.kernel_size + 1
    assert model.features1(x).shape == (2, k, s, s)


def test_paper_at_other_sizes_derives_fc1():
    for size, side in [(64, 8), (128, 40)]:  # ((size - 48) // 2)
        model = build_model(dataclasses.replace(PAPER, image_size=size), seed=0)
        assert model.fc1.in_features == side * side
        assert model(_images(1, size)).shape == (1, 3)


@pytest.mark.parametrize("cfg", [FAST, PAPER, dataclasses.replace(FAST, conv2=False, kernels=7)])
def test_conv1_contract(cfg):
    model = build_model(cfg, seed=0)
    assert next(iter(model.named_children()))[0] == "conv1"
    assert isinstance(model.conv1, nn.Conv2d)
    sd = model.state_dict()
    assert sd["conv1.weight"].shape == (cfg.kernels, 1, cfg.kernel_size, cfg.kernel_size)
    assert sd["conv1.bias"].shape == (cfg.kernels,)
    # the features are conv1's output before the activation: what a hook on conv1 sees
    x, seen = _images(2), []
    model.conv1.register_forward_hook(lambda _m, _i, out: seen.append(out))
    model(x)
    torch.testing.assert_close(seen[0], model.features1(x))
    assert (model.features1(x) < 0).any()


def test_seeded_init_is_deterministic_and_leaves_global_rng_alone():
    state = torch.get_rng_state()
    a, b = build_model(FAST, seed=7), build_model(FAST, seed=7)
    c = build_model(FAST, seed=8)
    assert torch.equal(torch.get_rng_state(), state)
    for (name, pa), pb, pc in zip(a.named_parameters(), b.parameters(), c.parameters()):
        assert torch.equal(pa, pb), name
        assert not torch.equal(pa, pc), name
    # the default PyTorch init ranges: U(-1/sqrt(fan_in), 1/sqrt(fan_in))
    bound = 1 / 25
    assert a.conv1.weight.abs().max() <= bound and a.conv1.weight.abs().max() > 0.9 * bound
    assert a.conv1.weight.device.type == "cpu"


def test_unseeded_builds_differ():
    assert not torch.equal(build_model(FAST).conv1.weight, build_model(FAST).conv1.weight)


@pytest.mark.parametrize(
    "changes,match",
    [
        ({"kernel_size": 120}, "does not fit"),
        ({"image_size": 20}, "does not fit"),
        ({"activation": "swish"}, "Unknown activation"),
        ({"hidden_activations": ("relu", "softplus")}, "hidden-layer activation"),
        ({"hidden": (8,), "hidden_activations": ()}, "at least one"),
        ({"output_activation": "softmax"}, "output activation"),
        ({"head": "transformer"}, "Unknown head"),
        ({"conv_impl": "winograd"}, "Unknown convolution"),
        ({"pool1": 100}, "pooling"),
        ({"conv2_kernel": 30, "conv2_padding": 0}, "second convolution"),
        ({"pool1": 0, "pool2": 80}, "pooling"),
        ({"dropout": 1.0}, "Dropout"),
        ({"n_classes": 1}, "2 classes"),
        ({"kernels": 0}, "at least 1"),
        ({"hidden": (64, 0)}, "widths"),
        ({"pool1": -1}, "negative"),
        ({"image_size": "100"}, "whole number"),
        ({"conv2": 1}, "true or false"),
        ({"hidden": (64, "wide")}, "list of whole numbers"),
        ({"hidden_activations": "relu"}, "list of names"),
    ],
)
def test_bad_configs_raise_laberror(changes, match):
    with pytest.raises(LabError, match=match):
        dataclasses.replace(FAST, **changes)


def test_no_hidden_layer_needs_no_hidden_activation():
    cfg = dataclasses.replace(FAST, hidden=(), hidden_activations=())
    model = build_model(cfg, seed=0)
    assert model(torch.zeros(2, 1, 100, 100)).shape == (2, cfg.n_classes)


def test_lists_become_tuples():
    cfg = dataclasses.replace(FAST, hidden=[8, 4], hidden_activations=["tanh"])
    assert cfg.hidden == (8, 4) and cfg.hidden_activations == ("tanh",)
    assert hash(cfg)


def test_feature_shape():
    assert feature_shape(FAST) == (16, 19, 19)
    assert feature_shape(PAPER) == (1, 26, 26)
    assert feature_shape(dataclasses.replace(FAST, conv2=False)) == (5, 19, 19)


@pytest.mark.parametrize("name", ["fast", "paper"])
def test_config_dict_round_trip(name):
    cfg = dataclasses.replace(MODEL_PRESETS[name], n_classes=4, image_size=128)
    d = json.loads(json.dumps(to_dict(cfg)))
    assert from_dict(ModelConfig, d, "model") == cfg


def test_config_from_dict_errors_and_defaults():
    assert from_dict(ModelConfig, {}, "model") == ModelConfig()
    assert from_dict(ModelConfig, {"image_size": 64.0}, "model").image_size == 64
    with pytest.raises(LabError, match="Unknown model setting"):
        from_dict(ModelConfig, {"image_size": 100, "kernal_size": 25}, "model")
    with pytest.raises(LabError):
        from_dict(ModelConfig, {"kernel_size": "big"}, "model")
    with pytest.raises(LabError):
        from_dict(ModelConfig, [1, 2], "model")


def test_fft_model_matches_direct_model():
    x = _images(4)
    y = torch.tensor([0, 1, 2, 0])
    outs, grads = [], []
    for impl in ("fft", "direct"):
        model = build_model(dataclasses.replace(FAST, conv_impl=impl), seed=3).double()
        out = model(x.double())
        torch.nn.functional.cross_entropy(out, y).backward()
        outs.append(out)
        grads.append([p.grad for p in model.parameters()])
    torch.testing.assert_close(outs[0], outs[1], atol=1e-9, rtol=1e-9)
    for a, b in zip(*grads):
        torch.testing.assert_close(a, b, atol=1e-9, rtol=1e-9)


def test_select_device():
    assert select_device("cpu") == torch.device("cpu")
    assert select_device(" CPU ") == torch.device("cpu")
    assert select_device("auto").type in ("cuda", "mps", "cpu")
    if not torch.cuda.is_available():
        assert select_device("auto").type != "cuda"
        with pytest.raises(LabError, match="CUDA"):
            select_device("cuda")
    if not torch.backends.mps.is_available():
        with pytest.raises(LabError, match="MPS"):
            select_device("mps")
    with pytest.raises(LabError, match="Unknown device"):
        select_device("tpu")


def test_throughput_smoke():
    cfg = dataclasses.replace(FAST, image_size=40, kernel_size=9)
    assert throughput(cfg, batch=4, impl="fft", seconds=0.01) > 0


def test_param_count_never_allocates_a_huge_network_and_check_size_refuses_it():
    big = ModelConfig(head="mlp", pool1=0, conv2_channels=64, hidden=(8192,))
    assert param_count(big) > MAX_PARAMS  # counted on the meta device: no 2 GB of weights
    with pytest.raises(LabError, match="more than the lab's limit of 50,000,000"):
        check_size(big)
    assert (
        check_size(ModelConfig())
        == param_count(ModelConfig())
        == count_params(build_model(ModelConfig()))
    )
