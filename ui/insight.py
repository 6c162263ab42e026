"""Streamlit side of the insight features: per-run caches of diagnostics, held-out evaluation at a
snapshot, heat maps and preferred inputs.

Models are shared by every browser session (cache_resource) and `core.insight` swaps a snapshot's
kernels into them while it works, so each cached model comes with a lock held around every call.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass, field
from pathlib import Path

import altair as alt
import numpy as np
import pandas as pd
import streamlit as st

from core.errors import RunError
from core.interpret import snapshot as insight
from core.interpret.diagnostics import kernel_diagnostics
from core.training.predict import Predictor, load_predictor
from core.training.runs import Run, load_run, load_snapshots
from ui.kernels import _file_key, run_snapshots

NO_HEAT = "none"


@dataclass
class ModelSlot:
    """A run's network and the lock that makes one thread at a time use it."""

    predictor: Predictor
    lock: threading.Lock = field(default_factory=threading.Lock)


def _stamp(path: Path) -> int:
    try:
        return path.stat().st_mtime_ns
    except FileNotFoundError:
        raise RunError(f"{path.parent.name} has no {path.name} yet.") from None


@st.cache_data(max_entries=8, show_spinner=False)
def _diagnostics(path: str, mtime_ns: int, size: int) -> dict[str, np.ndarray]:
    s = load_snapshots(Path(path))
    return kernel_diagnostics(s.weights, s.step, s.bias)


def run_diagnostics(run: Run) -> dict[str, np.ndarray]:
    """kernel_diagnostics of the run's snapshots, computed once per version of the file."""
    path = run.path / "snapshots.npz"
    if not path.is_file():
        raise RunError(f"{run.name} has no snapshots yet.")
    return _diagnostics(*_file_key(path))


@st.cache_resource(max_entries=4, show_spinner=False)
def _slot(path: str, mtime_ns: int) -> ModelSlot:
    return ModelSlot(load_predictor(path))


def model_slot(run: Run) -> ModelSlot:
    """The run's final network (loaded once per model.pt version) with its lock."""
    return _slot(str(run.path), _stamp(run.path / "model.pt"))


@st.cache_resource(max_entries=4, show_spinner=False)
def _heldout(path: str, mtime_ns: int) -> insight.HeldOut:
    return insight.heldout_set(load_run(path))


def heldout(run: Run) -> insight.HeldOut:
    """The run's held-out images, generated again from its config (shared, never modified)."""
    return _heldout(str(run.path), _stamp(run.path / "config.json"))


def _snapshot(run: Run, frame: int):
    snaps = run_snapshots(run)
    return snaps.weights[frame], snaps.bias[frame]


@st.cache_data(max_entries=64, show_spinner=False)
def _evaluation(path: str, model_ns: int, snaps_key: tuple, frame: int) -> insight.SnapshotEval:
    run = load_run(path)
    slot, held = model_slot(run), heldout(run)
    weights, bias = _snapshot(run, frame)
    with slot.lock:
        return insight.evaluate_snapshot(
            slot.predictor.model, held, slot.predictor.experiment.train.loss, weights, bias
        )


def evaluation(run: Run, frame: int) -> insight.SnapshotEval:
    """The network with snapshot `frame`'s kernels on the held-out images (cached)."""
    key = _file_key(run.path / "snapshots.npz")
    return _evaluation(str(run.path), _stamp(run.path / "model.pt"), key, int(frame))


@st.cache_data(max_entries=64, show_spinner=False)
def _heat(
    path: str, model_ns: int, snaps_key: tuple, frame: int, method: str, idx: tuple, targets: tuple
) -> np.ndarray:
    run = load_run(path)
    slot, held = model_slot(run), heldout(run)
    weights, bias = _snapshot(run, frame)
    with slot.lock:
        return insight.heat_maps(
            slot.predictor.model, held.x[list(idx)], targets, method, weights=weights, bias=bias
        )


def heat(run: Run, frame: int, method: str, idx, targets) -> np.ndarray:
    """(n, H, W) heat maps of held-out images idx for classes targets at snapshot `frame`."""
    key = _file_key(run.path / "snapshots.npz")
    idx, targets = tuple(int(i) for i in idx), tuple(int(t) for t in targets)
    model_ns = _stamp(run.path / "model.pt")
    return _heat(str(run.path), model_ns, key, int(frame), method, idx, targets)


@st.cache_data(max_entries=256, show_spinner=False)
def _preferred_one(
    path: str, model_ns: int, snaps_key: tuple, frame: int, kind: str, index: int
) -> np.ndarray:
    run = load_run(path)
    slot = model_slot(run)
    weights, bias = _snapshot(run, frame)
    size = slot.predictor.image_size
    kernels, classes = ([index], []) if kind == "kernel" else ([], [index])
    with slot.lock:
        found = insight.preferred_inputs(
            slot.predictor.model, kernels, classes, size=(size, size), weights=weights, bias=bias
        )
    return found[kind][index]


def preferred_key(run: Run, frame: int, kernels, classes) -> tuple:
    """What identifies one set of preferred inputs (to know whether it is computed)."""
    return (
        str(run.path),
        _stamp(run.path / "model.pt"),
        _file_key(run.path / "snapshots.npz"),
        int(frame),
        tuple(int(k) for k in kernels),
        tuple(int(c) for c in classes),
    )


