"""A class at once: N headless Chromium sessions against one server on 127.0.0.1.

    python bench/bench_load.py --sessions 10        # the issue's goal: 10 students
    python bench/bench_load.py --sessions 3 --small   # while developing: a smaller run each

Each session opens Train, presses Start on the default preset, waits for "Done.", then uploads a
capture on Scope and waits for the network's answer. Meanwhile a probe session opens the Kernels
page every few seconds (time until its title shows) and the server's RSS is sampled each second.
First, unless --no-alone, one session trains alone on a fresh server: the yardstick.

Prints one row per session (train and upload seconds, run folder, status), then: failures, runs
lost or mixed (every session must get its own finished run folder), the last finish against one
run alone (goal: within 3x), page answers (goal: under 2 s) and server RSS (start, peak, end).
Goal from the issue: all finish, none lost or mixed, last <= 3x alone, pages < 2 s.
"""

from __future__ import annotations

import argparse
import asyncio
import builtins
import functools
import re
import signal
import statistics
import sys
import tempfile
import threading
import time
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from core.training.runs import load_run  # noqa: E402
from tests.e2e.harness import CHROMIUM, CHROMIUM_ARGS, VIEWPORT, start_server  # noqa: E402
from tests.e2e.steps import scope_png  # noqa: E402

IDLE = '[data-testid="stApp"][data-test-script-state="notRunning"]'
UPLOAD_INPUT = '[data-testid="stFileUploaderDropzoneInput"]'
SAVED = re.compile(r"^Saved as (\S+); it is now the current run")
SMALL = (  # --small: fewer images and epochs through the Advanced settings, as a user would
    ("Epochs", "1"),
    ("Training images", "480"),
    ("Batch size", "32"),
    ("Held-out images", "60"),
)


@dataclass
class Session:
    n: int
    train_s: float | None = None
    upload_s: float | None = None
    run_name: str = ""
    status: str = ""
    error: str = ""


def rss_mb(pid: int) -> float:
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
    except OSError:
        pass
    return 0.0


class RssSampler:
    """The server's resident memory once a second, in a thread."""

    def __init__(self, pid: int) -> None:
        self.pid, self.samples, self._stop = pid, [], threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)

    def _run(self) -> None:
        t0 = time.monotonic()
        while not self._stop.wait(1.0):
            self.samples.append((time.monotonic() - t0, rss_mb(self.pid)))

    def __enter__(self):
        self.samples.append((0.0, rss_mb(self.pid)))
        self._thread.start()
        return self

    def __exit__(self, *exc) -> None:
        self._stop.set()
        self._thread.join()


async def open_page(page, url: str, title: str, timeout_ms: int) -> float:
    t0 = time.monotonic()
    await page.goto(url)
    await page.get_by_role("heading", name=title).first.wait_for(timeout=timeout_ms)
    return time.monotonic() - t0


async def small_settings(page, timeout_ms: int) -> None:
    await page.get_by_text("Advanced settings: the network and how it trains").click()
    await page.get_by_role("tab", name="Training", exact=True).click()
    for label, value in SMALL:
        box = page.get_by_label(label, exact=True)
        await box.fill(value)
        await box.press("Enter")
        await page.locator(IDLE).wait_for(timeout=timeout_ms)


async def student(
    browser, base: str, s: Session, timeout_s: float, png: bytes, small: bool
) -> None:
    ctx = await browser.new_context(viewport=VIEWPORT)
    page = await ctx.new_page()
    ms = int(timeout_s * 1000)
    try:
        await open_page(page, base, "CNN Kernel Lab", ms)  # app.py sets up the navigation
        await open_page(page, base + "Train", "Train", ms)
        await page.locator(IDLE).wait_for(timeout=ms)
        if small:
            await small_settings(page, ms)
        t0 = time.monotonic()
        await page.get_by_role("button", name="Start", exact=True).click()
        saved = page.get_by_text(SAVED)
        await saved.wait_for(timeout=ms)
        s.train_s = time.monotonic() - t0
        s.run_name = SAVED.match(await saved.inner_text()).group(1)
        # By the sidebar, as a student does: the same session, so their own run is the current one.
        nav = page.locator('[data-testid="stSidebarNav"]')
        await nav.get_by_role("link", name="Scope", exact=True).click()
        await page.get_by_role("heading", name="Scope: what the network sees").first.wait_for(
            timeout=ms
        )
        t0 = time.monotonic()
        # The single-picture uploader (the batch's own is on the page too, folded).
        single = page.locator('[data-testid="stFileUploader"]').filter(
            has_text="Upload a scope screenshot"
        )
        await single.locator(UPLOAD_INPUT).set_input_files(
            files=[{"name": f"student-{s.n}.png", "mimeType": "image/png", "buffer": png}]
        )
        await page.get_by_text(re.compile(r"^The network says: \w+")).wait_for(timeout=ms)
        s.upload_s = time.monotonic() - t0
        if await page.locator('[data-testid="stException"]').count():
            s.error = "an exception on the page"
    except Exception as e:  # a timeout or a crash is this session's failure, not the bench's
        s.error = f"{type(e).__name__}: {str(e).splitlines()[0][:120]}"
        shot = Path(tempfile.gettempdir()) / f"bench-load-session-{s.n}.png"
        try:  # what the student saw, for whoever reads the failure
            await page.screenshot(path=str(shot), full_page=True)
            s.error += f" (screenshot {shot})"
        except Exception:
            pass
    finally:
        await ctx.close()


