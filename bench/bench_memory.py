"""Memory under reading load: N headless Chromium sessions playing the Kernels page.

    python bench/bench_memory.py --sessions 8 --seconds 60

Each session opens Kernels (the newest run, or the shipped example) and presses Play; the server's
resident memory is printed every few seconds while they play, then after they leave. Goal from
the issue: it does not grow without bound (the end of the minute near its middle, and it falls
back once the sessions close).
"""

from __future__ import annotations

import argparse
import asyncio
import signal
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from bench.bench_load import RssSampler, open_page  # noqa: E402
from tests.e2e.harness import CHROMIUM, CHROMIUM_ARGS, VIEWPORT, start_server  # noqa: E402


async def player(browser, base: str, seconds: float, errors: list) -> None:
    ctx = await browser.new_context(viewport=VIEWPORT)
    page = await ctx.new_page()
    try:
        await open_page(page, base, "CNN Kernel Lab", 120_000)
        await open_page(page, base + "Kernels", "Kernels", 120_000)
        await page.get_by_role("button", name="Play", exact=True).click(timeout=120_000)
        await asyncio.sleep(seconds)  # the load itself: playing for the whole minute
        if await page.locator('[data-testid="stException"]').count():
            errors.append("an exception on the page")
    except Exception as e:
        errors.append(f"{type(e).__name__}: {str(e).splitlines()[0][:120]}")
    finally:
        await ctx.close()


async def run(n: int, seconds: float, after: float) -> tuple[list, list]:
    from playwright.async_api import async_playwright

    tmp = Path(tempfile.mkdtemp(prefix="bench-memory-"))
    server = start_server(tmp / "runs", tmp / "streamlit.log")
    errors: list[str] = []
    try:
        with RssSampler(server.process.pid) as rss:
            async with async_playwright() as pw:
                browser = await pw.chromium.launch(
                    executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS
                )
                await asyncio.gather(
                    *(player(browser, server.url, seconds, errors) for _ in range(n))
                )
                await browser.close()
            await asyncio.sleep(after)  # the sessions are gone: does the memory come back?
    finally:
        server.stop()
    return rss.samples, errors


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--sessions", type=int, default=8)
    ap.add_argument("--seconds", type=float, default=60.0)
    ap.add_argument("--after", type=float, default=20.0, help="seconds to watch after they leave")
    ap.add_argument("--every", type=float, default=5.0, help="seconds between printed samples")
    args = ap.parse_args()
    # timeout(1) or a Ctrl-C: unwind, so the server started here is stopped, not orphaned
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))
    t0 = time.monotonic()
    samples, errors = asyncio.run(run(args.sessions, args.seconds, args.after))
    print(f"{args.sessions} sessions playing Kernels for {args.seconds:.0f} s "
          f"(wall {time.monotonic() - t0:.0f} s), then {args.after:.0f} s with none")  # fmt: skip
    print(f"{'t (s)':>6} {'RSS (MB)':>9}")
    next_t = 0.0
    for t, mb in samples:
        if t >= next_t:
            print(f"{t:>6.0f} {mb:>9.0f}")
            next_t = t + args.every
    mbs = [mb for _, mb in samples]
    if mbs:
        mid = mbs[len(mbs) // 2]
        print(f"start {mbs[0]:.0f} MB, middle {mid:.0f} MB, peak {max(mbs):.0f} MB, "
              f"end {mbs[-1]:.0f} MB")  # fmt: skip
    print(f"session errors: {len(errors)}" + "".join(f"\n  {e}" for e in errors))
    return 0 if not errors else 1


if __name__ == "__main__":
    sys.exit(main())
