"""The training loop: yields events, never prints or touches a UI; pause/resume/stop per step.

Callers consume `train(...)` (a generator of `TrainEvent`s) and do the IO: `core.session` writes run
folders, the CLI draws a progress bar, the app's background thread feeds its charts.
"""

from __future__ import annotations

import math
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

import torch
import torch.nn.functional as F

from core.errors import LabError
from core.nn.interrupt import StepInterrupted, add_cancellation_points, interruptible
from core.training.control import TrainControl
from core.training.metrics import evaluate, is_plateau

__all__ = ["TrainConfig", "TrainControl", "TrainEvent", "train", "stop_reason"]

LOSSES = ("cross_entropy", "l1", "mse", "bce")
OPTIMIZERS = ("adam", "sgd")
DEVICES = ("auto", "cpu", "cuda", "mps")


@dataclass(frozen=True)
class TrainConfig:
    """How to train: loss, optimiser, batches, data sizes, cadences, seed and device."""

    loss: str = "cross_entropy"
    optimizer: str = "adam"
    lr: float = 5e-3
    momentum: float = 0.0
    weight_decay: float = 0.0
    batch_size: int = 64
    epochs: int = 3
    n_train: int = 3000
    n_test: int = 500
    seed: int = 0
    device: str = "auto"
    snapshot_every: int = 0  # steps between kernel snapshots; 0 = enough for >= 150 frames
    eval_every: int = 0  # steps between held-out evaluations; 0 = about 20 per run
    plateau_window: int = 8  # evaluations without progress before a run counts as stuck
    target_accuracy: float | None = None  # stop early once held-out accuracy reaches this
    max_seconds: float | None = None  # stop once this much training time (s) is spent

    def __post_init__(self) -> None:
        if self.loss not in LOSSES:
            raise LabError(f"Unknown loss {self.loss!r}; choose one of {', '.join(LOSSES)}.")
        if self.optimizer not in OPTIMIZERS:
            raise LabError(f"Unknown optimiser {self.optimizer!r}; choose adam or sgd.")
        if self.device not in DEVICES:
            raise LabError(f"Unknown device {self.device!r}; choose one of {', '.join(DEVICES)}.")
        if not (self.lr > 0 and math.isfinite(self.lr)):
            raise LabError("The learning rate must be a positive number.")
        if self.momentum < 0 or self.momentum >= 1:
            raise LabError("Momentum must be at least 0 and below 1.")
        if self.weight_decay < 0:
            raise LabError("Weight decay cannot be negative.")
        if self.epochs < 1:
            raise LabError("Train for at least one epoch.")
        if self.n_train < 3 or self.n_test < 3:
            raise LabError("Use at least 3 training and 3 held-out images (one per class).")
        if self.batch_size < 1:
            raise LabError("The batch size must be at least 1.")
        if self.batch_size > self.n_train:
            raise LabError(
                f"The batch size ({self.batch_size}) is larger than the training set "
                f"({self.n_train} images); lower it or generate more images."
            )
        if self.snapshot_every < 0 or self.eval_every < 0:
            raise LabError("Snapshot and evaluation cadences must be 0 (automatic) or more.")

    @property
    def uses_bit_targets(self) -> bool:
        """L1/MSE/BCE train on the study's 0/1 bit targets; cross-entropy on class indices."""
        return self.loss != "cross_entropy"

    def steps_per_epoch(self) -> int:
        return math.ceil(self.n_train / self.batch_size)

    def total_steps(self) -> int:
        return self.epochs * self.steps_per_epoch()

    def snapshot_cadence(self) -> int:
        return self.snapshot_every or max(1, self.total_steps() // 150)

    def eval_cadence(self) -> int:
        return self.eval_every or max(1, self.total_steps() // 20)


@dataclass
class TrainEvent:
    """One thing that happened: start, snapshot, metrics, paused, resumed, stopping or end."""

    kind: str
    step: int
    epoch: float
    data: dict[str, Any] = field(default_factory=dict)


def _loss_fn(name: str):
    if name == "cross_entropy":
        return lambda out, y, t: F.cross_entropy(out, y)
    if name == "l1":
        return lambda out, y, t: F.l1_loss(out, t)
    if name == "mse":
        return lambda out, y, t: F.mse_loss(out, t)
    return lambda out, y, t: F.binary_cross_entropy_with_logits(out, t)


def _uniform_loss(out: torch.Tensor, loss: str) -> torch.Tensor:
    """Mean distance of outputs (k, C) from 'no class': cross-entropy to the uniform answer less
    its floor log C (so 0 is reachable), or all-equal 1/C targets for the bit-target losses."""
    if loss == "cross_entropy":
        return -F.log_softmax(out, dim=1).mean(1).mean() - math.log(out.shape[1])
    return _loss_fn(loss)(out, None, torch.full_like(out, 1.0 / out.shape[1]))


def _make_optimizer(cfg: TrainConfig, params) -> torch.optim.Optimizer:
    if cfg.optimizer == "adam":
        return torch.optim.Adam(params, lr=cfg.lr, weight_decay=cfg.weight_decay)
    return torch.optim.SGD(params, lr=cfg.lr, momentum=cfg.momentum, weight_decay=cfg.weight_decay)


def divergence_message(step: int, cfg: TrainConfig) -> str:
    return (
        f"The loss became NaN or infinite at step {step}: training diverged. "
        f"Lower the learning rate (now {cfg.lr:g}, try {cfg.lr / 10:g})"
        + (" or switch to cross-entropy loss." if cfg.loss != "cross_entropy" else ".")
    )


PLATEAU_NOTE = " The loss stalled on a plateau: the run looks stuck."


@dataclass
class _Tally:
    """Running sums over the training batches since the last measurement."""

    loss: float = 0.0
    correct: float = 0.0
    seen: float = 0.0

    def add(self, loss: float, out: torch.Tensor, y: torch.Tensor) -> None:
        self.loss += loss * len(y)
        self.correct += (out.argmax(1) == y).sum().item()
        self.seen += len(y)


class _Session:
    """One run in progress: the optimiser, the seeded batch order, the training clock and what
    the batches since the last measurement added up to."""

    def __init__(self, model: torch.nn.Module, data, cfg: TrainConfig, device: torch.device,
                 others: torch.Tensor | None = None):  # fmt: skip
        self.model, self.cfg = model, cfg
        self.x_tr, self.y_tr, self.x_te, self.y_te = data
        self.others = others.to(device) if others is not None and len(others) else None
        self.opt = _make_optimizer(cfg, model.parameters())
        self.loss_fn = _loss_fn(cfg.loss)
        self.gen = torch.Generator().manual_seed(cfg.seed + 1)
        self.device = device
        self.spe = cfg.steps_per_epoch()
        self.order = torch.arange(len(self.x_tr), device=device)
        self.order_epoch = -1  # the epoch self.order was drawn for
        self.step = 0
        self.train_seconds = 0.0  # optimiser steps only: no measuring, no pauses
        self.paused_seconds = 0.0
        self.t_start = time.perf_counter()
        self.tally = _Tally()
        self.losses: list[float] = []  # one per measurement, for the plateau rule
        self.accuracies: list[float] = []

    def event(self, kind: str, data: dict[str, Any] | None = None) -> TrainEvent:
        return TrainEvent(kind, self.step, self.step / self.spe, data or {})

    def snapshot(self) -> TrainEvent:
        w = self.model.conv1.weight.detach().cpu().numpy().copy()
        b = self.model.conv1.bias.detach().cpu().numpy().copy()
        return self.event("snapshot", {"weights": w, "bias": b})

    def train_step(self, interrupt=None) -> float | None:
        """One optimiser step on the next batch (a new order each epoch); the batch's loss, or
        None when `interrupt()` turned true part way (Stop or Pause): the weights are unchanged."""
        cfg, b = self.cfg, self.step % self.spe
        if self.step // self.spe != self.order_epoch:
            self.order_epoch = self.step // self.spe
            self.order = torch.randperm(len(self.x_tr), generator=self.gen).to(self.device)
        idx = self.order[b * cfg.batch_size : (b + 1) * cfg.batch_size]
        xb, yb = self.x_tr[idx], self.y_tr[idx]
        t0 = time.perf_counter()
        # dropout's and the distractors' draws, put back if the step is abandoned
        rng, gen_state = torch.get_rng_state(), self.gen.get_state()
        try:
            with interruptible(interrupt or (lambda: False)):
                out = self.model(xb)
                target = F.one_hot(yb, out.shape[1]).to(out.dtype) if cfg.uses_bit_targets else None
                loss = self.loss_fn(out, yb, target)
                if self.others is not None:
                    loss = self.with_others(loss, len(yb))
                self.opt.zero_grad(set_to_none=True)
                loss.backward()
        except StepInterrupted:
            self.opt.zero_grad(set_to_none=True)
            torch.set_rng_state(rng)
            self.gen.set_state(gen_state)
            self.train_seconds += time.perf_counter() - t0
            return None
        self.opt.step()
        self.train_seconds += time.perf_counter() - t0
        self.step += 1
        value = loss.item()
        if math.isfinite(value):
            self.tally.add(value, out, yb)
        return value

    def with_others(self, loss: torch.Tensor, n_batch: int) -> torch.Tensor:
        """The batch's loss mixed with that of distractor images (trained towards a uniform
        answer), drawn in proportion to their count among the training images."""
        x_ot = self.others
        k = max(1, round(n_batch * len(x_ot) / max(self.cfg.n_train, 1)))
        pick = torch.randint(len(x_ot), (k,), generator=self.gen).to(x_ot.device)
        lo = _uniform_loss(self.model(x_ot[pick]), self.cfg.loss)
        return (loss * n_batch + lo * k) / (n_batch + k)

    def out_of_time(self) -> bool:
        return self.cfg.max_seconds is not None and self.train_seconds >= self.cfg.max_seconds

    def measure(self) -> dict:
        """The metrics row at this step: the batches since the last one and the held-out set."""
        ev = evaluate(self.model, self.x_te, self.y_te)
        tally, t = self.tally, self.train_seconds
        seen = max(tally.seen, 1.0)
        self.losses.append(tally.loss / seen)
        self.accuracies.append(ev["accuracy"])
        self.tally = _Tally()
        return {
            "step": self.step,
            "epoch": round(self.step / self.spe, 4),
            "loss": tally.loss / seen,
            "train_accuracy": tally.correct / seen,
            "test_accuracy": ev["accuracy"],
            "train_strict": None,
            "test_strict": ev["strict"] if self.cfg.uses_bit_targets else None,
            "elapsed": time.perf_counter() - self.t_start - self.paused_seconds,
            "train_seconds": t,
            "steps_per_s": self.step / t if t else 0.0,
            "images_per_s": self.step * self.cfg.batch_size / t if t else 0.0,
            "plateau": is_plateau(self.losses, self.accuracies, self.cfg.plateau_window),
        }


def stop_reason(cfg: TrainConfig, row: dict, out_of_time: bool) -> str | None:
    """Why a run ends early after the measurement `row`, in a sentence; None to go on."""
    if cfg.target_accuracy is not None and row["test_accuracy"] >= cfg.target_accuracy:
        return f"Reached {row['test_accuracy']:.1%} held-out accuracy at step {row['step']}."
    if out_of_time:
        return f"Used its time budget of {cfg.max_seconds:g} s at step {row['step']}."
    return None


def _wait_while_paused(control: TrainControl, run: _Session, single: list) -> Iterator[TrainEvent]:
    """Events while paused; single[0] becomes True when Step asked for one step, paused still."""
    t_pause = time.perf_counter()
    yield run.event("paused")
    while not control.wait_if_paused():
        if control.take_step():
            single[0] = True
            break
    run.paused_seconds += time.perf_counter() - t_pause
    if not single[0]:
        yield run.event("resumed")


def _stop_check(control: TrainControl, single: bool):
    """When to abandon a step: on Stop, and on Pause unless it is a single step taken paused."""
    return (lambda: control.stopped) if single else control.should_interrupt


def train(
    model: torch.nn.Module,
    data: tuple[torch.Tensor, torch.Tensor, torch.Tensor, torch.Tensor],
    cfg: TrainConfig,
    control: TrainControl | None = None,
    device: torch.device | None = None,
    others: torch.Tensor | None = None,
) -> Iterator[TrainEvent]:
    """Train `model` on (x_train, y_train, x_test, y_test), yielding events; x (N,1,H,W) float.

    others (M, 1, H, W): images of none of the classes, mixed into every batch in proportion and
    trained towards a uniform answer, so the network can say "none of these"."""
    control = control or TrainControl()
    device = device or torch.device("cpu")
    data = tuple(t.to(device) for t in data)
    _check_outputs(model.to(device).train(), data)
    run = _Session(model, data, cfg, device, others)
    hooks = add_cancellation_points(model)  # Stop and Pause act inside a long step
    total, snap_every, eval_every = cfg.total_steps(), cfg.snapshot_cadence(), cfg.eval_cadence()
    yield run.event("start", {"total_steps": total, "steps_per_epoch": run.spe})
    yield run.snapshot()
    status, message, row, last_snap = "done", f"Finished {cfg.epochs} epoch(s).", {}, 0
    while run.step < total:
        single = [False]  # this step was asked for with Step while paused
        if control.paused and not control.stopped:
            yield from _wait_while_paused(control, run, single)
        if control.stopped:
            status, message = "stopped", f"Stopped at step {run.step} of {total}."
            yield run.event("stopping")  # no more steps; saving follows
            break
        loss = run.train_step(_stop_check(control, single[0]))
        if loss is None:  # abandoned part way by Stop or Pause: the loop top handles it
            continue
        if not math.isfinite(loss):
            status, message = "diverged", divergence_message(run.step, cfg)
            break
        out_of_time = run.out_of_time()
        if run.step % snap_every == 0 or single[0]:  # a single step always shows its kernels
            last_snap = run.step
            yield run.snapshot()
        if run.step % eval_every == 0 or run.step == total or out_of_time:
            row = run.measure()
            yield run.event("metrics", dict(row))
            reason = stop_reason(cfg, row, out_of_time)
            if reason is not None:
                message = reason
                break
    for h in hooks:
        h.remove()
    if status == "stopped" and run.tally.seen > 0:
        row = run.measure()  # a stopped run keeps what it learned since the last measurement
        yield run.event("metrics", dict(row))
    if run.step != last_snap and status != "diverged":
        yield run.snapshot()
    plateau = bool(row.get("plateau"))
    if status == "done" and plateau:
        message += PLATEAU_NOTE
    end = {"status": status, "message": message, "metrics": row, "plateau": plateau}
    yield run.event("end", end | {"train_seconds": run.train_seconds})


def _check_outputs(model: torch.nn.Module, data) -> None:
    """A LabError when the network has fewer outputs than the data has classes."""
    x_tr, y_tr, _, y_te = data
    n_classes = int(max(y_tr.max().item(), y_te.max().item())) + 1
    n_out = _output_size(model, x_tr[:1])
    if n_out < n_classes:
        raise LabError(f"The network has {n_out} outputs but the data has {n_classes} classes.")


def _output_size(model: torch.nn.Module, x1: torch.Tensor) -> int:
    with torch.no_grad():
        was = model.training
        model.eval()
        n = int(model(x1).shape[1])
        model.train(was)
    return n
