"""Labelled captures in many looks: what a student's screenshot, photo, plot or drawing can be.

`render_capture(look, cls, seed)` draws one waveform (a class, or "other" for a distractor shape,
or "none" for a screen with no trace) the way a scope screen, a phone photo of one, a white or
dark plot, a textbook drawing or plain paper shows it, with menus, readouts, cursors, badges,
trigger markers, other channels, legends, ticks and arrow-headed axes around it, and returns the
RGB image, the ground-truth mask of the labelled trace and the classes any visible trace shows.
Everything is seeded: the same (look, cls, seed) gives the same capture.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from PIL import Image, ImageDraw, ImageFilter

from core.data.waveforms import CLASSES, WaveformSpec, trace_levels
from core.errors import LabError

LOOKS = ("screen", "photo", "plot", "plot_dark", "drawing", "paper")
KIND_OF_LOOK = {"screen": "screenshot", "photo": "photo", "plot": "plot", "plot_dark": "plot",
                "drawing": "drawing", "paper": "plot"}  # fmt: skip
CHANNEL_COLOURS = ((250, 230, 40), (40, 230, 240), (240, 60, 200), (60, 220, 80), (60, 120, 255),
                   (255, 140, 30), (255, 70, 60))  # fmt: skip
PLOT_COLOURS = ((31, 119, 180), (255, 127, 14), (44, 160, 44), (214, 39, 40), (148, 103, 189),
                (0, 0, 0), (23, 190, 207))  # fmt: skip
_SPEC = WaveformSpec(thickness=(1, 1), jitter=(0.0, 0.0), flip_noise=(0.0, 0.0))


@dataclass
class Capture:
    """One generated capture: RGB uint8 (H, W, 3), the labelled trace's mask bool (H, W) and
    the mask of every trace in it (what a trace finder should find before picking one)."""

    image: np.ndarray
    mask: np.ndarray
    label: str  # the labelled trace's class, "other" or "none"
    labels: tuple[str, ...]  # every class an answer may name (other channels' too)
    look: str
    shape: str  # the drawn shape's name (a class or a distractor's name)
    traces: np.ndarray | None = None  # bool (H, W): every trace drawn (other channels' too)

    @property
    def kind(self) -> str:
        return KIND_OF_LOOK[self.look]


def _text(d: ImageDraw.ImageDraw, xy, s: str, fill, rng, size: int = 10) -> None:
    try:
        d.text(xy, s, fill=fill, font_size=size)
    except (TypeError, OSError):  # older Pillow without scalable default font
        d.text(xy, s, fill=fill)


def _words(rng, n: int = 3) -> str:
    pool = ("CH1", "CH2", "500mV", "1.00ms", "Trig", "Auto", "Stop", "RUN", "Freq", "Vpp",
            "DC", "Meas", "f=1kHz", "2.60V", "Time", "Volt", "x10", "Edge", "Menu")  # fmt: skip
    return " ".join(rng.choice(pool, n))


def _polyline(levels: np.ndarray, box, amp: float, base: float) -> list[tuple[float, float]]:
    """Points of levels (W,) across box (x0, y0, x1, y1): level 1 at the top of its band."""
    x0, y0, x1, y1 = box
    xs = np.linspace(x0, x1, len(levels))
    h = y1 - y0
    ys = y0 + h * (1 - (base + amp * levels))
    return list(zip(xs.tolist(), ys.tolist()))


def _draw_trace(d, pts, colour, width: int, dotted: bool = False) -> None:
    if dotted:
        for x, y in pts[:: max(2, width * 2)]:
            d.ellipse((x - width, y - width, x + width, y + width), fill=colour)
    else:
        d.line(pts, fill=colour, width=width, joint="curve")


def _trace(rng, cls: str, box, scale: float):
    """(points, shape name) of one trace of class cls in box, at a random height and size."""
    w = max(32, int(box[2] - box[0]))
    levels, name = trace_levels(_SPEC, cls, min(w, 1024), rng)
    amp = rng.uniform(0.25, 0.8) * scale
    base = rng.uniform(0.05, 0.95 - amp)
    return _polyline(levels, box, amp, base), name


def _grid(d, box, colour, nx: int, ny: int, dotted: bool, rng) -> None:
    x0, y0, x1, y1 = box
    for i in range(nx + 1):
        x = x0 + (x1 - x0) * i / nx
        if dotted:
            for y in np.arange(y0, y1, 5):
                d.point((x, y), fill=colour)
        else:
            d.line((x, y0, x, y1), fill=colour)
    for j in range(ny + 1):
        y = y0 + (y1 - y0) * j / ny
        if dotted:
            for x in np.arange(x0, x1, 5):
                d.point((x, y), fill=colour)
        else:
            d.line((x0, y, x1, y), fill=colour)


def _others(rng, n: int) -> list[str]:
    """Classes of other channels: mostly the study's, some distractors."""
    return [str(rng.choice(list(CLASSES[:3]) + ["other"])) for _ in range(n)]


