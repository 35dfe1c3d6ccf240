"""Trend charts drawn with ReportLab graphics (vector, embedded fonts, no raster images).

RP-CHART-1  Every chart states its unit and shows a written note instead of an empty plot when
            the series has no data.
"""

from __future__ import annotations

from reportlab.graphics.charts.barcharts import HorizontalBarChart, VerticalBarChart
from reportlab.graphics.charts.legends import Legend
from reportlab.graphics.charts.linecharts import HorizontalLineChart
from reportlab.graphics.shapes import Drawing, String
from reportlab.lib import colors

MAX_MONTHS = 36  # a longer series keeps its last MAX_MONTHS months (the note says so)


def _nice_max(value: float) -> float:
    """A round axis maximum at or above `value`."""
    if value <= 0:
        return 1
    for step in (1, 2, 5, 10, 20, 25, 50, 100, 200, 250, 500, 1000, 2000, 5000, 10000):
        if value <= step * 5:
            return step * (int(value // step) + 1)
    return value * 1.1


def _label_step(n: int) -> int:
    return 1 if n <= 12 else (2 if n <= 24 else 3)


def _clip_series(months: list[str], *series: list) -> tuple[list[str], list[list], str | None]:
    if len(months) <= MAX_MONTHS:
        return months, [list(s) for s in series], None
    note = f"showing the last {MAX_MONTHS} of {len(months)} months"
    return months[-MAX_MONTHS:], [list(s)[-MAX_MONTHS:] for s in series], note


def _empty(width: float, height: float, font: str, message: str) -> Drawing:
    d = Drawing(width, 40)
    d.add(String(0, 20, message, fontName=font, fontSize=9, fillColor=colors.HexColor("#5F6B7A")))
    return d


def _style_axes(chart, font: str, months: list[str]) -> None:
    chart.categoryAxis.labels.fontName = font
    chart.categoryAxis.labels.fontSize = 7
    chart.categoryAxis.labels.angle = 45 if len(months) > 6 else 0
    chart.categoryAxis.labels.boxAnchor = "ne" if len(months) > 6 else "n"
    step = _label_step(len(months))
    chart.categoryAxis.categoryNames = [m if i % step == 0 else "" for i, m in enumerate(months)]
    chart.valueAxis.labels.fontName = font
    chart.valueAxis.labels.fontSize = 7
    chart.valueAxis.gridStrokeColor = colors.HexColor("#E1E6EC")
    chart.valueAxis.gridStrokeWidth = 0.4
    chart.valueAxis.visibleGrid = True
    chart.valueAxis.valueMin = 0


def _legend(x: float, y: float, font: str, pairs: list[tuple[colors.Color, str]]) -> Legend:
    legend = Legend()
    legend.x, legend.y = x, y
    legend.fontName = font
    legend.fontSize = 7
    legend.alignment = "right"
    legend.columnMaximum = 8
    legend.dx = legend.dy = 7
    legend.deltay = 10
    legend.colorNamePairs = pairs
    return legend


def incidents_by_severity_chart(months: list[str], by_severity: dict[str, list[int]], *, width: float,
                                font: str, palette: list[str]) -> Drawing:
    """Stacked bars: incidents detected per month, one colour per severity."""
    if not months or not any(sum(v) for v in by_severity.values()):
        return _empty(width, 40, font, "No incidents in the period.")
    severities = sorted(by_severity)
    colour_of = {s: palette[(int(s[3:]) - 1 if s[:3] == "sev" and s[3:].isdigit() else i) % len(palette)]
                 for i, s in enumerate(severities)}
    months, series, note = _clip_series(months, *(by_severity[s] for s in severities))
    height = 190
    d = Drawing(width, height)
    chart = VerticalBarChart()
    chart.x, chart.y, chart.width, chart.height = 34, 40, width - 120, height - 60
    chart.data = [tuple(s) for s in series]
    chart.categoryAxis.style = "stacked"
    chart.barSpacing = 1
    chart.groupSpacing = 4
    for i, s in enumerate(severities):
        chart.bars[i].fillColor = colors.HexColor(colour_of[s])
        chart.bars[i].strokeColor = None
    _style_axes(chart, font, months)
    totals = [sum(col) for col in zip(*series, strict=True)]
    chart.valueAxis.valueMax = _nice_max(max(totals))
    d.add(chart)
    d.add(_legend(width - 10, height - 25, font,
                  [(colors.HexColor(colour_of[s]), s) for s in severities]))
    d.add(String(0, height - 10, "incidents", fontName=font, fontSize=7))
    if note:
        d.add(String(34, 2, note, fontName=font, fontSize=7))
    return d


def mttr_chart(months: list[str], mttr_hours: list[float | None], *, width: float, font: str,
               colour: str) -> Drawing:
    """Line: mean time to resolve (hours) of incidents resolved each month; gaps where none."""
    if not months or not any(v is not None for v in mttr_hours):
        return _empty(width, 40, font, "No incident was resolved in the period.")
    months, (values,), note = _clip_series(months, mttr_hours)
    height = 170
    d = Drawing(width, height)
    chart = HorizontalLineChart()
    chart.x, chart.y, chart.width, chart.height = 34, 40, width - 60, height - 60
    chart.data = [tuple(values)]
    chart.joinedLines = 1
    chart.lines[0].strokeColor = colors.HexColor(colour)
    chart.lines[0].strokeWidth = 1.6
    from reportlab.graphics.widgets.markers import makeMarker

    chart.lines[0].symbol = makeMarker("FilledCircle", size=3.5, fillColor=colors.HexColor(colour))
    _style_axes(chart, font, months)
    chart.valueAxis.valueMax = _nice_max(max(v for v in values if v is not None) if any(
        v is not None for v in values) else 1)
    d.add(chart)
    d.add(String(0, height - 10, "hours (detection → resolution)", fontName=font, fontSize=7))
    if note:
        d.add(String(34, 2, note, fontName=font, fontSize=7))
    return d


def action_closure_chart(months: list[str], due: list[int], closed: list[int], *, width: float,
                         font: str, colours: tuple[str, str]) -> Drawing:
    """Grouped bars: action items falling due and action items closed, per month."""
    if not months or not (sum(due) or sum(closed)):
        return _empty(width, 40, font, "No action items in the period.")
    months, (due, closed), note = _clip_series(months, due, closed)
    height = 170
    d = Drawing(width, height)
    chart = VerticalBarChart()
    chart.x, chart.y, chart.width, chart.height = 34, 40, width - 120, height - 60
    chart.data = [tuple(due), tuple(closed)]
    chart.barSpacing = 1
    chart.groupSpacing = 4
    for i, c in enumerate(colours):
        chart.bars[i].fillColor = colors.HexColor(c)
        chart.bars[i].strokeColor = None
    _style_axes(chart, font, months)
    chart.valueAxis.valueMax = _nice_max(max(max(due, default=0), max(closed, default=0)))
    d.add(chart)
    d.add(_legend(width - 10, height - 25, font,
                  [(colors.HexColor(colours[0]), "falling due"), (colors.HexColor(colours[1]), "closed")]))
    d.add(String(0, height - 10, "action items", fontName=font, fontSize=7))
    if note:
        d.add(String(34, 2, note, fontName=font, fontSize=7))
    return d


def top_tags_chart(tags: list[tuple[str, int]], *, width: float, font: str, colour: str) -> Drawing:
    """Horizontal bars: the most frequent theme tags of the period's incidents."""
    if not tags:
        return _empty(width, 40, font, "No theme tags recorded in the period.")
    tags = list(tags)[:12]
    labels = [(t if len(t) <= 28 else t[:27] + "…") for t, _ in tags]
    height = 30 + 16 * len(tags)
    d = Drawing(width, height)
    chart = HorizontalBarChart()
    chart.x, chart.y, chart.width, chart.height = 150, 14, width - 180, height - 24
    chart.data = [tuple(n for _, n in reversed(tags))]
    chart.bars[0].fillColor = colors.HexColor(colour)
    chart.bars[0].strokeColor = None
    chart.categoryAxis.categoryNames = list(reversed(labels))
    chart.categoryAxis.labels.fontName = font
    chart.categoryAxis.labels.fontSize = 7
    chart.categoryAxis.labels.boxAnchor = "e"
    chart.valueAxis.labels.fontName = font
    chart.valueAxis.labels.fontSize = 7
    chart.valueAxis.valueMin = 0
    chart.valueAxis.valueMax = _nice_max(max(n for _, n in tags))
    chart.barLabelFormat = "%d"
    chart.barLabels.fontName = font
    chart.barLabels.fontSize = 7
    chart.barLabels.boxAnchor = "w"
    chart.barLabels.dx = 3
    d.add(chart)
    return d
