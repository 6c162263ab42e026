"""The study's claims, each in its own words, the sweep that measures it, and a verdict.

Every claim is answered from a sweep table (see core.training.sweep): statistics per setting over
seeds (mean and spread, or the share of seeds for yes/no measures) and one sentence that follows
from the numbers. The sweeps are sized for a laptop (100x100 images, a few hundred to a thousand
training images, a few epochs); `Claim.measured` says exactly what was run.
"""

from __future__ import annotations

import math
import statistics
from collections.abc import Callable
from dataclasses import dataclass

from core.training.sweep import SweepSpec

SEEDS = (0, 1, 2, 3, 4)
# Sized so the whole shipped sweep (80 runs) trains in about 20 minutes on 2 shared cores.
# The fast recipe, smaller: 2 epochs of 400 images (25 steps), held-out checks every 5 steps.
_FAST = (("n_train", 400), ("n_test", 150), ("epochs", 2), ("batch_size", 32), ("eval_every", 5))
# The study's recipe on 300 images: batches of a tenth of the set, as its 1000 of 10,000.
_PAPER = (("n_train", 300), ("n_test", 90), ("epochs", 6), ("batch_size", 30), ("eval_every", 5))

SWEEPS: dict[str, SweepSpec] = {
    "kernels": SweepSpec("fast", _FAST, (("kernels", (5, 20, 50, 100)),), SEEDS),
    "sizes": SweepSpec("fast", _FAST, (("kernel_size", (9, 17, 25, 33, 41, 49)),), SEEDS),
    # each recipe keeps its own sizes: "preset" picks them before the loss changes
    "losses": SweepSpec(
        "fast",
        (),
        (("preset", ("paper", "fast")), ("loss", ("l1", "cross_entropy", "mse"))),
        SEEDS,
        preset_fixed=(("paper", _PAPER), ("fast", _FAST)),
    ),
}
RECIPE_SIZES = {"fast": dict(_FAST), "paper": dict(_PAPER)}
LOSS_NAMES = {"l1": "L1", "cross_entropy": "cross-entropy", "mse": "MSE", "bce": "BCE"}


@dataclass(frozen=True)
class Stat:
    """One setting's measure over its seeds: n runs, mean, standard deviation, min and max."""

    setting: str
    n: int
    mean: float
    std: float
    low: float
    high: float

    @property
    def sem(self) -> float:
        return self.std / math.sqrt(self.n) if self.n > 1 else float("inf")


@dataclass(frozen=True)
class Claim:
    """A claim of the study, the sweep and column that measure it, and how to judge it."""

    key: str
    title: str
    quote: str  # the study's own words
    sweep: str  # key in SWEEPS
    group: tuple[str, ...]  # sweep columns whose values make one setting
    measure: str  # sweep-table column
    label: str  # what the measure is, for the chart
    share: bool  # a yes/no column: report the share of seeds
    judge: Callable[[list[Stat]], str] | None
    keep: Callable[[dict], bool] = lambda row: True


def _setting(row: dict, group: tuple[str, ...]) -> str:
    return ", ".join(f"{row.get(g)}" for g in group)


def claim_stats(claim: Claim, rows: list[dict], measure: str | None = None) -> list[Stat]:
    """Per-setting statistics of `measure` (default the claim's) over the rows it keeps, in the
    order the settings first appear."""
    measure = measure or claim.measure
    groups: dict[str, list[float]] = {}
    for row in rows:
        v = row.get(measure)
        if not claim.keep(row) or v is None or (isinstance(v, float) and math.isnan(v)):
            continue
        groups.setdefault(_setting(row, claim.group), []).append(float(v))
    out = []
    for setting, vals in groups.items():
        std = statistics.stdev(vals) if len(vals) > 1 else 0.0
        out.append(Stat(setting, len(vals), statistics.fmean(vals), std, min(vals), max(vals)))
    return out


def differs(a: Stat, b: Stat) -> bool:
    """The means differ by more than twice their combined standard error."""
    return abs(a.mean - b.mean) > 2 * math.hypot(a.sem, b.sem)


def _by(stats: list[Stat]) -> dict[str, Stat]:
    return {s.setting: s for s in stats}


def _kernels_verdict(stats: list[Stat]) -> str:
    s = _by(stats)
    few, many = s.get("5"), s.get("100")
    if few is None or many is None:
        return "Not measured: the sweep lacks 5 or 100 kernels."
    if many.mean < few.mean and differs(few, many):
        return (
            f"Borne out: kernels are less structured with more of them (score {few.mean:.1f} "
            f"with 5 kernels, {many.mean:.1f} with 100)."
        )
    if many.mean > few.mean and differs(few, many):
        return (
            f"Not borne out: with 100 kernels each is more structured ({many.mean:.1f}) "
            f"than with 5 ({few.mean:.1f})."
        )
    return (
        f"Not measurable here: 5 and 100 kernels score alike ({few.mean:.1f} and {many.mean:.1f}) "
        "within the spread over seeds."
    )


def _losses_verdict(stats: list[Stat]) -> str:
    parts = []
    for recipe in ("paper", "fast"):
        shares = {s.setting.split(", ")[1]: s for s in stats if s.setting.startswith(recipe + ",")}
        if not shares:
            continue
        l1 = shares.get("l1")
        best_name, best = max(shares.items(), key=lambda kv: kv[1].mean)
        name = "the study's recipe" if recipe == "paper" else "the fast recipe"
        alone = sum(v.mean == best.mean for v in shares.values()) == 1
        if best.mean == 0:
            parts.append(f"on {name} no loss reached 90% in the budget")
        elif l1 is not None and best_name == "l1" and alone:
            parts.append(f"on {name} L1 is the most reliable ({l1.mean:.0%} of seeds reach 90%)")
        else:
            others = ", ".join(f"{LOSS_NAMES.get(k, k)} {v.mean:.0%}" for k, v in shares.items())
            parts.append(
                f"on {name} L1 is not the most reliable loss ({others} of seeds reach 90%)"
            )
    text = "; ".join(parts) + "."
    return text[0].upper() + text[1:] if parts else "Not measured."