def _screen(rng, cls: str, white: bool = False, extra=None):
    """A scope screen: graticule, readouts, menus, badges, trigger marker, channels; `extra`
    (a second generator, so the first draws what it always drew) adds readouts in the channels'
    colours and a measurement box, as many scopes show."""
    w, h = int(rng.choice([320, 480, 640, 800, 1024])), 0
    h = int(w * rng.uniform(0.6, 0.8))
    bg = (255, 255, 255) if white else tuple(int(v) for v in rng.integers(0, 40, 3))
    img = Image.new("RGB", (w, h), bg)
    d = ImageDraw.Draw(img)
    top, bot = int(h * rng.uniform(0.04, 0.1)), int(h * rng.uniform(0.85, 0.95))
    right = int(w * (rng.uniform(0.75, 0.85) if rng.random() < 0.5 else rng.uniform(0.95, 1)))
    box = (int(w * 0.02), top, right, bot)
    grey = (150, 150, 150) if white else tuple(int(v) for v in rng.integers(60, 130, 3))
    _grid(d, box, grey, 10, 8, rng.random() < 0.5, rng)
    for x in range(box[0], box[2], 4):  # centre ticks
        d.line((x, (top + bot) / 2 - 2, x, (top + bot) / 2 + 2), fill=grey)
    tc = (0, 0, 0) if white else (220, 220, 220)
    _text(d, (4, 2), _words(rng, 4), tc, rng, int(max(8, top * 0.7)))
    _text(d, (4, bot + 3), _words(rng, 5), tc, rng, int(max(8, (h - bot) * 0.5)))
    if right < 0.9 * w:  # a side menu of soft keys
        for k in range(5):
            y = top + k * (bot - top) / 5
            d.rectangle((right + 4, y + 2, w - 4, y + (bot - top) / 5 - 2), outline=tc)
            _text(d, (right + 8, y + 6), _words(rng, 1), tc, rng, 10)
    labels, mask, traces = [], None, np.zeros((h, w), bool)
    n_ch = 1 + int(rng.integers(0, 3)) if cls != "none" else 0
    classes = [cls] + _others(rng, n_ch - 1) if n_ch else []
    colours = rng.permutation(len(CHANNEL_COLOURS))
    shape = cls
    for ch, c in enumerate(classes):
        colour = CHANNEL_COLOURS[colours[ch]]
        if white:
            colour = tuple(int(v * 0.8) for v in colour)
        pts, name = _trace(rng, c, box, 1.0 / max(1, len(classes) * 0.6))
        width = int(rng.choice([1, 1, 2, 3]))
        if rng.random() < 0.15 and ch == 0:  # persistence: the trace drawn again, shaken
            for _ in range(4):
                jit = [(x, y + rng.normal(0, 2)) for x, y in pts]
                _draw_trace(d, jit, tuple(int(v * 0.6) for v in colour), width)
        _draw_trace(d, pts, colour, width, dotted=rng.random() < 0.08)
        traces |= _mask_of(pts, (w, h), width)
        if extra is not None and extra.random() < 0.6:  # a readout in the channel's colour
            ty = bot + 3 + (h - bot) * 0.45 * (ch % 2) if extra.random() < 0.7 else top + 4
            _text(d, (int(w * extra.uniform(0.05, 0.6)), ty), _words(extra, 2), colour, extra,
                  int(max(8, (h - bot) * 0.4)))  # fmt: skip
        y_badge = pts[0][1]
        d.rectangle((0, y_badge - 5, 10, y_badge + 5), fill=colour)  # channel badge
        if ch == 0:
            mask = _mask_of(pts, (w, h), width)
            shape = name
        if c in CLASSES:
            labels.append(c)
    tx = (box[2] + box[0]) / 2
    d.polygon([(tx - 5, top), (tx + 5, top), (tx, top + 7)], fill=(255, 140, 0))  # trigger
    if rng.random() < 0.4:  # cursors
        cx = rng.uniform(box[0], box[2])
        for y in range(top, bot, 6):
            d.line((cx, y, cx, y + 3), fill=(255, 140, 0) if not white else (200, 100, 0))
    if extra is not None and extra.random() < 0.3:  # a measurement box over the graticule
        mx, my = extra.uniform(box[0], box[2] * 0.7), extra.uniform(top, bot * 0.7)
        d.rectangle((mx, my, mx + w * 0.22, my + h * 0.12), fill=bg, outline=tc)
        for k in range(3):
            _text(d, (mx + 4, my + 3 + k * h * 0.035), _words(extra, 2), tc, extra, 9)
    if extra is not None and cls == "none" and extra.random() < 0.6:
        _dialog(d, extra, w, h, bg)  # a screen with no trace: often a message or a menu
    img_a = np.asarray(img).copy()
    if mask is None:
        mask = np.zeros((h, w), bool)
    return img_a, mask, labels, shape, traces


