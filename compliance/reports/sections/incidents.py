"""Incident pages: key facts, summary, timeline, post-mortem, actions, obligations, evidence, assessment."""

from __future__ import annotations

from reportlab.lib import colors
from reportlab.lib.units import mm
from reportlab.platypus import Flowable, PageBreak, Paragraph, Spacer, Table, TableStyle

from compliance.core.timeutil import format_timedelta
from compliance.reports.flowables import Heading
from compliance.reports.formats import fmt_date, fmt_instant, fmt_short, fmt_size, fmt_stacked
from compliance.reports.layout import FONT
from compliance.reports.model import EvidenceRow, IncidentSection, NotificationRow, PostmortemInfo
from compliance.reports.text import clean, clip, esc, plain
from compliance.reports.writer import PackWriter


def heading_markup(inc: IncidentSection) -> str:
    """'INC-0001 — title' as the incident's heading and TOC entry."""
    return f"{esc(inc.ref, limit=20)} — {esc(inc.title, limit=100)}"


def build(w: PackWriter) -> list[Flowable]:
    """One lazily built page group per incident."""
    if not w.pack.incidents:
        return [w.paragraph(w.wording["no_incidents"])]
    out: list[Flowable] = []
    obligations: dict[str, list[NotificationRow]] = {}
    for n in w.pack.notifications:
        obligations.setdefault(n.incident_ref, []).append(n)
    for i, inc in enumerate(w.pack.incidents):
        if i:
            out.append(PageBreak())
        out.append(w.lazy(f"inc{i}", lambda inc=inc: incident(w, inc, obligations.get(inc.ref, []))))
    return out


def incident(w: PackWriter, inc: IncidentSection, obligations: list[NotificationRow]) -> list[Flowable]:
    """Everything the pack shows about one incident."""
    head = f"{clip(inc.ref, 20)} — {clip(inc.title, w.limit('title_chars'))}"
    out: list[Flowable] = [Heading(heading_markup(inc), w.styles.h2, level=1, outline=clip(head, 120), key=w.key("inc"))]
    if inc.redacted:
        return out + _redacted(w, inc, obligations)
    if len(clean(inc.title)) > 100:
        out.append(w.paragraph(inc.title, w.styles.muted, limit=w.limit("title_chars")))
    out += _key_facts(w, inc)
    out += _summary(w, inc)
    out += _timeline(w, inc)
    out += _postmortem(w, inc.postmortem)
    out += _actions(w, inc)
    out += _obligations(w, obligations)
    out += _evidence(w, inc)
    out += _assessment(w, inc)
    return out


def _key_facts(w: PackWriter, inc: IncidentSection) -> list[Flowable]:
    ttr = format_timedelta(inc.resolved_at - inc.detected_at) if inc.resolved_at else "not resolved"
    personal_data = "no"
    if inc.personal_data:
        bits = ["yes"]
        if inc.data_categories:
            bits.append("categories: " + ", ".join(clean(c) for c in inc.data_categories))
        if inc.data_subjects_approx is not None:
            bits.append(f"≈{inc.data_subjects_approx:,} data subjects")
        if inc.records_approx is not None:
            bits.append(f"≈{inc.records_approx:,} records")
        personal_data = "; ".join(bits)
    facts = [
        ("Severity", inc.severity), ("Status", inc.status),
        ("Started", fmt_instant(inc.started_at)), ("Detected", fmt_instant(inc.detected_at)),
        ("Aware", fmt_instant(inc.aware_at)), ("Mitigated", fmt_instant(inc.mitigated_at)),
        ("Resolved", fmt_instant(inc.resolved_at)), ("Closed", fmt_instant(inc.closed_at)),
        ("Time to resolve", ttr), ("Regimes", ", ".join(map(clean, inc.regimes)) or "—"),
        ("Services", ", ".join(map(clean, inc.affected_services)) or "—"),
        ("Tags", ", ".join(map(clean, inc.tags)) or "—"),
        ("Personal data", personal_data), ("Restricted", "yes" if inc.restricted else "no"),
    ]
    out: list[Flowable] = [w.h3("Key facts"), w.kv_table(facts)]
    if inc.awareness_gap_hours is not None:
        why = inc.awareness_justification
        out.append(Spacer(1, 4))
        out.append(Paragraph(
            f"<b>Awareness gap.</b> The organisation became aware {inc.awareness_gap_hours:g} h after detection "
            f"(threshold {inc.awareness_threshold_hours or 0:g} h). "
            + ("Justification: " + esc(clip(why, w.limit("paragraph_chars"))) if why and why.strip()
               else "<b>No justification recorded.</b>"), w.styles.body))
    return out


