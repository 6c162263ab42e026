"""Scope-style sample screenshots drawn with the lab's own waveforms, for "try a sample" and tests.

One generator draws them all (`scope_screenshot`, any size; `demo_screenshot` for benchmarks).
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

# Screen geometry (pixels) of the bundled samples, close to a 800x480 bench scope capture; other
# sizes scale it (`Screen`).
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


@dataclass(frozen=True)
class Screen:
    """Where the parts of a width x height screen go (the 800x480 layout scaled by `scale`) and
    how it draws: graticule dots every `dot` screen pixels, traces with a dim halo."""

    width: int = WIDTH
    height: int = HEIGHT
    dot: int = 5
    halo: bool = True

    @property
    def scale(self) -> float:
        return min(self.width / WIDTH, self.height / HEIGHT)

    def px(self, v: float) -> int:
        """A length of the 800x480 layout, in this screen's pixels."""
        return round(v * self.scale)

    @property
    def div(self) -> int:
        return self.px(DIV)

    @property
    def plot_box(self) -> tuple[int, int, int, int]:
        """(left, top, right, bottom) pixels of the plotting area, right/bottom exclusive."""
        x0, y0 = self.px(PLOT_LEFT), self.px(PLOT_TOP)
        return x0, y0, x0 + N_DIV_X * self.div, y0 + N_DIV_Y * self.div


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
    size = min(width, 1024)  # the generator's largest image; wider plots stretch its columns
    drawn = min(thickness, 8)  # the generator's thickest line; thicker ones are grown below
    spec = WaveformSpec(
        size=size,
        thickness=(drawn, drawn),
        jitter=(0.6, 0.6),
        flip_noise=(0.0, 0.0),
        polarity=0.0,
        baseline=(0.5, 0.5),
        artefacts=0.0,  # a sample is the clean shape its name says; looks.py draws the rest
        bumps=(1, 1),
    )
    img, _ = render_one(spec, trace.cls, seed=trace.seed, **trace.params)  # (size, size)
    if size < width:
        img = img[:, np.arange(width) * size // width]  # (size, width)
    # Rows are pooled (any pixel on) so horizontal strokes stay unbroken at the lower height.
    edges = np.linspace(0, size, height + 1).astype(np.int64)[:-1]
    mask = np.maximum.reduceat(img.astype(bool), edges, axis=0)
    for _ in range((thickness - drawn + 1) // 2):  # a 4000 px wide screen draws ~15 px lines
        mask = _dilate(mask)
    return mask


def _graticule(draw: ImageDraw.ImageDraw, screen: Screen) -> None:
    x0, y0, x1, y1 = screen.plot_box
    div, dot, tick = screen.div, screen.dot, screen.px(3)
    for i in range(1, N_DIV_X):  # dotted division lines, as scopes draw them
        x = x0 + i * div
        for y in range(y0, y1, dot):
            draw.point((x, y), fill=GRATICULE)
    for j in range(1, N_DIV_Y):
        y = y0 + j * div
        for x in range(x0, x1, dot):
            draw.point((x, y), fill=GRATICULE)
    cx, cy = (x0 + x1) // 2, (y0 + y1) // 2
    draw.line([(cx, y0), (cx, y1)], fill=GRATICULE_CENTRE)
    draw.line([(x0, cy), (x1, cy)], fill=GRATICULE_CENTRE)
    for x in range(x0, x1, div // 5):  # minor ticks on the centre cross
        draw.line([(x, cy - tick), (x, cy + tick)], fill=GRATICULE_CENTRE)
    for y in range(y0, y1, div // 5):
        draw.line([(cx - tick, y), (cx + tick, y)], fill=GRATICULE_CENTRE)
    draw.rectangle([x0 - 1, y0 - 1, x1, y1], outline=GRATICULE_CENTRE)


def _chrome(draw: ImageDraw.ImageDraw, sample: Sample, screen: Screen) -> None:
    """Status bar, side menu and channel labels around the plotting area."""
    px, (x0, y0, x1, y1) = screen.px, screen.plot_box
    small, big = _font(px(13)), _font(px(15))
    draw.rectangle([0, 0, screen.width - 1, y0 - px(8)], fill=PANEL)
    draw.text((px(8), px(6)), "KERNEL-LAB DS-100", fill=TEXT, font=big)
    draw.text((px(200), px(7)), "STOP", fill=(240, 80, 60), font=small)
    draw.text((px(260), px(7)), f"H {sample.timebase}", fill=TEXT, font=small)
    draw.text((px(360), px(7)), "D 0.000000s", fill=TEXT, font=small)
    trigger = sample.traces[0].colour if sample.traces else TEXT
    draw.text((px(520), px(7)), "T  f  120mV", fill=trigger, font=small)
    side, right = x1 + px(14), screen.width - px(6)
    draw.rectangle([side, y0, right, y1], fill=PANEL)
    for i, word in enumerate(("Measure", "Vpp", "Freq", "Period", "Duty", "Menu")):
        y = y0 + px(10 + i * 62)
        draw.rectangle([side + px(8), y, right - px(8), y + px(44)], outline=(90, 92, 100))
        draw.text((side + px(16), y + px(14)), word, fill=TEXT, font=small)
    y = y1 + px(10)
    for i, trace in enumerate(sample.traces):
        x = x0 + px(i * 150)
        draw.rectangle([x, y, x + px(130), y + px(22)], fill=trace.colour)
        label = f"{trace.label}  {trace.volts}"
        draw.text((x + px(6), y + px(3)), label, fill=(0, 0, 0), font=small)
    draw.text((x0 + px(470), y + px(3)), "Sa 1.00GSa/s", fill=TEXT, font=small)
    # The trigger arrow above the plot and the horizontal position marker.
    cx, arrow = (x0 + x1) // 2, px(6)
    draw.polygon(
        [(cx - arrow, y0 - px(8)), (cx + arrow, y0 - px(8)), (cx, y0 - px(2))], fill=(240, 140, 40)
    )


def scope_screenshot(sample: Sample | str, screen: Screen = Screen()) -> np.ndarray:
    """uint8 (height, width, 3) RGB: a scope-style screen capture of a named sample or a Sample;
    the bundled samples are 800x480, other screens scale the same layout."""
    if isinstance(sample, str):
        if sample not in SAMPLES:
            raise LabError(f"There is no sample {sample!r}; choose one of {list(SAMPLES)}.")
        sample = SAMPLES[sample]
    img = Image.new("RGB", (screen.width, screen.height), BACKGROUND)
    draw = ImageDraw.Draw(img)
    _graticule(draw, screen)
    _chrome(draw, sample, screen)
    rgb = np.array(img)
    x0, y0, x1, y1 = screen.plot_box
    plot = rgb[y0:y1, x0:x1]  # a view: drawn in place
    for trace in sample.traces:
        mask = trace_mask(trace, width=x1 - x0, height=y1 - y0, thickness=screen.px(3))
        if screen.halo:  # a dimmer fringe, like a phosphor-style trace
            halo = _dilate(mask) & ~mask
            colour = np.asarray(trace.colour, dtype=np.float32)
            plot[halo] = np.maximum(plot[halo], (colour * 0.45).astype(np.uint8))
        plot[mask] = trace.colour
    # Channel ground markers on the left edge, in each trace's colour.
    for i, trace in enumerate(sample.traces):
        y = (y0 + y1) // 2 + screen.px(40 * i)
        rgb[y - screen.px(5) : y + screen.px(6), x0 - screen.px(14) : x0 - screen.px(3)] = (
            trace.colour
        )
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


def demo_screenshot(
    width: int = 800,
    height: int = 480,
    traces: tuple[tuple[str, str], ...] = (("square", "yellow"),),
    cycles: float = 3.0,
) -> tuple[np.ndarray, tuple[int, int, int, int]]:
    """A scope screenshot of any size, uint8 (H, W, 3), and its plotting area (x0, y0, x1, y1):
    the samples' screen with traces such as ("square", "yellow") or ("sine", "cyan"), one above
    the other, `cycles` periods across (for benchmarks and capture tests)."""
    drawn = []
    for n, (kind, colour) in enumerate(traces):
        params = dict(amplitude=0.3, baseline=0.8 - 0.7 * n)
        params |= dict(phase=0.0) if kind != "gaussian" else {}
        params |= dict(repetitions=round(cycles), duty=0.5) if kind == "square" else {}
        params |= dict(cycles=cycles) if kind in ("sine", "sawtooth") else {}
        rgb = COLOUR_NAMES.get(colour, COLOUR_NAMES["yellow"])
        drawn.append(Trace(kind, rgb, params, seed=n, label=f"CH{n + 1}"))
    sample = Sample("demo", tuple(drawn), "200us", traces[0][0] if len(traces) == 1 else "")
    screen = Screen(width, height, dot=3, halo=False)  # the finer grid of many bench scopes
    return scope_screenshot(sample, screen), screen.plot_box
