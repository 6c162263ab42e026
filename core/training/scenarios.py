"""Classroom scenarios: ready-made pairs of experiments that each show one thing about kernels,
with the explanation a teacher can read out and the comparison they set up.

Every scenario is sized to train both of its runs in under a minute on a 2-core laptop (measured by
`bench/bench_scenarios.py`): fewer images and epochs than the presets, and a time budget for the
study's big network. What each explanation claims was checked on these settings.
"""

from __future__ import annotations

import dataclasses
import re
from dataclasses import dataclass

from core.data.waveforms import WaveformSpec
from core.errors import LabError
from core.training.experiment import Experiment
from core.training.presets import preset


@dataclass(frozen=True)
class Scenario:
    """A named comparison: experiments (one run each) with a short label each, why it is
    interesting (explanation) and what to look at once they have run (comparison)."""

    key: str
    name: str
    explanation: str
    comparison: str
    experiments: tuple[Experiment, ...]
    labels: tuple[str, ...]
    seconds: int  # how long its runs take together on 2 idle cores (bench), for the button

    def __post_init__(self) -> None:
        if len(self.experiments) < 2 or len(self.labels) != len(self.experiments):
            raise ValueError(f"scenario {self.key!r} needs two or more labelled experiments")


def _model(exp: Experiment, **changes) -> Experiment:
    return dataclasses.replace(exp, model=dataclasses.replace(exp.model, **changes))


def _named(exp: Experiment, key: str, label: str) -> Experiment:
    """The experiment renamed after its scenario: run folders read '<time>-<key>-<label>-s0'."""
    slug = re.sub(r"[^a-z0-9]+", "-", label.lower()).strip("-")
    return dataclasses.replace(exp, preset=f"{key}-{slug}")


def _scenario(key, name, explanation, comparison, seconds, runs) -> Scenario:
    labels = tuple(label for label, _ in runs)
    exps = tuple(_named(exp, key, label) for label, exp in runs)
    return Scenario(key, name, explanation, comparison, exps, labels, seconds)


def build_scenarios(spec: WaveformSpec | None = None) -> tuple[Scenario, ...]:
    """The classroom scenarios on the waveforms `spec` (the default images if None)."""
    fast = preset("fast", spec)
    # Fewer images and checks than the preset: the same lesson in a few seconds a run.
    small = fast.with_changes(n_train=1500, n_test=300, epochs=2, batch_size=32, eval_every=12)
    paper = preset("paper", spec).with_changes(
        n_train=3000, n_test=300, epochs=20, eval_every=2, max_seconds=20.0
    )
    sgd = small.with_changes(optimizer="sgd", lr=0.05, n_train=2000, eval_every=16)
    leaky = _model(
        small.with_changes(optimizer="sgd", momentum=0.9, lr=0.05), activation="leaky_relu"
    )
    # 50 kernels cost 10x more a step: fewer images. Plain SGD: with Adam, whose steps ignore the
    # size of the gradient, whether many kernels stay noisy flips with the data (measured).
    few = small.with_changes(n_train=1000, eval_every=16, optimizer="sgd", lr=0.05, momentum=0.9)
    return (
        _scenario(
            "study",
            "The study's network",
            "The network from the study: 5 kernels of 25x25, a second 25x25 convolution and "
            "7 million weights in its dense layers, trained as the study did (L1 loss on tanh "
            "outputs, plain SGD with learning rate 0.1, batches of 1000), given 20 seconds. Next "
            "to it the lab's fast network: the same 5 kernels of 25x25, a small head, Adam and "
            "cross-entropy, on the same images.",
            "Compare the kernels at matching steps and the curves. The study's network takes "
            "many epochs to leave its plateau (the study saw it stuck too), and its kernels "
            "have hardly moved from their random start, so they look random. The fast network's "
            "kernels become lines and edges within a hundred steps.",
            30,
            (("study's network", paper), ("fast network", fast.with_changes(n_test=300))),
        ),
        _scenario(
            "kernels",
            "Why kernels look random: 50 kernels against 5",
            "The study found that with many kernels each one looked random, and with 5 they "
            "showed patterns; it guessed that with fewer kernels each has to contribute more. The "
            "same network trained twice with plain SGD (as the study did, here with momentum), "
            "once with 50 first-layer kernels and once with 5.",
            "Compare how far the kernels moved from their random start (the 'moved' column on the "
            "Compare page, 'Size and change' on the Kernels page) and their structure scores. The "
            "50 kernels share the work: each moves about half as far, so more of each one is "
            "still its random start, and they score lower. (After so few steps the accuracies "
            "vary from seed to seed; these kernel measures do not.)",
            15,
            (("50 kernels", _model(few, kernels=50)), ("5 kernels", few)),
        ),
        _scenario(
            "lr",
            "Learning rate too high",
            "The same network and training with a sensible learning rate (0.05) and one 100 "
            "times too big (5), plain SGD with momentum. Each step moves the weights by the "
            "learning rate times the slope of the loss: too big, and every step overshoots "
            "further until the numbers overflow. (The kernels use a leaky ReLU here; with a plain "
            "ReLU a too-big step usually switches the kernels off for good instead, and the run "
            "sits at chance.)",
            "The run with learning rate 5 stops after a few steps with the lab's message that "
            "training diverged: the loss became NaN (not a number). Its kernels are what the "
            "last steps threw at them, smooth smears billions of times too big (see the colour "
            "range), so even their high structure score means nothing; the other run learns.",
            5,
            (("learning rate 0.05", leaky), ("learning rate 5", leaky.with_changes(lr=5.0))),
        ),
        _scenario(
            "loss",
            "L1 + tanh against cross-entropy",
            "The study found only the L1 loss on tanh outputs worked for its network; the usual "
            "choice for classifiers is cross-entropy. The same small network and optimiser "
            "(Adam) twice: L1 loss on tanh outputs against 0/1 targets, and cross-entropy.",
            "Compare the curves and the structure scores. Cross-entropy keeps pushing on every "
            "wrong answer and learns quickly with sharply structured kernels; with L1 on tanh "
            "outputs the push fades as the outputs saturate, so in the same steps it reaches a "
            "lower accuracy and its kernels score lower.",
            5,
            (
                ("L1 and tanh", _model(small.with_changes(loss="l1"), output_activation="tanh")),
                ("cross-entropy", small),
            ),
        ),
        _scenario(
            "decay",
            "Weight decay smooths kernels",
            "Weight decay pulls every weight a little towards 0 at each step. What the data keeps "
            "pushing (the kernel's pattern) survives; the random start, which nothing renews, "
            "fades. The same network trained with plain SGD, where the random start lingers, "
            "without and with weight decay 0.2.",
            "Compare the structure scores: the kernels trained with weight decay score higher "
            "(less random-looking) and their weight norm is smaller. Accuracy drops: the decay "
            "also pulls on what the network needs, so smoother kernels come at a price here.",
            5,
            (("no weight decay", sgd), ("weight decay 0.2", sgd.with_changes(weight_decay=0.2))),
        ),
    )


SCENARIOS: tuple[Scenario, ...] = build_scenarios()
SCENARIO_KEYS = tuple(s.key for s in SCENARIOS)


def scenario(key: str, spec: WaveformSpec | None = None) -> Scenario:
    """The scenario named `key` (on the waveforms `spec` if given); LabError if unknown."""
    for s in build_scenarios(spec) if spec is not None else SCENARIOS:
        if s.key == key:
            return s
    raise LabError(f"Unknown scenario {key!r}; choose one of {', '.join(SCENARIO_KEYS)}.")
