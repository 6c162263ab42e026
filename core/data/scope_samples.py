"""Scope-style sample screenshots drawn with the lab's own waveforms, for "try a sample" and tests.

A sample looks like a digital oscilloscope's screen capture: a dark screen, a grey graticule of
12 x 8 divisions with a brighter centre cross, one or two coloured traces rasterised by
`core.waveforms`, a status bar, a side menu and channel labels. Everything is seeded, so the same
name always gives the same pixels.
"""

from __future__ import annotations

import io
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
from PIL import Image, ImageDraw, ImageFont

from core.capture import COLOUR_NAMES
from core.data.waveforms import WaveformSpec, render_one
from core.errors import LabError

# Screen geometry (pixels), close to a 800x480 bench scope capture.
WIDTH, HEIGHT = 800, 480
DIV = 50  # pixels per division
N_DIV_X, N_DIV_Y = 12, 8
PLOT_LEFT, PLOT_TOP = 30, 36
PLOT_W, PLOT_H = N_DIV_X * DIV, N_DIV_Y * DIV  # 600 x 400
BACKGROUND = (8, 8, 12)
GRATICULE = (72, 72, 72)
GRATICULE_CENTRE = (118, 118, 118)
PANEL = (38, 40, 46)
TEXT = (210, 210, 210)
YELLOW, CYAN, MAGENTA, BLUE = (250, 232, 40), (40, 220, 240), (236, 64, 200), (60, 110, 255)


@dataclass(frozen=True)
class Trace:
    """One channel: a waveform class drawn in a colour; `params` fix render_one's settings."""

    cls: str
    colour: tuple[int, int, int]
    params: dict = field(default_factory=dict)
    seed: int = 0
    label: str = "CH1"
    volts: str = "1.00V"


@dataclass(frozen=True)
class Sample:
    """A named sample screen: its traces, its time base and the class a network should see."""

    name: str
    traces: tuple[Trace, ...]
    timebase: str
    expected: str  # the class of the first trace ("" when several classes show)


SAMPLES: dict[str, Sample] = {
    s.name: s
    for s in (
        Sample(
            "square",
            (Trace("square", YELLOW, dict(repetitions=3, duty=0.5, phase=0.2, amplitude=0.55)),),
            "500us",
            "square",
        ),
        Sample(
            "sine",
            (Trace("sine", CYAN, dict(cycles=2.5, phase=0.1, amplitude=0.6), label="CH2"),),
            "200us",
            "sine",
        ),
        Sample(
            "gaussian",
            (
                Trace(
                    "gaussian",
                    MAGENTA,
                    dict(sigma=0.06, position=0.45, amplitude=0.6, baseline=0.2),
                    label="CH3",
                    volts="500mV",
                ),
            ),
            "20us",
            "gaussian",
        ),
        Sample(
            "sine-and-square",
            (
                Trace("sine", CYAN, dict(cycles=3.0, amplitude=0.35, baseline=0.95), label="CH2"),
                Trace(
                    "square",
                    YELLOW,
                    dict(repetitions=3, duty=0.5, phase=0.1, amplitude=0.3, baseline=0.0),
                ),
            ),
            "500us",
            "",
        ),
    )
}
SAMPLE_NAMES: tuple[str, ...] = tuple(SAMPLES)


def _font(size: int) -> ImageFont.ImageFont:
    try:
        return ImageFont.load_default(size=size)
    except TypeError:  # Pillow without FreeType: a fixed bitmap font
        return ImageFont.load_default()


def trace_mask(trace: Trace, *, width: int = PLOT_W, height: int = PLOT_H, thickness: int = 3):
    """bool (height, width): the trace drawn by core.waveforms, squeezed to the plot's aspect."""
    spec = WaveformSpec(
        size=width,
        thickness=(thickness, thickness),
        jitter=(0.6, 0.6),
        flip_noise=(0.0, 0.0),
        polarity=0.0,
        baseline=(0.5, 0.5),
    )
    img, _ = render_one(spec, trace.cls, seed=trace.seed, **trace.params)  # (width, width)
    # Rows are pooled (any pixel on) so horizontal strokes stay unbroken at the lower height.
    edges = np.linspace(0, width, height + 1).astype(np.int64)[:-1]
    return np.maximum.reduceat(img.astype(bool), edges, axis=0)


