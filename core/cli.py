"""Command line: `python -m core train | predict | captures | runs | bench | sweep`."""

from __future__ import annotations

import argparse
import dataclasses
import json
import signal
import sys
import threading
import time

from core.errors import LabError
from core.training.presets import PRESET_NAMES

TRAIN_OVERRIDES = (
    # (flag, TrainConfig field, type, help)
    ("--epochs", "epochs", int, "epochs to train"),
    ("--seed", "seed", int, "seed for data, initial kernels and shuffling"),
    ("--lr", "lr", float, "learning rate"),
    ("--batch-size", "batch_size", int, "images per step"),
    ("--n-train", "n_train", int, "training images"),
    ("--n-test", "n_test", int, "held-out images"),
    ("--device", "device", str, "auto, cpu, cuda or mps"),
    ("--snapshot-every", "snapshot_every", int, "steps between kernel snapshots (0 = auto)"),
    ("--target-accuracy", "target_accuracy", float, "stop once held-out accuracy reaches this"),
    ("--max-seconds", "max_seconds", float, "stop after this much training time"),
)


def _parse_colour(text: str | None):
    if text is None:
        return None
    parts = text.split(",")
    if len(parts) == 3:
        try:
            rgb = tuple(int(p) for p in parts)
        except ValueError:
            raise LabError(f"--colour {text!r} is not R,G,B (three numbers 0-255).") from None
        if not all(0 <= v <= 255 for v in rgb):
            raise LabError(f"--colour {text!r} has a value outside 0-255.")
        return rgb
    return text  # a colour name; capture.py says if it does not know it


def _parse_crop(text: str | None):
    if text is None:
        return None
    try:
        box = tuple(int(p) for p in text.split(","))
    except ValueError:
        box = ()
    if len(box) != 4 or box[2] <= box[0] or box[3] <= box[1]:
        raise LabError(f"--crop {text!r} must be x0,y0,x1,y1 with x1 > x0 and y1 > y0 (pixels).")
    return box


class _Progress:
    """A one-line progress bar on stderr, drawn only on a terminal."""

    def __init__(self, enabled: bool) -> None:
        self.enabled = enabled
        self.total = 1
        self.t0 = time.perf_counter()
        self.acc = ""

    def __call__(self, ev) -> None:
        if ev.kind == "start":
            self.total = ev.data["total_steps"]
        elif ev.kind == "metrics":
            self.acc = f" held-out {ev.data['test_accuracy']:.1%} loss {ev.data['loss']:.4f}"
        if not self.enabled or ev.kind not in ("metrics", "snapshot", "end"):
            return
        frac = min(1.0, ev.step / max(1, self.total))
        bar = "#" * int(30 * frac) + "-" * (30 - int(30 * frac))
        el = time.perf_counter() - self.t0
        sys.stderr.write(f"\r[{bar}] {ev.step}/{self.total} {el:5.1f}s{self.acc}   ")
        if ev.kind == "end":
            sys.stderr.write("\n")
        sys.stderr.flush()


def _exit_on_signal(signum: int, frame) -> None:
    raise SystemExit(128 + signum)


def cmd_train(args: argparse.Namespace) -> int:
    from core.data.waveforms import WaveformSpec
    from core.nn.model import select_device
    from core.training.experiment import run_experiment
    from core.training.presets import preset
    from core.training.published import check_runnable
    from core.training.runs import RunStore

    spec = WaveformSpec(include_sawtooth=True) if args.sawtooth else None
    exp = preset(args.preset, spec)
    changes = {
        fld: getattr(args, fld)
        for _, fld, _, _ in TRAIN_OVERRIDES
        if getattr(args, fld) is not None
    }
    if changes:
        try:
            exp = exp.with_changes(train=dataclasses.replace(exp.train, **changes))
        except TypeError as e:
            raise LabError(f"Bad training setting: {e}.") from None
    # a network too big for this machine: say what it needs, with a time measured on this CPU
    check_runnable(exp.model, exp.train, select_device(exp.train.device), measure=True)
    progress = _Progress(enabled=sys.stderr.isatty() and not args.json)
    # SIGTERM (kill, a shutdown) unwinds like Ctrl-C, so the run folder says "interrupted"
    main_thread = threading.current_thread() is threading.main_thread()
    old = signal.signal(signal.SIGTERM, _exit_on_signal) if main_thread else None
    try:
        result = run_experiment(exp, RunStore(args.runs_dir), on_event=progress)
    finally:
        if main_thread:
            signal.signal(signal.SIGTERM, old)
    summary = result.summary(exp)
    if args.json:
        print(json.dumps(summary))
    else:
        acc = summary["test_accuracy"]
        print(f"{result.status}: {result.message}")
        print(f"run folder: {result.run_dir}")
        print(
            f"{summary['steps']} steps in {summary['seconds']:.1f} s of training, "
            f"{summary['params']:,} parameters, held-out accuracy "
            + (f"{acc:.1%}" if acc is not None else "not measured")
        )
    return 0 if result.status in ("done", "stopped") else 3


