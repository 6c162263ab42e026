"""Named presets: the settings a user starts from ('fast' by default, 'paper' for the study's)."""

from __future__ import annotations

import dataclasses

from core.data.waveforms import WaveformSpec
from core.errors import LabError
from core.nn.model import ModelConfig
from core.training.experiment import Experiment
from core.training.loop import TrainConfig

MODEL_PRESETS: dict[str, ModelConfig] = {
    # 5 interpretable 25x25 kernels, a 5x5 conv and a 99-parameter head: learns in seconds.
    "fast": ModelConfig(),
    # The study's network as written (fc1's input follows from the image size).
    "paper": ModelConfig(
        pool1=0,
        conv2_channels=1,
        conv2_kernel=25,
        conv2_padding=0,
        pool2=2,
        dropout=0.01,
        head="mlp",
        hidden=(4096, 1024),
        hidden_activations=("relu", "tanh"),
        output_activation="tanh",
    ),
}


TRAIN_PRESETS: dict[str, TrainConfig] = {
    # Adam on cross-entropy with a small head: converges in seconds on a laptop CPU.
    "fast": TrainConfig(),
    # The study's recipe: L1 loss on tanh outputs vs 0/1 targets, plain SGD, batch 1000 of 10,000.
    "paper": TrainConfig(
        loss="l1",
        optimizer="sgd",
        lr=0.1,
        momentum=0.0,
        batch_size=1000,
        epochs=20,
        n_train=10_000,
        n_test=1000,
        snapshot_every=1,
        eval_every=5,
    ),
}
PRESET_NAMES = tuple(TRAIN_PRESETS)
PRESET_BLURBS = {
    "fast": "5 kernels of 25x25, a small head, Adam and cross-entropy: learns in seconds on a CPU.",
    "paper": "The study's network (~7M parameters) and recipe: L1 loss, tanh outputs, SGD lr 0.1, "
    "batch 1000. Slow and often stuck for many epochs, as the study found.",
}


def preset(name: str, waveforms: WaveformSpec | None = None) -> Experiment:
    """A named preset: 'fast' (the default) or 'paper' (the study's network and recipe)."""
    if name not in TRAIN_PRESETS:
        raise LabError(f"Unknown preset {name!r}; choose one of {', '.join(PRESET_NAMES)}.")
    spec = waveforms or WaveformSpec()
    mcfg = dataclasses.replace(MODEL_PRESETS[name], image_size=spec.size)
    return Experiment(name, spec, mcfg, TRAIN_PRESETS[name])
