"""Sweeps: one experiment over any settings (kernel count, kernel size, loss, optimiser, learning
rate, ...) times seeds. Every run is a normal run folder; one sweep table (sweep.csv, sweep.json)
holds a row per run with what it measured.

Runs go to worker processes (spawned, each with its share of the cores as torch threads, so the
workers do not fight over them), or to submitit, which hands the same runs to a Slurm cluster or,
in its local mode, to processes on this machine.
"""

from __future__ import annotations

import csv
import dataclasses
import io
import itertools
import json
import multiprocessing
import os
import time
from collections.abc import Callable, Iterable
from concurrent.futures import ProcessPoolExecutor, as_completed
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from core.errors import LabError
from core.nn.model import ModelConfig
from core.training.loop import TrainConfig
from core.training.presets import PRESET_NAMES, preset

ENGINES = ("pool", "submitit")
TABLE_FIELDS = (
    "index", "seed", "run", "status", "steps", "train_seconds", "final_accuracy", "best_accuracy",
    "reached_90", "stuck", "structure_initial", "structure_final", "structured_share",
)  # fmt: skip
_MODEL = {f.name: f for f in dataclasses.fields(ModelConfig)}
_TRAIN = {f.name: f for f in dataclasses.fields(TrainConfig)}


@dataclass(frozen=True)
class SweepSpec:
    """A preset with `fixed` changes for every run, `axes` (setting -> values) crossed with each
    other and with `seeds`. A setting is any ModelConfig or TrainConfig field, or 'preset'."""

    preset: str
    fixed: tuple[tuple[str, object], ...] = ()
    axes: tuple[tuple[str, tuple], ...] = ()
    seeds: tuple[int, ...] = (0,)
    # changes for the runs of one preset when 'preset' is an axis: (preset, ((setting, value),))
    preset_fixed: tuple[tuple[str, tuple[tuple[str, object], ...]], ...] = ()

    def __post_init__(self) -> None:
        if not self.seeds:
            raise LabError("A sweep needs at least one seed.")
        for name, values in self.axes:
            if not values:
                raise LabError(f"The sweep gives no values for {name}.")
        per_preset = [kv for _, changes in self.preset_fixed for kv in changes]
        for name, _ in (*self.fixed, *self.axes, *per_preset):
            if name != "preset" and name not in _MODEL and name not in _TRAIN:
                raise LabError(f"Unknown setting {name!r} to sweep over.")
        for point in self.points():
            point.experiment()  # every combination must be a valid experiment

    def settings(self) -> list[dict]:
        """Each combination of the axes as {setting: value}, in order."""
        names = [n for n, _ in self.axes]
        return [dict(zip(names, combo)) for combo in itertools.product(*(v for _, v in self.axes))]

    def points(self) -> list[SweepPoint]:
        out = []
        for settings in self.settings():
            for seed in self.seeds:
                out.append(SweepPoint(len(out), settings, seed, self))
        return out


@dataclass(frozen=True)
class SweepPoint:
    """One run of a sweep: its index, the axes' values and its seed."""

    index: int
    settings: dict
    seed: int
    spec: SweepSpec

    def experiment(self):
        from core.training.experiment import Experiment

        name = str(self.settings.get("preset", self.spec.preset))
        own = dict(dict(self.spec.preset_fixed).get(name, ()))
        changes = dict(self.spec.fixed) | own | self.settings
        changes.pop("preset", None)
        exp = preset(name)
        model = {k: v for k, v in changes.items() if k in _MODEL}
        train = {k: v for k, v in changes.items() if k in _TRAIN} | {"seed": self.seed}
        try:
            return Experiment(
                name,
                exp.waveforms,
                dataclasses.replace(exp.model, **model),
                dataclasses.replace(exp.train, **train),
            )
        except TypeError as e:
            raise LabError(f"Bad sweep setting: {e}.") from None

    def run_name(self) -> str:
        parts = [f"{k}-{v}" for k, v in self.settings.items()]
        return "-".join([self.spec.preset, *parts, f"s{self.seed}"])


