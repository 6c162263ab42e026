"""Did a run learn? The rule that tells a finished run that learned from one that only ran.

A run "did not learn" when its held-out accuracy ended near chance (1 / number of classes), or
its loss stayed flat while accuracy stayed far from done, or it gives one answer to nearly every
image. Such a run says so in status.json (`learned: false`, `verdict`), and the sentence says
what to change, from the run's own settings.
"""

from __future__ import annotations

import math
from collections.abc import Sequence

NEAR_CHANCE = 0.15  # held-out accuracy within this of 1/n_classes counts as chance
FLAT_LOSS = 0.05  # the last loss within 5% of the first: the loss never moved
ONE_ANSWER = 0.9  # this share of all answers in one class: it answers the same thing to all
GOOD_ENOUGH = 0.9  # above this held-out accuracy a run learned, whatever its loss did

# Above these learning rates the lab's networks overshoot (Adam is scale-free, SGD is not).
HIGH_LR = {"adam": 0.05, "sgd": 1.0}


def _finite(rows: Sequence[dict], key: str) -> list[float]:
    out = []
    for r in rows:
        v = r.get(key)
        if isinstance(v, int | float) and not isinstance(v, bool) and math.isfinite(v):
            out.append(float(v))
    return out


def one_answer(confusion: Sequence[Sequence[int]] | None) -> int | None:
    """The class index (column) that takes >= ONE_ANSWER of all answers, or None."""
    if not confusion:
        return None
    cols = [sum(row[j] for row in confusion) for j in range(len(confusion[0]))]
    total = sum(cols)
    if total == 0:
        return None
    j = max(range(len(cols)), key=cols.__getitem__)
    return j if cols[j] >= ONE_ANSWER * total and len(cols) > 1 else None


def advice(train: dict) -> str:
    """What to change, from the run's training settings (config.json's "train")."""
    lr = float(train.get("lr", 0) or 0)
    opt = str(train.get("optimizer", "adam"))
    tips = []
    if lr >= HIGH_LR.get(opt, 1.0):
        tips.append(f"lower the learning rate (now {lr:g}, try {lr / 100:g})")
    elif lr and lr < 1e-4:
        tips.append(f"raise the learning rate (now {lr:g}, try {lr * 10:g})")
    if train.get("loss", "cross_entropy") != "cross_entropy":
        tips.append("switch to cross-entropy loss")
    if not tips:
        tips.append("train for more epochs, or try another seed or the Adam optimiser")
    return "To fix it, " + " and ".join(tips) + "."


def learning_verdict(
    metrics: Sequence[dict],
    classes: Sequence[str],
    train: dict,
    confusion: Sequence[Sequence[int]] | None = None,
) -> str | None:
    """None when the run learned; else a sentence saying what went wrong and what to change."""
    accs = _finite(metrics, "test_accuracy")
    losses = _finite(metrics, "loss")
    n = max(len(classes), 2)
    if not accs:
        return None  # nothing measured yet: nothing to judge
    acc, chance = accs[-1], 1.0 / n
    if acc >= GOOD_ENOUGH:
        return None
    why = []
    if acc < chance + NEAR_CHANCE:
        why.append(f"its held-out accuracy ({acc:.0%}) is about chance for {n} classes")
    if len(losses) >= 2 and losses[0] > 0 and (losses[0] - losses[-1]) < FLAT_LOSS * losses[0]:
        first, last = losses[0], losses[-1]
        why.append(f"its loss stayed flat ({first:.3g} at the start, {last:.3g} at the end)")
    j = one_answer(confusion)
    if j is not None and j < len(classes):
        why.append(f'it answers "{classes[j]}" to nearly every image')
    if not why:
        return None
    return "It did not learn: " + "; ".join(why) + ". " + advice(train)


def run_verdict(run) -> str | None:
    """A Run's verdict: the one saved in status.json, else worked out from its files (older runs).

    Only finished runs are judged; a running or diverged run says so in its own status."""
    if run.state not in ("done", "stopped"):
        return None
    if "learned" in run.status:
        return None if run.status.get("learned") else str(run.status.get("verdict") or "")
    return learning_verdict(
        run.metrics,
        run.config.get("classes", []),
        run.config.get("train", {}),
        run.status.get("confusion"),
    )
