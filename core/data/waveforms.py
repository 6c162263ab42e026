"""Waveform images: a spec of parameter ranges and a one-bit rasteriser vectorised over the batch.

Horizontal positions and widths are fractions of the view width. Vertical levels are fractions of
the usable height: the rows left once a margin keeps a thick, jittered trace off the border rows,
so no setting can clip a trace at the top or bottom.
"""

from __future__ import annotations

import dataclasses
import math
import time
from dataclasses import dataclass
from typing import Any

import numpy as np
import torch

from core.data.shapes import add_artefacts, distractor_levels, gaussian_bumps
from core.errors import LabError

CLASSES = ("square", "gaussian", "sine", "sawtooth")

# Flat trace kept visible on each side of a single pulse or bump (fraction of the view), so a
# pulse never runs off the edge as some of the study's did.
_SIDE = 0.05
# Fraction of a cycle kept between the view's edges and a sine's peak/trough or a sawtooth's drop
# when about one cycle is shown, so the trace visibly turns back before the edge. With the half
# cycle from peak to trough this sets the fewest cycles allowed: 0.5 + 2 * 0.125 = 0.75.
_EDGE = 0.125
# Black pixels kept between the two edges of a square's high or low stretch, so edges stay apart.
_GAP_PX = 2
# Random-number rows drawn per image, in this order whatever the class, so that fixing one
# parameter in render_one leaves every other sampled value unchanged.
_DRAWN = (
    "amplitude", "baseline", "position", "width", "duty", "sigma", "cycles", "phase",
    "repetitions", "thickness", "flip_noise", "jitter", "polarity",
)  # fmt: skip
_INT_FIELDS = ("repetitions", "thickness", "bumps")
_COMMON = ("amplitude", "baseline", "polarity", "thickness", "jitter", "flip_noise")
CLASS_PARAMS = {
    "square": ("repetitions", "position", "width", "duty", "phase") + _COMMON,
    "gaussian": ("position", "sigma") + _COMMON,
    "sine": ("cycles", "phase") + _COMMON,
    "sawtooth": ("cycles", "phase") + _COMMON,
}


@dataclass(frozen=True)
class WaveformSpec:
    """Ranges (lo, hi) each image samples uniformly; images are size x size, one bit a pixel."""

    size: int = 100
    include_sawtooth: bool = False
    amplitude: tuple[float, float] = (0.2, 1.0)  # peak-to-peak, fraction of the usable height
    baseline: tuple[float, float] = (0.0, 1.0)  # trace's place in the height left: 0 bottom, 1 top
    position: tuple[float, float] = (0.0, 1.0)  # pulse/bump's place in the width left: 0 left
    width: tuple[float, float] = (0.05, 0.6)  # single square pulse, fraction of the view
    duty: tuple[float, float] = (0.2, 0.8)  # high fraction of a period, square trains
    sigma: tuple[float, float] = (0.03, 0.12)  # gaussian standard deviation, fraction of the view
    cycles: tuple[float, float] = (0.75, 8.0)  # sine and sawtooth periods across the view
    phase: tuple[float, float] = (0.0, 1.0)  # fraction of a period: sine, sawtooth, square trains
    polarity: float = 0.5  # probability that a trace is inverted (a negative pulse)
    repetitions: tuple[int, int] = (1, 10)  # square periods across the view; 1 = a single pulse
    thickness: tuple[int, int] = (1, 3)  # trace width, pixels
    flip_noise: tuple[float, float] = (0.0, 0.01)  # fraction of all pixels flipped
    jitter: tuple[float, float] = (0.0, 1.0)  # largest vertical shake of the trace, pixels
    # Share of images drawn as scopes show them: rounded edges, overshoot and ringing, noise, a
    # sloped baseline (shapes.add_artefacts); 0 keeps the clean textbook shapes.
    artefacts: float = 0.5
    bumps: tuple[int, int] = (1, 3)  # gaussian peaks per image (a multi-peak fit above 1)
    # Distractor images (triangle, sawtooth, RC, steps, DC, noise, ...) per training image, which
    # the network learns to answer with a uniform guess: "none of the shapes this network knows".
    distractors: float = 0.3

    def __post_init__(self) -> None:
        if isinstance(self.size, bool) or not isinstance(self.size, int | np.integer):
            raise LabError(f"The image size must be a whole number of pixels, got {self.size!r}.")
        if not 24 <= self.size <= 1024:
            raise LabError(f"The image size must be between 24 and 1024 pixels, got {self.size}.")
        object.__setattr__(self, "size", int(self.size))
        if not isinstance(self.include_sawtooth, bool):
            raise LabError(
                f"The sawtooth switch must be true or false, got {self.include_sawtooth!r}."
            )
        if not _is_number(self.polarity) or not 0 <= self.polarity <= 1:
            raise LabError(
                f"The polarity (chance of an inverted trace) must be 0..1, got {self.polarity!r}."
            )
        object.__setattr__(self, "polarity", float(self.polarity))
        for name, hi in (("artefacts", 1.0), ("distractors", 2.0)):
            v = getattr(self, name)
            if not _is_number(v) or not 0 <= v <= hi:
                raise LabError(f"The {name} setting must be a number from 0 to {hi:g}, got {v!r}.")
            object.__setattr__(self, name, float(v))
        for name, (lo, hi, unit) in _LIMITS.items():
            object.__setattr__(self, name, _check_range(name, getattr(self, name), lo, hi, unit))
        rows = self.size - 1 - 2 * _margin(self.thickness[1], self.jitter[1])
        if rows < _MIN_ROWS:
            raise LabError(
                f"At {self.size} px, traces up to {self.thickness[1]} px thick with "
                f"{self.jitter[1]:g} px of jitter leave too few rows for the waveform; use a "
                "larger image, a thinner trace or less jitter."
            )

    @classmethod
    def study(cls) -> WaveformSpec:
        """The original study's narrow data: single positive pulses, ~4 sine cycles, thin, clean."""
        return cls(
            amplitude=(0.3, 1.0), width=(0.05, 0.3), sigma=(0.03, 0.08), cycles=(3.0, 5.0),
            polarity=0.0, repetitions=(1, 1), thickness=(1, 1), flip_noise=(0.0, 0.0),
            jitter=(0.0, 0.0), artefacts=0.0, bumps=(1, 1), distractors=0.0,
        )  # fmt: skip


