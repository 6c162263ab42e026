"""The Train page in headless Chromium against the CLI:
python bench/bench_train_browser.py [rounds] [epochs]

Issue 11's target: with the live Train page on screen, the default (`fast`) run's training time is
at most 1.3x the CLI's for the same preset and seed, and the page redraws at least once a second
(progress, curves and kernels). Each round trains once from the CLI and once from the page, one
after the other on the same machine, and compares the runs' own `train_seconds` (status.json),
so start-up and data generation do not count. Prints every round, the medians and the load.

On a machine shared with other work the wall-clock ratio is mostly the scheduler's noise, so each
round also counts CPU seconds while the page trains: the worker's (training), the server's and the
browser's (redrawing). Redrawing costs training time in proportion to the cores it takes, so
1 + (server + browser) / worker estimates the ratio on an otherwise idle machine.
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


TICK = os.sysconf("SC_CLK_TCK")


def cpu_seconds(pid: int) -> float:
    """User + system CPU seconds of one process so far (0 once it has gone)."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        return 0.0
    return (int(fields[11]) + int(fields[12])) / TICK


def descendants(root: int) -> set[int]:
    """Every process below `root` (from /proc's parent links)."""
    children: dict[int, list[int]] = {}
    for d in Path("/proc").iterdir():
        if d.name.isdigit():
            try:
                ppid = int((d / "stat").read_text().rsplit(")", 1)[1].split()[1])
            except (OSError, IndexError, ValueError):
                continue
            children.setdefault(ppid, []).append(int(d.name))
    found, todo = set(), [root]
    while todo:
        for c in children.get(todo.pop(), []):
            found.add(c)
            todo.append(c)
    return found


class CpuMeter:
    """CPU seconds of the server, of the browser's processes and of the training worker."""

    def __init__(self, server_pid: int) -> None:
        self.server_pid = server_pid
        self.browser = descendants(os.getpid()) - {server_pid} - descendants(server_pid)
        self.start = self.sample()
        self.worker_pid: int | None = None
        self.worker_s = 0.0

    def sample(self) -> tuple[float, float]:
        return cpu_seconds(self.server_pid), sum(cpu_seconds(p) for p in self.browser)

    def watch_worker(self, runs: Path) -> None:
        """Follow the worker's CPU (its pid is in the new run's status.json)."""
        if self.worker_pid is None:
            for st in runs.glob("[!.]*/status.json"):
                try:
                    self.worker_pid = json.loads(st.read_text()).get("pid")
                except (OSError, ValueError):
                    pass
        if self.worker_pid:
            self.worker_s = max(self.worker_s, cpu_seconds(self.worker_pid))

    def result(self) -> dict:
        server, browser = self.sample()
        return {
            "server_cpu": server - self.start[0],
            "browser_cpu": browser - self.start[1],
            "worker_cpu": self.worker_s,
        }


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


def browser_run(page, url: str, runs: Path, epochs: int | None, server_pid: int) -> dict:
    """Start the default run on the Train page and watch it to Done."""
    page.goto(url + "Train")
    expect(page.get_by_role("heading", name="Train", exact=True)).to_be_visible(timeout=60_000)
    if epochs:
        set_epochs(page, epochs)
    page.wait_for_timeout(3000)  # let the fork server finish importing torch, as a teacher would
    page.evaluate(OBSERVE)
    for old in runs.glob("[!.]*"):
        old.rename(old.with_name("." + old.name))  # hidden from the run pickers and from us
    meter = CpuMeter(server_pid)
    start = time.perf_counter()
    page.get_by_role("button", name="Start", exact=True).click()
    done = page.get_by_text("Done.", exact=False).first
    while not done.is_visible():
        meter.watch_worker(runs)
        page.wait_for_timeout(300)
    wall = time.perf_counter() - start
    cpu = meter.result()
    seen = page.evaluate(
        "() => ({steps: window.__lab.steps, kernels: window.__lab.kernels.size,"
        " curves: window.__lab.curves})"
    )
    (run_dir,) = runs.glob("[!.]*")
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
        **cpu,
        "estimate": 1 + (cpu["server_cpu"] + cpu["browser_cpu"]) / max(cpu["worker_cpu"], 1e-9),
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
                pid = server.process.pid
                web = browser_run(page, server.url, tmp / "browser-runs", epochs, pid)
                ratio = web["train_s"] / cli["train_s"]
                rows.append((ratio, web["redraws_per_s"], web["estimate"], cli, web))
                print(
                    f"round {i + 1}: CLI train {cli['train_s']:.2f} s (wall {cli['wall_s']:.1f}) · "
                    f"browser train {web['train_s']:.2f} s (Start to Done {web['wall_s']:.1f} s) · "
                    f"ratio {ratio:.2f} · redraws {web['redraws_per_s']:.2f}/s, worst gap "
                    f"{web['worst_gap_s']:.2f} s, {web['kernel_images']} kernel images, "
                    f"{web['charts']} chart(s) · CPU s: worker {web['worker_cpu']:.1f}, server "
                    f"{web['server_cpu']:.1f}, browser {web['browser_cpu']:.1f} -> idle-machine "
                    f"estimate {web['estimate']:.2f} · {load()}",
                    flush=True,
                )
            browser.close()
    finally:
        server.stop()
    ratio = statistics.median(r[0] for r in rows)
    redraws = statistics.median(r[1] for r in rows)
    estimate = statistics.median(r[2] for r in rows)
    ok = ratio <= TARGET_RATIO and redraws >= TARGET_REDRAWS
    print(
        f"median browser/CLI training-time ratio {ratio:.2f} (target <= {TARGET_RATIO}), "
        f"median redraws {redraws:.2f}/s (target >= {TARGET_REDRAWS}), median CPU-share estimate "
        f"{estimate:.2f} over {rounds} round(s); "
        f"{load()} -> {'OK' if ok else 'MISSED'}"
    )
    return 0 if ok else 1


if __name__ == "__main__":
    args = [int(a) for a in sys.argv[1:3]]
    sys.exit(main(args[0] if args else 3, args[1] if len(args) > 1 else None))
