"""Run folders on disk: config.json, metrics.csv, snapshots.npz, model.pt and status.json.

Every write goes to a temporary file in the same folder and is renamed over the target, so a killed
process leaves either the old file or the new one, never half of one.
"""

from __future__ import annotations

import csv
import io
import json
import math
import os
import re
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from core.errors import RunError

ENV_RUNS_DIR = "KERNEL_LAB_RUNS"
STATUSES = ("running", "done", "stopped", "diverged", "failed")
METRIC_FIELDS = (
    "step",
    "epoch",
    "loss",
    "train_accuracy",
    "test_accuracy",
    "train_strict",
    "test_strict",
    "elapsed",
    "train_seconds",
    "steps_per_s",
    "images_per_s",
    "plateau",
)
REQUIRED_FILES = ("config.json", "status.json")


def default_runs_root(explicit: str | os.PathLike | None = None) -> Path:
    """The runs root: an explicit path, else $KERNEL_LAB_RUNS, else ./runs."""
    if explicit:
        return Path(explicit)
    return Path(os.environ.get(ENV_RUNS_DIR) or "runs")


def _atomic_write_bytes(path: Path, data: bytes) -> None:
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    try:
        os.fchmod(fd, 0o644)  # mkstemp makes 0600; run files are meant to be copied and shared
        with os.fdopen(fd, "wb") as f:
            f.write(data)
            f.flush()
            os.fsync(f.fileno())
        os.replace(tmp, path)
    except BaseException:
        try:
            os.unlink(tmp)
        except OSError:
            pass
        raise


def write_json(path: Path, obj: Any) -> None:
    """Write JSON atomically (NaN/inf become null so the file stays valid JSON)."""
    _atomic_write_bytes(Path(path), json.dumps(_json_safe(obj), indent=2).encode())


def _json_safe(obj: Any) -> Any:
    if isinstance(obj, float) and not math.isfinite(obj):
        return None
    if isinstance(obj, dict):
        return {str(k): _json_safe(v) for k, v in obj.items()}
    if isinstance(obj, (list, tuple)):
        return [_json_safe(v) for v in obj]
    if isinstance(obj, np.generic):
        return _json_safe(obj.item())
    return obj


def _read_json(path: Path) -> dict:
    try:
        data = json.loads(path.read_text())
    except FileNotFoundError:
        raise RunError(f"{path.parent.name} has no {path.name}.") from None
    except (OSError, ValueError, UnicodeDecodeError):
        raise RunError(f"{path.parent.name}/{path.name} is damaged (not valid JSON).") from None
    if not isinstance(data, dict):
        raise RunError(f"{path.parent.name}/{path.name} is damaged (not a JSON object).")
    return data


def metrics_to_csv(rows: list[dict]) -> bytes:
    """Metrics rows -> CSV bytes with the standard columns first."""
    extra = sorted({k for r in rows for k in r} - set(METRIC_FIELDS))
    buf = io.StringIO()
    w = csv.DictWriter(buf, fieldnames=[*METRIC_FIELDS, *extra], extrasaction="ignore")
    w.writeheader()
    for r in rows:
        w.writerow({k: ("" if v is None else v) for k, v in r.items()})
    return buf.getvalue().encode()


def _parse_metrics(text: str) -> list[dict]:
    rows = []
    for raw in csv.DictReader(io.StringIO(text)):
        row: dict[str, Any] = {}
        for k, v in raw.items():
            if k is None:
                continue
            if v in ("", None):
                row[k] = None
            elif v in ("True", "False"):
                row[k] = v == "True"
            else:
                try:
                    f = float(v)
                    row[k] = int(f) if k in ("step", "epoch") else f
                except ValueError:
                    row[k] = v
        rows.append(row)
    return rows