def _dialog(d, rng, w: int, h: int, bg) -> None:
    """A message or settings dialog: a box of several lines of large text, in one colour, over
    most of the screen (a scope's firmware notice, a settings menu): text, not a trace."""
    x0, y0 = w * rng.uniform(0.02, 0.2), h * rng.uniform(0.02, 0.2)
    x1, y1 = w - w * rng.uniform(0.02, 0.2), h - h * rng.uniform(0.02, 0.2)
    ink = tuple(int(v) for v in CHANNEL_COLOURS[int(rng.integers(len(CHANNEL_COLOURS)))])
    if rng.random() < 0.4:
        ink = (235, 235, 235)
    d.rectangle((x0, y0, x1, y1), fill=bg if rng.random() < 0.5 else (30, 30, 60), outline=ink)
    size = int(max(10, (y1 - y0) / rng.uniform(8, 14)))
    y = y0 + size * 0.5
    while y < y1 - size * 1.2:
        _text(d, (x0 + size * 0.5, y), _words(rng, int(rng.integers(2, 7))), ink, rng, size)
        y += size * rng.uniform(1.3, 1.8)


def _mask_of(pts, size, width: int) -> np.ndarray:
    m = Image.new("L", size, 0)
    ImageDraw.Draw(m).line(pts, fill=255, width=max(1, width), joint="curve")
    return np.asarray(m) > 0


