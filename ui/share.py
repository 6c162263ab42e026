"""Exports and sharing: the evolution as MP4, a run's model, settings and whole folder, and a
shared run's zip loaded back on Home."""

from __future__ import annotations

import functools

import streamlit as st

from core.errors import LabError
from core.training.runs import Run
from core.training.share import import_run_zip, run_zip_bytes
from core.video import evolution_mp4, loss_at_steps
from ui.state import select_run, show_error, store

MP4_KEY = "share_mp4"
IMPORTED_KEY = "share_imported"  # {upload file_id: imported run folder} of this session


def made_on_request(
    label: str,
    key: str,
    made_from: tuple,
    make,
    show,
    *,
    doing: str,
    file_name: str,
    mime: str,
    button_key: str,
    download_key: str,
) -> None:
    """A file that takes seconds to make (an animation): a button makes it once for `made_from`,
    the session keeps it, and the page shows it (`show(data)`) with its download.

    make(progress) calls progress(frames done, frames in all) after each frame, which moves a
    bar saying "{doing} snapshot i of N…". Each move is a Streamlit call, where a script run stops
    when the user goes to another page, so the making can be left; nothing is kept unless whole."""
    kind = file_name.rsplit(".", 1)[-1].upper()
    if st.button(label, key=button_key):
        bar = st.progress(0.0, text=f"{doing} the first snapshot…")

        def progress(done: int, total: int) -> None:
            text = (
                f"{doing} snapshot {done + 1} of {total}…" if done < total
                else f"Writing the {kind}…"
            )  # fmt: skip
            bar.progress(done / total, text=text)

        data = make(progress)
        bar.empty()
        st.session_state[key] = {"key": made_from, "data": data}
    made = st.session_state.get(key)
    if made and made["key"] == made_from:
        show(made["data"])
        st.download_button(
            f"Download the {kind}", made["data"], file_name=file_name, mime=mime,
            key=download_key, on_click="ignore",
        )  # fmt: skip


def evolution_video(run: Run, snaps, view: str, scale: str, fps: float) -> None:
    """A button that makes the MP4 of the kernels' evolution, then the video and its download."""
    made_on_request(
        "Make an MP4 video of the whole run", MP4_KEY,
        (str(run.path), len(snaps), view, scale, fps),
        lambda progress: evolution_mp4(
            snaps.weights, view=view, scale=scale, fps=fps, steps=snaps.step, epochs=snaps.epoch,
            losses=loss_at_steps(run.metrics, snaps.step), progress=progress,
        ),
        lambda data: st.video(data, format="video/mp4"),
        doing="Encoding", file_name=f"{run.name}-{view}.mp4",
        mime="video/mp4", button_key="share_make_mp4", download_key="share_dl_mp4",
    )  # fmt: skip


def _file(run: Run, name: str) -> bytes:
    return (run.path / name).read_bytes()


def run_downloads(run: Run) -> None:
    """Download buttons: the trained network, its settings, and the whole run folder as a zip."""
    a, b, c = st.columns(3)
    a.download_button(
        "Network (model.pt)",
        data=functools.partial(_file, run, "model.pt"),
        file_name=f"{run.name}-model.pt",
        mime="application/octet-stream",
        key="share_dl_model",
        on_click="ignore",
        disabled=not run.has_model(),
        help="The trained weights as a PyTorch state dict: torch.load(..., weights_only=True).",
    )
    b.download_button(
        "Settings (config.json)",
        data=functools.partial(_file, run, "config.json"),
        file_name=f"{run.name}-config.json",
        mime="application/json",
        key="share_dl_config",
        on_click="ignore",
    )
    c.download_button(
        "Whole run (zip)",
        data=functools.partial(run_zip_bytes, run.path),
        file_name=f"{run.name}.zip",
        mime="application/zip",
        key="share_dl_zip",
        on_click="ignore",
        help="Share it: anyone can load it back on the Home page.",
    )


def load_shared_run() -> None:
    """An uploader for a run shared as a zip; a good one becomes a new run and the current one."""
    upload = st.file_uploader(
        "Load a run someone shared (the zip from 'Whole run (zip)' on the Kernels page)",
        type=["zip"],
        key="share_upload",
    )
    if upload is None:
        return
    done = st.session_state.setdefault(IMPORTED_KEY, {})
    if upload.file_id not in done:  # reruns must not import the same upload again
        try:
            path = import_run_zip(upload.getvalue(), store(), label=upload.name)
        except LabError as e:
            show_error(e)
            return
        done[upload.file_id] = str(path)
        select_run(path)
    st.success(
        f"Loaded {upload.name} as the run {done[upload.file_id].rsplit('/', 1)[-1]}; it is now the "
        "current run on every page. No existing run was changed.",
        icon=":material/download_done:",
    )
