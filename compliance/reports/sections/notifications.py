"""Notification register: every obligation (incident × regime × stage), late and open ones first."""

from __future__ import annotations

from datetime import UTC, datetime

from reportlab.lib.units import mm
from reportlab.platypus import Flowable, Paragraph

from compliance.reports.formats import fmt_stacked, stage_label
from compliance.reports.text import esc
from compliance.reports.writer import PackWriter

LATE_STATUSES = ("late", "undue_delay", "late_open")


def build(w: PackWriter) -> list[Flowable]:
    """The register table (or a line saying there are no obligations)."""
    out: list[Flowable] = [w.markup(esc(w.wording["notifications_intro"]))]
    rows = sorted(w.pack.notifications, key=lambda n: (
        0 if n.needs_attention else 1,
        n.due or datetime.max.replace(tzinfo=UTC), n.incident_ref, n.regime, n.stage))
    if not rows:
        out.append(w.paragraph(w.wording["no_notifications"]))
        return out
    body = []
    for n in rows:
        reason = n.delay_reason or (f"waived: {n.waiver_reason}" if n.waived and n.waiver_reason else "")
        body.append([
            Paragraph(f"<b>{esc(n.incident_ref, limit=20)}</b><br/>{esc(n.incident_title, limit=80)}", w.styles.cell),
            w.ident(stage_label(n.regime, n.stage)),  # the one label (formats.stage_label), never split
            fmt_stacked(n.clock_start), fmt_stacked(n.due),
            fmt_stacked(n.notified_at),
            n.status.replace("_", " "),
            w.cell(reason or ("— missing —" if n.status in LATE_STATUSES else "")),
        ])
    status_col = 5
    out += w.table(["Incident", "Regime / stage", "Clock start (UTC)", "Due (UTC)", "Notified (UTC)", "Status",
                    "Delay reason"], body,
                   [30 * mm, 44 * mm, 18 * mm, 18 * mm, 18 * mm, 18 * mm, w.width - 146 * mm],
                   row_styles=w.colour_column(status_col, [w.status_colour(n.status) for n in rows]))
    return out