def parse_value(name: str, text: str):
    """A sweep value typed as its setting ('25' -> 25 for kernel_size, '0.1' -> 0.1 for lr)."""
    if name == "preset":
        if text not in PRESET_NAMES:
            raise LabError(f"Unknown preset {text!r}; choose one of {', '.join(PRESET_NAMES)}.")
        return text
    field = _MODEL.get(name) or _TRAIN.get(name)
    if field is None:
        raise LabError(f"Unknown setting {name!r} to sweep over.")
    default = field.default
    try:
        if isinstance(default, bool):
            if text.lower() not in ("true", "false"):
                raise ValueError
            return text.lower() == "true"
        if isinstance(default, int):
            return int(text)
        if isinstance(default, float) or name in ("target_accuracy", "max_seconds"):
            return float(text)
    except ValueError:
        raise LabError(f"{text!r} is not a valid value for {name}.") from None
    return text


def summarise(run_dir: Path) -> dict:
    """What a finished run folder says about the study's claims (accuracy, stuck, structure)."""
    from core.interpret.diagnostics import STRUCTURE_THRESHOLD, structure_score
    from core.training.runs import load_run

    run = load_run(run_dir)
    accs = [r["test_accuracy"] for r in run.metrics if r.get("test_accuracy") is not None]
    snaps = run.snapshots()
    first, last = structure_score(snaps.weights[0]), structure_score(snaps.weights[-1])
    return {
        "status": run.state,
        "steps": int(run.status.get("steps", 0)),
        "train_seconds": round(float(run.status.get("train_seconds", 0.0)), 3),
        "final_accuracy": accs[-1] if accs else None,
        "best_accuracy": max(accs) if accs else None,
        "reached_90": bool(accs) and max(accs) >= 0.9,
        # the loop's rule: loss and accuracy flat over the last evaluations, far from done
        "stuck": bool(run.metrics and run.metrics[-1].get("plateau")),
        "structure_initial": float(np.nanmean(first)),
        "structure_final": float(np.nanmean(last)),
        "structured_share": float(np.mean(last > STRUCTURE_THRESHOLD)),
    }


def run_point(point: SweepPoint, runs_root: str, threads: int = 0) -> dict:
    """Train one point into a run folder under `runs_root`; its sweep-table row."""
    import torch

    from core.training.experiment import run_experiment
    from core.training.runs import RunStore

    if threads:
        torch.set_num_threads(threads)
    exp = point.experiment()
    result = run_experiment(exp, RunStore(runs_root), name=point.run_name())
    row = {"index": point.index, **point.settings, "seed": point.seed}
    row["run"] = os.path.relpath(result.run_dir, runs_root)
    return row | summarise(result.run_dir)


def default_workers() -> int:
    return max(1, os.cpu_count() or 1)


