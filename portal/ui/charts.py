"""How the boards look: Altair charts and coloured tables built from the services' frames.

Pure functions from frames to chart specs or pandas Stylers, so pages stay a few widget calls and
tests can inspect the output without Streamlit. Charts carry their data inline (no URL, nothing
fetched): Streamlit renders them with the Vega-Lite it bundles, offline.
"""

from __future__ import annotations

import altair as alt
import pandas as pd
import polars as pl

from portal.core import labels as L
from schemas.enums import Pace, ReportState

# Cell colours of the completion matrix: light enough to read the text on, distinct per state.
STATE_COLOURS = {
    ReportState.MISSING.value: "#f8d7da",
    ReportState.AWAITING_SIGN_OFF.value: "#e7dcf5",
    ReportState.VALIDATED.value: "#fff3cd",
    ReportState.RETURNED.value: "#ffd8a8",
    ReportState.APPROVED.value: "#d4edda",
}
# Chart colours (stronger than cell backgrounds), same order as ReportState.
STATE_CHART_COLOURS = ["#d9534f", "#9b7fd1", "#f0ad4e", "#fd7e14", "#5cb85c"]
PACE_COLOURS = {
    Pace.GREEN.value: "#d4edda",
    Pace.YELLOW.value: "#fff3cd",
    Pace.RED.value: "#f8d7da",
    Pace.UNREPORTED.value: "#e2e3e5",  # grey: not judged this round, neither on pace nor behind
}
GRADE_COLOURS = ["#2e7d32", "#1976d2", "#f9a825", "#c62828"]  # 优秀 良好 合格 不合格


def _css(colour: str | None) -> str:
    return f"background-color: {colour}" if colour else ""


def matrix_table(texts: pl.DataFrame, states: pl.DataFrame):
    """The completion matrix as a Styler: Chinese headers, each round's cell coloured by its state."""
    headers = {
        "unit": L.COLUMNS["unit"],
        "name": L.COLUMNS["unit_name"],
        "kind_label": L.COLUMNS["kind_label"],
        "extended_to": L.COLUMNS["extended_to"],
    }
    shown = texts.rename(headers).to_pandas().fillna("—")
    colours = states.rename(headers).to_pandas()
    rounds = [c for c in shown.columns if c not in headers.values()]

    def paint(frame: pd.DataFrame) -> pd.DataFrame:
        css = pd.DataFrame("", index=frame.index, columns=frame.columns)
        for r in rounds:
            css[r] = colours[r].map(lambda s: _css(STATE_COLOURS.get(s)))
        return css

    return shown.style.apply(paint, axis=None).hide(axis="index")


# Drawn like st.table (thin grey rules, grey headers), as wide as the page: every round in view.
_MATRIX_CSS = """<style>
.portal-matrix {overflow-x: auto}
.portal-matrix table {border-collapse: collapse; width: 100%; font-size: 0.875rem}
.portal-matrix th, .portal-matrix td {border: 1px solid rgba(49, 51, 63, 0.1); padding: 0.25rem 0.375rem;
  text-align: left; vertical-align: top}
.portal-matrix th {color: rgba(49, 51, 63, 0.6); font-weight: 400}
</style>"""


def matrix_html(texts: pl.DataFrame, states: pl.DataFrame) -> str:
    """The matrix as one HTML table for st.html, every value HTML-escaped (unit names are user
    text: shown as typed). One element, not st.table: st.table draws each of its ~700 cells as a
    Markdown element, which took the browser over a second on the demo."""
    table = matrix_table(texts, states).format(escape="html").to_html()
    return f'{_MATRIX_CSS}<div class="portal-matrix">{table}</div>'


def paced_table(frame: pl.DataFrame, columns: list[str]):
    """KPI rows with Chinese headers (numbers as text, blank when not reported: the grid would show
    "None"), each row's 进度状态 cell coloured by its pace."""
    numbers = [c for c in columns if frame.schema[c].is_float()]
    frame = frame.with_columns(pl.col(c).map_elements(L.number_text, return_dtype=pl.String) for c in numbers)
    shown = L.headed(frame, columns).to_pandas()
    paces = frame["pace"].to_list()
    pace_column = L.COLUMNS["pace_label"]

    def paint(data: pd.DataFrame) -> pd.DataFrame:
        css = pd.DataFrame("", index=data.index, columns=data.columns)
        if pace_column in css.columns:
            css[pace_column] = [_css(PACE_COLOURS.get(p)) for p in paces]
        return css

    return shown.style.apply(paint, axis=None).hide(axis="index")


