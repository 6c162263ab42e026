"""An experiment (waveform data + network + training recipe), its config dict, and running one."""

from __future__ import annotations

import dataclasses
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import torch

from core.config import from_dict, to_dict
from core.data.waveforms import (
    WaveformSpec,
    class_names,
    distractor_set,
    make_datasets,
)
from core.errors import LabError
from core.nn.model import (
    ModelConfig,
    build_model,
    count_params,
    select_device,
)
from core.training.faults import fault_point
from core.training.loop import (
    TrainConfig,
    TrainControl,
    TrainEvent,
    train,
)
from core.training.metrics import confusion, evaluate
from core.training.outcome import learning_verdict
from core.training.published import check_trainable
from core.training.runs import RunStore, RunWriter

CONFIG_VERSION = 1


@dataclass(frozen=True)
class Experiment:
    """Everything that reproduces a run."""

    preset: str
    waveforms: WaveformSpec
    model: ModelConfig
    train: TrainConfig

    def __post_init__(self) -> None:
        n = len(class_names(self.waveforms))
        if self.model.n_classes != n:
            object.__setattr__(self, "model", dataclasses.replace(self.model, n_classes=n))
        if self.model.image_size != self.waveforms.size:
            raise LabError(
                f"The network expects {self.model.image_size}px images but the data is "
                f"{self.waveforms.size}px; make them the same."
            )

    def with_changes(
        self, *, waveforms=None, model=None, train=None, **train_changes
    ) -> Experiment:
        """A copy with some parts replaced (train_changes go into the TrainConfig)."""
        t = train or self.train
        if train_changes:
            t = dataclasses.replace(t, **train_changes)
        return Experiment(self.preset, waveforms or self.waveforms, model or self.model, t)


def experiment_to_dict(exp: Experiment) -> dict:
    return {
        "version": CONFIG_VERSION,
        "preset": exp.preset,
        "classes": class_names(exp.waveforms),
        "waveforms": to_dict(exp.waveforms),
        "model": to_dict(exp.model),
        "train": to_dict(exp.train),
    }


def experiment_from_dict(d: dict) -> Experiment:
    try:
        return Experiment(
            preset=str(d.get("preset", "custom")),
            waveforms=from_dict(WaveformSpec, d.get("waveforms", {}), "waveform"),
            model=from_dict(ModelConfig, d["model"], "model"),
            train=from_dict(TrainConfig, d["train"], "training"),
        )
    except KeyError as e:
        raise LabError(f"The run's config.json has no {e.args[0]!r} section.") from None
    except TypeError as e:
        raise LabError(f"The run's config.json has a setting of the wrong type ({e}).") from None


@dataclass
class RunResult:
    """What a finished (or stopped/diverged) run reports."""

    run_dir: Path
    status: str
    message: str
    steps: int
    seconds: float
    params: int
    metrics: dict

    def summary(self, exp: Experiment) -> dict:
        return {
            "run_dir": str(self.run_dir),
            "preset": exp.preset,
            "epochs": exp.train.epochs,
            "steps": self.steps,
            "seconds": round(self.seconds, 3),
            "train_accuracy": self.metrics.get("train_accuracy"),
            "test_accuracy": self.metrics.get("test_accuracy"),
            "params": self.params,
            "status": self.status,
        }


def _judged(end: TrainEvent, model, data, exp: Experiment, metrics, device) -> TrainEvent:
    """The end event with the held-out confusion matrix and, for a finished run that learned
    nothing, the verdict (core.training.outcome) added to its message."""
    ev = evaluate(model, data[2].to(device), data[3].to(device))
    cm = confusion(ev["pred"], data[3].numpy(), exp.model.n_classes).tolist()
    verdict = None
    if end.data["status"] in ("done", "stopped"):
        classes = class_names(exp.waveforms)
        verdict = learning_verdict(metrics, classes, to_dict(exp.train), cm)
    message = end.data["message"] + (f" {verdict}" if verdict else "")
    data_ = end.data | {"confusion": cm, "verdict": verdict, "message": message}
    return dataclasses.replace(end, data=data_)


def run_experiment(
    exp: Experiment,
    store: RunStore | None = None,
    control: TrainControl | None = None,
    on_event: Callable[[TrainEvent], None] | None = None,
    name: str | None = None,
    run_dir: Path | None = None,
) -> RunResult:
    """Generate data, build the network, train and record everything into a new run folder."""
    # the limit the Train page shows, for every caller, before generating gigabytes of images
    check_trainable(exp.model, exp.train)
    store = store or RunStore()
    device = select_device(exp.train.device)
    torch.manual_seed(exp.train.seed)  # dropout draws from the global generator
    data = make_datasets(exp.waveforms, exp.train.n_train, exp.train.n_test, exp.train.seed)
    others = distractor_set(exp.waveforms, exp.train.n_train, exp.train.seed)
    model = build_model(exp.model, seed=exp.train.seed)
    params = count_params(model)
    run_dir = run_dir or store.new_run_dir(name or f"{exp.preset}-s{exp.train.seed}")
    config = experiment_to_dict(exp) | {"params": params, "device": str(device)}
    writer = RunWriter(run_dir, config)
    if on_event is not None:
        on_event(TrainEvent("created", 0, 0.0, {"run_dir": run_dir, "params": params}))
    end: TrainEvent | None = None
    try:
        for ev in train(model, data, exp.train, control, device, others=others):
            if ev.kind == "snapshot":
                writer.add_snapshot(ev.data["weights"], ev.data["bias"], ev.step, ev.epoch)
            elif ev.kind == "metrics":
                writer.add_metrics(ev.data)
                writer.flush_snapshots()
            elif ev.kind == "end":
                end = ev = _judged(ev, model, data, exp, writer.metrics, device)
            if on_event is not None:
                on_event(ev)
            fault_point(f"event:{ev.kind}")
    except BaseException as e:
        writer.flush_snapshots()
        writer.save_model(model.state_dict())
        if isinstance(e, KeyboardInterrupt):
            writer.set_status("stopped", "Interrupted from the keyboard; what it recorded is kept.")
        elif isinstance(e, SystemExit):  # e.g. SIGTERM, as the CLI turns it into an exit
            writer.set_status("interrupted", "Stopped by a signal; what it recorded is kept.")
        else:
            writer.set_status("failed", "Training ended with an error; what it recorded is kept.")
        raise
    assert end is not None
    writer.flush_snapshots()
    writer.save_model(model.state_dict())
    verdict = end.data.get("verdict")
    writer.set_status(
        end.data["status"],
        end.data["message"],
        confusion=end.data["confusion"],
        plateau=end.data["plateau"],
        steps=end.step,
        train_seconds=end.data["train_seconds"],
        learned=verdict is None,
        **({"verdict": verdict} if verdict else {}),
    )
    return RunResult(
        run_dir=run_dir,
        status=end.data["status"],
        message=end.data["message"],
        steps=end.step,
        seconds=end.data["train_seconds"],
        params=params,
        metrics=end.data["metrics"],
    )
