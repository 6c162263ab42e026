"""The training loop: yields events, never prints or touches a UI; pause/resume/stop per step.

Callers consume `train(...)` (a generator of `TrainEvent`s) and do the IO: `core.session` writes run
folders, the CLI draws a progress bar, the app's background thread feeds its charts.
"""

from __future__ import annotations

import math
import threading
import time
from collections.abc import Iterator
from dataclasses import asdict, dataclass, field, fields
from typing import Any

import numpy as np
import torch
import torch.nn.functional as F

from core.errors import LabError

LOSSES = ("cross_entropy", "l1", "mse", "bce")
OPTIMIZERS = ("adam", "sgd")
DEVICES = ("auto", "cpu", "cuda", "mps")
STRICT_TOLERANCE = 0.1  # the study's rule: every output within 0.1 of its 0/1 target


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


def train_config_to_dict(cfg: TrainConfig) -> dict:
    return asdict(cfg)


def train_config_from_dict(d: dict) -> TrainConfig:
    names = {f.name for f in fields(TrainConfig)}
    unknown = sorted(set(d) - names)
    if unknown:
        raise LabError(f"Unknown training setting(s): {', '.join(unknown)}.")
    return TrainConfig(**d)


class TrainControl:
    """Cooperative pause/resume/stop, safe to call from another thread."""

    def __init__(self) -> None:
        self._stop = threading.Event()
        self._running = threading.Event()
        self._running.set()

    def pause(self) -> None:
        self._running.clear()

    def resume(self) -> None:
        self._running.set()

    def stop(self) -> None:
        self._stop.set()
        self._running.set()  # wake a paused loop so it can see the stop

    @property
    def paused(self) -> bool:
        return not self._running.is_set()

    @property
    def stopped(self) -> bool:
        return self._stop.is_set()

    def wait_if_paused(self, timeout: float = 0.2) -> bool:
        """Block while paused; True once running again (or stopping)."""
        return self._running.wait(timeout)


@dataclass
class TrainEvent:
    """One thing that happened: kind is start, snapshot, metrics, paused, resumed or end."""

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


def _with_others(model, loss, n_batch: int, x_ot: torch.Tensor, cfg, gen) -> torch.Tensor:
    """The batch's loss mixed with that of distractor images drawn in proportion to their count."""
    k = max(1, round(n_batch * len(x_ot) / max(cfg.n_train, 1)))
    pick = torch.randint(len(x_ot), (k,), generator=gen).to(x_ot.device)
    lo = _uniform_loss(model(x_ot[pick]), cfg.loss)
    return (loss * n_batch + lo * k) / (n_batch + k)


def _make_optimizer(cfg: TrainConfig, params) -> torch.optim.Optimizer:
    if cfg.optimizer == "adam":
        return torch.optim.Adam(params, lr=cfg.lr, weight_decay=cfg.weight_decay)
    return torch.optim.SGD(params, lr=cfg.lr, momentum=cfg.momentum, weight_decay=cfg.weight_decay)


def strict_correct(out: torch.Tensor, y: torch.Tensor) -> torch.Tensor:
    """The study's rule per image: every output within 0.1 of its one-hot 0/1 target. (B,) bool."""
    target = F.one_hot(y, out.shape[1]).to(out.dtype)
    return ((out - target).abs() <= STRICT_TOLERANCE).all(dim=1)


@torch.inference_mode()
def evaluate(model: torch.nn.Module, x: torch.Tensor, y: torch.Tensor, batch: int = 64) -> dict:
    """Argmax accuracy, the study's strict accuracy and the predictions on a set. x (N,1,H,W)."""
    was_training = model.training
    model.eval()
    preds, strict = [], []
    for i in range(0, len(x), batch):
        out = model(x[i : i + batch])
        preds.append(out.argmax(1))
        strict.append(strict_correct(out, y[i : i + batch]))
    model.train(was_training)
    pred = torch.cat(preds)
    return {
        "accuracy": (pred == y).float().mean().item(),
        "strict": torch.cat(strict).float().mean().item(),
        "pred": pred.cpu().numpy(),
    }


def is_plateau(losses: list[float], accuracies: list[float], window: int) -> bool:
    """Stuck: over the last `window` evaluations loss fell < 2% and accuracy is far from done."""
    if len(losses) < window + 1 or window < 2:
        return False
    recent = losses[-window:]
    before = losses[-window - 1]
    if not all(math.isfinite(v) for v in recent + [before]) or before <= 0:
        return False
    improvement = (before - min(recent)) / before
    acc_gain = max(accuracies[-window:]) - accuracies[-window - 1]
    return improvement < 0.02 and acc_gain < 0.02 and accuracies[-1] < 0.95


