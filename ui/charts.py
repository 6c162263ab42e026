"""Altair charts shared by the pages: the study's three training panels and a confusion matrix.

Each panel is a single view (no layers), so a vertical stack of them stretches to the column width
in Streamlit; the optional step marker is drawn as one more line series (a vertical segment).
"""

from __future__ import annotations

from collections.abc import Sequence

import altair as alt
import pandas as pd

X_TITLES = {"step": "training step", "epoch": "epoch"}
# (panel title, [(metric key, series name)], fixed y domain or None)
PANELS = (
    ("Loss", [("loss", "training loss")], None),
    ("Training accuracy", [("train_accuracy", "training images")], (0.0, 1.0)),
    (
        "Held-out accuracy",
        [("test_accuracy", "held-out images"), ("test_strict", "held-out, study's strict rule")],
        (0.0, 1.0),
    ),
)
MARKER = "shown snapshot"
COLOURS = {
    "training loss": "#e8e8e8",
    "training images": "#f5c518",
    "held-out images": "#4fc3f7",
    "held-out, study's strict rule": "#ff8a65",
    MARKER: "#ef5350",
}


def _finite(v) -> bool:
    return (
        isinstance(v, int | float) and not isinstance(v, bool) and v == v and abs(v) != float("inf")
    )


def _panel_rows(metrics: Sequence[dict], x: str, keys: list[tuple[str, str]]) -> list[dict]:
    rows = []
    for m in metrics:
        xv = m.get(x)
        if not _finite(xv):
            continue
        for key, series in keys:
            v = m.get(key)
            if _finite(v):
                rows.append({"x": float(xv), "y": float(v), "series": series, "order": 0})
    return rows


def _marker_x(metrics: Sequence[dict], marker_step: int, x: str) -> float | None:
    """The marker's position on the x axis: the step itself, or its epoch from the metrics rows."""
    if x == "step":
        return float(marker_step)
    pairs = [(m["step"], m["epoch"]) for m in metrics if _finite(m.get("step"))]
    pairs = [(s, e) for s, e in pairs if _finite(e) and s > 0]
    if not pairs:
        return None
    s, e = pairs[-1]
    return float(marker_step) * float(e) / float(s)  # steps per epoch is constant in a run


def metrics_chart(
    metrics: Sequence[dict],
    marker_step: int | None = None,
    x: str = "step",
    *,
    panel_height: int = 110,
    loss_name: str | None = None,
    x_max: float | None = None,
) -> alt.VConcatChart:
    """Loss, training accuracy and held-out accuracy against `x` ("step" or "epoch"), stacked.

    `metrics` are the rows of a run's metrics.csv (dicts with step, epoch, loss, train_accuracy,
    test_accuracy and, for bit-target losses, test_strict). A `marker_step` draws a dashed vertical
    line at that training step in every panel; `x_max` fixes the axis end (e.g. the run's total
    steps, so a live curve grows across the chart). Draw with `st.altair_chart(chart)`.
    """
    if x not in X_TITLES:
        raise ValueError(f"x must be 'step' or 'epoch', not {x!r}")
    mx = _marker_x(metrics, marker_step, x) if marker_step is not None else None
    xs = [float(m[x]) for m in metrics if _finite(m.get(x))]
    x_hi = max(xs + ([mx] if mx is not None else []) + [x_max or 1.0])
    panels = []
    for i, (title, keys, domain) in enumerate(PANELS):
        rows = _panel_rows(metrics, x, keys)
        if i == 0 and loss_name:
            title = f"Loss ({loss_name})"
        if mx is not None:
            ys = [r["y"] for r in rows]
            lo, hi = domain or (min(ys + [0.0]), max(ys + [1e-9]))
            rows += [
                {"x": mx, "y": lo, "series": MARKER, "order": 1},
                {"x": mx, "y": hi, "series": MARKER, "order": 2},
            ]
        names = [s for _, s in keys if any(r["series"] == s for r in rows)]
        if "held-out, study's strict rule" in names:
            title += " (orange: the study's strict rule)"
        names += [MARKER] if mx is not None else []
        df = pd.DataFrame(rows, columns=["x", "y", "series", "order"])
        y_axis = alt.Axis(format=".0%", tickCount=5) if domain else alt.Axis(tickCount=4)
        y_scale = alt.Scale(domain=list(domain)) if domain else alt.Scale(zero=True, nice=True)
        chart = (
            alt.Chart(
                df, title=alt.Title(title, anchor="start", frame="group", fontSize=14, offset=4)
            )
            .mark_line(strokeWidth=2.5, interpolate="linear", clip=True)
            .encode(
                x=alt.X(
                    "x:Q",
                    title=X_TITLES[x] if i == len(PANELS) - 1 else None,
                    scale=alt.Scale(domain=[0, x_hi], nice=False),
                    axis=alt.Axis(labels=i == len(PANELS) - 1, ticks=i == len(PANELS) - 1),
                ),
                y=alt.Y("y:Q", title=None, scale=y_scale, axis=y_axis),
                color=alt.Color(
                    "series:N",
                    scale=alt.Scale(domain=names, range=[COLOURS[n] for n in names]),
                    legend=None,  # a second series is named in the panel's title
                ),
                strokeDash=alt.StrokeDash(
                    "series:N",
                    scale=alt.Scale(
                        domain=names, range=[[6, 4] if n == MARKER else [1, 0] for n in names]
                    ),
                    legend=None,
                ),
                order="order:Q",
            )
            .properties(height=panel_height, width="container")
        )
        panels.append(chart)
    return (
        alt.vconcat(*panels, spacing=8)
        .resolve_scale(color="independent", strokeDash="independent")
        .configure_axis(labelFontSize=12, titleFontSize=13, gridOpacity=0.3)
        .configure_view(strokeWidth=0)
    )


