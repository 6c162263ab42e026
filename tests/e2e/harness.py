"""Start the app on a free localhost port and launch Debian's Chromium: for the tests and the
README screenshots alike. Playwright is imported by the callers, so this module imports without it.
"""

from __future__ import annotations

import importlib.util
import os
import re
import socket
import subprocess
import sys
import time
import urllib.request
from dataclasses import dataclass
from pathlib import Path
from typing import IO

REPO = Path(__file__).resolve().parents[2]
# Playwright cannot download its own browsers here: it drives the distribution's Chromium.
CHROMIUM = os.environ.get("KERNEL_LAB_CHROMIUM", "/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
VIEWPORT = {"width": 1280, "height": 800}
IN_CI = os.environ.get("CI", "").strip().lower() in ("1", "true", "yes")  # fail, never skip, there
INSTALL_HINT = (
    f"The browser tests drive Chromium at {CHROMIUM}, which is missing: install it with "
    "`sudo apt-get install chromium` (Debian/Ubuntu), or point KERNEL_LAB_CHROMIUM at a "
    "Chromium binary."
)
PLAYWRIGHT_HINT = (
    "The browser tests need Playwright for Python: `.venv/bin/pip install -r requirements-dev.txt`."
)
ARTIFACTS = REPO / "test-artifacts" / "e2e"  # the tests' screenshots (ignored by git)


def save_screenshot(page, name: str) -> Path:
    """Save a Playwright page as test-artifacts/e2e/<name>.png."""
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    path = ARTIFACTS / f"{re.sub(r'[^A-Za-z0-9_.-]+', '-', name)}.png"
    page.screenshot(path=path)
    return path


def chromium_problem() -> str | None:
    """Why the browser tests cannot run here (a sentence saying how to fix it), or None."""
    if not Path(CHROMIUM).is_file():
        return INSTALL_HINT
    if importlib.util.find_spec("playwright") is None:
        return PLAYWRIGHT_HINT
    return None


def free_port() -> int:
    """A TCP port nobody listens on at 127.0.0.1 right now."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@dataclass
class Server:
    """A running `streamlit run app.py`; its output goes to `log_path`."""

    url: str  # e.g. http://127.0.0.1:51234/ (with the trailing slash)
    process: subprocess.Popen
    log_path: Path
    log_file: IO[bytes]

    def log_tail(self, chars: int = 4000) -> str:
        self.log_file.flush()
        return self.log_path.read_text(errors="replace")[-chars:]

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait(timeout=10)
        self.log_file.close()


def start_server(runs_dir: Path, log_path: Path, timeout_s: float = 60.0) -> Server:
    """`streamlit run app.py` on a free port, saving new runs in `runs_dir`; waits for health."""
    port = free_port()
    env = dict(os.environ, KERNEL_LAB_RUNS=str(runs_dir), PYTHONUNBUFFERED="1")
    cmd = [
        sys.executable, "-m", "streamlit", "run", "app.py",
        "--server.headless", "true",
        "--server.port", str(port),
        "--server.address", "127.0.0.1",
        "--browser.gatherUsageStats", "false",
        # Others edit the pages while tests run: no file watching, no reruns on save.
        "--server.fileWatcherType", "none",
        "--server.runOnSave", "false",
    ]  # fmt: skip
    log_path.parent.mkdir(parents=True, exist_ok=True)
    log_file = log_path.open("wb")
    process = subprocess.Popen(
        cmd, cwd=REPO, env=env, stdout=log_file, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL
    )
    server = Server(f"http://127.0.0.1:{port}/", process, log_path, log_file)
    health = f"http://127.0.0.1:{port}/_stcore/health"
    deadline = time.monotonic() + timeout_s
    while True:
        if process.poll() is not None:
            tail = server.log_tail()
            server.stop()
            raise RuntimeError(f"streamlit exited with code {process.returncode}:\n{tail}")
        try:
            with urllib.request.urlopen(health, timeout=2) as r:
                if r.status == 200 and r.read().strip() == b"ok":
                    return server
        except OSError:
            pass
        if time.monotonic() > deadline:
            tail = server.log_tail()
            server.stop()
            raise RuntimeError(f"streamlit did not answer {health} in {timeout_s:.0f} s:\n{tail}")
        time.sleep(0.25)


def launch_browser(playwright):
    """Headless Chromium (the distribution's) from a started `sync_playwright()`."""
    return playwright.chromium.launch(executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS)
