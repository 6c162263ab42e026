"""Per-kind figures of the capture pipeline: the real dev set and generated looks.

    python scripts/capture_figures.py [--run RUN] [--dev DIR] [--generated N] [--seed SEED ...]
                                      [--montage PNG] [--variants] [--as-drawn] [--causes]
                                      [--look-stats] [-v]

For each kind (screenshot, photo, plot, drawing) it prints how many images were read, answered
right, wrong and unsure. An in-class image (its labels name a class of the run) is right when it
is answered with one of its labels and not unsure; an image of other shapes or none is right when
it is answered unsure. Generated captures (--generated per seed) are counted per look too; with
several --seed, also over all of them together, with each look's 95% interval: a look reaches
a goal such as 95% where the interval lies above it, on seeds nobody developed the reading on
(a reading tuned on some seeds' misses reads those seeds better than fresh ones). --montage
saves the network input made from every dev image. --variants reads each dev image again as it
comes after everyday changes (smaller, re-saved as JPEG, cropped, tilted, askew:
core.data.variants) and prints the in-class and other/none figures per change: how much of the
dev figure survives what a held-out picture may have been through; with -v, then each image a
change leaves not answered right, with the changes and answers.
--as-drawn answers the generated captures again, each read from the mask its trace was drawn
with: what the answering network gets wrong given a perfect reading, apart from what the
reading loses. --look-stats measures the traces the reading finds, in the dev images per kind
and in the generated captures per look: how thick they are (a share of their own span) and how
far their colour stands out from what they are drawn on, so each generated look can be checked
against real pictures of its kind. --causes counts each look's misses by what the reading took,
judged against the traces the capture was drawn with: nothing, off the traces (text, a grid, a
frame), another trace, part of the trace, or the trace whole (a miss of the answering network).
"""

from __future__ import annotations

import argparse
import csv
import sys
from collections import defaultdict
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from core.capture import capture_file  # noqa: E402
from core.capture.search import read_capture  # noqa: E402
from core.data.looks import KIND_OF_LOOK, LOOKS, render_capture  # noqa: E402
from core.data.variants import VARIANTS, everyday_variants  # noqa: E402
from core.data.waveforms import CLASSES  # noqa: E402
from core.errors import LabError  # noqa: E402
from core.training.captures import classify_generated  # noqa: E402
from core.training.predict import (  # noqa: E402
    load_predictor,
    recognised,
    recogniser,
    training_thickness,
)

KINDS = ("screenshot", "photo", "plot", "drawing")


SEGMENT = [True]  # --no-segment: the rules alone, for comparison


def answer(pred, src) -> tuple[dict, np.ndarray]:
    """The pipeline's answer for one image, an RGB array or a file (read the right way up, as
    `predict` and `captures` read it), and the network input it made."""
    opts = {"size": pred.image_size, "thickness": training_thickness(pred.experiment),
            "segment": SEGMENT[0], "recognise": recogniser(pred)}  # fmt: skip
    if isinstance(src, Path):
        res, _ = capture_file(src, name=src.name, extract=read_capture, **opts)
    else:
        res = read_capture(src, **opts)
    res = recognised(pred, res)
    out = pred.predict(res.network_input[None])[0]
    out["unsure"] = out["unsure"] or not res.confident
    return out, res.network_input


def said(out: dict) -> str:
    """An answer as the listings print it: the top class, its probability, and UNSURE if so."""
    top = max(out["probabilities"].values(), default=0)
    return f"{out['label']} {top:.2f}{' UNSURE' if out['unsure'] else ''}"


def score(out: dict, labels: set[str], classes: set[str]) -> str:
    if not labels & classes:
        return "right" if out["unsure"] else "wrong"
    if out["unsure"]:
        return "unsure"
    return "right" if out["label"] in labels else "wrong"