def _summary(w: PackWriter, inc: IncidentSection) -> list[Flowable]:
    pm = inc.postmortem
    summary = (pm.summary if pm and pm.summary else None) or inc.description
    out: list[Flowable] = [w.h3("Summary"), w.paragraph(summary or "No summary recorded.")]
    if pm and pm.impact:
        out.append(Paragraph("<b>Impact.</b> " + esc(clip(pm.impact, w.limit("paragraph_chars"))), w.styles.body))
    return out


def _timeline(w: PackWriter, inc: IncidentSection) -> list[Flowable]:
    lim = w.limit("list_items")
    out: list[Flowable] = [w.h3("Timeline")]
    if not inc.timeline:
        return out + [w.paragraph("No timeline entries recorded.", w.styles.muted)]
    entries = sorted(inc.timeline, key=lambda e: e.at)
    rows = [[fmt_short(e.at), plain(e.kind, 14),
             w.cell(w.person(e.actor, e.actor_role)),
             w.cell(clean(e.text) + (f"\n[source: {clean(e.source)}]" if e.source else "")
                    + ("\n[customer-visible]" if e.customer_visible else ""))]
            for e in entries[:lim]]
    out += w.table(["When (UTC)", "Kind", "Actor", "What happened"], rows,
                   [27 * mm, 23 * mm, 32 * mm, w.width - 82 * mm])
    if len(entries) > lim:
        out.append(w.paragraph(w.wording["list_truncated"].format(more=len(entries) - lim), w.styles.muted))
    return out


def _postmortem(w: PackWriter, pm: PostmortemInfo | None) -> list[Flowable]:
    lim = w.limit("list_items")
    out: list[Flowable] = [w.h3("Post-mortem")]
    if pm is None:
        return out + [w.paragraph("No post-mortem recorded.", w.styles.muted)]
    out.append(w.kv_table([
        ("Status", pm.status), ("Reviewer", w.person(pm.reviewer, pm.reviewer_role)
                                if (pm.reviewer or pm.reviewer_role) else "—"),
        ("Drafted", fmt_instant(pm.drafted_at)), ("Published", fmt_instant(pm.published_at)),
    ]))
    columns = []
    for label, items in (("Contributors", pm.contributors), ("Mitigators", pm.mitigators), ("Risks", pm.risks)):
        columns.append([Paragraph(esc(label), w.styles.cell_bold)]
                       + ([Paragraph("• " + esc(clip(x, w.limit("cell_chars"))), w.styles.cell) for x in items[:lim]]
                          or [Paragraph("—", w.styles.cell)]))
    t = Table([columns], colWidths=[w.width / 3] * 3, hAlign="LEFT")
    t.setStyle(TableStyle([("VALIGN", (0, 0), (-1, -1), "TOP"),
                           ("BACKGROUND", (0, 0), (-1, -1), w.colours["zebra"]),
                           ("LINEAFTER", (0, 0), (1, 0), 0.5, colors.white)]))
    out += [Spacer(1, 3), t]
    out.append(w.h3("Root-cause chains"))
    if pm.root_cause:
        for step in pm.root_cause[:lim]:
            depth = clean(step.number).count(".")
            out.append(Paragraph(f"<b>{esc(step.number, limit=12)}</b>  "
                                 f"{esc(step.text, limit=w.limit('paragraph_chars'))}", w.styles.root_cause_step(depth)))
    else:
        out.append(w.paragraph("No root-cause analysis recorded.", w.styles.muted))
    out.append(w.h3("Lessons learned"))
    if pm.lessons:
        for lesson in pm.lessons[:lim]:
            category = f" <font color='#5F6B7A'>[{esc(lesson.category, limit=40)}]</font>" if lesson.category else ""
            out.append(Paragraph(f"<b>{esc(lesson.number, limit=8)}.</b> "
                                 f"{esc(lesson.text, limit=w.limit('paragraph_chars'))}{category}", w.styles.bullet))
    else:
        out.append(w.paragraph("No lessons recorded.", w.styles.muted))
    if pm.findings:
        out.append(w.h3("Review findings"))
        severity_colour = {"blocking": w.colours["missing"], "warning": w.colours["partial"]}
        findings = pm.findings[:lim]
        out += w.table(["Code", "Severity", "Finding"],
                       [[plain(f.code, 24), plain(f.severity, 12), w.cell(f.message)] for f in findings],
                       [30 * mm, 20 * mm, w.width - 50 * mm],
                       row_styles=w.colour_column(1, [severity_colour.get(plain(f.severity, 12)) for f in findings]))
    return out


