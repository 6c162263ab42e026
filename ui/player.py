"""The Kernels page's Play: every snapshot's montage sent once, animated in the browser.

A rerun per frame could not keep up (0.8 frames a second asked for 2, issue 11): each one rebuilt
the page on the server and sent it again. Here the server draws each snapshot's montage once (a
small PNG at one pixel per weight, cached per run file and view) and the browser flips through
them at the chosen speed with requestAnimationFrame, scaled up with crisp pixels. The player has
its own pause button and scrubber; the page's Pause goes back to the full, interactive view.
"""

from __future__ import annotations

import base64
import json

import streamlit as st

from core import render
from core.training.runs import Run, Snapshots

_HTML = """<!doctype html><html><head><style>
body {margin: 0; background: transparent; color: #fafafa; font: 15px 'Source Sans Pro', sans-serif}
#im {width: 100%; image-rendering: pixelated; display: block}
.bar {display: flex; gap: 12px; align-items: center; margin-top: 6px}
button {background: #262730; color: #fafafa; border: 1px solid #555; border-radius: 6px;
        padding: 4px 14px; font: inherit; cursor: pointer}
input[type=range] {flex: 1; accent-color: #f5c518}
</style></head><body>
<div id="label"></div>
<img id="im" alt="kernel montage">
<div class="bar"><button id="toggle">Pause</button><input id="scrub" type="range" min="0" value="0">
</div>
<script>
const FRAMES = __FRAMES__, LABELS = __LABELS__, FPS = __FPS__, LOOP = __LOOP__;
const n = FRAMES.length, im = document.getElementById("im");
const scrub = document.getElementById("scrub"), toggle = document.getElementById("toggle");
const label = document.getElementById("label");
FRAMES.forEach(src => { const i = new Image(); i.src = src; });  // decode them all up front
scrub.max = n - 1;
window.labShown = [];  // (time, frame) of every frame shown: the benchmark reads it
let frame = __START__, playing = true, due = performance.now();
function show(k) {
  frame = k; im.src = FRAMES[k]; scrub.value = k;
  label.innerHTML = "<b>Snapshot " + (k + 1) + " of " + n + "</b> · " + LABELS[k];
  window.labShown.push([performance.now(), k]);
}
function setPlaying(p) {
  playing = p; toggle.textContent = p ? "Pause" : "Play"; due = performance.now();
}
toggle.onclick = () => { if (!playing && frame === n - 1) show(0); setPlaying(!playing); };
scrub.oninput = () => { setPlaying(false); show(Number(scrub.value)); };
function tick(now) {
  if (playing && now >= due) {
    due += 1000 / FPS;
    if (now - due > 1000 / FPS) due = now;  // fell behind (a hidden tab): do not race to catch up
    let next = frame + 1;
    if (next >= n) { if (LOOP) next = 0; else { setPlaying(false); next = n - 1; } }
    show(next);
  }
  requestAnimationFrame(tick);
}
show(frame);
requestAnimationFrame(tick);
</script></body></html>"""


@st.cache_data(max_entries=8, show_spinner=False)
def _frames(path: str, mtime_ns: int, view: str, scale: str, _snaps: Snapshots) -> list[str]:
    """Every snapshot's montage as a data: URL, one pixel per weight (the browser scales it)."""
    k, size = _snaps.weights.shape[1], _snaps.weights.shape[-1]
    ncols, _ = render.montage_grid(k, size, 620)  # the layout the page shows when paused
    urls = []
    for i in range(len(_snaps)):
        kernels = render.kernel_view(_snaps.weights, i, view)  # (k, K, K)
        vmax = render.kernel_vmax(kernels, scale)
        png = render.montage_png(kernels, view_vmax=vmax, upscale=1, gap=1, ncols=ncols)
        urls.append("data:image/png;base64," + base64.b64encode(png).decode())
    return urls


def player_html(frames: list[str], labels: list[str], fps: float, loop: bool, start: int) -> str:
    """The self-contained player page for `frames` (image URLs) with a label each."""
    return (
        _HTML.replace("__FRAMES__", json.dumps(frames))
        .replace("__LABELS__", json.dumps(labels))
        .replace("__FPS__", json.dumps(float(fps)))
        .replace("__LOOP__", "true" if loop else "false")
        .replace("__START__", str(int(start)))
    )


def show(
    run: Run, snaps: Snapshots, view: str, scale: str, fps: float, loop: bool, start: int
) -> None:
    """Play the run's snapshots in the browser from snapshot `start`, `fps` a second."""
    path = run.path / "snapshots.npz"
    frames = _frames(str(path), path.stat().st_mtime_ns, view, scale, snaps)
    labels = [
        f"step {int(s)} · epoch {round(float(e), 2):g}" for s, e in zip(snaps.step, snaps.epoch)
    ]
    st.iframe(player_html(frames, labels, fps, loop, start), height="content")