def completion_chart(by_round: pl.DataFrame) -> alt.Chart:
    """Stacked bars: units per round in each state; the tooltip gives the reporting rate."""
    states = list(ReportState)
    long = (
        by_round.select("round", "rate", *[s.value for s in states])
        .unpivot(index=["round", "rate"], variable_name="state", value_name="units")
        .with_columns(
            pl.col("state").replace_strict({s.value: s.label for s in states}).alias("label"),
            pl.col("state").replace_strict({s.value: i for i, s in enumerate(states)}).alias("order"),
            (pl.col("rate") * 100).round(1).alias("rate_pct"),
        )
    )
    return (
        alt.Chart(long.to_pandas())
        .mark_bar()
        .encode(
            x=alt.X("round:N", title=L.CHART_ROUND, sort=by_round["round"].to_list()),
            y=alt.Y("units:Q", title=L.CHART_UNITS, stack="zero"),
            color=alt.Color(
                "label:N",
                title=L.CHART_STATE,
                scale=alt.Scale(domain=[s.label for s in states], range=STATE_CHART_COLOURS),
            ),
            order=alt.Order("order:Q"),
            tooltip=[
                alt.Tooltip("round:N", title=L.CHART_ROUND),
                alt.Tooltip("label:N", title=L.CHART_STATE),
                alt.Tooltip("units:Q", title=L.CHART_UNITS),
                alt.Tooltip("rate_pct:Q", title=f"{L.CHART_RATE}(%)"),
            ],
        )
        .properties(height=260)
    )


def history_chart(history: pl.DataFrame, title: str) -> alt.Chart:
    """One indicator: the approved value of each quarter (solid, with points) against the expected
    pace (dashed). Quarters without approved data leave a gap in the actual line."""
    rounds = history["round"].to_list()
    long = pl.concat(
        [
            history.select("round", pl.lit(L.SERIES_ACTUAL).alias("series"), pl.col("actual").alias("value")),
            history.select(
                "round", pl.lit(L.SERIES_EXPECTED).alias("series"), pl.col("expected").alias("value")
            ),
        ]
    )
    series = [L.SERIES_ACTUAL, L.SERIES_EXPECTED]
    return (
        alt.Chart(long.to_pandas(), title=title)
        .mark_line(point=True)
        .encode(
            x=alt.X("round:N", title=L.CHART_ROUND, sort=rounds),
            y=alt.Y("value:Q", title=L.CHART_VALUE),
            color=alt.Color("series:N", title=L.CHART_SERIES, scale=alt.Scale(domain=series)),
            strokeDash=alt.StrokeDash(
                "series:N", scale=alt.Scale(domain=series, range=[[1, 0], [6, 4]]), legend=None
            ),
            tooltip=[
                alt.Tooltip("round:N", title=L.CHART_ROUND),
                alt.Tooltip("series:N", title=L.CHART_SERIES),
                alt.Tooltip("value:Q", title=L.CHART_VALUE, format=".2f"),
            ],
        )
        .properties(height=240)
    )


# Pixels per unit in the totals chart: a readable bar and room for every unit's name beside it.
TOTALS_BAR_STEP = 26


def totals_chart(summary: pl.DataFrame, grades: list[str]) -> alt.LayerChart:
    """Horizontal bars of each unit's total, best first, coloured by grade; every unit's name on the
    axis (Vega would drop every other label where they seem to crowd) and each bar's total and
    grade written at its end, so the red 不合格 bar reads as such without the legend."""
    data = summary.select(pl.col("unit_name").alias("name"), "total", "rank", "grade").with_columns(
        label=pl.struct("total", "grade").map_elements(
            lambda r: f"{r['total']:.2f} 分 · {r['grade']}", return_dtype=pl.String
        )
    )
    order = data.sort(["total", "rank"], descending=[True, False])["name"].to_list()
    base = alt.Chart(data.to_pandas()).encode(
        x=alt.X("total:Q", title=L.CHART_TOTAL),
        y=alt.Y(
            "name:N",
            title=L.CHART_UNIT,
            sort=order,
            axis=alt.Axis(labelOverlap=False, labelLimit=0, labelFontSize=12),
        ),
        tooltip=[
            alt.Tooltip("name:N", title=L.CHART_UNIT),
            alt.Tooltip("total:Q", title=L.CHART_TOTAL, format=".2f"),
            alt.Tooltip("rank:Q", title=L.COLUMNS["rank"]),
            alt.Tooltip("grade:N", title=L.CHART_GRADE),
        ],
    )
    bars = base.mark_bar().encode(
        color=alt.Color(
            "grade:N",
            title=L.CHART_GRADE,
            scale=alt.Scale(domain=grades, range=GRADE_COLOURS[: len(grades)]),
        )
    )
    labels = base.mark_text(align="left", dx=4, fontSize=12).encode(text="label:N")
    return alt.layer(bars, labels).properties(height=alt.Step(TOTALS_BAR_STEP))


# Task status colours, in portal.dashboards.TASK_STATUSES order: done, moving, behind, not started,
# not reported.
TASK_STATUS_COLOURS = ["#5cb85c", "#1976d2", "#d9534f", "#adb5bd", "#f0ad4e"]