def _actions(w: PackWriter, inc: IncidentSection) -> list[Flowable]:
    out: list[Flowable] = [w.h3("Action items")]
    if not inc.actions:
        return out + [w.paragraph("No action items recorded.", w.styles.muted)]
    rows, colours = [], []
    for a in inc.actions[:w.limit("list_items")]:
        status = a.status + (" (overdue)" if a.overdue and a.status == "open" else "")
        rows.append([plain(a.ref, 24), w.cell(a.description + (f"\n{a.link}" if a.link else "")),
                     w.cell(w.person(a.owner, a.owner_role) if (a.owner or a.owner_role) else "—"),
                     fmt_date(a.due), plain(a.priority or "—", 10), status])
        colours.append(w.colours["late"] if a.overdue and a.status == "open" else w.status_colour(a.status))
    return out + w.table(["Ref", "Action", "Owner", "Due", "Priority", "Status"], rows,
                         [26 * mm, w.width - 126 * mm, 32 * mm, 20 * mm, 16 * mm, 32 * mm],
                         row_styles=w.colour_column(5, colours))


def _obligations(w: PackWriter, obligations: list[NotificationRow]) -> list[Flowable]:
    out: list[Flowable] = [w.h3("Notification obligations")]
    if not obligations:
        return out + [w.paragraph("No notification obligations.", w.styles.muted)]
    return out + w.table(["Regime / stage", "Clock start (UTC)", "Due (UTC)", "Notified (UTC)", "Status", "Delay reason"],
                         [[w.cell(f"{n.regime} / {n.stage}"), fmt_stacked(n.clock_start),
                           fmt_stacked(n.due), fmt_stacked(n.notified_at),
                           n.status.replace("_", " "), w.cell(n.delay_reason or "")]
                          for n in obligations],
                         [34 * mm, 25 * mm, 25 * mm, 25 * mm, 18 * mm, w.width - 127 * mm],
                         row_styles=w.colour_column(4, [w.status_colour(n.status.replace(" ", "_"))
                                                        for n in obligations]))


def _evidence(w: PackWriter, inc: IncidentSection) -> list[Flowable]:
    out: list[Flowable] = [w.h3("Evidence and chain of custody")]
    if not inc.evidence:
        return out + [w.paragraph("No evidence recorded.", w.styles.muted)]
    lim = w.limit("list_items")
    for ev in inc.evidence[:lim]:
        out += evidence_block(w, ev, lim)
    return out


