"""Trends: incidents per month by severity, MTTR per month, action closure, top theme tags."""

from __future__ import annotations

from reportlab.lib.units import mm
from reportlab.platypus import CondPageBreak, Flowable

from compliance.reports import charts
from compliance.reports.layout import FONT
from compliance.reports.text import esc
from compliance.reports.writer import PackWriter

TITLES = ("Incidents per month by severity", "Mean time to resolve per month", "Action-item closure",
          "Top theme tags")


def build(w: PackWriter) -> list[Flowable]:
    """Four charts, each kept with its heading."""
    series = w.pack.trend_series()
    colours = w.layout["colours"]
    palette = list(colours.get("severity") or ["#1F3A5F"])
    out: list[Flowable] = [w.markup(esc(w.wording["trends_intro"]))]
    out += [w.h2(TITLES[0]),
            charts.incidents_by_severity_chart(series.months, series.incidents_by_severity, width=w.width,
                                               font=FONT, palette=palette)]
    out += [CondPageBreak(70 * mm), w.h2(TITLES[1]),
            charts.mttr_chart(series.months, series.mttr_hours, width=w.width, font=FONT, colour=colours["accent"])]
    out += [CondPageBreak(70 * mm), w.h2(TITLES[2]),
            charts.action_closure_chart(series.months, series.actions_due, series.actions_closed, width=w.width,
                                        font=FONT, colours=(colours["muted"], colours["accent"]))]
    out += [CondPageBreak(70 * mm), w.h2(TITLES[3]),
            charts.top_tags_chart(series.top_tags, width=w.width, font=FONT, colour=colours["primary"])]
    return out
