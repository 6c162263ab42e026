"""Altair charts of the kernel diagnostics against training steps (rows from
`core.verdict.chart_records`: {step, kernel, measure, value})."""

from __future__ import annotations

from collections.abc import Sequence

import altair as alt
import pandas as pd

from core.interpret.diagnostics import ORIENTATIONS, STRUCTURE_THRESHOLD

MAX_LEGEND = 10  # more kernels than this: no legend, the tooltip names the kernel
ORIENTATION_COLOURS = ("#f5c518", "#4fc3f7", "#ef5350", "#81c784")
CHANCE = 1 / len(ORIENTATIONS)
BAND_COLOUR = "#9e9e9e"
STEP_AXIS = alt.X(
    "step:Q",
    title="training step",
    scale=alt.Scale(nice=False),
    axis=alt.Axis(format="d", tickMinStep=1),
)


def _frame(rows: Sequence[dict], measure: str) -> pd.DataFrame:
    df = pd.DataFrame([r for r in rows if r["measure"] == measure])
    if df.empty:
        df = pd.DataFrame(columns=["step", "kernel", "measure", "value"])
    df["kernel"] = df["kernel"].map(lambda j: f"kernel {int(j) + 1}")
    return df


def _kernel_colour(df: pd.DataFrame) -> alt.Color:
    names = sorted(df["kernel"].unique(), key=lambda s: int(s.split()[-1]))
    legend = alt.Legend(title=None, orient="top") if len(names) <= MAX_LEGEND else None
    return alt.Color("kernel:N", sort=names, legend=legend)


def _lines(df: pd.DataFrame, y_title: str, fmt: str = ".2g", **y_kwargs) -> alt.Chart:
    return (
        alt.Chart(df)
        .mark_line(strokeWidth=2, clip=True)
        .encode(
            x=STEP_AXIS,
            y=alt.Y("value:Q", title=y_title, **y_kwargs),
            color=_kernel_colour(df),
            tooltip=["kernel", "step", alt.Tooltip("value:Q", format=fmt, title=y_title)],
        )
    )


def structure_chart(rows: Sequence[dict], measure: str = "structure") -> alt.LayerChart:
    """Structure score per kernel against steps over a grey band: where random kernels of the
    same size fall (0 ± the threshold)."""
    df = _frame(rows, measure)
    lo, hi = -STRUCTURE_THRESHOLD, STRUCTURE_THRESHOLD
    band = pd.DataFrame({"lo": [lo], "hi": [hi], "label": ["random kernels fall in this band"]})
    rect = (
        alt.Chart(band)
        .mark_rect(color=BAND_COLOUR, opacity=0.25)
        .encode(y="lo:Q", y2="hi:Q", tooltip=alt.Tooltip("label:N", title=None))
    )
    text = (
        alt.Chart(band)
        .mark_text(align="left", baseline="bottom", dx=4, dy=-2, color=BAND_COLOUR, fontSize=12)
        .encode(x=alt.value(0), y="hi:Q", text="label:N")
    )
    y_title = "structure score (0 = random)"
    if measure == "structure_change":
        y_title = "structure of what was learned"
    lines = _lines(df, y_title, ".1f", scale=alt.Scale(zero=True, nice=True))
    return alt.layer(rect, text, lines).properties(height=320, width="container")


def measure_chart(rows: Sequence[dict], measure: str, y_title: str, fmt: str = ".2g") -> alt.Chart:
    """One line per kernel of one measure against training steps."""
    return _lines(_frame(rows, measure), y_title, fmt).properties(height=260, width="container")


def orientation_chart(rows: Sequence[dict], columns: int = 4) -> alt.FacetChart:
    """Small multiples, one per kernel: the share of each stripe orientation against steps, with
    the dashed line at chance (a quarter each, what random kernels have)."""
    names = [f"orientation {o}" for o in ORIENTATIONS]
    df = pd.DataFrame([r for r in rows if r["measure"] in names])
    if df.empty:
        df = pd.DataFrame(columns=["step", "kernel", "measure", "value"])
    df["kernel"] = df["kernel"].map(lambda j: f"kernel {int(j) + 1}")
    df["orientation"] = df["measure"].str.removeprefix("orientation ")
    lines = (
        alt.Chart()
        .mark_line(strokeWidth=2)
        .encode(
            x=STEP_AXIS,
            y=alt.Y("value:Q", title="share of power", axis=alt.Axis(format=".0%")),
            color=alt.Color(
                "orientation:N",
                scale=alt.Scale(domain=list(ORIENTATIONS), range=list(ORIENTATION_COLOURS)),
                legend=alt.Legend(title="stripes", orient="top"),
            ),
            tooltip=["kernel", "step", "orientation", alt.Tooltip("value:Q", format=".0%")],
        )
    )
    chance = alt.Chart().mark_rule(strokeDash=[4, 4], color=BAND_COLOUR).encode(y=alt.datum(CHANCE))
    order = sorted(df["kernel"].unique(), key=lambda s: int(s.split()[-1]))
    return (
        alt.layer(lines, chance, data=df)
        .properties(width=150, height=120)
        .facet(facet=alt.Facet("kernel:N", sort=order, title=None), columns=columns)
    )