async def probe(browser, base: str, stop: asyncio.Event, times: list, every_s: float) -> None:
    """Open Kernels in a fresh session every few seconds: how long until it answers."""
    while not stop.is_set():
        ctx = await browser.new_context(viewport=VIEWPORT)
        page = await ctx.new_page()
        try:
            times.append(await open_page(page, base + "Kernels", "Kernels", 60_000))
        except Exception:
            times.append(float("inf"))
        finally:
            await ctx.close()
        try:
            await asyncio.wait_for(stop.wait(), every_s)
        except TimeoutError:
            pass


async def class_at_once(n: int, timeout_s: float, probe_every: float, small: bool) -> dict:
    from playwright.async_api import async_playwright

    tmp = Path(tempfile.mkdtemp(prefix="bench-load-"))
    server = start_server(tmp / "runs", tmp / "streamlit.log")
    png = scope_png()
    sessions = [Session(i + 1) for i in range(n)]
    page_times: list[float] = []
    try:
        async with async_playwright() as pw:
            browser = await pw.chromium.launch(
                executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS
            )
            warm = await browser.new_context(viewport=VIEWPORT)
            await open_page(await warm.new_page(), server.url, "CNN Kernel Lab", 60_000)
            await warm.close()
            stop = asyncio.Event()
            with RssSampler(server.process.pid) as rss:
                t0 = time.monotonic()
                prober = asyncio.create_task(
                    probe(browser, server.url, stop, page_times, probe_every)
                )
                await asyncio.gather(
                    *(student(browser, server.url, s, timeout_s, png, small) for s in sessions)
                )
                wall = time.monotonic() - t0
                stop.set()
                await prober
            await browser.close()
    finally:
        server.stop()
    for s in sessions:
        if s.run_name:
            try:
                s.status = load_run(tmp / "runs" / s.run_name).state
            except Exception as e:
                s.status = f"unreadable ({e})"
    return {"sessions": sessions, "wall": wall, "pages": page_times, "rss": rss.samples}


def report(label: str, res: dict, alone: float | None) -> None:
    print = functools.partial(builtins.print, flush=True)  # noqa: A001 - a long run, seen live
    sessions = res["sessions"]
    print(f"\n== {label}: {len(sessions)} session(s), wall {res['wall']:.1f} s ==")
    print(f"{'session':>7} {'train s':>8} {'upload s':>9}  {'status':<12} run / error")
    for s in sessions:
        tr = f"{s.train_s:.1f}" if s.train_s is not None else "-"
        up = f"{s.upload_s:.1f}" if s.upload_s is not None else "-"
        print(f"{s.n:>7} {tr:>8} {up:>9}  {s.status or '-':<12} {s.run_name or ''}"
              f"{'  ' + s.error if s.error else ''}")  # fmt: skip
    failed = [s for s in sessions if s.error or s.status != "done"]
    names = [s.run_name for s in sessions if s.run_name]
    mixed = len(names) - len(set(names))
    print(f"failures: {len(failed)}   lost: {len(sessions) - len(names)}   mixed: {mixed}")
    done = [s.train_s for s in sessions if s.train_s is not None]
    if done:
        last = max(done)
        ratio = f" = {last / alone:.1f}x one run alone ({alone:.1f} s; goal <= 3x)" if alone else ""
        print(f"train: first {min(done):.1f} s, median {statistics.median(done):.1f} s, "
              f"last {last:.1f} s{ratio}")  # fmt: skip
    pages = res["pages"]
    if pages:
        median = statistics.median(pages)
        slow = sum(p > 2 for p in pages)
        print(f"Kernels page answers ({len(pages)} probes): median {median:.2f} s, "
              f"worst {max(pages):.2f} s, over 2 s: {slow} (goal: none)")  # fmt: skip
    rss = [m for _, m in res["rss"]]
    if rss:
        print(f"server RSS: start {rss[0]:.0f} MB, peak {max(rss):.0f} MB, end {rss[-1]:.0f} MB")


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--sessions", type=int, default=10)
    ap.add_argument("--timeout", type=float, default=1200.0, help="seconds per session step")
    ap.add_argument("--probe-every", type=float, default=5.0, help="seconds between page probes")
    ap.add_argument("--no-alone", action="store_true", help="skip the one-run-alone yardstick")
    ap.add_argument("--small", action="store_true", help="a smaller run than the default preset")
    args = ap.parse_args()
    # timeout(1) or a Ctrl-C: unwind, so the server started here is stopped, not orphaned
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))
    alone = None
    if not args.no_alone:
        one = asyncio.run(class_at_once(1, args.timeout, args.probe_every, args.small))
        report("one run alone", one, None)
        alone = one["sessions"][0].train_s
    res = asyncio.run(class_at_once(args.sessions, args.timeout, args.probe_every, args.small))
    report("a class at once", res, alone)
    ok = all(not s.error and s.status == "done" for s in res["sessions"])
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