def table(title: str, rows: list[tuple[str, str, bool]]) -> str:
    """rows: (kind, outcome, in_class) -> a text table per kind."""
    t = defaultdict(lambda: defaultdict(int))
    for kind, outcome, inc in rows:
        for k in (kind, "all"):
            t[k]["read"] += 1
            t[k][outcome] += 1
            t[k]["in"] += inc
            t[k]["in_right"] += inc and outcome == "right"
            t[k]["out"] += not inc
            t[k]["out_unsure"] += (not inc) and outcome == "right"
    lines = [title, f"{'kind':12s} read right wrong unsure   in-class right   other/none unsure"]
    for k in (*KINDS, "all"):
        r = t[k]
        if not r["read"]:
            continue
        inc = f"{r['in_right']}/{r['in']}" if r["in"] else "-"
        out = f"{r['out_unsure']}/{r['out']}" if r["out"] else "-"
        lines.append(f"{k:12s} {r['read']:4d} {r['right']:5d} {r['wrong']:5d} {r['unsure']:6d}"
                     f"   {inc:>14s}   {out:>17s}")  # fmt: skip
    return "\n".join(lines)


def dev_set(pred, folder: Path, verbose: bool, montage: str | None) -> str:
    classes = set(pred.classes)
    rows, inputs = [], []
    with open(folder / "labels.csv", newline="") as f:
        entries = list(csv.DictReader(f))
    for e in entries:
        kind = e["kind"].split("-")[0]
        labels = set(e["label"].split("|"))
        try:
            out, x = answer(pred, folder / e["file"])
        except Exception as err:  # noqa: BLE001 - a reader failure is a row, not a crash
            out, x = {"label": "-", "unsure": True, "probabilities": {}}, np.zeros((100, 100))
            print(f"  {e['file']}: {err}", file=sys.stderr)
        outcome = score(out, labels, classes)
        rows.append((kind, outcome, bool(labels & classes)))
        inputs.append(x)
        if verbose:
            print(f"  {outcome:6s} {e['file'][:48]:48s} {e['label']:18s} {said(out)}")
    if montage:
        save_montage(inputs, montage)
    return table(f"dev set ({folder})", rows)


def dev_variants(pred, folder: Path, verbose: bool = False) -> str:
    """The dev set read again after each of core.data.variants' everyday changes: per change, the
    in-class images answered right and the other/none ones answered unsure. verbose: then each
    image some change leaves not answered right, with those changes and their answers (which
    pictures a small change tips over, and how)."""
    classes = set(pred.classes)
    counts = {v: [0, 0, 0, 0] for v in VARIANTS}  # in right, in, out unsure, out
    missed: dict[str, list[str]] = {}
    with open(folder / "labels.csv", newline="") as f:
        entries = list(csv.DictReader(f))
    for e in entries:
        labels = set(e["label"].split("|"))
        inc = bool(labels & classes)
        try:  # upright: the orientation the automatic reading finds a trace in
            _, upright = capture_file(folder / e["file"], name=e["file"], extract=read_capture)
            rgb = upright.rgb
        except Exception as err:  # noqa: BLE001 - a reader failure is a row, not a crash
            rgb = None
            print(f"  {e['file']}: {err}", file=sys.stderr)
        for name, img in (everyday_variants(rgb) if rgb is not None else {}).items():
            out, _ = answer(pred, img)
            c = counts[name]
            ok = score(out, labels, classes) == "right"
            c[0 if inc else 2] += ok
            c[1 if inc else 3] += 1
            if not ok:
                missed.setdefault(f"{e['file']} ({e['label']})", []).append(f"{name}: {said(out)}")
    lines = [f"dev set after everyday changes ({folder})",
             f"{'change':12s} in-class right   other/none unsure"]  # fmt: skip
    for name, (a, b, c, d) in counts.items():
        lines.append(f"{name:12s} {a:>8d}/{b:<5d} {c:>12d}/{d}")
    tot = [sum(c[i] for c in counts.values()) for i in range(4)]
    lines.append(f"{'all':12s} {tot[0]:>8d}/{tot[1]:<5d} {tot[2]:>12d}/{tot[3]}")
    if verbose:
        lines.append("not answered right after a change:")
        lines += [f"  {image}: " + "; ".join(how) for image, how in missed.items()]
    return "\n".join(lines)