# Allowed (lowest, highest, unit) per range field. Periods shorter than _MIN_PERIOD_PX are
# lengthened per image instead, so one spec works at every image size.
_LIMITS: dict[str, tuple[float, float, str]] = {
    "amplitude": (0.1, 1.0, "of the usable height"),
    "baseline": (0.0, 1.0, "(0 bottom, 1 top)"),
    "position": (0.0, 1.0, "(0 left, 1 right)"),
    "width": (0.02, 0.8, "of the view"),
    "duty": (0.05, 0.95, "of a period"),
    "sigma": (0.01, 0.25, "of the view (above 0.12 the tails are cut by the edges)"),
    "cycles": (0.75, 16.0, "cycles across the view (0.75 fit a peak and a trough)"),
    "phase": (0.0, 1.0, "of a period"),
    "repetitions": (1, 16, "periods across the view"),
    "thickness": (1, 8, "pixels"),
    "flip_noise": (0.0, 0.2, "of the pixels"),
    "jitter": (0.0, 5.0, "pixels"),
    "bumps": (1, 5, "peaks"),
}
_MIN_PERIOD_PX = 6
# Rows the waveform itself must keep once the margins for thickness and jitter are taken.
_MIN_ROWS = 8


def _margin(thickness: int | np.ndarray, jitter: float | np.ndarray) -> float | np.ndarray:
    """Rows (px) kept free at top and bottom so a thick, jittered trace never touches the border."""
    return 1 + np.ceil(jitter) + thickness // 2


def _is_number(v: Any) -> bool:
    return isinstance(v, int | float | np.integer | np.floating) and not isinstance(v, bool)


def _check_range(name: str, value: Any, lo: float, hi: float, unit: str) -> tuple:
    """The range as a tuple of two numbers, or a LabError sentence naming the field."""
    is_int = name in _INT_FIELDS
    kind = "whole numbers" if is_int else "numbers"
    ok = isinstance(value, list | tuple) and len(value) == 2 and all(map(_is_number, value))
    ok = ok and all(math.isfinite(v) and (not is_int or float(v).is_integer()) for v in value)
    if not ok:
        raise LabError(f"The {name} range must be two {kind} (low, high), got {value!r}.")
    a, b = (int(v) for v in value) if is_int else (float(v) for v in value)
    if a > b:
        raise LabError(f"The {name} range has its low end ({a:g}) above its high end ({b:g}).")
    if a < lo or b > hi:
        raise LabError(
            f"The {name} range must lie within {lo:g}..{hi:g} {unit}, got ({a:g}, {b:g})."
        )
    return (a, b)


