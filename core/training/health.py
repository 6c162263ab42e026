"""Is a run folder whole, and is the process that writes it still alive?

A run says "running" in status.json while its writer lives; a writer killed by kill -9, a power cut
or a server restart cannot say anything, so readers decide: a dead writer pid (on this machine) or a
heartbeat older than a few intervals means the run was interrupted. Readers also name what is
wrong with a folder instead of failing on it, and remove the temporary files a killed writer left.
"""

from __future__ import annotations

import math
import os
import socket
import time
import zipfile
from pathlib import Path

HEARTBEAT_S = 10.0  # how often a live writer refreshes status.json's "updated"
STALE_AFTER_S = 120.0  # no heartbeat for this long: the writer is gone (or hung)
NEW_RUN_GRACE_S = 30.0  # config.json without status.json this long: the writer died in between
LEFTOVER_GLOB = ".*.tmp"  # temporary files of an atomic write (runs._atomic_write_bytes)
SNAPSHOT_ARRAYS = ("weights.npy", "bias.npy", "step.npy", "epoch.npy")


def hostname() -> str:
    return socket.gethostname()


def process_start(pid: int) -> int | None:
    """The process's start time in clock ticks since boot (Linux), to tell a reused pid apart."""
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return None
    fields = stat[stat.rfind(")") + 2 :].split()  # the name in (...) may hold spaces
    try:
        return int(fields[19])  # field 22 of stat; fields[0] is field 3
    except (IndexError, ValueError):
        return None


def pid_alive(pid: int, start: int | None = None) -> bool:
    """True while process `pid` exists (and is the same process when its start time is known)."""
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        pass  # it exists, owned by someone else
    except OSError:
        return False
    try:
        state = Path(f"/proc/{pid}/stat").read_text()
        if state[state.rfind(")") + 2 :].startswith("Z"):
            return False  # a zombie: dead, not yet reaped by its parent
    except OSError:
        pass
    if start is not None:
        now_start = process_start(pid)
        if now_start is not None and now_start != start:
            return False
    return True


def _number(value) -> float | None:
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        return None
    return float(value) if math.isfinite(value) else None


def writer_alive(status: dict, now: float | None = None) -> bool:
    """Whether the process that wrote a "running" status.json still runs it."""
    now = time.time() if now is None else now
    pid, host = status.get("pid"), status.get("host")
    pid_checked = False
    if isinstance(pid, int) and not isinstance(pid, bool) and pid > 0:
        if host is None or host == hostname():  # a pid means nothing on another machine
            start = status.get("pid_start")
            if not pid_alive(pid, start if isinstance(start, int) else None):
                return False
            pid_checked = True
    updated, beat = _number(status.get("updated")), _number(status.get("heartbeat"))
    if beat is None and pid_checked:
        return True  # a writer from before heartbeats: its live pid is all there is to go on
    limit = max(STALE_AFTER_S, 6 * (beat or HEARTBEAT_S))
    return updated is not None and now - updated < limit


def status_problems(status: dict) -> list[str]:
    """Sentences for status.json fields of the wrong type (the run stays usable)."""
    problems = []
    for key in ("created", "updated"):
        if key in status and _number(status[key]) is None:
            problems.append(f"status.json has {key!r} = {status[key]!r}, not a time")
    return problems


def config_problem(config: dict) -> str | None:
    """What makes config.json unusable (wrong types in the fields the pages rely on), or None."""
    classes = config.get("classes")
    if "classes" in config and not (
        isinstance(classes, list) and classes and all(isinstance(c, str) for c in classes)
    ):
        return f"config.json has 'classes' = {classes!r}, not a list of class names"
    for key in ("model", "train", "waveforms"):
        if key in config and not isinstance(config[key], dict):
            return f"config.json has {key!r} = {config[key]!r}, not a group of settings"
    if "preset" in config and not isinstance(config["preset"], str):
        return f"config.json has 'preset' = {config['preset']!r}, not a name"
    return None


def file_problems(path: Path) -> list[str]:
    """Cheap checks of the binary files (their zip directories), without reading them whole."""
    problems = []
    snaps = path / "snapshots.npz"
    if snaps.exists():
        try:
            with zipfile.ZipFile(snaps) as z:
                missing = [n for n in SNAPSHOT_ARRAYS if n not in z.namelist()]
            if missing:
                problems.append(f"snapshots.npz lacks {', '.join(missing)}")
        except (OSError, zipfile.BadZipFile, ValueError):
            problems.append("snapshots.npz is damaged (cut short or not a NumPy archive)")
    model = path / "model.pt"
    if model.exists():
        try:
            if model.stat().st_size == 0:
                problems.append("model.pt is empty")
            else:
                with zipfile.ZipFile(model):
                    pass
        except (OSError, zipfile.BadZipFile, ValueError):
            problems.append("model.pt is damaged (cut short or not a saved network)")
    return problems


def is_young(path: Path, now: float | None = None) -> bool:
    """Made moments ago: a folder without config.json this young is a run being created now."""
    now = time.time() if now is None else now
    try:
        return now - path.stat().st_mtime < NEW_RUN_GRACE_S
    except OSError:
        return False


def remove_leftovers(path: Path) -> int:
    """Delete the temporary files a killed writer left in a run folder; how many.

    Only for runs whose writer is gone: a live writer's temporary file is about to be renamed.
    """
    n = 0
    for tmp in path.glob(LEFTOVER_GLOB):
        try:
            if tmp.is_file() and not tmp.is_symlink():
                tmp.unlink()
                n += 1
        except OSError:
            pass
    return n