def generated_answers(
    pred, n: int, seed: int, as_drawn: bool = False, seen=None
) -> tuple[str, list]:
    """(the per-kind table and per-look line for n generated captures from `seed`, the answers);
    seen: as classify_generated's, called with each capture, its reading and its answer."""
    classes = set(pred.classes)
    answers = classify_generated(pred, n, seed, as_drawn=as_drawn, seen=seen)
    rows = [(KIND_OF_LOOK[a.kind], a.outcome, bool(set(a.labels) & classes)) for a in answers]
    how = ", each read from the trace it was drawn with" if as_drawn else ""
    lines = [table(f"generated looks ({n} captures, seed {seed}{how})", rows)]
    per_look = defaultdict(lambda: [0, 0])
    for a in answers:
        per_look[a.kind][0] += a.outcome == "right"
        per_look[a.kind][1] += 1
    lines.append("per look right: " + ", ".join(
        f"{k} {a}/{b}" for k, (a, b) in per_look.items()))  # fmt: skip
    return "\n".join(lines), answers


CAUSES = ("nothing", "off the traces", "another trace", "part of the trace", "the trace whole")


def where_read(reading, cap) -> str:
    """What a generated capture's reading took, judged against the traces it was drawn with
    (cap.traces, every channel; cap.mask, the labelled one), each widened by 1% of the picture:
    "nothing"; "off the traces" (under half of the pixels read lie on any trace: text, a grid,
    a frame); "another trace" (on a trace, but under half on the labelled one); "part of the
    trace" (on the labelled trace, across under 80% of its columns); "the trace whole"."""
    from PIL import Image

    from core.capture.deskew import straightened
    from core.capture.masks import _dilate

    if not reading.found or cap.traces is None or not cap.traces.any():
        return "nothing" if not reading.found else "off the traces"
    h, w = cap.image.shape[:2]
    truth = {"traces": cap.traces, "mask": cap.mask}
    box = reading.crop_box
    if reading.tilt and reading.read_box is not None:  # read in the picture straightened
        for k, m in truth.items():
            grey = np.repeat((m * np.uint8(255))[..., None], 3, 2)
            truth[k] = straightened(grey, reading.tilt)[..., 0] > 127
        box = reading.read_box
    x0, y0, x1, y1 = box
    small = Image.fromarray(np.asarray(reading.mask, bool))
    read = np.zeros((h, w), bool)
    read[y0:y1, x0:x1] = np.asarray(small.resize((x1 - x0, y1 - y0), Image.Resampling.NEAREST))
    r = max(2, round(0.01 * max(h, w)))
    near = {k: _dilate(m, r, r) for k, m in truth.items()}
    n = max(1, int(read.sum()))
    if (read & near["traces"]).sum() < 0.5 * n:
        return "off the traces"
    if (read & near["mask"]).sum() < 0.5 * n:
        return "another trace"
    own = truth["mask"].any(0)
    cover = ((read & near["mask"]).any(0) & own).sum() / max(1, own.sum())
    return "part of the trace" if cover < 0.8 else "the trace whole"