STUDY_SPEC = WaveformSpec.study()


def class_names(spec: WaveformSpec) -> list[str]:
    """Names of the classes a dataset from this spec uses; label = index into this list."""
    return list(CLASSES if spec.include_sawtooth else CLASSES[:3])


def class_balance(labels: np.ndarray | torch.Tensor, spec: WaveformSpec) -> dict[str, int]:
    """Image count per active class name for int labels (n,)."""
    names = class_names(spec)
    y = np.asarray(labels, dtype=np.int64).reshape(-1)
    if y.size and (y.min() < 0 or y.max() >= len(names)):
        raise LabError(f"Labels must lie between 0 and {len(names) - 1} for classes {names}.")
    return dict(zip(names, np.bincount(y, minlength=len(names)).tolist()))


def _sample(spec: WaveformSpec, labels: np.ndarray, rng: np.random.Generator) -> dict:
    """Per-image parameter values (n,) for labels (n,), made valid for each image's class."""
    n, size = len(labels), spec.size
    u = rng.random((len(_DRAWN), n))
    p: dict[str, np.ndarray] = {}
    for row, name in zip(u, _DRAWN[:-1]):
        lo, hi = getattr(spec, name)
        if name in _INT_FIELDS:
            p[name] = np.minimum(lo + np.floor(row * (hi - lo + 1)), hi).astype(np.int64)
        else:
            p[name] = lo + row * (hi - lo)
    p["polarity"] = np.where(u[-1] < spec.polarity, -1, 1)
    most = size / _MIN_PERIOD_PX  # small images get fewer, longer periods
    p["cycles"] = np.minimum(p["cycles"], most)
    p["repetitions"] = np.minimum(p["repetitions"], int(most))
    # Each high and low stretch of a square spans its two edge lines plus a gap, or half a period.
    period_px = size / p["repetitions"]
    seg = np.minimum(p["thickness"] + _GAP_PX, period_px / 2) / size
    p["width"] = np.maximum(p["width"], seg)
    p["duty"] = np.clip(p["duty"], seg * p["repetitions"], 1 - seg * p["repetitions"])
    # With about one cycle in view only some phases show a sine's peak and trough (a sawtooth's
    # drop) clear of the edges; move the others to the nearest phase that does. Once a whole
    # cycle fits between the edge margins every phase does, and none moves.
    inner = p["cycles"] - 2 * _EDGE  # cycles strictly inside the view
    sine = labels == CLASSES.index("sine")
    # Peak at 1/4 and trough at 3/4 of a cycle: valid phases repeat every half cycle.
    half = np.floor(2 * p["phase"])
    start = 2 * (0.75 - inner - _EDGE)
    snapped = (half + _snap(2 * p["phase"] - half, start, 2 * (inner - 0.5))) / 2 % 1
    p["phase"] = np.where(sine, snapped, p["phase"])
    saw = labels == CLASSES.index("sawtooth")
    p["phase"] = np.where(saw, _snap(p["phase"], 1 - inner - _EDGE, inner), p["phase"])
    return p


def _snap(phase: np.ndarray, start: np.ndarray, length: np.ndarray) -> np.ndarray:
    """Nearest phase (mod 1) to `phase` inside [start, start+length] mod 1; length >= 1: all."""
    off = np.mod(phase - start, 1.0)
    nearer_end = off - length < 1.0 - off
    snapped = np.mod(np.where(nearer_end, start + length, start), 1.0)
    return np.where((off <= length) | (length >= 1), phase, snapped)


