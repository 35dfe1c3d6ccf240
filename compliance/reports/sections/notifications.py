"""Notification register: every obligation (incident × regime × stage), late and open ones first.

RP-REG-5  Each filing shows its recipient, its reference, who recorded it and when, and BACK-FILLED when the
          record was made more than registers.BACKFILL_HOURS after the filing; a waiver shows who decided, when
          and why; an Art. 34 row without a fixed due shows its basis (registers.art34_basis).
"""

from __future__ import annotations

from datetime import UTC, datetime

from reportlab.lib.units import mm
from reportlab.platypus import Flowable

from compliance.reports.formats import fmt_short, stage_label
from compliance.reports.layout import FONT, FONT_BOLD, longest_token, text_width
from compliance.reports.model import NotificationRow
from compliance.reports.registers import backfilled
from compliance.reports.text import esc
from compliance.reports.writer import PackWriter

LATE_STATUSES = ("late", "undue_delay", "late_open")
BACKFILLED = "BACK-FILLED"


def filing_text(n: NotificationRow) -> str:
    """The filing: instant, recipient and reference (what the authority can match against its own records)."""
    if n.notified_at is None:
        return "not filed"
    lines = [f"{fmt_short(n.notified_at)}, ref: {n.reference or '— not recorded —'}",
             f"to: {n.recipient or '— not recorded —'}"]
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
    size = w.styles.cell.fontSize
    labels = [stage_label(n.regime, n.stage) for n in rows]
    statuses = [n.status.replace("_", " ") for n in rows]
    records = [record_text(w, n) for n in rows]
    widths = [text_width([n.incident_ref for n in rows] + ["Incident"], FONT_BOLD, size),
              longest_token(labels + ["Regime /"], FONT, size),  # clock start over due: two lines anyway
              text_width([fmt_short(n.clock_start) for n in rows] + ["Clock start /"], FONT_BOLD, size),
              max(min(text_width(statuses, FONT, size), 18 * mm), longest_token(statuses + ["Status"], FONT_BOLD, size)),
              0.0,
              min(text_width(records, FONT, size), 30 * mm)]
    widths[4] = w.width - sum(widths)
    body = []
    for n, label, status, record in zip(rows, labels, statuses, records, strict=True):
        reason = reason_text(w, n)
        filing = [w.cell(filing_text(n), w.styles.cell_id)]  # a reference is never split
        body.append([
            w.ident(n.incident_ref, bold=True),  # the title is on the incident's page (and in incidents.csv)
            w.ident(label),  # the one label (formats.stage_label), never split
            f"{fmt_short(n.clock_start)}\n{fmt_short(n.due)}",
            status,
            filing + [w.cell(reason, w.styles.cell_reason)] if reason else filing,
            w.cell(record),
        ])
    status_col = 3
    out += w.table(["Incident", "Regime / stage", "Clock start / due (UTC)", "Status",
                    "Filed (UTC), to, reference / delay reason, waiver or basis",
                    "Recorded by, at (UTC)"], body, widths,
                   row_styles=w.colour_column(status_col, [w.status_colour(n.status) for n in rows]))
    return out