def divergence_message(step: int, cfg: TrainConfig) -> str:
    return (
        f"The loss became NaN or infinite at step {step}: training diverged. "
        f"Lower the learning rate (now {cfg.lr:g}, try {cfg.lr / 10:g})"
        + (" or switch to cross-entropy loss." if cfg.loss != "cross_entropy" else ".")
    )


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
    x_tr, y_tr, x_te, y_te = (t.to(device) for t in data)
    x_ot = others.to(device) if others is not None and len(others) else None
    n_classes = int(max(y_tr.max().item(), y_te.max().item())) + 1
    n_out = _output_size(model, x_tr[:1])
    if n_out < n_classes:
        raise LabError(f"The network has {n_out} outputs but the data has {n_classes} classes.")
    model.to(device).train()
    opt = _make_optimizer(cfg, model.parameters())
    loss_fn = _loss_fn(cfg.loss)
    gen = torch.Generator().manual_seed(cfg.seed + 1)
    spe, total = cfg.steps_per_epoch(), cfg.total_steps()
    snap_every, eval_every = cfg.snapshot_cadence(), cfg.eval_cadence()

    def snapshot(step: int, epoch: float) -> TrainEvent:
        w = model.conv1.weight.detach().cpu().numpy().copy()
        b = model.conv1.bias.detach().cpu().numpy().copy()
        return TrainEvent("snapshot", step, epoch, {"weights": w, "bias": b})

    yield TrainEvent("start", 0, 0.0, {"total_steps": total, "steps_per_epoch": spe})
    yield snapshot(0, 0.0)

    step, t_train, t_start = 0, 0.0, time.perf_counter()
    paused_for = 0.0
    acc = {
        "loss": 0.0,
        "correct": 0.0,
        "seen": 0.0,
    }  # running sums since the last evaluation
    losses: list[float] = []
    test_accs: list[float] = []
    status, message = "done", f"Finished {cfg.epochs} epoch(s)."
    last_row: dict = {}

    def measure(step: int) -> dict:
        ev = evaluate(model, x_te, y_te)
        seen = max(acc["seen"], 1.0)
        losses.append(acc["loss"] / seen)
        test_accs.append(ev["accuracy"])
        row = {
            "step": step,
            "epoch": round(step / spe, 4),
            "loss": acc["loss"] / seen,
            "train_accuracy": acc["correct"] / seen,
            "test_accuracy": ev["accuracy"],
            "train_strict": None,
            "test_strict": ev["strict"] if cfg.uses_bit_targets else None,
            "elapsed": time.perf_counter() - t_start - paused_for,
            "train_seconds": t_train,
            "steps_per_s": step / t_train if t_train else 0.0,
            "images_per_s": step * cfg.batch_size / t_train if t_train else 0.0,
            "plateau": is_plateau(losses, test_accs, cfg.plateau_window),
        }
        acc.update(loss=0.0, correct=0.0, seen=0.0)
        return row

    finished = False
    while not finished and step < total:
        if step % spe == 0:
            order = torch.randperm(len(x_tr), generator=gen).to(device)
        if control.paused and not control.stopped:
            t_pause = time.perf_counter()
            yield TrainEvent("paused", step, step / spe)
            while not control.wait_if_paused():
                pass
            paused_for += time.perf_counter() - t_pause
            yield TrainEvent("resumed", step, step / spe)
        if control.stopped:
            status, message = "stopped", f"Stopped at step {step} of {total}."
            break
        b = step % spe
        idx = order[b * cfg.batch_size : (b + 1) * cfg.batch_size]
        xb, yb = x_tr[idx], y_tr[idx]
        t0 = time.perf_counter()
        out = model(xb)
        target = F.one_hot(yb, out.shape[1]).to(out.dtype) if cfg.uses_bit_targets else None
        loss = loss_fn(out, yb, target)
        if x_ot is not None:
            loss = _with_others(model, loss, len(yb), x_ot, cfg, gen)
        opt.zero_grad(set_to_none=True)
        loss.backward()
        opt.step()
        t_train += time.perf_counter() - t0
        step += 1
        lv = loss.item()
        if not math.isfinite(lv):
            status, message = "diverged", divergence_message(step, cfg)
            break
        acc["loss"] += lv * len(yb)
        acc["correct"] += (out.argmax(1) == yb).sum().item()
        acc["seen"] += len(yb)
        over_time = cfg.max_seconds is not None and t_train >= cfg.max_seconds
        if step % snap_every == 0:
            yield snapshot(step, step / spe)
        if step % eval_every == 0 or step == total or over_time:
            last_row = measure(step)
            yield TrainEvent("metrics", step, step / spe, dict(last_row))
            reached = cfg.target_accuracy is not None
            if reached and last_row["test_accuracy"] >= cfg.target_accuracy:
                reached_acc = last_row["test_accuracy"]
                message = f"Reached {reached_acc:.1%} held-out accuracy at step {step}."
                finished = True
            elif over_time:
                message = f"Used its time budget of {cfg.max_seconds:g} s at step {step}."
                finished = True
    if status == "stopped" and acc["seen"] > 0:
        last_row = measure(step)  # a stopped run keeps what it learned since the last evaluation
        yield TrainEvent("metrics", step, step / spe, dict(last_row))
    if step % snap_every != 0 and status != "diverged":
        yield snapshot(step, step / spe)
    if status == "done" and last_row.get("plateau"):
        message += " The loss stalled on a plateau: the run looks stuck."
    yield TrainEvent(
        "end",
        step,
        step / spe,
        {
            "status": status,
            "message": message,
            "metrics": last_row,
            "train_seconds": t_train,
        },
    )


def _output_size(model: torch.nn.Module, x1: torch.Tensor) -> int:
    with torch.no_grad():
        was = model.training
        model.eval()
        n = int(model(x1).shape[1])
        model.train(was)
    return n


def confusion(pred: np.ndarray, y: np.ndarray, n_classes: int) -> np.ndarray:
    """Confusion counts (true, predicted) -> (n_classes, n_classes) int."""
    m = np.zeros((n_classes, n_classes), dtype=np.int64)
    np.add.at(m, (np.asarray(y), np.asarray(pred)), 1)
    return m