def _levels(p: dict, labels: np.ndarray, size: int) -> np.ndarray:
    """Trace level (n, W) in [0, 1] (0 = low, 1 = high) at each column centre."""
    x = ((np.arange(size) + 0.5) / size).astype(np.float32)
    v = np.empty((len(labels), size), dtype=np.float32)
    for k, name in enumerate(CLASSES):
        i = np.flatnonzero(labels == k)
        if not i.size:
            continue
        q = {key: val[i, None].astype(np.float32) for key, val in p.items()}
        if name == "square":
            left = _SIDE + q["position"] * (1 - 2 * _SIDE - q["width"])
            pulse = (x >= left) & (x < left + q["width"])
            train = np.mod(x * q["repetitions"] + q["phase"], 1.0) < q["duty"]
            v[i] = np.where(q["repetitions"] == 1, pulse, train)
        elif name == "gaussian":
            centre = _bump_centre(q["position"], q["sigma"])
            v[i] = np.exp(-0.5 * ((x - centre) / q["sigma"]) ** 2)
        elif name == "sine":
            v[i] = 0.5 + 0.5 * np.sin(2 * np.pi * (q["cycles"] * x + q["phase"]))
        else:
            v[i] = np.mod(q["cycles"] * x + q["phase"], 1.0)
    return np.where(p["polarity"][:, None] < 0, 1 - v, v)


def _render(spec: WaveformSpec, labels: np.ndarray, rng: np.random.Generator):
    """Images uint8 (n, H, W) in {0, 1} and the parameters used, for the given labels (n,)."""
    p = _sample(spec, labels, rng)
    levels = _levels(p, labels, spec.size)
    # Extra draws come after the study's, from the same stream, only when switched on: a clean
    # spec's images stay what they were.
    _add_bumps(spec, p, labels, levels, rng)
    if spec.artefacts > 0:
        levels = add_artefacts(levels, spec.artefacts, rng, slope_ok=labels != 2)
    return _draw(spec, levels, p, rng), p


def _bump_centre(position: np.ndarray, sigma: np.ndarray) -> np.ndarray:
    """A gaussian's centre (fraction of the view) for its place 0..1 in the room left: out to
    3.5 sigma each side the bump is within 0.2% of its baseline, flat at any amplitude, and that
    much is kept in view; a bump too wide for it is centred with its tails cut evenly by the
    edges, as a plot of -3..3 sigma shows them."""
    reach = np.minimum(3.5 * sigma, 0.5 - _SIDE)
    return _SIDE + reach + position * (1 - 2 * _SIDE - 2 * reach)


def _add_bumps(spec: WaveformSpec, p: dict, labels: np.ndarray, levels: np.ndarray, rng) -> None:
    """Give the gaussians in levels (n, W) their extra peaks (spec.bumps), in place."""
    gauss = labels == CLASSES.index("gaussian")
    if spec.bumps[1] <= 1 or not gauss.any():
        return
    x = ((np.arange(spec.size) + 0.5) / spec.size).astype(np.float32)
    extra = rng.integers(spec.bumps[0] - 1, spec.bumps[1], gauss.sum())
    q = {k: p[k][gauss] for k in ("position", "sigma", "polarity")}
    centre = _bump_centre(q["position"], q["sigma"])
    bumps = gaussian_bumps(x, centre, q["sigma"], extra, rng)
    levels[gauss] = np.where(q["polarity"][:, None] < 0, 1 - bumps, bumps)