class Causes:
    """Per look, the misses among generated captures by what their reading took (where_read):
    the reading's losses (nothing, off the traces, another or part of the trace) apart from the
    answering network's (the trace read whole and still answered wrong). Pass as `seen` to
    classify_generated; table() then prints them."""

    def __init__(self) -> None:
        self.misses = defaultdict(lambda: dict.fromkeys(CAUSES, 0))
        self.totals = defaultdict(int)

    def __call__(self, cap, reading, answer) -> None:
        self.totals[answer.kind] += 1
        if answer.outcome != "right":
            self.misses[answer.kind][where_read(reading, cap)] += 1

    def table(self, title: str) -> str:
        head = f"{'look':12s} {'misses':>9s} " + " ".join(f"{c:>17s}" for c in CAUSES)
        lines = [f"misses by what was read ({title})", head]
        for look in LOOKS:
            if self.totals[look]:
                m = self.misses[look]
                lines.append(f"{look:12s} {sum(m.values()):>4d}/{self.totals[look]:<4d} "
                             + " ".join(f"{m[c]:>17d}" for c in CAUSES))  # fmt: skip
        return "\n".join(lines)


def wilson(k: int, n: int, z: float = 1.96) -> tuple[float, float]:
    """The Wilson score interval (95% for z=1.96) of a share k/n: where the true share of
    right answers probably lies, given n captures of a look (n=0: the whole range)."""
    if n == 0:
        return 0.0, 1.0
    p = k / n
    mid = (p + z * z / (2 * n)) / (1 + z * z / n)
    half = z * np.sqrt(p * (1 - p) / n + z * z / (4 * n * n)) / (1 + z * z / n)
    return max(0.0, mid - half), min(1.0, mid + half)


def pooled(answers: list, seeds: list[int]) -> str:
    """Per look, the right answers over the generated captures of several seeds together, with
    the 95% interval of the share: one seed's 200 captures a look put a 95% figure anywhere from
    about 91% to 97%, and seeds a reading was developed on read higher than fresh ones."""
    per_look = defaultdict(lambda: [0, 0])
    for a in answers:
        per_look[a.kind][0] += a.outcome == "right"
        per_look[a.kind][1] += 1
    head = f"generated looks over seeds {', '.join(map(str, seeds))} ({len(answers)} captures)"
    lines = [head, f"{'look':12s} {'right':>11s} {'share':>7s} {'95% interval':>15s}"]
    for look in LOOKS:
        if look in per_look:
            k, n = per_look[look]
            lo, hi = wilson(k, n)
            lines.append(f"{look:12s} {k:>5d}/{n:<5d} {k / n:>7.1%} {lo:>7.1%}-{hi:.1%}")
    return "\n".join(lines)


def trace_stats(res) -> tuple[float, int] | None:
    """(thickness, contrast) of a reading's trace: the median height of the columns that hold
    one run of it, as a share of the columns it spans, and the sum over R, G and B of how far its
    median colour lies from the background's; None where too little was read."""
    m = np.asarray(res.mask, bool)
    cols = np.flatnonzero(m.any(0))
    if len(cols) < 10 or res.trace_colour is None:
        return None
    starts = (m[1:] & ~m[:-1]).sum(0) + m[0]
    runs = m.sum(0)[cols][starts[cols] == 1]
    if len(runs) < 5:
        return None
    contrast = np.abs(np.subtract(res.trace_colour, res.background_colour)).sum()
    return float(np.median(runs)) / (cols[-1] - cols[0] + 1), int(contrast)


