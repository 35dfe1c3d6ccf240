"""Executive summary: headline tiles, incidents by severity, notifications per regime, coverage, actions, metrics."""

from __future__ import annotations

from reportlab.lib.units import mm
from reportlab.platypus import Flowable, Paragraph, Spacer, Table, TableStyle

from compliance.reports.flowables import Callout
from compliance.reports.formats import metric_value, pct, population_period_text
from compliance.reports.model import EXCEPTION, MISSING, NOT_APPLICABLE, PARTIAL, SATISFIED
from compliance.reports.text import esc, fill, plain
from compliance.reports.writer import PackWriter


def build(w: PackWriter) -> list[Flowable]:
    """The summary's flowables (under the section title)."""
    pack, wording = w.pack, w.wording
    out: list[Flowable] = []
    frameworks = ", ".join(f.name for f in pack.frameworks) or "—"
    out.append(w.markup(fill(wording["summary_intro"], incidents=len(pack.incidents),
                             period=population_period_text(pack, w.layout["cover"]), frameworks=frameworks)))
    if not pack.incidents:
        out.append(Callout(w.markup(esc(wording["no_incidents"]), w.styles.body), w.width,
                           w.colours["zebra"], w.colours["accent"]))
    closure = pack.action_closure()
    tallies = pack.notification_tallies()
    late = sum(t.late for t in tallies)
    still_open = sum(t.open for t in tallies)
    exceptions = pack.exception_counts()
    findings = sum(len(inc.crosschecks) for inc in pack.incidents)
    out += [Spacer(1, 4), _tiles(w, [
        (str(len(pack.incidents)), "incidents in the period"),
        (f"{late} / {still_open}", "notifications late / still open"),
        (f"{exceptions['obligations']} / {exceptions['cells']}", "exceptions: obligations / requirement cells"),
        (str(findings), "cross-check findings"),
        (metric_value(closure.closure_rate, "ratio"), "action items closed (due by now)"),
    ]), Spacer(1, 6)]

    out.append(w.h2("Incidents by severity", toc=False))
    severities = pack.severity_counts()
    out += w.table(["Severity", "Incidents"], [[plain(k, 40), str(v)] for k, v in severities.items()]
                   or [["—", "0"]], [60 * mm, 30 * mm])

    out.append(w.h2("Notifications per regime", toc=False))
    late_col, open_col = 2, 3

    def regime_styles(i, _row):
        if not tallies:
            return []
        t = tallies[i]
        return ([("BACKGROUND", (late_col, 0), (late_col, 0), w.colours["late"])] if t.late else []) \
            + ([("BACKGROUND", (open_col, 0), (open_col, 0), w.colours["open"])] if t.open else [])

    out += w.table(["Regime", "On time", "Late", "Open", "Waived", "Not owed", "Exceptions"],
                   [[plain(t.regime, 60), t.on_time, t.late, t.open, t.waived, t.not_required + t.not_in_force,
                     t.exceptions] for t in tallies]
                   or [[wording["no_notifications"], "", "", "", "", "", ""]],
                   [48 * mm, 19 * mm, 19 * mm, 19 * mm, 19 * mm, 19 * mm, 22 * mm], row_styles=regime_styles)
    if any(t.not_required or t.not_in_force for t in tallies):
        out.append(w.paragraph(wording["not_owed"]))

    out.append(w.h2("Control coverage per framework", toc=False))
    rows = []
    for m in pack.matrices:
        c = m.totals()
        app = c[SATISFIED] + c[PARTIAL] + c[MISSING]
        plain_ok = c[SATISFIED] - c[EXCEPTION]
        rows.append([w.cell(m.framework.name), len(m.rows), len(m.incident_refs), plain_ok, c[EXCEPTION],
                     c[PARTIAL], c[MISSING], c[NOT_APPLICABLE], pct(plain_ok, app)])
    out += w.table(["Framework", "Req.", "Incidents", "Satisfied", "Exception", "Partial", "Missing", "n/a",
                    "Satisfied %"], rows or [["—", "", "", "", "", "", "", "", ""]],
                   [44 * mm, 11 * mm, 16 * mm, 16 * mm, 17 * mm, 14 * mm, 14 * mm, 11 * mm, 20 * mm])
    out.append(w.paragraph(wording["coverage_not_blended"], w.styles.muted))

    out.append(w.h2("Action items", toc=False))
    out += w.table(["Total", "Done", "Open", "of which overdue", "Cancelled", "Closure rate"],
                   [[closure.total, closure.done, closure.open, closure.overdue, closure.cancelled,
                     metric_value(closure.closure_rate, "ratio")]],
                   [25 * mm, 25 * mm, 25 * mm, 30 * mm, 25 * mm, 30 * mm])

    out.append(w.h2("Key metrics and targets", toc=False))
    metrics = pack.summary.metrics
    verdicts = ["—" if m.met is None else ("met" if m.met else "not met") for m in metrics]
    mrows = [[w.cell(m.name), metric_value(m.value, m.unit), metric_value(m.target, m.unit), verdict,
              w.cell(m.note or "")] for m, verdict in zip(metrics, verdicts, strict=True)]
    status_col = 3
    out += w.table(["Metric", "Value", "Target", "Status", "Note"],
                   mrows or [["No metrics were computed for this pack.", "", "", "", ""]],
                   [50 * mm, 25 * mm, 25 * mm, 20 * mm, 54 * mm],
                   row_styles=w.colour_column(status_col, [
                       w.colours["on_time"] if v == "met" else w.colours["late"] if v == "not met" else None
                       for v in verdicts] or [None]))
    if pack.summary.highlights:
        out.append(w.h2("Highlights", toc=False))
        out += w.bullets(pack.summary.highlights)
    return out


def _tiles(w: PackWriter, tiles: list[tuple[str, str]]) -> Table:
    """Headline figures: a big value over its label, side by side."""
    tile_width = w.width / len(tiles)
    t = Table([[Paragraph(esc(v), w.styles.big) for v, _ in tiles],
               [Paragraph(esc(label), w.styles.big_label) for _, label in tiles]], colWidths=[tile_width] * len(tiles))
    t.setStyle(TableStyle([*[("BOX", (i, 0), (i, -1), 0.6, w.colours["rule"]) for i in range(len(tiles))],
                           ("BACKGROUND", (0, 0), (-1, -1), w.colours["zebra"]),
                           ("TOPPADDING", (0, 0), (-1, 0), 8), ("BOTTOMPADDING", (0, -1), (-1, -1), 8)]))
    return t