def task_status_chart(counts: pl.DataFrame) -> alt.Chart:
    """Bars of how many tasks are in each status, by what the lead unit reported (TaskBoard.counts)."""
    data = counts.select("status_label", "tasks").to_pandas()
    order = counts["status_label"].to_list()
    return (
        alt.Chart(data)
        .mark_bar()
        .encode(
            x=alt.X("status_label:N", title=L.CHART_STATUS, sort=order, axis=alt.Axis(labelAngle=0)),
            y=alt.Y("tasks:Q", title=L.CHART_TASKS),
            color=alt.Color(
                "status_label:N",
                legend=None,
                scale=alt.Scale(domain=order, range=TASK_STATUS_COLOURS[: len(order)]),
            ),
            tooltip=[
                alt.Tooltip("status_label:N", title=L.CHART_STATUS),
                alt.Tooltip("tasks:Q", title=L.CHART_TASKS),
            ],
        )
        .properties(height=220)
    )


def rollup_rate_chart(by_round: pl.DataFrame) -> alt.Chart:
    """Grouped bars: each city's (and plan's) reporting rate per round, side by side within a round;
    the tooltip adds the counts and the late units (Rollup.by_round)."""
    rounds = sorted(set(by_round["round"].to_list()))
    series = list(dict.fromkeys(by_round["series"].to_list()))
    data = by_round.with_columns((pl.col("rate") * 100).round(1).alias("rate_pct")).to_pandas()
    return (
        alt.Chart(data)
        .mark_bar()
        .encode(
            x=alt.X("round:N", title=L.CHART_ROUND, sort=rounds),
            xOffset=alt.XOffset("series:N", sort=series),
            y=alt.Y("rate_pct:Q", title=f"{L.CHART_RATE}(%)", scale=alt.Scale(domain=[0, 100])),
            color=alt.Color("series:N", title=L.CHART_SERIES_PLAN, sort=series),
            tooltip=[
                alt.Tooltip("series:N", title=L.CHART_SERIES_PLAN),
                alt.Tooltip("round:N", title=L.CHART_ROUND),
                alt.Tooltip("expected:Q", title=L.COMPLETION_EXPECTED),
                alt.Tooltip("reported:Q", title=L.COMPLETION_REPORTED),
                alt.Tooltip("late:Q", title=L.CHART_LATE),
                alt.Tooltip("rate_pct:Q", title=f"{L.CHART_RATE}(%)"),
            ],
        )
        .properties(height=280)
    )


OVERDUE_COLOUR = "#f8d7da"  # the same red as a missing report: overdue and not 销号
PROBLEM_COLOURS = ["#f0ad4e", "#d9534f"]  # 未销号, 逾期未销号


def problems_table(frame: pl.DataFrame, columns: list[str]):
    """问题库 items with Chinese headers; an overdue item's row is red and says 逾期."""
    overdue = frame["overdue"].to_list()
    shown = L.headed(
        frame.with_columns(
            pl.when(pl.col("overdue"))
            .then(pl.lit(L.PROBLEMS_OVERDUE_MARK))
            .otherwise(pl.lit(""))
            .alias("overdue_mark")
        ),
        columns,
    ).to_pandas()

    def paint(data: pd.DataFrame) -> pd.DataFrame:
        css = pd.DataFrame("", index=data.index, columns=data.columns)
        for i, late in enumerate(overdue):
            if late:
                css.iloc[i, :] = _css(OVERDUE_COLOUR)
        return css

    return shown.style.apply(paint, axis=None).hide(axis="index")


def problems_by_unit_chart(by_unit: pl.DataFrame) -> alt.Chart:
    """Bars per unit: its open items and, beside them, how many of those are overdue."""
    kinds = [L.PROBLEMS_OPEN, L.PROBLEMS_OVERDUE]
    long = (
        by_unit.select(pl.col("unit_name").fill_null(pl.col("unit")).alias("who"), "open", "overdue")
        .rename({"open": kinds[0], "overdue": kinds[1]})
        .unpivot(index="who", variable_name="kind", value_name="count")
    )
    order = by_unit["unit_name"].fill_null(by_unit["unit"]).to_list()
    return (
        alt.Chart(long.to_pandas())
        .mark_bar()
        .encode(
            x=alt.X("who:N", title=L.COLUMNS["unit_name"], sort=order, axis=alt.Axis(labelAngle=0)),
            xOffset=alt.XOffset("kind:N", sort=kinds),
            y=alt.Y("count:Q", title=L.PROBLEMS_CHART_COUNT, axis=alt.Axis(tickMinStep=1)),
            color=alt.Color(
                "kind:N", title=L.PROBLEMS_CHART_KIND, scale=alt.Scale(domain=kinds, range=PROBLEM_COLOURS)
            ),
            tooltip=[
                alt.Tooltip("who:N", title=L.COLUMNS["unit_name"]),
                alt.Tooltip("kind:N", title=L.PROBLEMS_CHART_KIND),
                alt.Tooltip("count:Q", title=L.PROBLEMS_CHART_COUNT),
            ],
        )
        .properties(height=240)
    )
