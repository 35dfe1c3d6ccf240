"""Event register: every event assessed in the period as not an incident (ISO/IEC 27001:2022 A.5.25), with the
counts of the period's declaration decisions by outcome (RP-REG-2)."""

from __future__ import annotations

from reportlab.lib.units import mm
from reportlab.platypus import Flowable

from compliance.reports.formats import fmt_stacked
from compliance.reports.writer import PackWriter


def outcome_counts(pack) -> dict[str, int]:
    """Declaration decisions taken in the period, by outcome (the latest decision of each event)."""
    return {"incident": pack.assessed_incidents, "not_incident": len(pack.events)}


def build(w: PackWriter) -> list[Flowable]:
    """The counts by outcome and one row per event assessed as not an incident."""
    pack = w.pack
    counts = outcome_counts(pack)
    redacted = sum(1 for e in pack.events if e.redacted)
    out: list[Flowable] = [w.paragraph(
        f"Declaration decisions taken in the period: {counts['incident']} 'incident', {counts['not_incident']} "
        f"'not an incident'. Events assessed as not incidents are in no figure of this pack; each is listed here "
        f"with who assessed it, when, against which rubric and why ({redacted} of a restricted record shown redacted).")]
    if not pack.events:
        out.append(w.paragraph("No event was assessed as not an incident in the period.", w.styles.muted))
        return out
    body = [[w.ident(e.ref, bold=True), fmt_stacked(e.detected_at), fmt_stacked(e.decided_at),
             w.cell(w.person(e.decided_by, None) if e.decided_by else "—"), w.cell(e.rubric),
             w.cell(f"{e.title}\n{e.rationale or '— no reason recorded —'}")] for e in pack.events]
    out += w.table(["Event", "Detected (UTC)", "Assessed (UTC)", "Assessed by", "Rubric", "Event and reason"], body,
                   [22 * mm, 20 * mm, 20 * mm, 28 * mm, 34 * mm, w.width - 124 * mm])
    return out
