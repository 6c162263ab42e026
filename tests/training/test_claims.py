"""The claims' statistics and verdicts on hand-made sweep rows, and the shipped sweep behind the
Claims page: every claim has at least 5 seeds per setting and a verdict from it."""

from __future__ import annotations

import math
from pathlib import Path

import pytest

from core.training.claims import CLAIMS, SWEEPS, claim_stats, differs, measured, verdict
from core.training.sweep import load_table

SHIPPED = Path(__file__).resolve().parents[2] / "examples" / "sweeps" / "claims"
CLAIM = {c.key: c for c in CLAIMS}


def rows_for(column: str, values: dict, group: str = "kernels") -> list[dict]:
    return [{group: k, column: v} for k, vs in values.items() for v in vs]


def test_stats_are_mean_sd_min_max_per_setting():
    rows = rows_for("structure_final", {5: [1.0, 2.0, 3.0], 100: [0.0, 0.0]})
    s5, s100 = claim_stats(CLAIM["kernels"], rows)
    assert (s5.setting, s5.n, s5.mean, s5.std, s5.low, s5.high) == ("5", 3, 2.0, 1.0, 1.0, 3.0)
    assert (s100.mean, s100.std) == (0.0, 0.0)
    assert math.isclose(s5.sem, 1 / math.sqrt(3))


def test_kernels_verdict_follows_the_numbers():
    fewer = rows_for("structure_final", {5: [6.0, 6.5, 7.0], 100: [1.0, 1.2, 0.8]})
    assert verdict(CLAIM["kernels"], fewer).startswith("Borne out")
    more = rows_for("structure_final", {5: [1.0, 1.2, 0.8], 100: [6.0, 6.5, 7.0]})
    assert verdict(CLAIM["kernels"], more).startswith("Not borne out")
    alike = rows_for("structure_final", {5: [1.0, 5.0, 3.0], 100: [2.0, 4.0, 3.1]})
    assert verdict(CLAIM["kernels"], alike).startswith("Not measurable")


def test_share_claims_count_seeds():
    rows = [
        {"preset": "paper", "loss": "l1", "reached_90": r, "stuck": s}
        for r, s in [(True, False), (False, True), (False, True), (False, True)]
    ] + [{"preset": "paper", "loss": "mse", "reached_90": False, "stuck": True}]
    (l1, mse) = claim_stats(CLAIM["losses"], rows)
    assert (l1.setting, l1.mean, mse.mean) == ("paper, l1", 0.25, 0.0)
    assert "L1 is the most reliable (25% of seeds reach 90%)" in verdict(CLAIM["losses"], rows)
    (stuck,) = claim_stats(CLAIM["stuck"], rows)  # only the study's recipe with L1
    assert stuck.n == 4 and stuck.mean == 0.75
    assert verdict(CLAIM["stuck"], rows).startswith("3 of 4 runs")


def test_sizes_and_random_verdicts():
    rows = rows_for(
        "final_accuracy", {9: [0.5, 0.55], 25: [0.9, 0.92], 49: [0.91, 0.9]}, "kernel_size"
    )
    assert verdict(CLAIM["sizes"], rows).startswith("Borne out: 25x25")
    rows = [
        {"kernels": 5, "structure_final": f, "structure_initial": i}
        for f, i in [(6.0, 0.1), (7.0, -0.2), (6.5, 0.0)]
    ]
    assert verdict(CLAIM["random"], rows).startswith("Not borne out")


def test_differs_needs_a_gap_beyond_the_spread():
    a, b = (claim_stats(CLAIM["kernels"], rows_for("structure_final", {5: v})) for v in
            ([1.0, 2.0, 3.0], [1.5, 2.5, 3.5]))  # fmt: skip
    assert not differs(a[0], b[0])


@pytest.mark.parametrize("claim", CLAIMS, ids=lambda c: c.key)
def test_shipped_sweep_answers_every_claim(claim):
    spec, rows, body = load_table(SHIPPED / claim.sweep)
    assert spec == SWEEPS[claim.sweep] and len(rows) == body["runs"] == len(spec.points())
    stats = claim_stats(claim, rows)
    assert stats and all(s.n >= 5 for s in stats)
    assert verdict(claim, rows) and not verdict(claim, rows).startswith("Not measured")
    assert "seeds 0, 1, 2, 3, 4" in measured(claim)
    for row in rows:  # the runs the table names ship too (without their model.pt)
        run = SHIPPED / claim.sweep / "runs" / row["run"]
        assert (run / "config.json").is_file() and (run / "snapshots.npz").is_file()
        assert not (run / "model.pt").exists()