def confusion_chart(matrix: Sequence[Sequence[int]], classes: Sequence[str]) -> alt.LayerChart:
    """Heatmap of counts: rows the true class, columns the predicted class, numbers in each cell."""
    rows = [
        {"true": classes[i], "predicted": classes[j], "count": int(c), "correct": i == j}
        for i, row in enumerate(matrix)
        for j, c in enumerate(row)
    ]
    df = pd.DataFrame(rows)
    order = list(classes)
    base = alt.Chart(df).encode(
        x=alt.X(
            "predicted:N",
            sort=order,
            title="predicted class",
            axis=alt.Axis(labelAngle=-30, labelOverlap=False, labelLimit=120),
        ),
        y=alt.Y("true:N", sort=order, title="true class"),
    )
    cells = base.mark_rect(stroke="#0e1117", strokeWidth=2).encode(
        color=alt.Color("count:Q", scale=alt.Scale(scheme="blues"), legend=None),
        tooltip=["true", "predicted", "count"],
    )
    peak = max([r["count"] for r in rows] + [1])
    text = base.mark_text(fontSize=18, fontWeight="bold").encode(
        text="count:Q",
        color=alt.condition(f"datum.count > {peak / 2}", alt.value("white"), alt.value("#111")),
    )
    side = 80 * len(order)
    return (
        (cells + text)
        .properties(width=side, height=side)
        .configure_axis(labelFontSize=13, titleFontSize=13)
    )


# -- the live Train page's curves: one fixed spec, only the data grows ---------------------------
def live_metrics_spec(loss_name: str, total_steps: int, strict: bool, panel_height: int) -> dict:
    """A Vega-Lite spec for the three panels of a run in progress, the same every redraw.

    The x axis ends at the run's last step from the start and the spec never changes while the run
    trains, so the browser only appends the new points (`live_metrics_rows`) instead of drawing the
    chart again, and the server builds no Altair objects each second.
    """
    panels = []
    for i, (title, keys, domain) in enumerate(PANELS):
        names = [s for k, s in keys if k != "test_strict" or strict]
        if i == 0:
            title = f"Loss ({loss_name})"
        if strict and i == len(PANELS) - 1:
            title += " (orange: the study's strict rule)"
        last = i == len(PANELS) - 1
        y_scale = {"domain": list(domain)} if domain else {"zero": True, "nice": True}
        y_axis = {"format": ".0%", "tickCount": 5} if domain else {"tickCount": 4}
        panels.append(
            {
                "title": {"text": title, "anchor": "start", "frame": "group", "fontSize": 14,
                          "offset": 4},
                "height": panel_height,
                "width": "container",
                "transform": [{"filter": {"field": "panel", "equal": i}}],
                "mark": {"type": "line", "strokeWidth": 2.5, "clip": True},
                "encoding": {
                    "x": {"field": "x", "type": "quantitative", "title": X_TITLES["step"] if last
                          else None, "scale": {"domain": [0, max(1, total_steps)], "nice": False},
                          "axis": {"labels": last, "ticks": last}},
                    "y": {"field": "y", "type": "quantitative", "title": None, "scale": y_scale,
                          "axis": y_axis},
                    "color": {"field": "series", "type": "nominal", "legend": None,
                              "scale": {"domain": names, "range": [COLOURS[n] for n in names]}},
                },
            }
        )  # fmt: skip
    return {
        "vconcat": panels,
        "spacing": 8,
        "resolve": {"scale": {"color": "independent"}},
        "config": {
            "axis": {"labelFontSize": 12, "titleFontSize": 13, "gridOpacity": 0.3},
            "view": {"strokeWidth": 0},
        },
    }


def live_metrics_rows(metrics: Sequence[dict]) -> pd.DataFrame:
    """Metrics rows -> the long table `live_metrics_spec` draws: x (step), y, series, panel."""
    rows = []
    for i, (_, keys, _) in enumerate(PANELS):
        for r in _panel_rows(metrics, "step", keys):
            rows.append({"x": r["x"], "y": r["y"], "series": r["series"], "panel": i})
    rows.sort(key=lambda r: r["x"])  # new points come last, so the browser can append them
    return pd.DataFrame(rows, columns=["x", "y", "series", "panel"])