def evidence_block(w: PackWriter, ev: EvidenceRow, lim: int) -> list[Flowable]:
    """One evidence item: ref, file, size, collector, custody state, full SHA-256, and its custody log."""
    custody_ok = "verified" if ev.custody_verified else "DOES NOT VERIFY"
    head = [
        [Paragraph(f"<b>{esc(ev.ref, limit=24)}</b>", w.styles.cell), w.cell(ev.filename),
         plain(fmt_size(ev.size), 14),
         w.cell(f"{w.person(ev.collected_by, ev.collected_by_role)}\n{fmt_instant(ev.collected_at)}"),
         w.cell(f"custody {custody_ok}")],
        [Paragraph("SHA-256", w.styles.cell_bold), Paragraph(esc(ev.sha256, limit=200), w.styles.mono), "", "", ""],
    ]
    t = Table(head, colWidths=[22 * mm, w.width - 110 * mm, 20 * mm, 40 * mm, 28 * mm], hAlign="LEFT")
    t.setStyle(TableStyle([
        ("SPAN", (1, 1), (-1, 1)), ("VALIGN", (0, 0), (-1, -1), "TOP"),
        ("FONTNAME", (0, 0), (-1, -1), FONT), ("FONTSIZE", (0, 0), (-1, -1), w.styles.cell.fontSize),
        ("BACKGROUND", (0, 0), (-1, -1), w.colours["zebra"]),
        ("LINEABOVE", (0, 0), (-1, 0), 0.8, w.colours["accent"]),
        ("BACKGROUND", (4, 0), (4, 0), w.colours["on_time"] if ev.custody_verified else w.colours["late"]),
        ("TOPPADDING", (0, 0), (-1, -1), 2), ("BOTTOMPADDING", (0, 0), (-1, -1), 2.5),
    ]))
    out: list[Flowable] = [Spacer(1, 3), t]
    if ev.custody:
        rows = [[str(c.seq), fmt_short(c.at), plain(c.action, 20),
                 w.cell(w.person(c.actor, c.actor_role)), w.cell(c.note or ""),
                 Paragraph(esc((c.entry_hash or "")[:16] + ("…" if c.entry_hash else ""), limit=20), w.styles.mono)]
                for c in ev.custody[:lim]]
        out += w.table(["#", "When (UTC)", "Action", "By", "Note", "Entry hash"], rows,
                       [8 * mm, 27 * mm, 20 * mm, 32 * mm, w.width - 117 * mm, 30 * mm], zebra=False)
    return out


def _assessment(w: PackWriter, inc: IncidentSection) -> list[Flowable]:
    out: list[Flowable] = [w.h3("Requirement assessment")]
    if not inc.assessment:
        return out + [w.paragraph("Not assessed.", w.styles.muted)]
    rows = [[w.cell(f"{a.framework_id}"), Paragraph(f"<b>{esc(a.requirement_id, limit=40)}</b> "
                                                    f"{esc(a.title, limit=160)}", w.styles.cell),
             a.status, w.cell("\n".join(f"• {clean(x)}" for x in a.reasons) or "—")]
            for a in inc.assessment]
    return out + w.table(["Framework", "Requirement", "Status", "Reasons"], rows,
                         [22 * mm, 58 * mm, 16 * mm, w.width - 96 * mm],
                         row_styles=w.colour_column(2, [w.status_colour(a.status) for a in inc.assessment]))


def _redacted(w: PackWriter, inc: IncidentSection, obligations: list[NotificationRow]) -> list[Flowable]:
    """A restricted incident without --include-restricted: what every figure counts, no title, text or names."""
    statuses = "; ".join(f"{n.regime} / {n.stage}: {n.status.replace('_', ' ')}" for n in obligations) or "none"
    facts = [("Severity", inc.severity), ("Status", inc.status),
             ("Detected", fmt_instant(inc.detected_at)), ("Closed", fmt_instant(inc.closed_at)),
             ("Regimes", ", ".join(map(clean, inc.regimes)) or "—"), ("Obligations", statuses),
             ("Action items", str(len(inc.actions))), ("Evidence items", str(len(inc.evidence)))]
    return [w.paragraph("Restricted incident: title, text and names are withheld in this edition "
                        "(--include-restricted shows it in full). It is counted in every figure of the pack.",
                        w.styles.muted),
            w.kv_table(facts)]