def _pool_rows(points, root: Path, workers: int) -> Iterable[dict]:
    threads = max(1, (os.cpu_count() or 1) // workers)
    ctx = multiprocessing.get_context("spawn")  # fork would copy torch's thread pools
    with ProcessPoolExecutor(max_workers=workers, mp_context=ctx) as pool:
        futures = [pool.submit(run_point, p, str(root), threads) for p in points]
        try:
            for fut in as_completed(futures):
                yield fut.result()
        except BaseException:
            for fut in futures:
                fut.cancel()
            raise


def _submitit_rows(points, root: Path, workers: int, cluster: str | None) -> Iterable[dict]:
    try:
        import submitit
    except ImportError:
        raise LabError(
            "The submitit engine is not installed; `pip install submitit==1.5.4` "
            "(or the project's 'cluster' extra), or use the local pool."
        ) from None
    threads = max(1, (os.cpu_count() or 1) // workers) if cluster == "local" else 2
    executor = submitit.AutoExecutor(folder=root.parent / ".submitit", cluster=cluster)
    executor.update_parameters(timeout_min=240, cpus_per_task=threads, name="kernel-lab-sweep")
    # the local executor starts every job at once: submit in waves of `workers`
    wave = workers if executor.cluster == "local" else len(points)
    for first in range(0, len(points), wave):
        chunk = points[first : first + wave]
        jobs = executor.map_array(
            run_point, chunk, [str(root)] * len(chunk), [threads] * len(chunk)
        )
        for job in jobs:
            yield job.result()


def run_sweep(
    spec: SweepSpec,
    out_dir: str | os.PathLike,
    workers: int | None = None,
    engine: str = "pool",
    cluster: str | None = None,
    on_row: Callable[[int, int, dict], None] | None = None,
    resume: bool = False,
) -> list[dict]:
    """Run every point of `spec`; run folders go to out_dir/runs, the table to out_dir/sweep.csv
    and sweep.json (rewritten after each run, so a stopped sweep keeps what finished).
    on_row(done, total, row) reports each finished run. engine: 'pool' (worker processes here)
    or 'submitit' (cluster=None: Slurm where there is one, 'local': processes here). With
    `resume`, runs already in out_dir's table are kept and only the others run."""
    if engine not in ENGINES:
        raise LabError(f"Unknown sweep engine {engine!r}; choose one of {', '.join(ENGINES)}.")
    workers = workers or default_workers()
    if workers < 1:
        raise LabError("A sweep needs at least one worker.")
    out = Path(out_dir)
    root = out / "runs"
    try:
        root.mkdir(parents=True, exist_ok=True)
    except OSError as e:
        raise LabError(f"Cannot create the sweep folder {out}: {e.strerror}.") from None
    points = spec.points()
    rows: list[dict] = []
    if resume and (out / "sweep.json").is_file():
        done_spec, rows, _ = load_table(out)
        if done_spec != spec:
            raise LabError(f"{out} holds a different sweep; choose another folder to resume.")
        finished = {r["index"] for r in rows}
        points = [p for p in points if p.index not in finished]
    total = len(spec.points())
    if not points:
        return rows
    workers = min(workers, len(points))
    t0 = time.perf_counter()
    if engine == "pool":
        rows_iter = _pool_rows(points, root, workers)
    else:
        rows_iter = _submitit_rows(points, root, workers, cluster)
    for row in rows_iter:
        rows.append(row)
        rows.sort(key=lambda r: r["index"])
        write_table(out, spec, rows, time.perf_counter() - t0, workers, engine)
        if on_row is not None:
            on_row(len(rows), total, row)
    return rows


def spec_to_dict(spec: SweepSpec) -> dict:
    return {
        "preset": spec.preset,
        "fixed": dict(spec.fixed),
        "axes": {k: list(v) for k, v in spec.axes},
        "seeds": list(spec.seeds),
        "preset_fixed": {p: dict(c) for p, c in spec.preset_fixed},
    }


def spec_from_dict(d: dict) -> SweepSpec:
    try:
        return SweepSpec(
            preset=str(d["preset"]),
            fixed=tuple(dict(d.get("fixed", {})).items()),
            axes=tuple((k, tuple(v)) for k, v in dict(d.get("axes", {})).items()),
            seeds=tuple(int(s) for s in d.get("seeds", (0,))),
            preset_fixed=tuple(
                (p, tuple(dict(c).items())) for p, c in dict(d.get("preset_fixed", {})).items()
            ),
        )
    except (KeyError, TypeError, ValueError):
        raise LabError("The sweep.json has no valid sweep description.") from None


def write_table(out: Path, spec: SweepSpec, rows: list[dict], seconds: float, workers, engine):
    """sweep.csv (one row per run) and sweep.json (the spec, how it ran, and the rows)."""
    from core.training.runs import write_json

    axes = [k for k, _ in spec.axes]
    fields = ["index", *axes, *TABLE_FIELDS[1:]]
    buf = io.StringIO()
    w = csv.DictWriter(buf, fieldnames=fields, extrasaction="ignore")
    w.writeheader()
    for r in rows:
        w.writerow({k: "" if r.get(k) is None else r[k] for k in fields})
    (out / "sweep.csv").write_text(buf.getvalue())
    body = {"spec": spec_to_dict(spec), "engine": engine, "workers": workers}
    body |= {"wall_seconds": round(seconds, 2), "runs": len(spec.points()), "rows": rows}
    write_json(out / "sweep.json", body)


def load_table(out_dir: str | os.PathLike) -> tuple[SweepSpec, list[dict], dict]:
    """A sweep folder read back: its spec, its rows and how it ran; LabError if damaged."""
    p = Path(out_dir) / "sweep.json"
    try:
        body = json.loads(p.read_text())
        rows = list(body["rows"])
    except FileNotFoundError:
        raise LabError(f"There is no sweep table at {p}.") from None
    except (OSError, ValueError, KeyError, TypeError):
        raise LabError(f"The sweep table {p} is damaged.") from None
    return spec_from_dict(body.get("spec", {})), rows, body
