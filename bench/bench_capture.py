"""Time the screenshot pipeline: read + extract for a 1920x1440 capture, stage by stage.

Run from the repository root: `python bench/bench_capture.py [--repeats 7]`. The target is
<= 0.3 s for the whole pipeline on 2 cores; `python -m core bench` reports the same total
through `core.capture.pipeline_seconds`.
"""

from __future__ import annotations

import argparse
import io
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from PIL import Image  # noqa: E402

from core.bench import pipeline_seconds  # noqa: E402
from core.capture import extract_trace, find_plot_area, read_image, read_image_u8  # noqa: E402
from core.data.scope_samples import demo_screenshot  # noqa: E402

TARGET = 0.3  # s


def best_of(fn, repeats: int) -> float:
    """Best wall time (s) of fn() over `repeats` runs."""
    best = float("inf")
    for _ in range(repeats):
        start = time.perf_counter()
        fn()
        best = min(best, time.perf_counter() - start)
    return best


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=7)
    args = parser.parse_args()
    img, _ = demo_screenshot(1920, 1440, (("square", "yellow"), ("sine", "cyan")))
    png, jpg = io.BytesIO(), io.BytesIO()
    Image.fromarray(img).save(png, format="PNG")
    Image.fromarray(img).save(jpg, format="JPEG", quality=90)
    shared = Path(__file__).resolve().parents[1] / ".." / "shared" / "study" / "images"
    rows = [
        ("read PNG (uint8)", lambda: read_image_u8(png.getvalue())),
        ("read PNG (float)", lambda: read_image(png.getvalue())),
        ("read JPEG (uint8)", lambda: read_image_u8(jpg.getvalue())),
        ("find plot area", lambda: find_plot_area(img)),
        ("extract_trace (uint8 in)", lambda: extract_trace(img)),
        ("read PNG + extract (uint8)", lambda: extract_trace(read_image_u8(png.getvalue()))),
        ("read PNG + extract (float)", lambda: extract_trace(read_image(png.getvalue()))),
        ("read JPEG + extract (uint8)", lambda: extract_trace(read_image_u8(jpg.getvalue()))),
    ]
    if (shared / "pulse_003.jpg").exists():  # the study's own 1920x1440 figure
        path = shared / "pulse_003.jpg"
        rows.append(("study pulse_003.jpg read + extract", lambda: extract_trace(read_image(path))))
    print(f"1920x1440 capture, best of {args.repeats}:")
    for name, fn in rows:
        print(f"  {name:36s} {best_of(fn, args.repeats):6.3f} s")
    total = pipeline_seconds(repeats=args.repeats)
    verdict = "ok" if total <= TARGET else "TOO SLOW"
    print(f"  {'pipeline_seconds()':36s} {total:6.3f} s  (target <= {TARGET} s: {verdict})")
    return 0 if total <= TARGET else 1


if __name__ == "__main__":
    raise SystemExit(main())
