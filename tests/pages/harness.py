"""What every page test needs: a page opened in a fresh AppTest session, and the check that it ran
without a traceback or the catch-all error box."""

from __future__ import annotations

from pathlib import Path

from streamlit.testing.v1 import AppTest

from core.training.runs import RunWriter

REPO = Path(__file__).resolve().parents[2]
# Seconds one script run may take: the first run in a process imports torch and altair, and a
# shared machine can be slow; a page that needs longer is a bug the benchmarks show.
TIMEOUT = 60


def page_path(name: str) -> str:
    """The script of page `name` ("Home" for app.py, else the name after the number: "Kernels")."""
    if name == "Home":
        return str(REPO / "app.py")
    (path,) = sorted((REPO / "views").glob(f"[0-9]_{name}.py"))
    return str(path)


def app_test(name: str) -> AppTest:
    """Page `name` in a fresh session, not run yet (set session_state first)."""
    return AppTest.from_file(page_path(name), default_timeout=TIMEOUT)


def check(at: AppTest) -> AppTest:
    """Fail on a traceback or the page's catch-all 'Something went wrong' box."""
    assert not at.exception, [e.value for e in at.exception]
    assert not any("Something went wrong" in e.value for e in at.error), [e.value for e in at.error]
    return at


def open_page(name: str) -> AppTest:
    """Page `name` run once in a fresh session, checked."""
    return check(app_test(name).run())


def texts(elements) -> str:
    """The values of some elements (at.info, at.markdown...) as one string to search."""
    return " ".join(str(e.value) for e in elements)


def fake_run(root: Path, name: str, accuracy: float, created: float) -> Path:
    """A finished run folder without training: config, three metric rows and a status."""
    path = root / name
    path.mkdir(parents=True)
    writer = RunWriter(path, {"preset": "fast", "classes": ["square", "gaussian", "sine"]})
    writer.created = created
    for step in (1, 2, 3):
        writer.add_metrics(
            {"step": step, "epoch": step / 3, "loss": 1.0 / step, "train_accuracy": 0.5,
             "test_accuracy": accuracy * step / 3, "plateau": False}
        )  # fmt: skip
    writer.set_status("done", "Finished 1 epoch(s).")
    return path