def cmd_predict(args: argparse.Namespace) -> int:
    from core.capture.namer import WORDS
    from core.training.predict import UNSURE_BELOW, load_predictor, predict_file, shown_probability

    predictor = load_predictor(args.run)
    crop, colour = _parse_crop(args.crop), _parse_colour(args.colour)
    results, failed = [], 0
    for name in args.images:
        try:
            results.append(predict_file(predictor, name, crop=crop, colour=colour))
        except LabError as e:
            failed += 1
            print(f"{name}: {e}", file=sys.stderr)
        except Exception as e:  # an unexpected reader failure must not stop the other files
            failed += 1
            print(f"{name}: could not be read ({type(e).__name__}).", file=sys.stderr)
    if args.json:
        print(json.dumps(results))
    else:
        for r in results:
            probs = "  ".join(f"{c} {shown_probability(p, UNSURE_BELOW)}"
                              for c, p in r["probabilities"].items())  # fmt: skip
            note = "  unsure: none of the shapes this network knows" if r["unsure"] else ""
            if r["unsure"] and r.get("doubt"):  # the reason is the reading, not the shape
                note = f"  unsure: {r['doubt']}"
            elif r["unsure"] and r.get("looks_like") in WORDS:
                note += f" (it looks like {WORDS[r['looks_like']]})"
            if r.get("traces", 1) > 1:
                note += f"  (of {r['traces']} waveforms read, the one it recognises best)"
            print(f"{r['file']}: {r['label']}   ({probs}){note}")
    return 1 if failed else 0


def cmd_captures(args: argparse.Namespace) -> int:
    from core.training.captures import answer_words, classify_folder, format_tally, tally
    from core.training.predict import EXAMPLE_RUN, load_predictor

    predictor = load_predictor(args.run or EXAMPLE_RUN)
    tty = sys.stderr.isatty() and not args.json

    def progress(i: int, n: int, answer) -> None:
        if tty:
            sys.stderr.write(f"\r{i + 1}/{n} {answer.file[:60]:60s}")
            sys.stderr.flush()

    answers = classify_folder(predictor, args.folder, args.labels, on_file=progress)
    if tty:
        sys.stderr.write("\n")
    rows = tally(answers, predictor.classes)
    if args.json:
        print(json.dumps({"tally": rows, "files": [a.to_dict() for a in answers]}))
        return 0
    if not answers:
        print(f"No images in {args.folder}.")
        return 0
    for a in answers:
        said = a.refused or answer_words(a.to_dict())
        wanted = f" [{'|'.join(a.labels)}: {a.outcome}]" if a.labels else ""
        print(f"{a.file}: {said}{wanted}")
    print()
    print(format_tally(rows))
    return 0


def cmd_runs(args: argparse.Namespace) -> int:
    from core.training.runs import RunStore

    runs, warnings = RunStore(args.runs_dir).list_runs()
    for w in warnings:
        print(f"warning: {w}", file=sys.stderr)
    if not runs:
        print(f"No runs under {RunStore(args.runs_dir).root}.")
    for r in runs:
        print(r.label)
    return 0


def cmd_bench(args: argparse.Namespace) -> int:
    from core.bench import format_table, run_benchmarks

    rows = run_benchmarks(quick=args.quick)
    if args.json:
        print(json.dumps(rows))
    else:
        print(format_table(rows))
    return 0


def _parse_settings(items: list[str], many: bool) -> list[tuple[str, object]]:
    from core.training.sweep import parse_value

    out = []
    for item in items:
        name, sep, text = item.partition("=")
        if not sep or not text:
            raise LabError(f"{item!r} must be setting=value{',value...' if many else ''}.")
        name = name.strip().replace("-", "_")
        values = tuple(parse_value(name, v.strip()) for v in text.split(","))
        out.append((name, values if many else values[0]))
    return out


def _parse_seeds(text: str) -> tuple[int, ...]:
    try:
        if "-" in text:
            lo, hi = (int(v) for v in text.split("-"))
            return tuple(range(lo, hi + 1))
        return tuple(int(v) for v in text.split(","))
    except ValueError:
        raise LabError(f"--seeds {text!r} must be a range like 0-4 or a list like 0,1,7.") from None


