"""The Train page in headless Chromium against the CLI:
python bench/bench_train_browser.py [rounds] [epochs]

Issue 11's target: with the live Train page on screen, the default (`fast`) run's training time is
at most 1.3x the CLI's for the same preset and seed, and the page redraws at least once a second
(progress, curves and kernels). Each round trains once from the CLI and once from the page, one
after the other on the same machine, and compares the runs' own `train_seconds` (status.json),
so start-up and data generation do not count. Prints every round, the medians and the load.
`epochs` (default: the preset's 3) shortens the run on a busy machine; both sides use it.
"""

from __future__ import annotations

import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from playwright.sync_api import expect, sync_playwright  # noqa: E402

from tests.e2e.harness import launch_browser, start_server  # noqa: E402

TARGET_RATIO = 1.3
TARGET_REDRAWS = 1.0  # per second
SEED = 0

# Records every change of the progress text and of the kernel montage, with its time.
OBSERVE = """() => {
  window.__lab = {steps: [], kernels: new Set(), curves: 0};
  const seen = {text: null};
  new MutationObserver(() => {
    const bar = document.querySelector('[data-testid="stProgress"]');
    const text = bar ? bar.innerText : null;
    if (text && text !== seen.text && /Step \\d+ of/.test(text)) {
      seen.text = text;
      window.__lab.steps.push(performance.now());
    }
    const img = document.querySelector('[data-testid="stImage"] img');
    if (img) window.__lab.kernels.add(img.getAttribute('src'));
    window.__lab.curves = document.querySelectorAll('[data-testid="stVegaLiteChart"]').length;
  }).observe(document.body, {subtree: true, childList: true, characterData: true,
                             attributes: true});
}"""


def load() -> str:
    return "load average " + ", ".join(f"{v:.2f}" for v in os.getloadavg())


def cli_run(runs: Path, epochs: int | None) -> dict:
    """Train the fast preset from the CLI; its JSON summary plus the wall time."""
    start = time.perf_counter()
    out = subprocess.run(
        [sys.executable, "-m", "core", "train", "--preset", "fast", "--seed", str(SEED),
         "--runs-dir", str(runs), "--json", *(["--epochs", str(epochs)] if epochs else [])],
        cwd=ROOT, capture_output=True, text=True, check=True,
    )  # fmt: skip
    summary = json.loads(out.stdout.strip().splitlines()[-1])
    status = json.loads((Path(summary["run_dir"]) / "status.json").read_text())
    return {"train_s": status["train_seconds"], "wall_s": time.perf_counter() - start}


def set_epochs(page, epochs: int) -> None:
    """Type the number of epochs into the Train page's advanced settings, then fold them away."""
    advanced = page.get_by_text("Advanced settings: the network and how it trains")
    advanced.click()
    page.get_by_role("tab", name="Training", exact=True).click()
    box = page.get_by_label("Epochs", exact=True)
    box.fill(str(epochs))
    box.press("Enter")
    expect(page.get_by_text(f"{epochs} epoch(s) ×")).to_be_visible(timeout=60_000)
    advanced.click()


def browser_run(page, url: str, runs: Path, epochs: int | None) -> dict:
    """Start the default run on the Train page and watch it to Done."""
    page.goto(url + "Train")
    expect(page.get_by_role("heading", name="Train", exact=True)).to_be_visible(timeout=60_000)
    if epochs:
        set_epochs(page, epochs)
    page.wait_for_timeout(3000)  # let the fork server finish importing torch, as a teacher would
    page.evaluate(OBSERVE)
    start = time.perf_counter()
    page.get_by_role("button", name="Start", exact=True).click()
    expect(page.get_by_text("Done.", exact=False).first).to_be_visible(timeout=600_000)
    wall = time.perf_counter() - start
    seen = page.evaluate(
        "() => ({steps: window.__lab.steps, kernels: window.__lab.kernels.size,"
        " curves: window.__lab.curves})"
    )
    run_dir = max((p for p in runs.iterdir() if p.is_dir()), key=lambda p: p.stat().st_mtime)
    status = json.loads((run_dir / "status.json").read_text())
    times = seen["steps"]
    span = (times[-1] - times[0]) / 1000 if len(times) > 1 else 0.0
    gaps = [(b - a) / 1000 for a, b in zip(times, times[1:])]
    return {
        "train_s": status["train_seconds"],
        "wall_s": wall,
        "redraws_per_s": (len(times) - 1) / span if span else 0.0,
        "worst_gap_s": max(gaps) if gaps else float("nan"),
        "kernel_images": seen["kernels"],
        "charts": seen["curves"],
    }


def main(rounds: int, epochs: int | None) -> int:
    tmp = Path(tempfile.mkdtemp(prefix="bench-train-browser-"))
    server = start_server(tmp / "browser-runs", tmp / "server.log")
    rows = []
    try:
        with sync_playwright() as pw:
            browser = launch_browser(pw)
            page = browser.new_page(viewport={"width": 1280, "height": 800})
            for i in range(rounds):
                cli = cli_run(tmp / "cli-runs", epochs)
                web = browser_run(page, server.url, tmp / "browser-runs", epochs)
                ratio = web["train_s"] / cli["train_s"]
                rows.append((ratio, web["redraws_per_s"], cli, web))
                print(
                    f"round {i + 1}: CLI train {cli['train_s']:.2f} s (wall {cli['wall_s']:.1f}) · "
                    f"browser train {web['train_s']:.2f} s (Start to Done {web['wall_s']:.1f} s) · "
                    f"ratio {ratio:.2f} · redraws {web['redraws_per_s']:.2f}/s, worst gap "
                    f"{web['worst_gap_s']:.2f} s, {web['kernel_images']} kernel images, "
                    f"{web['charts']} chart(s) · {load()}",
                    flush=True,
                )
            browser.close()
    finally:
        server.stop()
    ratio = statistics.median(r[0] for r in rows)
    redraws = statistics.median(r[1] for r in rows)
    ok = ratio <= TARGET_RATIO and redraws >= TARGET_REDRAWS
    print(
        f"median browser/CLI training-time ratio {ratio:.2f} (target <= {TARGET_RATIO}), "
        f"median redraws {redraws:.2f}/s (target >= {TARGET_REDRAWS}) over {rounds} round(s); "
        f"{load()} -> {'OK' if ok else 'MISSED'}"
    )
    return 0 if ok else 1


if __name__ == "__main__":
    args = [int(a) for a in sys.argv[1:3]]
    sys.exit(main(args[0] if args else 3, args[1] if len(args) > 1 else None))