@dataclass
class Snapshots:
    """First-layer snapshots: weights (F, k, C, K, K), bias (F, k), step (F,), epoch (F,)."""

    weights: np.ndarray
    bias: np.ndarray
    step: np.ndarray
    epoch: np.ndarray

    def __len__(self) -> int:
        return int(self.weights.shape[0])

    def to_npz_bytes(self) -> bytes:
        buf = io.BytesIO()
        np.savez(buf, weights=self.weights, bias=self.bias, step=self.step, epoch=self.epoch)
        return buf.getvalue()


def load_snapshots(path: Path) -> Snapshots:
    """Read snapshots.npz, checking its arrays agree with each other."""
    try:
        with np.load(path, allow_pickle=False) as z:
            snaps = Snapshots(
                weights=z["weights"].astype(np.float32),
                bias=z["bias"].astype(np.float32),
                step=z["step"].astype(np.int64),
                epoch=z["epoch"].astype(np.float64),
            )
    except FileNotFoundError:
        raise RunError(f"{path.parent.name} has no snapshots yet.") from None
    except Exception:  # zip, pickle and key errors all mean the same thing to a user
        raise RunError(f"{path.parent.name}/snapshots.npz is damaged and cannot be read.") from None
    f = snaps.weights.shape[0]
    if snaps.weights.ndim != 5 or snaps.bias.shape != snaps.weights.shape[:2] or f == 0:
        raise RunError(f"{path.parent.name}/snapshots.npz has arrays of inconsistent shapes.")
    if snaps.step.shape != (f,) or snaps.epoch.shape != (f,):
        raise RunError(f"{path.parent.name}/snapshots.npz has arrays of inconsistent shapes.")
    return snaps


@dataclass
class Run:
    """A run folder read back: its config, status, metrics; snapshots and model load on demand."""

    path: Path
    config: dict
    status: dict
    metrics: list[dict] = field(default_factory=list)

    @property
    def name(self) -> str:
        return self.path.name

    @property
    def state(self) -> str:
        return str(self.status.get("status", "unknown"))

    @property
    def label(self) -> str:
        """A one-line description for run pickers."""
        preset = self.config.get("preset", "custom")
        acc = self.final_metric("test_accuracy")
        acc_s = f", held-out {acc:.0%}" if acc is not None else ""
        return f"{self.name} ({preset}, {self.state}{acc_s})"

    @property
    def plateau(self) -> bool:
        """Whether the run ended stuck on a plateau (status.json; older runs: the last metrics)."""
        if "plateau" in self.status:
            return bool(self.status["plateau"])
        return bool(self.metrics and self.metrics[-1].get("plateau"))

    def final_metric(self, key: str) -> float | None:
        for row in reversed(self.metrics):
            v = row.get(key)
            if v is not None and not (isinstance(v, float) and math.isnan(v)):
                return float(v)
        return None

    def snapshots(self) -> Snapshots:
        return load_snapshots(self.path / "snapshots.npz")

    def has_model(self) -> bool:
        return (self.path / "model.pt").is_file()

    def state_dict(self) -> dict:
        import torch

        p = self.path / "model.pt"
        if not p.is_file():
            raise RunError(
                f"{self.name} has no saved model yet (model.pt is written when it ends)."
            )
        try:
            return torch.load(p, map_location="cpu", weights_only=True)
        except Exception:
            raise RunError(f"{self.name}/model.pt is damaged and cannot be read.") from None


def load_run(path: str | os.PathLike) -> Run:
    """Read a run folder; raises RunError with a sentence when it is missing or damaged."""
    p = Path(path)
    if not p.is_dir():
        raise RunError(f"There is no run folder at {p}.")
    config = _read_json(p / "config.json")
    status = _read_json(p / "status.json")
    if status.get("status") not in STATUSES:
        raise RunError(f"{p.name}/status.json has an unknown status {status.get('status')!r}.")
    metrics: list[dict] = []
    mp = p / "metrics.csv"
    if mp.is_file():
        try:
            metrics = _parse_metrics(mp.read_text())
        except (OSError, UnicodeDecodeError, csv.Error):
            raise RunError(f"{p.name}/metrics.csv is damaged.") from None
    return Run(path=p, config=config, status=status, metrics=metrics)