def cmd_sweep(args: argparse.Namespace) -> int:
    from core.training.sweep import SweepSpec, run_sweep

    spec = SweepSpec(
        preset=args.preset,
        fixed=tuple(_parse_settings(args.set, many=False)),
        axes=tuple(_parse_settings(args.vary, many=True)),
        seeds=_parse_seeds(args.seeds),
    )
    total = len(spec.points())

    def report(done: int, total: int, row: dict) -> None:
        if not args.json:
            acc = row.get("final_accuracy")
            acc_s = f"{acc:.1%}" if acc is not None else "-"
            print(f"[{done}/{total}] {row['run']}: {row['status']}, held-out {acc_s}", flush=True)

    if not args.json:
        print(f"{total} runs into {args.out}", flush=True)
    t0 = time.perf_counter()
    rows = run_sweep(spec, args.out, args.workers, args.engine, args.cluster, on_row=report)
    wall = time.perf_counter() - t0
    if args.json:
        print(json.dumps({"out": args.out, "runs": len(rows), "wall_seconds": round(wall, 2)}))
    else:
        print(f"sweep table: {args.out}/sweep.csv ({len(rows)} runs in {wall:.1f} s)")
    return 0 if all(r["status"] in ("done", "stopped") for r in rows) else 3


def build_parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(prog="python -m core", description="CNN Kernel Lab engine.")
    sub = p.add_subparsers(dest="command", required=True)

    t = sub.add_parser("train", help="train a network and save a run folder")
    t.add_argument("--preset", choices=PRESET_NAMES, default="fast")
    for flag, dest, typ, hlp in TRAIN_OVERRIDES:
        t.add_argument(flag, dest=dest, type=typ, default=None, help=hlp)
    t.add_argument("--sawtooth", action="store_true", help="add the fourth class, sawtooth")
    t.add_argument("--runs-dir", default=None, help="runs root (default $KERNEL_LAB_RUNS or runs/)")
    t.add_argument("--json", action="store_true", help="print one JSON summary as the last line")
    t.set_defaults(func=cmd_train)

    pr = sub.add_parser("predict", help="classify image files with a run's network")
    pr.add_argument("--run", required=True, help="a run folder")
    pr.add_argument("images", nargs="+", help="PNG, JPEG, BMP, GIF, WebP or TIFF files")
    pr.add_argument("--crop", default=None, help="x0,y0,x1,y1 plotting area in pixels")
    pr.add_argument("--colour", "--color", default=None, help="trace colour: R,G,B or a name")
    pr.add_argument("--json", action="store_true", help="print one JSON list")
    pr.set_defaults(func=cmd_predict)

    c = sub.add_parser("captures", help="classify every image in a folder and tally per kind")
    c.add_argument("folder", help="a folder of images (any format, whatever the file names say)")
    c.add_argument("--run", default=None, help="a run folder (default: the shipped example run)")
    c.add_argument(
        "--labels", default=None, help="labels.csv: file,label,kind (default: the folder's own)"
    )
    c.add_argument("--json", action="store_true", help="print the tally and every answer as JSON")
    c.set_defaults(func=cmd_captures)

    r = sub.add_parser("runs", help="list the saved runs")
    r.add_argument("--runs-dir", default=None)
    r.set_defaults(func=cmd_runs)

    b = sub.add_parser("bench", help="measure generation, training and pipeline speed")
    b.add_argument("--quick", action="store_true", help="smaller measurements (for tests)")
    b.add_argument("--json", action="store_true")
    b.set_defaults(func=cmd_bench)

    sw = sub.add_parser("sweep", help="train one preset over settings x seeds; one sweep table")
    sw.add_argument("--preset", choices=PRESET_NAMES, default="fast")
    sw.add_argument(
        "--vary",
        action="append",
        default=[],
        metavar="SETTING=V1,V2",
        help="a setting to sweep over, e.g. kernels=5,20 or loss=l1,mse (repeatable)",
    )
    sw.add_argument(
        "--set",
        action="append",
        default=[],
        metavar="SETTING=V",
        help="a setting for every run, e.g. n_train=600 (repeatable)",
    )
    sw.add_argument("--seeds", default="0-4", help="seeds: a range 0-4 or a list 0,1,7")
    sw.add_argument("--out", required=True, help="sweep folder: runs/ and sweep.csv go here")
    sw.add_argument("--workers", type=int, default=None, help="parallel runs (default: all cores)")
    sw.add_argument(
        "--engine",
        choices=("pool", "submitit"),
        default="pool",
        help="pool: worker processes here; submitit: a Slurm cluster or its local mode",
    )
    sw.add_argument(
        "--cluster",
        default=None,
        help="submitit only: 'local' for processes here, default Slurm if present",
    )
    sw.add_argument("--json", action="store_true", help="print one JSON summary line")
    sw.set_defaults(func=cmd_sweep)
    return p


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    try:
        return args.func(args)
    except LabError as e:
        print(f"error: {e}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        print("interrupted", file=sys.stderr)
        return 130


if __name__ == "__main__":
    raise SystemExit(main())
