"""Streamlit helpers for the Kernels page: cached snapshots, frame labels and the kernel heatmap."""

from __future__ import annotations

import functools

import altair as alt
import numpy as np
import pandas as pd
import streamlit as st

from core import render
from core.errors import RunError
from core.training.runs import Run, Snapshots, load_snapshots, metrics_to_csv

# Playback speeds offered on the page, in snapshots a second.
SPEEDS = (1, 2, 4, 8, 10, 15, 20, 30)
GIF_KEY = "kernels_gif"  # the GIF made on request, with what it was made of
SCALE_LABELS = {"shared": "shared", "per_kernel": "per kernel"}
VIEW_SHORT = {"weights": "weights", "change_init": "since start", "change_prev": "since last"}
VIEW_HELP = {
    "weights": "The kernels as the network uses them at this point of training.",
    "change_init": "What training has added so far: this snapshot minus the random kernels it "
    "started from.",
    "change_prev": "What the latest stretch of training changed: this snapshot minus the one "
    "before it.",
}


def _file_key(path) -> tuple[str, int, int]:
    """(path, mtime_ns, size): changes whenever the file is rewritten, e.g. by a running job."""
    stat = path.stat()
    return str(path), stat.st_mtime_ns, stat.st_size


@st.cache_data(max_entries=8, show_spinner=False)
def _cached_snapshots(path: str, mtime_ns: int, size: int) -> Snapshots:
    from pathlib import Path

    return load_snapshots(Path(path))


@st.cache_data(max_entries=4, show_spinner=False)
def _cached_bytes(path: str, mtime_ns: int, size: int) -> bytes:
    from pathlib import Path

    return Path(path).read_bytes()


def run_snapshots(run: Run) -> Snapshots:
    """The run's snapshots, read once per file version; RunError when missing or damaged."""
    path = run.path / "snapshots.npz"
    try:
        key = _file_key(path)
    except FileNotFoundError:
        raise RunError(f"{run.name} has no snapshots yet.") from None
    except OSError:
        raise RunError(f"{run.name}/snapshots.npz cannot be read.") from None
    return _cached_snapshots(*key)


def snapshots_file_bytes(run: Run) -> bytes:
    """The snapshots.npz file as it is on disk (for the download button)."""
    return _cached_bytes(*_file_key(run.path / "snapshots.npz"))


def no_snapshots_message(run: Run, error: RunError) -> tuple[str, str]:
    """("info" | "error", sentence) for a run whose snapshots cannot be shown."""
    if not (run.path / "snapshots.npz").exists():
        if run.state == "running":
            return "info", (
                f"{run.name} is still training and has not saved its first kernel snapshots yet; "
                "they appear here after its first evaluation (reload the page in a moment)."
            )
        return "info", f"{run.name} has no kernel snapshots (it ended before saving any)."
    return "error", str(error)


def frame_label(snaps: Snapshots, i: int) -> str:
    """'step 120 · epoch 3.0' for snapshot i."""
    return f"step {int(snaps.step[i])} · epoch {round(float(snaps.epoch[i]), 2):g}"


def clamp_frame(key: str, n_frames: int, run_key: str, run_path: str) -> int:
    """Keep the frame in session state valid for this run; a newly picked run starts at its end."""
    if st.session_state.get(run_key) != run_path:
        st.session_state[run_key] = run_path
        st.session_state[key] = n_frames - 1
    frame = int(st.session_state.get(key, n_frames - 1))
    frame = min(max(frame, 0), n_frames - 1)
    st.session_state[key] = frame
    return frame


def kernel_heatmap(kernel: np.ndarray, vmax: float, title: str, *, size: int = 300) -> alt.Chart:
    """Altair heatmap of one kernel (K, K), diverging scale [-vmax, vmax]; hover shows values."""
    kh, kw = kernel.shape
    rows, cols = np.indices((kh, kw))
    df = pd.DataFrame(
        {"x": cols.ravel(), "y": rows.ravel(), "value": np.asarray(kernel, np.float64).ravel()}
    )
    vmax = float(vmax) if np.isfinite(vmax) and vmax > 0 else 1.0
    return (
        alt.Chart(df, title=alt.Title(title, anchor="start"))
        .mark_rect()
        .encode(
            x=alt.X("x:O", title="column (x)", axis=alt.Axis(values=list(range(0, kw, 4)))),
            y=alt.Y("y:O", title="row (y)", axis=alt.Axis(values=list(range(0, kh, 4)))),
            color=alt.Color(
                "value:Q",
                # ColorBrewer RdBu like core.render's matplotlib RdBu_r: blue < 0 < red.
                scale=alt.Scale(scheme="redblue", reverse=True, domain=[-vmax, vmax], domainMid=0),
                legend=alt.Legend(title="value", format=".2g", gradientLength=size - 40),
            ),
            tooltip=[
                alt.Tooltip("x:O", title="x (column)"),
                alt.Tooltip("y:O", title="y (row)"),
                alt.Tooltip("value:Q", title="value", format=".4f"),
            ],
        )
        # "pad": width and height are the grid itself, so the cells stay square next to the legend.
        .properties(width=size, height=size, autosize=alt.AutoSizeParams(type="pad"))
    )


def vmax_caption(vmax: np.ndarray, scale: str) -> str:
    """One line describing the colour range(s) of the montage."""
    if scale == "shared" or len(vmax) == 1:
        return f"One colour range, ±{float(vmax[0]):.3g}, for every kernel; white is exactly 0."
    ranges = ", ".join(f"#{i + 1} ±{float(v):.2g}" for i, v in enumerate(vmax))
    return f"Each kernel has its own colour range (white is 0): {ranges}."


def snapshots_or_say(run: Run) -> Snapshots | None:
    """The run's snapshots, or None after saying on the page why there are none (yet)."""
    try:
        return run_snapshots(run)
    except RunError as e:
        kind, message = no_snapshots_message(run, e)
        (st.info if kind == "info" else st.error)(message)
        return None


def exports(run: Run, snaps: Snapshots, view: str, scale: str, fps: float) -> None:
    """The export expander: an animated GIF made on request, the snapshots and the metrics."""
    from ui import share

    with st.expander("Export: animated GIF or MP4, network, settings, the whole run"):
        share.evolution_video(run, snaps, view, scale, fps=fps)
        share.run_downloads(run)
        share.made_on_request(
            "Make an animated GIF of the whole run", GIF_KEY,
            (str(run.path), len(snaps), view, scale, fps),
            lambda progress: render.evolution_gif(
                snaps.weights, view=view, scale=scale, fps=fps, steps=snaps.step,
                epochs=snaps.epoch, progress=progress,
            ),
            lambda data: st.image(data, caption="One colour scale for all frames."),
            doing="Drawing", file_name=f"{run.name}-{view}.gif",
            mime="image/gif", button_key="kernels_make_gif", download_key="kernels_dl_gif",
        )  # fmt: skip
        c1, c2 = st.columns(2)
        c1.download_button(
            "Snapshots (NPZ: weights, bias, step, epoch)",
            data=functools.partial(snapshots_file_bytes, run),
            file_name=f"{run.name}-snapshots.npz",
            mime="application/octet-stream",
            key="kernels_dl_npz",
            on_click="ignore",
        )
        c2.download_button(
            "Metrics (CSV)",
            data=functools.partial(metrics_to_csv, run.metrics),
            file_name=f"{run.name}-metrics.csv",
            mime="text/csv",
            key="kernels_dl_csv",
            on_click="ignore",
            disabled=not run.metrics,
        )
