"""Methodology appendix: what "satisfied" means here, the toolkit's own thresholds, each metric's formula, and every
requirement's checks in plain words."""

from __future__ import annotations

from reportlab.lib.units import mm
from reportlab.platypus import Flowable, KeepTogether, Paragraph

from compliance.reports.text import esc
from compliance.reports.writer import PackWriter

TITLES = ("What the statuses mean", "Thresholds the toolkit chooses", "Metric formulas", "Requirements and their checks")


def build(w: PackWriter) -> list[Flowable]:
    """The appendix (or a line saying the model carries none)."""
    method = w.pack.methodology
    out: list[Flowable] = [w.h2(TITLES[0])]
    out += [w.markup(line) for line in w.wording["methodology_statuses"]]
    if method is None:
        return out + [w.paragraph("This pack was not gathered from a store and its controls: no methodology recorded.")]
    out.append(w.h2(TITLES[1]))
    out += w.table(["Threshold", "Value and where it is set"], [[w.cell(k), w.cell(v)] for k, v in method.thresholds],
                   [60 * mm, w.width - 60 * mm])
    out.append(w.h2(TITLES[2]))
    out += w.table(["Metric", "Formula"], [[w.cell(k), w.cell(v)] for k, v in method.formulas],
                   [40 * mm, w.width - 40 * mm])
    out.append(w.h2(TITLES[3]))
    for r in method.requirements:
        lines = [f"<b>{esc(r.requirement_id, limit=40)}</b> ({esc(r.framework_id, limit=40)}) {esc(r.title, limit=200)}",
                 f"<i>Applies when</i> {esc(r.applies, limit=600)}."]
        lines += [f"• {esc(c, limit=600)}" + (" <i>(only partial when it fails)</i>"
                                              if c.split(':', 1)[0] in r.partial else "") for c in r.checks]
        if r.notes:
            lines.append(f"<i>Note.</i> {esc(r.notes, limit=1200)}")
        out.append(KeepTogether([Paragraph(line, w.styles.small_id) for line in lines]))
    return out
