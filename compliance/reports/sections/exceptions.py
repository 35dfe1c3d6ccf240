"""Exceptions first: late or open obligations, obligations met with an exception, missing requirements, overdue
actions and cross-check findings: what an auditor samples before anything else."""

from __future__ import annotations

from reportlab.lib.units import mm
from reportlab.platypus import Flowable

from compliance.reports.formats import fmt_date, fmt_short, stage_label
from compliance.reports.layout import FONT, FONT_BOLD, longest_token, text_width
from compliance.reports.model import MISSING
from compliance.reports.sections import recurrence
from compliance.reports.text import clean, esc
from compliance.reports.writer import PackWriter

TITLES = ("Late without reasons, or open obligations", "Obligations met with an exception", "Missing requirements",
          "Overdue actions",
          "Cross-check findings")


def build(w: PackWriter) -> list[Flowable]:
    """Six short lists, each saying 'none' when empty."""
    pack = w.pack
    out: list[Flowable] = [w.markup(esc(w.wording["exceptions_intro"]))]
    # a late filing with its reasons is listed once, as an exception below
    attention = sorted((n for n in pack.notifications if n.needs_attention and not n.exceptions),
                       key=lambda n: (n.incident_ref, n.regime, n.stage))
    out.append(w.h3(f"{TITLES[0]} ({len(attention)})"))
    out += _obligations(w, attention, lambda n: n.delay_reason or "no reason recorded") if attention \
        else [w.paragraph("None.", w.styles.muted)]
    qualified = [n for n in pack.notifications if n.exceptions]
    out.append(w.h3(f"{TITLES[1]} ({len(qualified)})"))
    out += _obligations(w, qualified, lambda n: "; ".join(n.exceptions)) if qualified \
        else [w.paragraph("None.", w.styles.muted)]
    missing = [(m.framework, r, [c.incident_ref for c in r.cells if c.status == MISSING])
               for m in pack.matrices for r in m.rows]
    missing = [x for x in missing if x[2]]
    out.append(w.h3(f"{TITLES[2]} ({sum(len(refs) for _, _, refs in missing)} cells)"))
    if missing:
        out += w.table(["Framework", "Requirement", "Incidents (reasons on each incident's page)"],
                       [[w.ident(fw.id), w.ident(r.requirement_id, bold=True),
                         w.cell(", ".join(refs))] for fw, r, refs in missing],
                       [30 * mm, 24 * mm, w.width - 54 * mm])
    else:
        out.append(w.paragraph("None.", w.styles.muted))
    overdue = [(inc, a) for inc in pack.incidents for a in inc.actions if a.overdue and a.status == "open"]
    out.append(w.h3(f"{TITLES[3]} ({len(overdue)})"))
    if overdue:
        out += w.table(["Action", "Due", "Owner", "Action item"],
                       [[w.ident(a.ref), fmt_date(a.due), w.cell(w.person(a.owner, a.owner_role)
                                                                  if (a.owner or a.owner_role) else "no owner"),
                         w.cell(a.description)] for _inc, a in overdue],
                       [26 * mm, 20 * mm, 34 * mm, w.width - 80 * mm])
    else:
        out.append(w.paragraph("None.", w.styles.muted))
    findings = [(inc.ref, f) for inc in pack.incidents for f in inc.crosschecks]
    out.append(w.h3(f"{TITLES[4]} ({len(findings)})"))
    if findings:
        out += w.table(["Incident", "Finding", "Records compared", "What disagrees"],
                       [[w.ident(ref), w.ident(f.code), w.cell(f"{f.first}\n{f.second}"), w.cell(f.message)]
                        for ref, f in findings],
                       [20 * mm, 34 * mm, 44 * mm, w.width - 98 * mm])
    else:
        out.append(w.paragraph(w.wording["no_crosscheck_findings"], w.styles.muted))
    links = recurrence.all_links(pack)
    out.append(w.h3(f"{recurrence.TITLE} ({len(links)})"))
    if links:
        size = w.styles.cell.fontSize
        ids = [text_width([r.incident_ref for r in links] + [r.earlier_ref for r in links] + ["Incident"], FONT_BOLD,
                          size)] * 2
        action = max(text_width(["After action"], FONT_BOLD, size), longest_token([r.action_ref for r in links], FONT, size))
        widths = [*ids, action, text_width(["2000-01-01 00:00", "Completed (UTC)"], FONT_BOLD, size)]
        out += w.table(["Incident", "Recurs", "After action", "Completed (UTC)", "Theme"],
                       [[w.ident(r.incident_ref), w.ident(r.earlier_ref), w.ident(r.action_ref),
                         f"{r.completed_at:%Y-%m-%d %H:%M}", w.cell(r.tag)] for r in links],
                       [*widths, w.width - sum(widths)])
    else:
        out.append(w.paragraph("None.", w.styles.muted))
    return out


def _obligations(w: PackWriter, rows, why) -> list[Flowable]:
    size = w.styles.cell.fontSize
    labels = [stage_label(n.regime, n.stage) for n in rows]
    statuses = [n.status.replace("_", " ") for n in rows]
    instant = text_width(["2000-01-01 00:00"], FONT, size)  # one line each (the header may take two)
    widths = [text_width([n.incident_ref for n in rows] + ["Incident"], FONT_BOLD, size),
              max(min(text_width(labels, FONT, size), 46 * mm), longest_token(labels, FONT, size)),
              instant, instant, text_width(statuses + ["Status"], FONT_BOLD, size)]
    return w.table(["Incident", "Regime / stage", "Due (UTC)", "Notified (UTC)", "Status", "Reason or exception"],
                   [[w.ident(n.incident_ref), w.ident(label), fmt_short(n.due),
                     fmt_short(n.notified_at), status, w.cell(clean(why(n)))]
                    for n, label, status in zip(rows, labels, statuses, strict=True)],
                   [*widths, w.width - sum(widths)],
                   row_styles=w.colour_column(4, [w.status_colour(n.status) for n in rows]))