def _plot(rng, cls: str, dark: bool = False, paper: bool = False, drawing: bool = False):
    """A plot (matplotlib-like axes, ticks, legend), plain paper or a textbook drawing."""
    w = int(rng.choice([400, 560, 640, 800, 1000]))
    h = int(w * rng.uniform(0.55, 0.8))
    bg = (20, 20, 25) if dark else (255, 255, 255)
    fg = (230, 230, 230) if dark else (0, 0, 0)
    img = Image.new("RGB", (w, h), bg)
    d = ImageDraw.Draw(img)
    if drawing:
        box = (int(w * 0.08), int(h * 0.1), int(w * 0.92), int(h * 0.9))
    else:
        box = (int(w * rng.uniform(0.08, 0.15)), int(h * rng.uniform(0.08, 0.15)),
               int(w * rng.uniform(0.88, 0.97)), int(h * rng.uniform(0.82, 0.9)))  # fmt: skip
    x0, y0, x1, y1 = box
    if paper or (not drawing and rng.random() < 0.5):
        _grid(d, box, (200, 200, 200) if not dark else (70, 70, 70), int(rng.integers(5, 11)),
              int(rng.integers(4, 9)), False, rng)  # fmt: skip
    if drawing:  # arrow-headed axes through the middle (x) and the left (y)
        ym = (y0 + y1) / 2 if rng.random() < 0.6 else y1
        d.line((x0 - 10, ym, x1 + 10, ym), fill=fg, width=2)
        d.polygon([(x1 + 18, ym), (x1 + 6, ym - 5), (x1 + 6, ym + 5)], fill=fg)
        d.line((x0, y1 + 10, x0, y0 - 10), fill=fg, width=2)
        d.polygon([(x0, y0 - 18), (x0 - 5, y0 - 6), (x0 + 5, y0 - 6)], fill=fg)
        _text(d, (x1 + 4, ym + 6), "t", fg, rng, 14)
        _text(d, (x0 + 6, y0 - 18), "V", fg, rng, 14)
    elif not paper:
        d.rectangle(box, outline=fg)
        for k in range(6):
            x = x0 + (x1 - x0) * k / 5
            d.line((x, y1, x, y1 + 5), fill=fg)
            _text(d, (x - 6, y1 + 7), f"{k * 2}", fg, rng, 11)
            y = y0 + (y1 - y0) * k / 5
            d.line((x0 - 5, y, x0, y), fill=fg)
            _text(d, (x0 - 28, y - 6), f"{1 - k * 0.4:.1f}", fg, rng, 11)
        if rng.random() < 0.6:
            _text(d, (w / 2 - 40, 4), "Voltage vs time", fg, rng, 14)
    inner = (x0 + 2, y0 + 4, x1 - 2, y1 - 4)
    n_lines = 1 if cls == "none" or rng.random() < 0.6 else int(rng.integers(2, 4))
    classes = [cls] + (_others(rng, n_lines - 1) if cls != "none" else [])
    colours = rng.permutation(len(PLOT_COLOURS))
    labels, mask, shape = [], np.zeros((h, w), bool), cls
    traces = np.zeros((h, w), bool)
    for k, c in enumerate(classes if cls != "none" else []):
        colour = fg if (paper or drawing) and k == 0 else PLOT_COLOURS[colours[k]]
        if dark and colour == (0, 0, 0):
            colour = (240, 240, 240)
        pts, name = _trace(rng, c, inner, 1.0)
        width = int(rng.choice([1, 2, 2, 3]))
        dotted = not drawing and not paper and rng.random() < 0.1
        _draw_trace(d, pts, colour, width, dotted=dotted)
        traces |= _mask_of(pts, (w, h), width)
        if k == 0:
            mask, shape = _mask_of(pts, (w, h), width), name
        if c in CLASSES:
            labels.append(c)
    if not drawing and not paper and rng.random() < 0.5:  # a legend box
        lx, ly = x1 - 110, y0 + 10
        d.rectangle((lx, ly, lx + 100, ly + 16 * len(classes) + 4), outline=(180, 180, 180),
                    fill=bg)  # fmt: skip
        for k in range(len(classes)):
            d.line((lx + 5, ly + 10 + 16 * k, lx + 30, ly + 10 + 16 * k),
                   fill=PLOT_COLOURS[colours[k]], width=2)  # fmt: skip
            _text(d, (lx + 35, ly + 3 + 16 * k), f"signal {k + 1}", fg, rng, 11)
        mask[ly : ly + 16 * len(classes) + 5, lx : lx + 101] = False
        traces[ly : ly + 16 * len(classes) + 5, lx : lx + 101] = False
    return np.asarray(img).copy(), mask, labels, shape, traces


