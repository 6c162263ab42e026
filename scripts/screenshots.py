"""Regenerate the README's screenshots (docs/screenshots/*.png) by walking the real app in Chromium.

The walks are the browser tests' own (tests/e2e/steps.py), so the pictures show what the tests
check. The app runs on a free localhost port with a temporary runs folder: nothing lands in runs/.

    python scripts/screenshots.py [--out docs/screenshots] [--only train kernels]
"""

from __future__ import annotations

import argparse
import io
import sys
import tempfile
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from PIL import Image  # noqa: E402

from tests.e2e.harness import VIEWPORT, chromium_problem, launch_browser, start_server  # noqa: E402

MAX_BYTES = 200_000  # above this a picture is stored with a 256-colour palette
TRAIN_SHOT_STEP = 60  # the Train picture waits for this step, so the curves show some learning
NAMES = ("home", "waveforms", "train", "kernels", "scope")


def compact_png(png: bytes, max_bytes: int = MAX_BYTES) -> bytes:
    """The picture as an optimised PNG; with a 256-colour palette when full colour is too big."""
    img = Image.open(io.BytesIO(png)).convert("RGB")
    out = io.BytesIO()
    img.save(out, format="PNG", optimize=True)
    if out.tell() > max_bytes:
        out = io.BytesIO()
        img.quantize(256, method=Image.Quantize.MEDIANCUT).save(out, format="PNG", optimize=True)
    return out.getvalue()


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, default=REPO / "docs" / "screenshots")
    parser.add_argument("--only", nargs="+", choices=NAMES, default=list(NAMES))
    args = parser.parse_args(argv)
    problem = chromium_problem()
    if problem:
        print(problem, file=sys.stderr)
        return 2

    from playwright.sync_api import sync_playwright

    from tests.e2e import steps

    walks = {
        "home": steps.home,
        "waveforms": steps.waveforms,
        "train": lambda page, url, shot: steps.train(page, url, shot, TRAIN_SHOT_STEP),
        "kernels": steps.kernels,
        "scope": lambda page, url, shot: steps.scope_upload(
            page, url, steps.scope_png(), steps.SCOPE_PNG_NAME, shot
        ),
    }
    args.out.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(prefix="lab-screenshots-") as tmp:
        server = start_server(Path(tmp) / "runs", Path(tmp) / "streamlit.log")
        try:
            with sync_playwright() as pw:
                browser = launch_browser(pw)
                context = browser.new_context(viewport=VIEWPORT)
                steps.warm_up(context.new_page(), server.url)
                context.close()
                for name in args.only:
                    context = browser.new_context(viewport=VIEWPORT)
                    page = context.new_page()

                    def save(shot_name: str, page=page) -> None:
                        path = args.out / f"{shot_name}.png"
                        path.write_bytes(compact_png(page.screenshot()))
                        print(f"{path.relative_to(REPO)} ({path.stat().st_size // 1024} KB)")

                    try:
                        walks[name](page, server.url, save)
                    except Exception:
                        print(server.log_tail(), file=sys.stderr)
                        raise
                    finally:
                        context.close()
                browser.close()
        finally:
            server.stop()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
