"""Charts that read with little data: lines with a point on every value, so one day or one call shows."""

from __future__ import annotations

from typing import Any

import streamlit as st


LEGEND_ROW_PX = 24


def points_over(rows: list[dict[str, Any]], x: str, y: str, series: str | None = None, *, height: int = 240,
                x_title: str | None = None, y_title: str | None = None) -> None:
    """A line through points (one line per `series` value); a single value is a visible point, not an
    empty frame. Why altair: Streamlit's line chart draws nothing for one point."""
    import altair as alt

    encoding = {"x": alt.X(f"{x}:O", title=x_title or x, axis=alt.Axis(labelAngle=0)),
                "y": alt.Y(f"{y}:Q", title=y_title or y, scale=alt.Scale(domain=[0, 100])),
                "tooltip": [alt.Tooltip(f"{x}:O"), alt.Tooltip(f"{y}:Q"),
                            *([alt.Tooltip(f"{series}:N")] if series else [])]}
    if series:
        encoding["color"] = alt.Color(f"{series}:N", title=None,  # below the chart: long names are read whole
                                      legend=alt.Legend(orient="bottom", direction="vertical", labelLimit=480))
    chart = alt.Chart(alt.Data(values=rows)).mark_line(point=alt.OverlayMarkDef(size=80)).encode(**encoding)
    legend_rows = len({row[series] for row in rows}) if series else 0  # the legend sits below: room for it
    st.altair_chart(chart.properties(height=height + LEGEND_ROW_PX * legend_rows), use_container_width=True)


def labelled_bars(values: dict[str, float], *, height: int = 240, value_title: str = "") -> None:
    """Horizontal bars with their full labels (long labels are wrapped by width, not cut)."""
    import altair as alt

    rows = [{"label": k, "value": v} for k, v in values.items()]
    chart = alt.Chart(alt.Data(values=rows)).mark_bar().encode(
        y=alt.Y("label:N", sort="-x", title=None, axis=alt.Axis(labelLimit=320)),
        x=alt.X("value:Q", title=value_title), tooltip=[alt.Tooltip("label:N"), alt.Tooltip("value:Q")])
    st.altair_chart(chart.properties(height=height), use_container_width=True)
