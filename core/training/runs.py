"""Run folders on disk: config.json, metrics.csv, snapshots.npz, model.pt and status.json.

Every write goes to a temporary file in the same folder and is renamed over the target, so a killed
process leaves either the old file or the new one, never half of one.
"""

from __future__ import annotations

import csv
import errno
import io
import json
import math
import os
import re
import tempfile
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from core.errors import RunError
from core.training import health
from core.training.faults import fault_point

ENV_RUNS_DIR = "KERNEL_LAB_RUNS"
# "interrupted" is written by a writer stopped by a signal, and read for a dead "running" writer
STATUSES = ("running", "done", "stopped", "diverged", "failed", "interrupted")
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
NUMERIC_METRICS = tuple(f for f in METRIC_FIELDS if f != "plateau")


def default_runs_root(explicit: str | os.PathLike | None = None) -> Path:
    """The runs root: an explicit path, else $KERNEL_LAB_RUNS, else ./runs."""
    if explicit:
        return Path(explicit)
    return Path(os.environ.get(ENV_RUNS_DIR) or "runs")


def _atomic_write_bytes(path: Path, data: bytes, fault: str = "") -> None:
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    try:
        os.fchmod(fd, 0o644)  # mkstemp makes 0600; run files are meant to be copied and shared
        with os.fdopen(fd, "wb") as f:
            f.write(data)
            f.flush()
            os.fsync(f.fileno())
        fault_point(fault or f"write:{path.name}")  # the temporary file is whole, not yet renamed
        os.replace(tmp, path)
    except BaseException:
        try:
            os.unlink(tmp)
        except OSError:
            pass
        raise


def write_json(path: Path, obj: Any, fault: str = "") -> None:
    """Write JSON atomically (NaN/inf become null so the file stays valid JSON)."""
    _atomic_write_bytes(Path(path), json.dumps(_json_safe(obj), indent=2).encode(), fault)


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


def _parse_metrics(text: str, problems: list[str] | None = None) -> list[dict]:
    """CSV text -> rows; a value that is not a number where one belongs becomes None (and a
    sentence in `problems`), so one bad row cannot break every reader."""
    rows = []
    for line, raw in enumerate(csv.DictReader(io.StringIO(text)), start=2):
        row: dict[str, Any] = {}
        bad = ""
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
                    row[k] = int(f) if k in ("step", "epoch") and math.isfinite(f) else f
                except ValueError:
                    row[k] = None if k in NUMERIC_METRICS else v
                    if k in NUMERIC_METRICS and not bad:
                        bad = f"metrics.csv line {line} has {v[:20]!r} as {k}"
        if bad and problems is not None:
            problems.append(bad)
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
    problems: list[str] = field(default_factory=list)  # what is damaged, the rest still usable

    @property
    def name(self) -> str:
        return self.path.name

    @property
    def state(self) -> str:
        """The status, except that a "running" run whose writer died reads "interrupted"."""
        state = str(self.status.get("status", "unknown"))
        if state == "running" and not health.writer_alive(self.status):
            return "interrupted"
        return state

    @property
    def created(self) -> float:
        """When the run started (seconds since the epoch), for sorting; never fails."""
        value = self.status.get("created")
        if isinstance(value, (int, float)) and not isinstance(value, bool) and math.isfinite(value):
            return float(value)
        try:
            return (self.path / "config.json").stat().st_mtime
        except OSError:
            return 0.0

    @property
    def label(self) -> str:
        """A one-line description for run pickers, naming any damage."""
        preset = self.config.get("preset", "custom")
        acc = self.final_metric("test_accuracy")
        acc_s = f", held-out {acc:.0%}" if acc is not None else ""
        damage = f" ⚠ {'; '.join(self.problems)}" if self.problems else ""
        return f"{self.name} ({preset}, {self.state}{acc_s}){damage}"

    @property
    def plateau(self) -> bool:
        """Whether the run ended stuck on a plateau (status.json; older runs: the last metrics)."""
        if "plateau" in self.status:
            return bool(self.status["plateau"])
        return bool(self.metrics and self.metrics[-1].get("plateau"))

    def final_metric(self, key: str) -> float | None:
        for row in reversed(self.metrics):
            v = row.get(key)
            if isinstance(v, (int, float)) and not isinstance(v, bool) and math.isfinite(v):
                return float(v)
        return None

    def snapshots(self) -> Snapshots:
        return load_snapshots(self.path / "snapshots.npz")

    def has_model(self) -> bool:
        p = self.path / "model.pt"
        return p.is_file() and p.stat().st_size > 0

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
    if not any(p.iterdir()):
        raise RunError(f"{p.name} is an empty folder, not a run.")
    config = _read_json(p / "config.json")
    wrong = health.config_problem(config)
    if wrong:
        raise RunError(f"{p.name}: {wrong}.")
    problems: list[str] = []
    status: dict | None
    try:
        status = _read_json(p / "status.json")
    except RunError:
        if (p / "status.json").exists():  # damaged, or written just now: read it again
            status = _read_json(p / "status.json")
        else:
            status = None
    if status is None:
        # Written just after config.json: a new run in that instant, or a writer killed then.
        updated = (p / "config.json").stat().st_mtime
        status = {"status": "running", "message": "Starting.", "updated": updated}
        if time.time() - updated > health.NEW_RUN_GRACE_S:
            status.update(status="interrupted", message="It ended before saving its status.")
            problems.append("status.json is missing")
    if status.get("status") not in STATUSES:
        raise RunError(f"{p.name}/status.json has an unknown status {status.get('status')!r}.")
    problems += health.status_problems(status)
    metrics: list[dict] = []
    mp = p / "metrics.csv"
    if mp.is_file():
        try:
            metrics = _parse_metrics(mp.read_text(), problems)
        except (OSError, UnicodeDecodeError, csv.Error):
            problems.append("metrics.csv is damaged")
    problems += health.file_problems(p)
    return Run(path=p, config=config, status=status, metrics=metrics, problems=problems)


