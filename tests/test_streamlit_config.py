"""The server's settings (.streamlit/config.toml): what it watches for changes, upload limits."""

import tomllib
from pathlib import Path

from streamlit.watcher.folder_black_list import FolderBlackList

ROOT = Path(__file__).resolve().parents[1]


def server_config() -> dict:
    return tomllib.loads((ROOT / ".streamlit" / "config.toml").read_text())["server"]


def test_the_server_does_not_watch_the_tree_with_inotify():
    # watchdog schedules a recursive inotify watch on the folder of every watched file: for
    # app.py that is the whole checkout, .venv and runs/ included (~18,000 watches).
    assert server_config().get("fileWatcherType") in ("poll", "none")


def test_venv_runs_and_test_output_are_never_watched():
    blacklist = FolderBlackList(
        [str(ROOT / p) for p in server_config().get("folderWatchBlacklist", [])]
    )
    for path in (".venv/lib/python3.11/site-packages/torch/__init__.py",
                 "runs/20260101-x/config.json", "test-artifacts/e2e/a.png"):  # fmt: skip
        assert blacklist.is_blacklisted(str(ROOT / path)), path
    for path in ("app.py", "ui/state.py", "core/render.py"):
        assert not blacklist.is_blacklisted(str(ROOT / path)), path


def test_core_not_the_browser_refuses_an_oversized_image():
    """The browser refuses a file over server.maxUploadSize with only a small red chip, and the
    page goes on showing the last image's results; core refuses an image over its own limit
    with a sentence, so the server must let such a file through to core."""
    from core.capture.imagefile import MAX_BYTES

    assert server_config()["maxUploadSize"] * 1_000_000 > MAX_BYTES