def _draw(spec: WaveformSpec, levels: np.ndarray, p: dict, rng: np.random.Generator):
    """One-bit images uint8 (n, H, W) of levels (n, W) with p's amplitude, baseline and pen."""
    n, size = len(levels), spec.size
    t = p["thickness"][:, None].astype(np.int16)
    amp, jitter = (p[k][:, None].astype(np.float32) for k in ("amplitude", "jitter"))
    # Margin (px) that keeps the thickened, jittered trace off the top and bottom rows.
    margin = _margin(t, jitter)
    level = p["baseline"][:, None].astype(np.float32) * (1 - amp) + amp * levels
    y = margin + level * (size - 1 - 2 * margin)
    y += (2 * rng.random((n, size), dtype=np.float32) - 1) * jitter
    row = (size - 1 - np.rint(y)).astype(np.int16)  # (n, W), row 0 at the top
    # Each column spans from the previous column's row to its own, so edges draw as vertical lines.
    prev = np.concatenate([row[:, :1], row[:, :-1]], axis=1)
    top = np.minimum(row, prev) - (t - 1) // 2
    bot = np.maximum(row, prev) + t // 2
    # Thicken sideways: neighbouring spans overlap, so their union is one span per column.
    k = int(t.max())
    top_pad, bot_pad = (np.pad(a, ((0, 0), (k, k)), mode="edge") for a in (top, bot))
    for off in range(-((k - 1) // 2), k // 2 + 1):
        use = (off >= -((t - 1) // 2)) & (off <= t // 2) & (off != 0)
        np.minimum(top, top_pad[:, k + off : k + off + size], out=top, where=use)
        np.maximum(bot, bot_pad[:, k + off : k + off + size], out=bot, where=use)
    # Unsigned wrap-around makes "top <= r <= bot" one compare: r - top wraps above bot - top for
    # r < top; uint8 is safe while size <= 128.
    dt = np.uint8 if size <= 128 else np.uint16
    rows = np.arange(size, dtype=dt)[None, :, None]
    top, span = top.astype(dt), (bot - top).astype(dt)
    images = np.empty((n, size, size), dtype=np.uint8)
    for s in range(0, n, 256):  # chunks of ~2.5 MB keep the temporaries in cache
        e = s + 256
        np.less_equal(rows - top[s:e, None, :], span[s:e, None, :], out=images[s:e].view(bool))
    flips = rng.binomial(size * size, p["flip_noise"])
    where = rng.integers(0, size * size, flips.sum()) + np.repeat(np.arange(n) * size**2, flips)
    images.reshape(-1)[where] ^= 1
    return images


def _check_count(name: str, value: Any) -> int:
    if isinstance(value, bool) or not isinstance(value, int | np.integer) or value < 0:
        raise LabError(f"{name} must be a whole number of at least 0, got {value!r}.")
    return int(value)


def render_batch(
    spec: WaveformSpec, n: int, seed: int, classes: list[int] | None = None
) -> tuple[np.ndarray, np.ndarray]:
    """n images uint8 (n, H, W) in {0, 1} and labels int64 (n,), classes balanced and shuffled."""
    return _balanced(spec, _check_count("The image count", n), _rng(seed), classes)


def _rng(seed: int | np.random.SeedSequence) -> np.random.Generator:
    if not isinstance(seed, np.random.SeedSequence):
        seed = _check_count("The seed", seed)
    return np.random.default_rng(seed)


def _balanced(spec: WaveformSpec, n: int, rng: np.random.Generator, classes: list[int] | None):
    """Images and labels (n,), the classes round-robin then shuffled so counts differ by <= 1."""
    names = class_names(spec)
    classes = list(range(len(names)) if classes is None else classes)
    if not classes or any(c not in range(len(names)) for c in classes):
        hint = "; switch sawtooth on to use class 3" if 3 in classes else ""
        raise LabError(f"Classes must be chosen from 0..{len(names) - 1} {names}{hint}.")
    labels = rng.permutation(np.resize(np.asarray(classes, dtype=np.int64), n))
    if n == 0:  # nothing to draw; _render's vectorised maths needs at least one row
        return np.zeros((0, spec.size, spec.size), np.uint8), labels
    return _render(spec, labels, rng)[0], labels


def make_datasets(
    spec: WaveformSpec, n_train: int, n_test: int, seed: int
) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor, torch.Tensor]:
    """x_train float32 (n_train, 1, H, W), y_train int64, x_test, y_test from separate streams."""
    counts = (
        _check_count("The training set size", n_train),
        _check_count("The test set size", n_test),
    )
    # Spawned streams: the held-out set depends only on (seed, n_test), never on n_train.
    streams = np.random.SeedSequence(_check_count("The seed", seed)).spawn(2)
    out = []
    for count, seq in zip(counts, streams):
        x, y = _balanced(spec, count, np.random.default_rng(seq), None)
        out += [torch.from_numpy(x).unsqueeze(1).float(), torch.from_numpy(y)]
    return tuple(out)


def render_distractors(
    spec: WaveformSpec, n: int, seed: int | np.random.SeedSequence
) -> tuple[np.ndarray, list[str]]:
    """n images uint8 (n, H, W) of shapes outside the classes (shapes.DISTRACTORS), drawn with the
    spec's amplitudes, pens and noise, and the name of each shape."""
    n, rng = _check_count("The image count", n), _rng(seed)  # seed: int or a SeedSequence
    if n == 0:
        return np.zeros((0, spec.size, spec.size), np.uint8), []
    p = _sample(spec, np.zeros(n, np.int64), rng)
    levels, names = distractor_levels(n, spec.size, rng)
    levels = np.where(p["polarity"][:, None] < 0, 1 - levels, levels)
    if spec.artefacts > 0:
        levels = add_artefacts(levels, spec.artefacts, rng)
    return _draw(spec, levels, p, rng), names


def trace_levels(
    spec: WaveformSpec, cls: str, width: int, rng: np.random.Generator
) -> tuple[np.ndarray, str]:
    """One trace's levels float32 (width,) in [0, 1], for class `cls` or, for "other", a
    distractor shape; returns the levels and the shape's name. For drawing captures in looks."""
    one = dataclasses.replace(spec, size=int(min(max(width, 24), 1024)))
    if cls == "other":
        levels, names = distractor_levels(1, one.size, rng)
        p = _sample(one, np.zeros(1, np.int64), rng)
        levels = np.where(p["polarity"][:, None] < 0, 1 - levels, levels)
        name = names[0]
    else:
        if cls not in CLASSES:
            raise LabError(f"Unknown waveform class {cls!r}; choose one of {list(CLASSES)}.")
        labels = np.array([CLASSES.index(cls)])
        p = _sample(one, labels, rng)
        levels, name = _levels(p, labels, one.size), cls
        _add_bumps(one, p, labels, levels, rng)
    if spec.artefacts > 0:
        levels = add_artefacts(levels, spec.artefacts, rng)
    x_old = (np.arange(one.size) + 0.5) / one.size
    x_new = (np.arange(width) + 0.5) / width
    return np.interp(x_new, x_old, levels[0]).astype(np.float32), name


def distractor_set(spec: WaveformSpec, n_train: int, seed: int) -> torch.Tensor | None:
    """The distractor images for a training set of n_train: float32 (M, 1, H, W) with
    M = spec.distractors * n_train, from their own stream (None when switched off)."""
    m = int(round(spec.distractors * _check_count("The training set size", n_train)))
    if m == 0:
        return None
    seq = np.random.SeedSequence(_check_count("The seed", seed)).spawn(3)[2]
    images, _ = render_distractors(spec, m, seq)
    return torch.from_numpy(images).unsqueeze(1).float()


def _used(cls: str, p: dict) -> dict[str, int | float]:
    """The parameters that shaped one image, as plain Python numbers."""
    keys = list(CLASS_PARAMS[cls])
    if cls == "square":  # a single pulse has a width and position; a train a duty and phase
        drop = ("duty", "phase") if p["repetitions"][0] == 1 else ("position", "width")
        keys = [k for k in keys if k not in drop]
    return {k: p[k][0].item() for k in keys}


def render_one(
    spec: WaveformSpec, cls: str, seed: int = 0, **overrides: float
) -> tuple[np.ndarray, dict[str, int | float]]:
    """One image uint8 (H, W) of class `cls`; overrides fix parameters; returns the values used.

    A square's width and position shape it when repetitions is 1, its duty and phase otherwise;
    polarity is fixed as 1 (upright) or -1 (inverted).
    """
    if cls not in CLASSES:
        raise LabError(f"Unknown waveform class {cls!r}; choose one of {list(CLASSES)}.")
    fixed: dict[str, Any] = {}
    for key, value in overrides.items():
        if key not in CLASS_PARAMS[cls]:
            raise LabError(f"A {cls} has no setting {key!r}; its settings are {CLASS_PARAMS[cls]}.")
        if key == "polarity":
            if value not in (1, -1):
                raise LabError(f"The polarity must be 1 (upright) or -1 (inverted), got {value!r}.")
            fixed[key] = 1.0 if value == -1 else 0.0
        else:
            fixed[key] = (value, value)
    one = dataclasses.replace(spec, **fixed)  # the spec's checks apply to fixed values too
    images, p = _render(one, np.array([CLASSES.index(cls)]), _rng(seed))
    return images[0], _used(cls, p)


def generation_rate(n: int = 20_000, seed: int = 0, repeats: int = 3) -> float:
    """Best images/s over `repeats` renders of n default-spec images."""
    spec, best = WaveformSpec(), math.inf
    for _ in range(repeats):
        start = time.perf_counter()
        render_batch(spec, n, seed)
        best = min(best, time.perf_counter() - start)
    return n / best