def _stuck_verdict(stats: list[Stat]) -> str:
    if not stats:
        return "Not measured."
    s = stats[0]
    k = round(s.mean * s.n)
    return (
        f"{k} of {s.n} runs of the study's recipe (L1, SGD lr 0.1) ended stuck on a plateau, "
        f"so getting stuck is {'the rule' if s.mean >= 0.8 else 'common' if k else 'rare'} "
        "at this size."
    )


def _sizes_verdict(stats: list[Stat]) -> str:
    if not stats:
        return "Not measured."
    best = max(stats, key=lambda s: s.mean)
    s25 = _by(stats).get("25")
    if s25 is None:
        return f"{best.setting}x{best.setting} kernels do best ({best.mean:.0%} held-out)."
    if s25 is best or not differs(s25, best):
        return (
            f"Borne out: 25x25 ({s25.mean:.0%} held-out) is as good as the best size "
            f"({best.setting}x{best.setting}, {best.mean:.0%}) within the spread over seeds."
        )
    return (
        f"Not borne out: {best.setting}x{best.setting} kernels do better ({best.mean:.0%}) than "
        f"25x25 ({s25.mean:.0%})."
    )


CLAIMS: tuple[Claim, ...] = (
    Claim(
        "kernels",
        "More kernels, less defined kernels",
        "The more kernels we had, the less defined each would be in the end. We tried 100, 50, "
        "20, etc. and think for our simple waveforms, many kernels are not needed.",
        "kernels",
        ("kernels",),
        "structure_final",
        "structure score of the trained kernels (0 = like noise, above 3 = structured)",
        False,
        _kernels_verdict,
    ),
    Claim(
        "losses",
        "Only L1 trains consistently",
        "L1-Loss was the only loss function that seemed to work consistently, but note that is "
        "not the most popular one to use with CNN classifier networks (Cross Entropy seems to be).",
        "losses",
        ("preset", "loss"),
        "reached_90",
        "share of seeds that reached 90% held-out accuracy",
        True,
        _losses_verdict,
    ),
    Claim(
        "stuck",
        "The study's recipe sometimes gets stuck",
        "Sometimes, the network will appear to train, then drop off into some stuck state, "
        "unable to lower the loss function.",
        "losses",
        ("preset", "loss"),
        "stuck",
        "share of seeds that ended stuck on a plateau",
        True,
        _stuck_verdict,
        keep=lambda row: row.get("preset") == "paper" and row.get("loss") == "l1",
    ),
    Claim(
        "sizes",
        "25x25 seemed a good size",
        'In typical machine learning parlance "the 25x25 size seemed like a good size for our '
        '100x100 images with a stride of 1."',
        "sizes",
        ("kernel_size",),
        "final_accuracy",
        "held-out accuracy at the end",
        False,
        _sizes_verdict,
    ),
    Claim(
        "random",
        "Trained kernels seem random",
        "Kernels on a trained CNN seem random (the study's question to ai.stackexchange.com).",
        "kernels",
        ("kernels",),
        "structure_final",
        "structure score: trained kernels against their random starting kernels",
        False,
        None,  # two measures: see `verdict`
    ),
)


def random_verdict(trained: list[Stat], initial: list[Stat]) -> str:
    """Trained kernels against the random kernels they started from, per kernel count."""
    pairs = [(t, i) for t in trained for i in initial if t.setting == i.setting]
    if not pairs:
        return "Not measured."
    apart = [t.setting for t, i in pairs if t.mean > i.mean and differs(t, i)]
    if len(apart) == len(pairs):
        return (
            "Not borne out: at every kernel count the trained kernels are more structured than "
            "the random ones they started from "
            f"({', '.join(f'{t.mean:.1f} vs {i.mean:.1f}' for t, i in pairs)})."
        )
    if apart:
        return (
            f"Partly: trained kernels stand out from random ones with {', '.join(apart)} "
            "kernels, not with the others."
        )
    return "Borne out: the trained kernels score no higher than the random ones they started from."


def verdict(claim: Claim, rows: list[dict]) -> str:
    """The claim's verdict in one sentence, from the sweep table's rows."""
    if claim.judge is None:  # trained against random: the same runs before and after training
        return random_verdict(
            claim_stats(claim, rows), claim_stats(claim, rows, "structure_initial")
        )
    return claim.judge(claim_stats(claim, rows))


def measured(claim: Claim) -> str:
    """What the shipped sweep behind a claim ran, in words."""
    spec = SWEEPS[claim.sweep]
    axes = "; ".join(f"{k} {', '.join(map(str, v))}" for k, v in spec.axes)
    sizes = RECIPE_SIZES
    recipes = ("paper", "fast") if claim.sweep == "losses" else (spec.preset,)
    text = "; ".join(
        f"{r} recipe on {sizes[r]['n_train']} images, {sizes[r]['epochs']} epochs, "
        f"batches of {sizes[r]['batch_size']}"
        for r in recipes
    )
    return f"{axes}; seeds {', '.join(map(str, spec.seeds))}. {text}; 100x100 images."
