"""Altair charts for the Compare page: two runs' curves and kernel measures on one chart each."""

from __future__ import annotations

from collections.abc import Sequence

import altair as alt
import pandas as pd

from core.interpret.diagnostics import STRUCTURE_THRESHOLD
from ui.charts import _finite
from ui.diagnostics import BAND_COLOUR, STEP_AXIS

RUN_COLOURS = ("#f5c518", "#4fc3f7")
PANELS = (
    ("loss", "Training loss (each run's own loss)", None),
    ("train_accuracy", "Training accuracy", (0.0, 1.0)),
    ("test_accuracy", "Held-out accuracy", (0.0, 1.0)),
)


def _colour(names: Sequence[str]) -> alt.Color:
    return alt.Color(
        "run:N",
        scale=alt.Scale(domain=list(names), range=list(RUN_COLOURS[: len(names)])),
        legend=alt.Legend(title=None, orient="top", labelLimit=400),
    )


def curves_chart(metrics: Sequence[Sequence[dict]], names: Sequence[str]) -> alt.VConcatChart:
    """Loss, training and held-out accuracy against steps, one colour per run, stacked."""
    panels = []
    for i, (key, title, domain) in enumerate(PANELS):
        rows = [
            {"step": float(m["step"]), "value": float(m[key]), "run": name}
            for runs_metrics, name in zip(metrics, names)
            for m in runs_metrics
            if _finite(m.get("step")) and _finite(m.get(key))
        ]
        df = pd.DataFrame(rows, columns=["step", "value", "run"])
        axis = alt.Axis(format=".0%", tickCount=5) if domain else alt.Axis(tickCount=4)
        scale = alt.Scale(domain=list(domain)) if domain else alt.Scale(zero=True, nice=True)
        last = i == len(PANELS) - 1
        panels.append(
            alt.Chart(df, title=alt.Title(title, anchor="start", fontSize=14))
            .mark_line(strokeWidth=2.5)
            .encode(
                x=alt.X(
                    "step:Q",
                    title="training step" if last else None,
                    axis=alt.Axis(format="d", tickMinStep=1),
                ),
                y=alt.Y("value:Q", title=None, scale=scale, axis=axis),
                color=_colour(names),
                tooltip=["run", "step", alt.Tooltip("value:Q", format=".3g")],
            )
            .properties(height=120, width="container")
        )
    return alt.vconcat(*panels, spacing=10).configure_view(strokeWidth=0)


def structure_overlay(rows: Sequence[Sequence[dict]], names: Sequence[str]) -> alt.LayerChart:
    """Median structure score over each run's kernels against steps, over the random band."""
    df = pd.DataFrame(
        [r | {"run": name} for run_rows, name in zip(rows, names) for r in run_rows],
        columns=["step", "value", "run"],
    )
    band = pd.DataFrame({"lo": [-STRUCTURE_THRESHOLD], "hi": [STRUCTURE_THRESHOLD]})
    rect = alt.Chart(band).mark_rect(color=BAND_COLOUR, opacity=0.25).encode(y="lo:Q", y2="hi:Q")
    lines = (
        alt.Chart(df)
        .mark_line(strokeWidth=2.5)
        .encode(
            x=STEP_AXIS,
            y=alt.Y("value:Q", title="median structure score", scale=alt.Scale(zero=True)),
            color=_colour(names),
            tooltip=["run", "step", alt.Tooltip("value:Q", format=".1f")],
        )
    )
    return alt.layer(rect, lines).properties(height=300, width="container")