def _graticule(draw: ImageDraw.ImageDraw) -> None:
    x0, y0, x1, y1 = PLOT_LEFT, PLOT_TOP, PLOT_LEFT + PLOT_W, PLOT_TOP + PLOT_H
    for i in range(1, N_DIV_X):  # dotted division lines, as scopes draw them
        x = x0 + i * DIV
        for y in range(y0, y1, 5):
            draw.point((x, y), fill=GRATICULE)
    for j in range(1, N_DIV_Y):
        y = y0 + j * DIV
        for x in range(x0, x1, 5):
            draw.point((x, y), fill=GRATICULE)
    cx, cy = x0 + PLOT_W // 2, y0 + PLOT_H // 2
    draw.line([(cx, y0), (cx, y1)], fill=GRATICULE_CENTRE)
    draw.line([(x0, cy), (x1, cy)], fill=GRATICULE_CENTRE)
    for x in range(x0, x1, DIV // 5):  # minor ticks on the centre cross
        draw.line([(x, cy - 3), (x, cy + 3)], fill=GRATICULE_CENTRE)
    for y in range(y0, y1, DIV // 5):
        draw.line([(cx - 3, y), (cx + 3, y)], fill=GRATICULE_CENTRE)
    draw.rectangle([x0 - 1, y0 - 1, x1, y1], outline=GRATICULE_CENTRE)


def _chrome(draw: ImageDraw.ImageDraw, sample: Sample) -> None:
    """Status bar, side menu and channel labels around the plotting area."""
    small, big = _font(13), _font(15)
    draw.rectangle([0, 0, WIDTH - 1, PLOT_TOP - 8], fill=PANEL)
    draw.text((8, 6), "KERNEL-LAB DS-100", fill=TEXT, font=big)
    draw.text((200, 7), "STOP", fill=(240, 80, 60), font=small)
    draw.text((260, 7), f"H {sample.timebase}", fill=TEXT, font=small)
    draw.text((360, 7), "D 0.000000s", fill=TEXT, font=small)
    draw.text((520, 7), "T  f  120mV", fill=sample.traces[0].colour, font=small)
    side = PLOT_LEFT + PLOT_W + 14
    draw.rectangle([side, PLOT_TOP, WIDTH - 6, PLOT_TOP + PLOT_H], fill=PANEL)
    for i, word in enumerate(("Measure", "Vpp", "Freq", "Period", "Duty", "Menu")):
        y = PLOT_TOP + 10 + i * 62
        draw.rectangle([side + 8, y, WIDTH - 14, y + 44], outline=(90, 92, 100))
        draw.text((side + 16, y + 14), word, fill=TEXT, font=small)
    y = PLOT_TOP + PLOT_H + 10
    for i, trace in enumerate(sample.traces):
        x = PLOT_LEFT + i * 150
        draw.rectangle([x, y, x + 130, y + 22], fill=trace.colour)
        draw.text((x + 6, y + 3), f"{trace.label}  {trace.volts}", fill=(0, 0, 0), font=small)
    draw.text((PLOT_LEFT + 470, y + 3), "Sa 1.00GSa/s", fill=TEXT, font=small)
    # The trigger arrow above the plot and the horizontal position marker.
    cx = PLOT_LEFT + PLOT_W // 2
    draw.polygon(
        [(cx - 6, PLOT_TOP - 8), (cx + 6, PLOT_TOP - 8), (cx, PLOT_TOP - 2)], fill=(240, 140, 40)
    )


def scope_screenshot(sample: Sample | str) -> np.ndarray:
    """uint8 (480, 800, 3) RGB: a scope-style screen capture of a named sample or a Sample."""
    if isinstance(sample, str):
        if sample not in SAMPLES:
            raise LabError(f"There is no sample {sample!r}; choose one of {list(SAMPLES)}.")
        sample = SAMPLES[sample]
    img = Image.new("RGB", (WIDTH, HEIGHT), BACKGROUND)
    draw = ImageDraw.Draw(img)
    _graticule(draw)
    _chrome(draw, sample)
    rgb = np.array(img)
    plot = rgb[
        PLOT_TOP : PLOT_TOP + PLOT_H, PLOT_LEFT : PLOT_LEFT + PLOT_W
    ]  # a view: drawn in place
    for trace in sample.traces:
        mask = trace_mask(trace)
        halo = _dilate(mask) & ~mask  # a dimmer fringe, like a phosphor-style trace
        colour = np.asarray(trace.colour, dtype=np.float32)
        plot[halo] = np.maximum(plot[halo], (colour * 0.45).astype(np.uint8))
        plot[mask] = trace.colour
    # Channel ground markers on the left edge, in each trace's colour.
    for i, trace in enumerate(sample.traces):
        y = PLOT_TOP + PLOT_H // 2 + 40 * i
        rgb[y - 5 : y + 6, PLOT_LEFT - 14 : PLOT_LEFT - 3] = trace.colour
    return rgb


def _dilate(mask: np.ndarray) -> np.ndarray:
    """bool (H, W): mask grown by one pixel in the four directions."""
    out = mask.copy()
    out[1:] |= mask[:-1]
    out[:-1] |= mask[1:]
    out[:, 1:] |= mask[:, :-1]
    out[:, :-1] |= mask[:, 1:]
    return out


def sample_png(sample: Sample | str) -> bytes:
    """PNG bytes of `scope_screenshot(sample)`, as a scope would save it."""
    buf = io.BytesIO()
    Image.fromarray(scope_screenshot(sample)).save(buf, format="PNG", optimize=True)
    return buf.getvalue()


def write_samples(folder: str | Path, names: Sequence[str] = SAMPLE_NAMES) -> list[Path]:
    """Write `<name>.png` for each sample into folder; returns the paths written."""
    out = Path(folder)
    out.mkdir(parents=True, exist_ok=True)
    paths = []
    for name in names:
        p = out / f"{name}.png"
        p.write_bytes(sample_png(name))
        paths.append(p)
    return paths


# ---------------------------------------------------------- a parametric screen for benchmarks
def demo_screenshot(
    width: int = 800,
    height: int = 480,
    traces: tuple[tuple[str, str], ...] = (("square", "yellow"),),
    cycles: float = 3.0,
) -> tuple[np.ndarray, tuple[int, int, int, int]]:
    """A synthetic scope screenshot uint8 (H, W, 3) and its graticule box (x0, y0, x1, y1):
    dark screen, dotted grey grid of 12 x 8 divisions, menus, text, markers, and traces such as
    ("square", "yellow") or ("sine", "cyan")."""
    im = Image.new("RGB", (width, height), (0, 0, 0))
    d = ImageDraw.Draw(im)
    div = min((0.75 * width) // 12, (0.82 * height) // 8)
    x0, y0 = int(0.105 * width), int(0.08 * height)
    x1, y1 = x0 + int(12 * div), y0 + int(8 * div)
    lw = max(1, width // 600)
    grey = (72, 72, 72)
    for i in range(13):  # dotted grid lines, solid frame
        x = x0 + int(i * div)
        for y in range(y0, y1 + 1, 1 if i in (0, 12) else 3):
            d.point((x, y), fill=grey)
    for j in range(9):
        y = y0 + int(j * div)
        for x in range(x0, x1 + 1, 1 if j in (0, 8) else 3):
            d.point((x, y), fill=grey)
    d.text((4, 4), "RIGOL  STOP  H 200us  1.00GSa/s", fill=(220, 220, 220))
    d.text((x0, y1 + 8), "Freq 1.000kHz   Vpp 3.20V", fill=(200, 200, 200))
    for k in range(5):  # the menu down the right side
        top = y0 + k * (y1 - y0) // 5
        box = (x1 + 14, top + 4, width - 6, top + (y1 - y0) // 5 - 4)
        d.rectangle(box, outline=(110, 110, 110))
        d.text((x1 + 20, top + 10), f"Menu {k}", fill=(230, 230, 230))
    xt = x0 + 6 * div  # the trigger marker
    d.polygon([(xt - 6, y0), (xt + 6, y0), (xt, y0 + 8)], fill=(255, 128, 0))
    t = np.linspace(0, 1, max(400, 2 * (x1 - x0)))
    for n, (kind, colour) in enumerate(traces):
        rgb = COLOUR_NAMES.get(colour, (255, 255, 0))
        mid, amp = y0 + (y1 - y0) * (0.3 + 0.4 * n), (y1 - y0) * 0.15
        phase = np.mod(t * cycles, 1.0)
        wave = np.where(phase < 0.5, -1.0, 1.0) if kind == "square" else np.sin(2 * np.pi * phase)
        pts = list(zip((x0 + t * (x1 - x0)).tolist(), (mid - amp * wave).tolist()))
        d.line(pts, fill=rgb, width=lw)
        d.rectangle((x0 - 14, mid - 6, x0 - 2, mid + 6), fill=rgb)  # channel marker
        d.text((x0 + 8 + 90 * n, y0 + 6), f"CH{n + 1}", fill=rgb)
    return np.asarray(im), (x0, y0, x1 + 1, y1 + 1)
