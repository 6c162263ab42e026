"""Named presets: the settings a user starts from ('fast' by default, 'paper' for the study's
network on the lab's 100x100 images, 'paper-published' for it at the study's own 500x500 scale)."""

from __future__ import annotations

import dataclasses

from core.data.waveforms import WaveformSpec
from core.errors import LabError
from core.nn.model import ModelConfig
from core.training.experiment import Experiment
from core.training.loop import TrainConfig
from core.training.published import PUBLISHED, PUBLISHED_SIZE

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
# The study's code as published: fc1 takes 226*226 inputs, so images are 500x500 (~209M weights).
MODEL_PRESETS[PUBLISHED] = dataclasses.replace(MODEL_PRESETS["paper"], image_size=PUBLISHED_SIZE)


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
# The study's recipe on its own data: 10,000 images in batches of 1000, 10 steps an epoch.
TRAIN_PRESETS[PUBLISHED] = dataclasses.replace(TRAIN_PRESETS["paper"], eval_every=10)
PRESET_NAMES = tuple(TRAIN_PRESETS)
PRESET_BLURBS = {
    "fast": "5 kernels of 25x25, a small head, Adam and cross-entropy: learns in seconds on a CPU.",
    "paper": "The study's network (~7M parameters) and recipe: L1 loss, tanh outputs, SGD lr 0.1, "
    "batch 1000. Slow and often stuck for many epochs, as the study found.",
    PUBLISHED: "The study's network exactly as its code has it: 500x500 images, ~209M parameters, "
    "the same recipe. Needs a CUDA GPU; on a CPU the lab says what it would need instead.",
}


def preset(name: str, waveforms: WaveformSpec | None = None) -> Experiment:
    """A named preset: 'fast' (the default), 'paper' (the study's network and recipe) or
    'paper-published' (the same at 500x500: its images are always that size)."""
    if name not in TRAIN_PRESETS:
        raise LabError(f"Unknown preset {name!r}; choose one of {', '.join(PRESET_NAMES)}.")
    spec = waveforms or WaveformSpec()
    if name == PUBLISHED:
        spec = dataclasses.replace(spec, size=PUBLISHED_SIZE)
    mcfg = dataclasses.replace(MODEL_PRESETS[name], image_size=spec.size)
    return Experiment(name, spec, mcfg, TRAIN_PRESETS[name])
