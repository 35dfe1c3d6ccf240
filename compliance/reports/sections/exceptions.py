"""Exceptions first: late or open obligations, obligations met with an exception, missing requirements, overdue
actions and cross-check findings: what an auditor samples before anything else."""

from __future__ import annotations

from reportlab.lib.units import mm
from reportlab.platypus import Flowable

from compliance.reports.formats import fmt_date, fmt_stacked
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
        out += w.table(["Incident", "Recurs", "Theme", "After action (completed, UTC)"],
                       [[w.ident(r.incident_ref), w.ident(r.earlier_ref), w.cell(r.tag),
                         w.cell(f"{r.action_ref}\n{r.completed_at:%Y-%m-%d %H:%M}")] for r in links],
                       [22 * mm, 22 * mm, 40 * mm, w.width - 84 * mm])
    else:
        out.append(w.paragraph("None.", w.styles.muted))
    return out


def _obligations(w: PackWriter, rows, why) -> list[Flowable]:
    return w.table(["Incident", "Regime / stage", "Due (UTC)", "Notified (UTC)", "Status", "Reason or exception"],
                   [[w.ident(n.incident_ref), w.ident(f"{n.regime} / {n.stage}"), fmt_stacked(n.due),
                     fmt_stacked(n.notified_at), w.cell(n.status.replace("_", " ")), w.cell(clean(why(n)))]
                    for n in rows],
                   [20 * mm, 46 * mm, 18 * mm, 18 * mm, 18 * mm, w.width - 120 * mm],
                   row_styles=w.colour_column(4, [w.status_colour(n.status) for n in rows]))