def _photo(rng, cls: str, extra=None):
    """A phone photo of a scope screen: the traces' glow, perspective, a bezel, the room, glare,
    moire, blur."""
    screen, mask, labels, shape, traces = _screen(rng, cls, extra=extra)
    sh, sw = screen.shape[:2]
    bez = int(sw * rng.uniform(0.03, 0.12))
    W, H = int((sw + 2 * bez) * rng.uniform(1.1, 1.6)), int((sh + 2 * bez) * rng.uniform(1.1, 1.6))
    room = Image.new("RGB", (W, H), tuple(int(v) for v in rng.integers(40, 200, 3)))
    rd = ImageDraw.Draw(room)
    for _ in range(6):  # clutter
        x, y = rng.integers(0, W), rng.integers(0, H)
        rd.rectangle((x, y, x + rng.integers(20, 200), y + rng.integers(20, 200)),
                     fill=tuple(int(v) for v in rng.integers(0, 255, 3)))  # fmt: skip
    ox, oy = (W - sw - 2 * bez) // 2, (H - sh - 2 * bez) // 2
    if extra is not None and extra.random() < 0.6:
        room, (ox, oy) = _scope_body(extra, room, sw + 2 * bez, sh + 2 * bez)
        W, H = room.size
        rd = ImageDraw.Draw(room)
    rd.rectangle((ox, oy, ox + sw + 2 * bez, oy + sh + 2 * bez), fill=(45, 45, 50))  # bezel
    scr = screen.astype(np.float32)
    if extra is not None:
        scr, mask, traces = _glow(scr, mask, traces, extra)
    yy, xx = np.mgrid[0:sh, 0:sw]
    if rng.random() < 0.6:  # moire from the camera sampling the pixel grid
        f = rng.uniform(0.2, 0.5)
        scr *= (0.85 + 0.15 * np.sin(f * xx + 0.7 * f * yy))[..., None]
    # Phone screens glow: the black background lifts towards the dark grey of the panel.
    scr = scr * rng.uniform(0.75, 1.0) + rng.uniform(10, 45)
    gx, gy, gr = rng.uniform(0, sw), rng.uniform(0, sh), rng.uniform(0.2, 0.6) * sw
    glare = np.exp(-((xx - gx) ** 2 + (yy - gy) ** 2) / (2 * gr**2)) * rng.uniform(0, 90)
    scr = np.clip(scr + glare[..., None], 0, 255).astype(np.uint8)
    room.paste(Image.fromarray(scr), (ox + bez, oy + bez))
    full = np.zeros((2, H, W), bool)
    full[:, oy + bez : oy + bez + sh, ox + bez : ox + bez + sw] = mask, traces
    # Perspective: the corners move by up to 6% of the size.
    jit = rng.uniform(-0.06, 0.06, 8) * np.array([W, H] * 4)
    src = np.array([0, 0, W, 0, W, H, 0, H], float) + jit
    coeffs = _perspective(src.reshape(4, 2), np.array([[0, 0], [W, 0], [W, H], [0, H]], float))
    out = room.transform((W, H), Image.PERSPECTIVE, coeffs, Image.BILINEAR)
    m, t = (
        np.asarray(Image.fromarray(f.astype(np.uint8) * 255).transform(
            (W, H), Image.PERSPECTIVE, coeffs, Image.BILINEAR)) > 96
        for f in full
    )  # fmt: skip
    out = out.filter(ImageFilter.GaussianBlur(rng.uniform(0.3, 1.5)))
    a = np.asarray(out).astype(np.float32) + rng.normal(0, rng.uniform(2, 8), (H, W, 3))
    return np.clip(a, 0, 255).astype(np.uint8), m, labels, shape, t


def _glow(scr: np.ndarray, mask: np.ndarray, traces: np.ndarray, rng):
    """(screen, mask, traces) with the traces lit as a phone photographs them: the camera's blur
    and the sensor's bloom spread a scope's bright trace into a glowing line several of the
    screen's pixels wide, at nearly its full colour (its brightest channels may clip). Read as the
    pipeline reads them, the real dev photos' traces are about 1.2% of their span thick (median;
    quartiles 0.65-1.8%) and stand out from the screen by about 400 (R+G+B; quartiles 320-520);
    without the glow, the generated photos' were 1.0% and 190 (quartiles 130-240), and with it
    1.5% and 260 (`scripts/capture_figures.py --look-stats` measures both). About a third of the
    photos keep the thin, dim line (a dim trace, a far camera)."""
    r = rng.uniform(-0.001, 0.005) * scr.shape[1]  # the glow's reach, in the screen's pixels
    if r < 0.5:
        return scr, mask, traces
    reach = int(round(r))
    lit = _spread(np.where(traces[..., None], scr, 0).astype(np.uint8), reach)
    glow = Image.fromarray(lit).filter(ImageFilter.GaussianBlur(r / 2))
    strength = rng.uniform(0.9, 1.5)
    scr = np.maximum(scr, np.minimum(255, np.asarray(glow, np.float32) * strength))
    return scr, _spread(mask, reach), _spread(traces, reach)


def _spread(a: np.ndarray, reach: int) -> np.ndarray:
    """(h, w[, c]) with each pixel the largest within `reach` pixels across and down (a square
    max filter, done one axis at a time)."""
    out = a.copy()
    for v in (out, out.swapaxes(0, 1)):  # views: each pass writes into out
        src = v.copy()
        for d in range(1, reach + 1):
            v[d:] = np.maximum(v[d:], src[:-d])
            v[:-d] = np.maximum(v[:-d], src[d:])
    return out


