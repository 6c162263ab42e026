"""Play on the Kernels page in headless Chromium: python bench/bench_play.py [seconds]

Issue 11's target: Play runs at the chosen speed, up to at least 10 snapshots a second, smoothly.
Opens the shipped example run, sets each speed on the page, presses Play, and reads the times at
which the in-browser player (ui.player) showed each frame: prints the achieved frames a second,
the median and worst gap between frames, and the load.
"""

from __future__ import annotations

import os
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from playwright.sync_api import expect, sync_playwright  # noqa: E402

from tests.e2e.harness import launch_browser, start_server  # noqa: E402
from tests.e2e.steps import PLAYER, choose, open_page, slider, wait_idle  # noqa: E402
from ui.kernels import SPEEDS  # noqa: E402

CHECK = (2, 10, 20)  # snapshots a second to try
TARGET_FPS = 10


def set_speed(page, fps: int) -> None:
    page.get_by_role("button", name="Speed").click()
    thumb = slider(page, "Speed (snapshots a second)")
    thumb.focus()
    thumb.press("Home")
    for _ in range(SPEEDS.index(fps)):
        thumb.press("ArrowRight")
    page.keyboard.press("Escape")
    wait_idle(page)


def play(page, seconds: float) -> list[float]:
    """Press Play, let it run, press Pause; the times (ms) the player showed a new frame."""
    page.get_by_role("button", name="Play", exact=True).click()
    expect(page.locator(PLAYER)).to_be_visible(timeout=60_000)
    frame = page.locator(PLAYER).element_handle().content_frame()
    frame.wait_for_function("() => window.labShown && window.labShown.length > 2")
    time.sleep(seconds)
    shown = frame.evaluate("() => window.labShown.map(s => s[0])")
    page.get_by_role("button", name="Pause", exact=True).click()
    wait_idle(page)
    return shown[2:]  # from the third frame on: the first ones wait for the page to settle


def main(seconds: float) -> int:
    tmp = Path(tempfile.mkdtemp(prefix="bench-play-"))
    server = start_server(tmp / "runs", tmp / "server.log")
    ok = True
    try:
        with sync_playwright() as pw:
            browser = launch_browser(pw)
            page = browser.new_page(viewport={"width": 1280, "height": 800})
            open_page(page, server.url, "Kernels", "Kernels through training")
            choose(page, "Run", "[example]")
            for fps in CHECK:
                set_speed(page, fps)
                times = play(page, seconds)
                gaps = [(b - a) / 1000 for a, b in zip(times, times[1:])]
                achieved = (len(times) - 1) / ((times[-1] - times[0]) / 1000)
                load = ", ".join(f"{v:.2f}" for v in os.getloadavg())
                print(
                    f"asked {fps}/s: achieved {achieved:.1f} snapshots/s over {len(times)} frames,"
                    f" median gap {statistics.median(gaps) * 1000:.0f} ms, worst "
                    f"{max(gaps) * 1000:.0f} ms (load {load})",
                    flush=True,
                )
                if fps <= TARGET_FPS:
                    ok &= achieved >= 0.9 * fps
            browser.close()
    finally:
        server.stop()
    print(f"Play at up to {TARGET_FPS} snapshots a second: {'OK' if ok else 'MISSED'}")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main(float(sys.argv[1]) if len(sys.argv) > 1 else 5.0))
