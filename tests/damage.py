"""Damaged run folders, each made from a copy of a good run, for the core, CLI and page tests.

DAMAGES maps a folder name to (how to damage it, a word the warning or the run's problems must
contain). Names with spaces and non-ASCII letters are good runs that must stay usable.
"""

from __future__ import annotations

import json
import os
import shutil
import time
from pathlib import Path

GOOD_NAMES = ("good", "my run ü 1")
HOUR_AGO = time.time() - 3600


def _edit_json(name: str, key: str, value):
    def edit(p: Path) -> None:
        d = json.loads((p / name).read_text())
        d[key] = value
        (p / name).write_text(json.dumps(d))

    return edit


def _truncate(name: str, keep: float):
    def edit(p: Path) -> None:
        data = (p / name).read_bytes()
        (p / name).write_bytes(data[: int(len(data) * keep)])

    return edit


def _bad_metrics_row(p: Path) -> None:
    with open(p / "metrics.csv", "a") as f:
        f.write("oops,not,a,number,,,,,,,,\n")


def _no_status(p: Path) -> None:
    (p / "status.json").unlink()
    os.utime(p / "config.json", (HOUR_AGO, HOUR_AGO))  # not a run being created this instant


def _garbage_config(p: Path) -> None:
    (p / "config.json").write_bytes(b"\x00\xff garbage {")


DAMAGES = {
    "truncated-snapshots": (_truncate("snapshots.npz", 0.5), "snapshots.npz"),
    "empty-model": (_truncate("model.pt", 0.0), "model.pt"),
    "garbage-config": (_garbage_config, "config.json"),
    "classes-int": (_edit_json("config.json", "classes", 5), "classes"),
    "classes-str": (_edit_json("config.json", "classes", "square"), "classes"),
    "created-yesterday": (_edit_json("status.json", "created", "yesterday"), "created"),
    "created-null": (_edit_json("status.json", "created", None), "created"),
    "bad-metrics-row": (_bad_metrics_row, "metrics.csv"),
    "no-status": (_no_status, "status.json"),
}
EMPTY, LOOP, LOOP_PAIR = "zero-byte", "loop", "loop-a"  # not copies of a run


def make_damaged_root(good_run: Path, root: Path) -> Path:
    """A runs root with the good runs, every damaged copy, an empty folder and symlink loops."""
    root.mkdir(parents=True, exist_ok=True)
    for name in GOOD_NAMES:
        shutil.copytree(good_run, root / name)
    for name, (damage, _) in DAMAGES.items():
        shutil.copytree(good_run, root / name)
        damage(root / name)
    (root / EMPTY).mkdir()
    os.utime(root / EMPTY, (HOUR_AGO, HOUR_AGO))  # not a run being created this instant
    os.symlink(LOOP, root / LOOP)
    os.symlink("loop-b", root / LOOP_PAIR)
    os.symlink(LOOP_PAIR, root / "loop-b")
    return root


def tree(root: Path) -> set[str]:
    """Every path under root (links not followed), to check nothing was deleted."""
    out = set()
    for dirpath, dirnames, filenames in os.walk(root):
        for n in dirnames + filenames:
            out.add(os.path.relpath(os.path.join(dirpath, n), root))
    return out