def _scope_body(rng, room: Image.Image, fw: int, fh: int) -> tuple[Image.Image, tuple[int, int]]:
    """The scope around its screen (fw x fh with the bezel), as phone photos show it: a light or
    dark case with knobs and buttons beside and below the screen, taking a random share of a
    room at least as large as `room`; returns the new room and the screen's top-left corner."""
    side, below, m = rng.uniform(0.15, 0.7), rng.uniform(0.05, 0.5), int(0.04 * fw)
    bw, bh = int(fw * (1 + side)) + 2 * m, int(fh * (1 + below)) + 2 * m
    grow = rng.uniform(1.05, 1.8)
    W, H = max(room.width, int(bw * grow)), max(room.height, int(bh * rng.uniform(1.05, 1.6)))
    big = room.resize((W, H))
    d = ImageDraw.Draw(big)
    bx, by = int(rng.uniform(0, W - bw)), int(rng.uniform(0, H - bh))
    light = rng.random() < 0.6
    case = tuple(int(v) for v in (rng.integers(170, 236, 3) if light else rng.integers(25, 80, 3)))
    d.rounded_rectangle((bx, by, bx + bw, by + bh), radius=int(0.03 * bw), fill=case)
    ink = tuple(int(v * 0.5) for v in case) if light else (200, 200, 200)
    px0 = bx + m + fw + m  # the panel beside the screen: knobs and soft keys
    for _ in range(int(rng.integers(3, 9))):
        r = int(rng.uniform(0.02, 0.06) * fw)
        cx = int(rng.uniform(px0 + r, max(px0 + r + 1, bx + bw - r)))
        cy = int(rng.uniform(by + r, by + bh - r))
        d.ellipse((cx - r, cy - r, cx + r, cy + r), fill=ink, outline=(20, 20, 20))
    for k in range(int(rng.integers(0, 8))):  # a row of buttons under the screen
        x = bx + m + k * fw / 8
        y = by + m + fh + m
        d.rounded_rectangle((x, y, x + fw / 10, y + max(4, 0.04 * fh)), radius=3, fill=ink)
    return big, (bx + m, by + m)


def _perspective(dst: np.ndarray, src: np.ndarray) -> list[float]:
    """PIL PERSPECTIVE coefficients mapping output points dst (4, 2) to input points src."""
    rows = []
    for (x, y), (u, v) in zip(dst, src):
        rows.append([x, y, 1, 0, 0, 0, -u * x, -u * y])
        rows.append([0, 0, 0, x, y, 1, -v * x, -v * y])
    return np.linalg.solve(np.array(rows), src.reshape(-1)).tolist()


def render_capture(look: str, cls: str, seed: int) -> Capture:
    """One capture in `look` (LOOKS) of class `cls` (a class name, "other" or "none")."""
    if look not in LOOKS:
        raise LabError(f"Unknown look {look!r}; choose one of {', '.join(LOOKS)}.")
    if cls not in (*CLASSES[:3], "other", "none"):
        raise LabError(f"Unknown capture class {cls!r}; use a class name, 'other' or 'none'.")
    rng = np.random.default_rng([seed, LOOKS.index(look)])
    extra = np.random.default_rng([seed, LOOKS.index(look), 1])
    if look == "screen":
        img, mask, labels, shape, traces = _screen(rng, cls, rng.random() < 0.25, extra)
    elif look == "photo":
        img, mask, labels, shape, traces = _photo(rng, cls, extra)
    else:
        opts = {"plot_dark": {"dark": True}, "drawing": {"drawing": True}, "paper": {"paper": True}}
        img, mask, labels, shape, traces = _plot(rng, cls, **opts.get(look, {}))
    primary = cls if cls in CLASSES else ("other" if cls == "other" else "none")
    return Capture(img, mask, primary, tuple(dict.fromkeys(labels)), look, shape, traces)


def render_captures(n: int, seed: int, looks=LOOKS, classes=("square", "gaussian", "sine")):
    """n captures cycling through looks and classes (seeded), for tests and benchmarks."""
    out = []
    for i in range(n):
        look = looks[i % len(looks)]
        cls = classes[(i // len(looks)) % len(classes)]
        out.append(render_capture(look, cls, seed * 100_003 + i))
    return out