def _link_problem(link: Path) -> str:
    loop = "it is a symbolic link that loops back on itself"
    try:
        link.resolve(strict=True)
    except RuntimeError:  # Python before 3.13
        return loop
    except OSError as e:
        if e.errno == errno.ELOOP:
            return loop
        return f"it is a symbolic link to {os.readlink(link)}, which does not exist"
    return "it is a symbolic link to something that is not a folder"


def _slug(text: str) -> str:
    return re.sub(r"[^A-Za-z0-9_.-]+", "-", text).strip("-")[:40] or "run"


class RunStore:
    """All runs under one root folder."""

    def __init__(self, root: str | os.PathLike | None = None) -> None:
        self.root = default_runs_root(root)

    def list_runs(self) -> tuple[list[Run], list[str]]:
        """Runs newest first, and one warning sentence per damaged folder that was skipped.

        Runs whose writer is gone lose the temporary files it left; nothing else is removed.
        """
        runs: list[Run] = []
        warnings: list[str] = []
        try:
            children = sorted(self.root.iterdir()) if self.root.is_dir() else []
        except OSError as e:
            return runs, [f"Cannot read the runs folder {self.root}: {e.strerror}."]
        for child in children:
            if child.name.startswith("."):
                continue
            try:
                is_dir = child.is_dir()
            except OSError:  # e.g. a name the file system cannot stat
                is_dir = False
            if not is_dir:
                if child.is_symlink():
                    warnings.append(f"Skipped {child.name}: {_link_problem(child)}.")
                continue
            had_config = (child / "config.json").exists()  # looked at before, so no race
            try:
                run = load_run(child)
            except RunError as e:
                if had_config or not health.is_young(child):  # else: a run being created
                    warnings.append(f"Skipped {child.name}: {e}")
            except OSError as e:
                warnings.append(f"Skipped {child.name}: it cannot be read ({e.strerror}).")
            else:
                runs.append(run)
                if run.state != "running":
                    health.remove_leftovers(child)
        runs.sort(key=lambda r: (r.created, r.name), reverse=True)
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
    """Writes one run folder as training goes; every file is replaced atomically.

    While the status is "running" a daemon thread refreshes status.json's "updated" every
    `heartbeat_s` seconds (paused runs too), so readers can tell a live run from a dead one.
    """

    heartbeat_s = health.HEARTBEAT_S

    def __init__(self, path: Path, config: dict) -> None:
        self.path = Path(path)
        self.created = time.time()
        self.metrics: list[dict] = []
        self._snap_w: list[np.ndarray] = []
        self._snap_b: list[np.ndarray] = []
        self._snap_step: list[int] = []
        self._snap_epoch: list[float] = []
        self._status: dict = {}
        self._status_lock = threading.Lock()
        self._beating: threading.Event | None = None
        write_json(self.path / "config.json", config)
        self.set_status("running", "Training has started.")

    def set_status(self, status: str, message: str = "", **extra: Any) -> None:
        if status not in STATUSES:
            raise ValueError(f"unknown status {status}")
        body = {"status": status, "message": message, "created": self.created}
        pid = os.getpid()
        body.update(pid=pid, pid_start=health.process_start(pid), host=health.hostname())
        body.update(heartbeat=self.heartbeat_s, **extra)
        with self._status_lock:
            self._status = body
            self._write_status(f"write:status:{status}")
        if status == "running" and self._beating is None:
            self._beating = threading.Event()
            threading.Thread(target=self._beat, args=(self._beating,), daemon=True).start()
        elif status != "running" and self._beating is not None:
            self._beating.set()
            self._beating = None

    def _write_status(self, fault: str) -> None:
        self._status["updated"] = time.time()
        write_json(self.path / "status.json", self._status, fault)

    def _beat(self, done: threading.Event) -> None:
        while not done.wait(self.heartbeat_s):
            with self._status_lock:
                if done.is_set() or self._status.get("status") != "running":
                    return
                try:
                    self._write_status("write:heartbeat")
                except OSError:  # the folder went away: nobody is reading this run any more
                    return

    def add_metrics(self, row: dict) -> None:
        self.metrics.append(dict(row))
        data = metrics_to_csv(self.metrics)
        _atomic_write_bytes(self.path / "metrics.csv", data, "write:metrics")

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
            data = self.snapshots().to_npz_bytes()
            _atomic_write_bytes(self.path / "snapshots.npz", data, "write:snapshots")

    def save_model(self, state_dict: dict) -> None:
        import torch

        buf = io.BytesIO()
        torch.save({k: v.detach().cpu() for k, v in state_dict.items()}, buf)
        _atomic_write_bytes(self.path / "model.pt", buf.getvalue(), "write:model")
