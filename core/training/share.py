"""Sharing runs: a run folder as one .zip, and such a zip loaded back as a new run folder.

A class shares runs by passing zips around, so reading one is careful: only the run's own files
are taken (no paths, no links, nothing else), sizes are bounded before anything is unpacked,
every file must read back as the lab reads runs (JSON, snapshots, model against its config), and
an existing run is never overwritten: a name already taken gets a suffix.
"""

from __future__ import annotations

import io
import os
import shutil
import tempfile
import zipfile
from pathlib import Path, PurePosixPath

from core.errors import RunError
from core.training.runs import STATUSES, RunStore, load_run, write_json

RUN_FILES = ("config.json", "status.json", "metrics.csv", "snapshots.npz", "model.pt")
MAX_ZIP_BYTES = 100_000_000  # a paper-preset run (7M parameters) zips to about 30 MB
MAX_UNPACKED_BYTES = 300_000_000  # all its files together, unpacked


def run_zip_bytes(run_dir: str | os.PathLike) -> bytes:
    """The run folder's files (RUN_FILES that exist) as zip bytes, inside a folder of its name."""
    p = Path(run_dir)
    load_run(p)  # a damaged run is refused here, not shared
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", compression=zipfile.ZIP_DEFLATED, compresslevel=6) as z:
        for name in RUN_FILES:
            f = p / name
            if f.is_file():
                z.write(f, arcname=f"{p.name}/{name}")
    return buf.getvalue()


def _members(z: zipfile.ZipFile, label: str) -> tuple[str, dict[str, zipfile.ZipInfo]]:
    """(the run's folder name in the zip, {file name: entry}) of the run files in it."""
    found: dict[str, zipfile.ZipInfo] = {}
    folders: set[str] = set()
    for info in z.infolist():
        if info.is_dir():
            continue
        path = PurePosixPath(info.filename)
        if info.filename.startswith("/") or ".." in path.parts or path.name not in RUN_FILES:
            continue  # anything else (a README, __MACOSX, a path out of the folder) is ignored
        if len(path.parts) > 2:
            continue
        folders.add(path.parts[0] if len(path.parts) == 2 else "")
        found[path.name] = info
    if len(folders) > 1:
        raise RunError(f"{label} holds several runs; share one run per zip.")
    missing = [n for n in ("config.json", "status.json") if n not in found]
    if missing:
        raise RunError(
            f"{label} is not a shared run: it has no {' or '.join(missing)} (make one with "
            "'Download the whole run (zip)')."
        )
    total = sum(i.file_size for i in found.values())
    if total > MAX_UNPACKED_BYTES:
        raise RunError(f"{label} unpacks to {total / 1e6:.0f} MB, more than a run can be.")
    return (folders.pop() or PurePosixPath(label).stem), found


def _check_files(folder: Path, label: str) -> None:
    """Read every file back as the lab will; RunError with a sentence if one is damaged."""
    from core.training.predict import load_predictor

    try:
        run = load_run(folder)
    except RunError as e:
        raise RunError(f"{label}: {e}") from None
    if (folder / "snapshots.npz").is_file():
        try:
            run.snapshots()
        except RunError as e:
            raise RunError(f"{label}: {e}") from None
    if run.has_model():
        try:
            load_predictor(run)
        except Exception as e:  # a config the network cannot be built from is damage too
            raise RunError(f"{label}: its model.pt or config.json is damaged ({e}).") from None
    # Shared mid-training (its writer was on another machine: here it reads interrupted); nothing
    # trains it here, so it comes in stopped with what it had learned.
    if run.status.get("status") == "running" or run.state == "running":
        status = run.status | {"status": "stopped", "message": "Shared while still training."}
        for key in ("pid", "pid_start", "host"):  # the other machine's writer, meaningless here
            status.pop(key, None)
        write_json(folder / "status.json", status)
    elif run.state not in STATUSES:
        raise RunError(f"{label} has an unknown status.")


def import_run_zip(data: bytes, store: RunStore, label: str = "The zip") -> Path:
    """Unpack a shared run's zip bytes into a new folder of `store`; returns its path.

    Raises RunError with a sentence for anything that is not one readable run."""
    if len(data) > MAX_ZIP_BYTES:
        raise RunError(f"{label} is {len(data) / 1e6:.0f} MB, more than a shared run can be.")
    try:
        z = zipfile.ZipFile(io.BytesIO(data))
    except zipfile.BadZipFile:
        raise RunError(f"{label} is not a zip file.") from None
    with z:
        name, members = _members(z, label)
        try:
            store.root.mkdir(parents=True, exist_ok=True)
        except OSError as e:
            raise RunError(f"Cannot create the runs folder {store.root}: {e.strerror}.") from None
        tmp = Path(tempfile.mkdtemp(prefix=".import-", dir=store.root))
        try:
            for fname, info in members.items():
                try:
                    with z.open(info) as src, open(tmp / fname, "wb") as dst:
                        shutil.copyfileobj(src, dst, 1 << 20)
                except (zipfile.BadZipFile, OSError, EOFError, ValueError) as e:
                    raise RunError(f"{label} is damaged: {fname} cannot be unpacked.") from e
            _check_files(tmp, label)
            return _move_in(tmp, store, name)
        finally:
            shutil.rmtree(tmp, ignore_errors=True)


def _move_in(tmp: Path, store: RunStore, name: str) -> Path:
    """Rename the checked folder to a free name under the root: never over an existing run."""
    base = "".join(c if c.isalnum() or c in "._-" else "-" for c in name).strip(".-")[:60]
    base = base or "shared-run"
    for i in range(1000):
        target = store.root / (base if i == 0 else f"{base}-{i + 1}")
        try:
            target.mkdir()  # claims the name atomically
        except FileExistsError:
            continue
        target.rmdir()
        try:
            os.rename(tmp, target)  # fails rather than replace a folder that appeared meanwhile
        except OSError:
            continue
        return target
    raise RunError(f"Could not find a free run folder name under {store.root}.")
