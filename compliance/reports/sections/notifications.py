"""Notification register: every obligation (incident × regime × stage), late and open ones first.

RP-REG-5  Each filing shows its recipient, its reference, who recorded it and when, and BACK-FILLED when the
          record was made more than registers.BACKFILL_HOURS after the filing; a waiver shows who decided, when
          and why; an Art. 34 row without a fixed due shows its basis (registers.art34_basis).
"""

from __future__ import annotations

from datetime import UTC, datetime

from reportlab.lib.units import mm
from reportlab.platypus import Flowable

from compliance.reports.formats import fmt_short, fmt_stacked, stage_label
from compliance.reports.model import NotificationRow
from compliance.reports.registers import backfilled
from compliance.reports.text import esc
from compliance.reports.writer import PackWriter

LATE_STATUSES = ("late", "undue_delay", "late_open")
BACKFILLED = "BACK-FILLED"


def filing_text(n: NotificationRow) -> str:
    """The filing: instant, recipient and reference (what the authority can match against its own records)."""
    if n.notified_at is None:
        return "—"
    lines = [fmt_short(n.notified_at), f"to: {n.recipient or '— not recorded —'}",
             f"ref: {n.reference or '— not recorded —'}"]
    return "\n".join(lines)


def record_text(w: PackWriter, n: NotificationRow) -> str:
    """Who recorded the filing and when, with the back-filled flag (RP-REG-1)."""
    if n.notified_at is None:
        return "—"
    text = f"{w.person(n.recorded_by, None) if n.recorded_by else '—'}\n{fmt_short(n.recorded_at)}"
    return text + (f"\n{BACKFILLED}" if backfilled(notified_at=n.notified_at, recorded_at=n.recorded_at) else "")


def reason_text(w: PackWriter, n: NotificationRow) -> str:
    """Recorded delay, delay reason, waiver decision (by, at, why) or Art. 34 basis."""
    parts = []
    if n.recorded_delay:
        parts.append(n.recorded_delay)
    if n.delay_reason:
        parts.append(n.delay_reason)
    if n.waived:
        who = w.person(n.decided_by, None) if n.decided_by else "— not recorded —"
        parts.append(f"waived by {who} at {fmt_short(n.decided_at)}: {n.waiver_reason or '— no reason —'}")
    if n.basis and n.due is None:
        parts.append(n.basis)
    if not parts and n.status in LATE_STATUSES:
        parts.append("— missing —")
    return "\n".join(parts)


def build(w: PackWriter) -> list[Flowable]:
    """The register table (or a line saying there are no obligations)."""
    out: list[Flowable] = [w.markup(esc(w.wording["notifications_intro"]))]
    rows = sorted(w.pack.notifications, key=lambda n: (
        0 if n.needs_attention else 1,
        n.due or datetime.max.replace(tzinfo=UTC), n.incident_ref, n.regime, n.stage))
    if not rows:
        out.append(w.paragraph(w.wording["no_notifications"]))
        return out
    flagged = sum(1 for n in rows if backfilled(notified_at=n.notified_at, recorded_at=n.recorded_at))
    hidden = {inc.ref for inc in w.pack.incidents if inc.redacted}
    redacted = sum(1 for n in rows if n.incident_ref in hidden)
    out.append(w.paragraph(f"{len(rows)} obligations; {flagged} filing(s) {BACKFILLED} (recorded long after the "
                           f"filing, see the methodology); {redacted} row(s) of restricted incidents redacted, "
                           "counted in every figure."))
    body = []
    for n in rows:
        body.append([
            w.ident(n.incident_ref, bold=True),  # the title is on the incident's page (and in incidents.csv)
            w.ident(stage_label(n.regime, n.stage)),  # the one label (formats.stage_label), never split
            f"{fmt_stacked(n.clock_start)}\n{fmt_stacked(n.due)}",
            w.cell(filing_text(n), w.styles.cell_id), w.cell(record_text(w, n)),  # a reference is never split
            n.status.replace("_", " "),
            w.cell(reason_text(w, n)),
        ])
    status_col = 5
    out += w.table(["Incident", "Regime / stage", "Clock start / due (UTC)", "Filed (UTC), to, reference",
                    "Recorded by, at (UTC)", "Status", "Delay reason, waiver or basis"], body,
                   [18 * mm, 34 * mm, 20 * mm, 30 * mm, 22 * mm, 15 * mm, w.width - 139 * mm],
                   row_styles=w.colour_column(status_col, [w.status_colour(n.status) for n in rows]))
    return out
