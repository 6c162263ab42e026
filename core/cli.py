"""Command line: `python -m core train | predict | runs | bench`."""

from __future__ import annotations

import argparse
import dataclasses
import json
import sys
import time

from core.errors import LabError

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


def cmd_train(args: argparse.Namespace) -> int:
    from core.data.waveforms import WaveformSpec
    from core.training.experiment import run_experiment
    from core.training.presets import preset
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
    progress = _Progress(enabled=sys.stderr.isatty() and not args.json)
    result = run_experiment(exp, RunStore(args.runs_dir), on_event=progress)
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
    from core.training.predict import load_predictor, predict_file

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
            probs = "  ".join(f"{c} {p:.2f}" for c, p in r["probabilities"].items())
            note = "  unsure: none of the shapes this network knows" if r["unsure"] else ""
            print(f"{r['file']}: {r['label']}   ({probs}){note}")
    return 1 if failed else 0


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


def build_parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(prog="python -m core", description="CNN Kernel Lab engine.")
    sub = p.add_subparsers(dest="command", required=True)

    t = sub.add_parser("train", help="train a network and save a run folder")
    t.add_argument("--preset", choices=("fast", "paper"), default="fast")
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

    r = sub.add_parser("runs", help="list the saved runs")
    r.add_argument("--runs-dir", default=None)
    r.set_defaults(func=cmd_runs)

    b = sub.add_parser("bench", help="measure generation, training and pipeline speed")
    b.add_argument("--quick", action="store_true", help="smaller measurements (for tests)")
    b.add_argument("--json", action="store_true")
    b.set_defaults(func=cmd_bench)
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