def preferred(key: tuple, progress=None) -> dict[str, dict[int, np.ndarray]]:
    """snapshot.preferred_inputs for a `preferred_key`, one image at a time (each cached);
    `progress(done, total)` is called before each one."""
    *base, kernels, classes = key
    jobs = [("kernel", k) for k in kernels] + [("class", c) for c in classes]
    out: dict[str, dict[int, np.ndarray]] = {"kernel": {}, "class": {}}
    for n, (kind, index) in enumerate(jobs):
        if progress is not None:
            progress(n, len(jobs))
        out[kind][index] = _preferred_one(*base, kind, index)
    return out


@st.cache_resource(max_entries=16, show_spinner=False)
def _heat_single(model_id: str, method: str, image_bytes: bytes, shape: tuple, _slot) -> tuple:
    image = np.frombuffer(image_bytes, np.float32).reshape(shape)
    model = _slot.predictor.model
    n_cls = len(_slot.predictor.classes) or 1
    with _slot.lock:
        maps = insight.heat_maps(model, np.repeat(image[None], n_cls, 0), range(n_cls), method)
    return tuple(maps)


def class_heat(slot: ModelSlot, run: Run, image: np.ndarray, method: str) -> list[np.ndarray]:
    """One heat map per class of one network input (H, W), with the run's final network."""
    img = np.ascontiguousarray(image, np.float32)
    model_id = f"{run.path}:{_stamp(run.path / 'model.pt')}"
    return list(_heat_single(model_id, method, img.tobytes(), img.shape, slot))


def probability_text(classes: list[str], probs: np.ndarray) -> str:
    """'gaussian 81% · square 12% · sine 7%', most likely first."""
    probs = np.asarray(probs, dtype=np.float64)
    if not np.isfinite(probs).all():
        return "no answer (its outputs are not numbers)"
    order = np.argsort(-probs, kind="stable")
    return " · ".join(f"{classes[i]} {float(probs[i]):.0%}" for i in order)


def cell_label(classes: list[str], confusion: np.ndarray, cell: int) -> str:
    """'square answered as gaussian (3 images)' for cell index true * C + predicted."""
    c = len(classes)
    t, p = divmod(int(cell), c)
    n = int(confusion[t, p])
    what = "answered correctly" if t == p else f"answered as {classes[p]}"
    what = f"{classes[t]} {what}"
    return f"{what} ({n} image{'' if n == 1 else 's'})"


def selectable_confusion(confusion: np.ndarray, classes: list[str], chosen: int) -> alt.LayerChart:
    """Heatmap of counts (rows true, columns answer) whose cells can be clicked (selection
    parameter "cell" on the fields true / predicted); the chosen cell is outlined."""
    c = len(classes)
    peak = max(int(np.max(confusion)) if confusion.size else 0, 1)
    rows = [
        {
            "true": classes[i],
            "predicted": classes[j],
            "count": int(confusion[i, j]),
            "chosen": i * c + j == chosen,
            "tone": "none" if confusion[i, j] == 0 else ("correct" if i == j else "mistake"),
            "share": float(confusion[i, j]) / peak,
        }
        for i in range(c)
        for j in range(c)
    ]
    df = pd.DataFrame(rows)
    pick = alt.selection_point(name="cell", fields=["true", "predicted"], on="click")
    base = alt.Chart(df).encode(
        x=alt.X(
            "predicted:N", sort=classes, title="the network's answer",
            axis=alt.Axis(labelAngle=-30, labelLimit=120, labelOverlap=False, orient="top"),
        ),
        y=alt.Y("true:N", sort=classes, title="true class"),
    )  # fmt: skip
    tones = {"correct": "#1f77b4", "mistake": "#e8590c", "none": "#2b2f38"}
    cells = (
        base.mark_rect(cursor="pointer")
        .encode(
            color=alt.Color(
                "tone:N",
                scale=alt.Scale(domain=list(tones), range=list(tones.values())),
                legend=None,
            ),
            opacity=alt.Opacity(
                "share:Q", scale=alt.Scale(domain=[0, 1], range=[0.45, 1]), legend=None
            ),
            stroke=alt.condition("datum.chosen", alt.value("#f5c518"), alt.value("#0e1117")),
            strokeWidth=alt.condition("datum.chosen", alt.value(5), alt.value(2)),
            tooltip=["true", alt.Tooltip("predicted", title="answer"), "count"],
        )
        .add_params(pick)
    )
    text = base.mark_text(fontSize=18, fontWeight="bold", color="white").encode(text="count:Q")
    side = min(90 * c, 360)
    return (cells + text).properties(width=side, height=side)


@st.cache_data(max_entries=16, show_spinner=False)
def _patches(path: str, model_ns: int, snaps_key: tuple, frame: int, kernels: tuple) -> dict:
    run = load_run(path)
    slot, held = model_slot(run), heldout(run)
    weights, bias = _snapshot(run, frame)
    with slot.lock:
        return insight.kernel_top_patches(
            slot.predictor.model, held, kernels, weights=weights, bias=bias
        )


def patches(key: tuple) -> dict:
    """core.interpret.snapshot.kernel_top_patches for the kernels of a `preferred_key` (cached)."""
    return _patches(*key[:5])


def diverged_warning(run: Run) -> None:
    """A warning on a run whose training diverged: its last weights mean nothing."""
    if run.state == "diverged":
        st.warning(
            f"This run diverged: {run.status.get('message', '')} Its last kernels and network "
            "were thrown far from anything learned, so read what follows with that in mind.",
            icon=":material/warning:",
        )