def _slug(text: str) -> str:
    return re.sub(r"[^A-Za-z0-9_.-]+", "-", text).strip("-")[:40] or "run"


class RunStore:
    """All runs under one root folder."""

    def __init__(self, root: str | os.PathLike | None = None) -> None:
        self.root = default_runs_root(root)

    def list_runs(self) -> tuple[list[Run], list[str]]:
        """Runs newest first, and one warning sentence per damaged folder that was skipped."""
        runs: list[Run] = []
        warnings: list[str] = []
        if not self.root.is_dir():
            return runs, warnings
        for child in self.root.iterdir():
            if not child.is_dir() or child.name.startswith("."):
                continue
            try:
                runs.append(load_run(child))
            except RunError as e:
                warnings.append(f"Skipped {child.name}: {e}")
        runs.sort(key=lambda r: (r.status.get("created", 0), r.name), reverse=True)
        return runs, warnings

    def new_run_dir(self, hint: str) -> Path:
        """Create a fresh, uniquely named run folder."""
        try:
            self.root.mkdir(parents=True, exist_ok=True)
        except OSError as e:
            raise RunError(f"Cannot create the runs folder {self.root}: {e.strerror}.") from None
        stamp = time.strftime("%Y%m%d-%H%M%S")
        base = f"{stamp}-{_slug(hint)}"
        for i in range(1000):
            p = self.root / (base if i == 0 else f"{base}-{i}")
            try:
                p.mkdir()
                return p
            except FileExistsError:
                continue
        raise RunError(f"Could not find a free run folder name under {self.root}.")


class RunWriter:
    """Writes one run folder as training goes; every file is replaced atomically."""

    def __init__(self, path: Path, config: dict) -> None:
        self.path = Path(path)
        self.created = time.time()
        self.metrics: list[dict] = []
        self._snap_w: list[np.ndarray] = []
        self._snap_b: list[np.ndarray] = []
        self._snap_step: list[int] = []
        self._snap_epoch: list[float] = []
        write_json(self.path / "config.json", config)
        self.set_status("running", "Training has started.")

    def set_status(self, status: str, message: str = "", **extra: Any) -> None:
        if status not in STATUSES:
            raise ValueError(f"unknown status {status}")
        body = {"status": status, "message": message, "created": self.created}
        body.update(updated=time.time(), pid=os.getpid(), **extra)
        write_json(self.path / "status.json", body)

    def add_metrics(self, row: dict) -> None:
        self.metrics.append(dict(row))
        _atomic_write_bytes(self.path / "metrics.csv", metrics_to_csv(self.metrics))

    def add_snapshot(self, weights: np.ndarray, bias: np.ndarray, step: int, epoch: float) -> None:
        self._snap_w.append(np.asarray(weights, dtype=np.float32))
        self._snap_b.append(np.asarray(bias, dtype=np.float32))
        self._snap_step.append(int(step))
        self._snap_epoch.append(float(epoch))

    def snapshots(self) -> Snapshots:
        return Snapshots(
            weights=np.stack(self._snap_w),
            bias=np.stack(self._snap_b),
            step=np.asarray(self._snap_step, dtype=np.int64),
            epoch=np.asarray(self._snap_epoch, dtype=np.float64),
        )

    def flush_snapshots(self) -> None:
        if self._snap_w:
            _atomic_write_bytes(self.path / "snapshots.npz", self.snapshots().to_npz_bytes())

    def save_model(self, state_dict: dict) -> None:
        import torch

        buf = io.BytesIO()
        torch.save({k: v.detach().cpu() for k, v in state_dict.items()}, buf)
        _atomic_write_bytes(self.path / "model.pt", buf.getvalue())