def look_stats(pred, folder: Path | None, n: int, seed: int) -> str:
    """Median (quartiles) trace thickness and contrast, per kind of dev image and per look."""
    found = defaultdict(list)
    opts = {"size": pred.image_size, "thickness": training_thickness(pred.experiment)}
    if folder is not None:
        with open(folder / "labels.csv", newline="") as f:
            for e in csv.DictReader(f):
                try:
                    res, _ = capture_file(folder / e["file"], name=e["file"],
                                          extract=read_capture, **opts)  # fmt: skip
                except LabError:
                    continue
                found[f"dev {e['kind'].split('-')[0]}"].append(trace_stats(res))
    for i in range(n):
        look, cls = LOOKS[i % len(LOOKS)], CLASSES[(i // len(LOOKS)) % 3]
        cap = render_capture(look, cls, seed + i)
        found[f"generated {cap.look}"].append(trace_stats(read_capture(cap.image, **opts)))
    lines = [f"{'pictures':22s} {'n':>3s}   thickness (q25 median q75)   contrast (q25 median q75)"]
    for name, stats in found.items():
        t, c = (np.array([s[k] for s in stats if s]) for k in (0, 1))
        if not len(t):
            continue
        tq, cq = np.percentile(t, [25, 50, 75]), np.percentile(c, [25, 50, 75])
        lines.append(f"{name:22s} {len(t):3d}   {tq[0]:.4f} {tq[1]:.4f} {tq[2]:.4f}"
                     f"          {cq[0]:4.0f} {cq[1]:4.0f} {cq[2]:4.0f}")  # fmt: skip
    return "\n".join(lines)


def save_montage(inputs: list[np.ndarray], path: str, cols: int = 8) -> None:
    from PIL import Image

    n = len(inputs)
    size = inputs[0].shape[0] + 4 if n else 104
    rows = -(-n // cols)
    m = np.full((rows * size, cols * size), 80, np.uint8)
    for i, x in enumerate(inputs):
        r, c = divmod(i, cols)
        m[r * size + 2 : r * size + size - 2, c * size + 2 : c * size + size - 2] = x * 255
    Image.fromarray(m).save(path)


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--run", default=str(ROOT / "examples" / "runs" / "example-fast"))
    ap.add_argument("--dev", default=str(ROOT.parent / "shared" / "real-captures" / "dev"))
    ap.add_argument("--generated", type=int, default=300, help="generated captures (0: none)")
    ap.add_argument(
        "--seed",
        type=int,
        nargs="+",
        default=[10_000],
        help="seeds of the generated captures; with several, also the per-look figure over all "
        "of them with its 95%% interval (measure on seeds no change was developed on)",
    )
    ap.add_argument("--montage", default=None, help="save the dev set's network inputs here")
    ap.add_argument("-v", "--verbose", action="store_true")
    ap.add_argument(
        "--variants",
        action="store_true",
        help="also read the dev set after everyday changes (JPEG, smaller, tilted, askew)",
    )
    ap.add_argument(
        "--as-drawn",
        action="store_true",
        help="also answer the generated captures read from their drawn traces (the answering "
        "network's own misses, apart from the reading's)",
    )
    ap.add_argument(
        "--look-stats",
        action="store_true",
        help="only measure the traces read (thickness, contrast), dev kinds and generated looks",
    )
    ap.add_argument(
        "--causes",
        action="store_true",
        help="also count each look's misses by what the reading took (nothing, off the traces, "
        "another trace, part of the trace, the trace whole), judged against the drawn traces",
    )
    ap.add_argument("--no-segment", action="store_true", help="the rules alone, no segmentation")
    args = ap.parse_args()
    SEGMENT[0] = not args.no_segment
    try:
        pred = load_predictor(args.run)
    except LabError as e:
        print(e, file=sys.stderr)
        return 2
    if args.look_stats:
        folder = Path(args.dev) if Path(args.dev).is_dir() else None
        print(look_stats(pred, folder, args.generated, args.seed[0]))
        return 0
    if Path(args.dev).is_dir():
        print(dev_set(pred, Path(args.dev), args.verbose, args.montage))
        if args.variants:
            print(dev_variants(pred, Path(args.dev), args.verbose))
    if args.generated:
        answers, causes = [], Causes() if args.causes else None
        for seed in args.seed:
            text, got = generated_answers(pred, args.generated, seed, seen=causes)
            print(text, flush=True)
            answers += got
            if args.as_drawn:
                print(generated_answers(pred, args.generated, seed, as_drawn=True)[0])
        if len(args.seed) > 1:
            print(pooled(answers, args.seed))
        if causes is not None:
            print(causes.table(f"generated, seeds {', '.join(map(str, args.seed))}"))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
