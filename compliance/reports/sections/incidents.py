"""Incident pages: key facts, summary, timeline, post-mortem, actions, obligations, evidence, assessment."""

from __future__ import annotations

import re
from datetime import UTC, datetime

from reportlab.lib import colors
from reportlab.lib.units import mm
from reportlab.platypus import CondPageBreak, Flowable, Spacer, Table, TableStyle

from compliance.reports.exceptions import exception_marking
from compliance.reports.flowables import Heading, Para, fit_table
from compliance.reports.formats import (
    fmt_date,
    fmt_duration,
    fmt_instant,
    fmt_short,
    fmt_size,
    fmt_stacked,
    spaced_durations,
    stage_label,
)
from compliance.reports.layout import FONT, FONT_BOLD, longest_token, text_width
from compliance.reports.model import (
    MISSING,
    NOT_APPLICABLE,
    PARTIAL,
    SATISFIED,
    ActionRow,
    AssessmentRow,
    EvidenceRow,
    IncidentSection,
    NotificationRow,
    PostmortemInfo,
)
from compliance.reports.sections import recurrence
from compliance.reports.text import clean, clip, esc, plain
from compliance.reports.writer import PackWriter


def heading_markup(inc: IncidentSection) -> str:
    """'INC-0001 — title' as the incident's heading and TOC entry."""
    return f"{esc(inc.ref, limit=80)} — {esc(inc.title, limit=100)}"


def build(w: PackWriter) -> list[Flowable]:
    """One lazily built page group per incident."""
    if not w.pack.incidents:
        return [w.paragraph(w.wording["no_incidents"])]
    out: list[Flowable] = []
    obligations: dict[str, list[NotificationRow]] = {}
    for n in w.pack.notifications:
        obligations.setdefault(n.incident_ref, []).append(n)
    for i, inc in enumerate(w.pack.incidents):
        out.append(CondPageBreak(38 * mm))  # a new incident starts on a fresh page only when little room is left
        out.append(w.lazy(f"inc{i}", lambda inc=inc: incident(w, inc, obligations.get(inc.ref, [])), step=True))
    return out


def incident(w: PackWriter, inc: IncidentSection, obligations: list[NotificationRow]) -> list[Flowable]:
    """Everything the pack shows about one incident."""
    head = f"{clip(inc.ref, 80)} — {clip(inc.title, w.limit('title_chars'))}"
    out: list[Flowable] = [Heading(heading_markup(inc), w.styles.h2, level=1, outline=clip(head, 120), key=w.key("inc"))]
    if inc.redacted:
        return out + _redacted(w, inc, obligations)
    if len(clean(inc.title)) > 100:
        out.append(w.paragraph(inc.title, w.styles.muted, limit=w.limit("title_chars")))
    out += _key_facts(w, inc)
    out += recurrence.incident_lines(w, inc)
    out += _crosschecks(w, inc)
    out += _summary(w, inc)
    out += _timeline(w, inc)
    out += _postmortem(w, inc.postmortem)
    out += _actions(w, inc)
    out += _obligations(w, obligations)
    out += _evidence(w, inc)
    out += _assessment(w, inc)
    return out


def _key_facts(w: PackWriter, inc: IncidentSection) -> list[Flowable]:
    ttr = fmt_duration(inc.resolved_at - inc.detected_at) if inc.resolved_at else "not resolved"
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
    ]
    # the longer facts in wider columns below the instants (a personal-data line does not wrap into four)
    wide = [("Personal data", personal_data), ("Restricted", "yes" if inc.restricted else "no")]
    if inc.affected_by_state:
        wide.append(("Residents per State", ", ".join(f"{clean(k)} {v:,}" for k, v in sorted(inc.affected_by_state.items()))))
    out: list[Flowable] = [Spacer(1, 2), w.kv_table(facts, cols=3, label_w=0.14), w.kv_table(wide, cols=2, label_w=0.14)]
    if inc.awareness_gap_hours is not None:
        why = inc.awareness_justification
        out.append(Spacer(1, 4))
        out.append(Para(
            f"<b>Awareness gap.</b> The organisation became aware {inc.awareness_gap_hours:g} h after detection "
            f"(threshold {inc.awareness_threshold_hours or 0:g} h). "
            + ("Justification: " + esc(clip(why, w.limit("paragraph_chars"))) if why and why.strip()
               else "<b>No justification recorded.</b>"), w.styles.body))
    return out


def _crosschecks(w: PackWriter, inc: IncidentSection) -> list[Flowable]:
    """Records of this incident that contradict each other (named findings, both records given)."""
    if not inc.crosschecks:
        return []
    return [w.h3(f"Cross-check findings ({len(inc.crosschecks)})")] + w.table(
        ["Finding", "Records compared", "What disagrees"],
        [[w.ident(f.code, bold=True), w.text(f"{f.first}\n{f.second}"), w.text(f.message)] for f in inc.crosschecks],
        [48 * mm, 56 * mm, w.width - 104 * mm], row_styles=w.colour_column(0, [w.colours["late"]] * len(inc.crosschecks)))


def _summary(w: PackWriter, inc: IncidentSection) -> list[Flowable]:
    pm = inc.postmortem
    summary = (pm.summary if pm and pm.summary else None) or inc.description
    out: list[Flowable] = [w.h3("Summary"), w.paragraph(summary or "No summary recorded.")]
    if pm and pm.impact:
        out.append(Para("<b>Impact.</b> " + esc(clip(pm.impact, w.limit("paragraph_chars"))), w.styles.body))
    return out


def _timeline(w: PackWriter, inc: IncidentSection) -> list[Flowable]:
    lim = w.limit("list_items")
    out: list[Flowable] = [w.h3("Timeline")]
    if not inc.timeline:
        return out + [w.paragraph("No timeline entries recorded.", w.styles.muted)]
    entries = sorted(inc.timeline, key=lambda e: e.at)
    rows = [[fmt_short(e.at), plain(e.kind, 14),
             plain(w.person(e.actor, e.actor_role), 200),  # plain text: wrapped by the table only when too wide
             w.text(clean(e.text) + (f" [source: {clean(e.source)}]" if e.source else "")
                    + (" [customer-visible]" if e.customer_visible else ""))]
            for e in entries[:lim]]
    size = w.styles.cell.fontSize
    widths = [text_width([r[0] for r in rows] + ["When (UTC)"], FONT_BOLD, size),
              text_width([r[1] for r in rows] + ["Kind"], FONT_BOLD, size),
              min(text_width([r[2] for r in rows] + ["Actor"], FONT_BOLD, size), 36 * mm)]
    out += w.table(["When (UTC)", "Kind", "Actor", "What happened"], rows, widths + [w.width - sum(widths)])
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
    ], cols=4, label_w=0.075))
    columns = []
    for label, items in (("Contributors", pm.contributors), ("Mitigators", pm.mitigators), ("Risks", pm.risks)):
        columns.append([Para(esc(label), w.styles.cell_bold)]
                       + ([Para("• " + esc(clip(x, w.limit("cell_chars"))), w.styles.cell) for x in items[:lim]]
                          or [Para("—", w.styles.cell)]))
    out += [Spacer(1, 2), _box(w, columns, [w.width / 3] * 3)]
    out += _learning(w, pm, lim)
    if pm.findings:
        out.append(w.h3("Review findings"))
        severity_colour = {"blocking": w.colours["missing"], "warning": w.colours["partial"]}
        merged: dict[tuple[str, str], list[str]] = {}
        for f in pm.findings[:lim]:  # one row per code and severity, its findings joined
            merged.setdefault((plain(f.code, 24), plain(f.severity, 12)), []).append(clean(f.message))
        out += w.table(["Code", "Severity", "Finding"],
                       [[w.ident(code), w.text(severity), w.text(merged_findings(messages))]
                        for (code, severity), messages in merged.items()],
                       [18 * mm, 16 * mm, w.width - 34 * mm],
                       row_styles=w.colour_column(1, [severity_colour.get(severity) for _, severity in merged]))
    return out


COMPACT_ITEMS = 24  # root-cause steps and lessons up to this many (each short) sit side by side in one box


def _box(w: PackWriter, cells: list, widths: list[float]) -> Table:
    """One row of boxed columns on the zebra background (contributors, mitigators, risks; chains and lessons)."""
    t = Table([cells], colWidths=widths, hAlign="LEFT")
    t.setStyle(TableStyle([("VALIGN", (0, 0), (-1, -1), "TOP"),
                           ("BACKGROUND", (0, 0), (-1, -1), w.colours["zebra"]),
                           ("TOPPADDING", (0, 0), (-1, -1), 2), ("BOTTOMPADDING", (0, 0), (-1, -1), 3),
                           ("LINEAFTER", (0, 0), (-2, 0), 0.5, colors.white)]))
    return t


def _learning(w: PackWriter, pm: PostmortemInfo, lim: int) -> list[Flowable]:
    """Root-cause chains beside the lessons learned in one box when they are short; else one after the other, in
    full width (a box row cannot continue on the next page)."""
    steps, lessons = pm.root_cause[:lim], pm.lessons[:lim]
    short = all(len(clean(x.text)) <= w.limit("cell_chars") for x in [*steps, *lessons])
    compact = short and len(steps) + len(lessons) <= COMPACT_ITEMS
    chains = [Para(f"<b>{esc(step.number, limit=12)}</b>  {esc(step.text, limit=w.limit('paragraph_chars'))}",
                   w.styles.cell_step(clean(step.number).count(".")) if compact
                   else w.styles.body_step(clean(step.number).count("."))) for step in steps]
    learned = [Para(f"<b>{esc(lesson.number, limit=8)}.</b> {esc(lesson.text, limit=w.limit('paragraph_chars'))}"
                    + (f" <font color='#5F6B7A'>[{esc(lesson.category, limit=40)}]</font>" if lesson.category else ""),
                    w.styles.cell if compact else w.styles.bullet) for lesson in lessons]
    none_chains, none_lessons = "No root-cause analysis recorded.", "No lessons recorded."
    if compact:
        return [Spacer(1, 2), _box(w, [[Para("Root-cause chains", w.styles.cell_bold)]
                                       + (chains or [Para(none_chains, w.styles.cell)]),
                                       [Para("Lessons learned", w.styles.cell_bold)]
                                       + (learned or [Para(none_lessons, w.styles.cell)])], [w.width / 2] * 2)]
    return [w.h3("Root-cause chains"), *(chains or [w.paragraph(none_chains, w.styles.muted)]),
            w.h3("Lessons learned"), *(learned or [w.paragraph(none_lessons, w.styles.muted)])]


def merged_findings(messages: list[str]) -> str:
    """The findings of one code in one cell, what they share said once: 'action is vague: "A"; "B"' for a shared
    lead, '… between 15:00 and 20:59 UTC; … (each: say what happened …)' for a shared ending."""
    if len(messages) > 1 and all(": " in m for m in messages):
        leads = {m.split(": ", 1)[0] for m in messages}
        endings = {m.rsplit(": ", 1)[1] for m in messages}
        if len(leads) == 1:
            return f"{leads.pop()}: " + "; ".join(m.split(": ", 1)[1] for m in messages)
        if len(endings) == 1:
            return "; ".join(m.rsplit(": ", 1)[0] for m in messages) + f" (each: {endings.pop()})"
    return "; ".join(messages)


def _actions(w: PackWriter, inc: IncidentSection) -> list[Flowable]:
    """Action items: what, success criteria, owner, due, status, completion instant and how it was verified."""
    out: list[Flowable] = [w.h3("Action items")]
    if not inc.actions:
        return out + [w.paragraph("No action items recorded.", w.styles.muted)]
    rows, colours = [], []
    for a in inc.actions[:w.limit("list_items")]:
        status = a.status + (" (overdue)" if a.overdue and a.status == "open" else "")
        what = clean(a.description) + "\nSuccess criteria: " + (clean(a.success_criteria) if a.success_criteria
                                                                 else "none recorded")
        rows.append([w.ident(a.ref), [w.cell(what), w.ident(a.link)] if a.link else w.text(what),
                     plain(w.person(a.owner, a.owner_role) if (a.owner or a.owner_role) else "—", 200),
                     fmt_date(a.due), plain(status, 60), fmt_stacked(a.completed_at) if a.completed_at else "—",
                     plain(verification(a), 120)])
        colours.append(w.colours["late"] if a.overdue and a.status == "open" else w.status_colour(a.status))
    return out + w.table(["Ref", "Action and success criteria", "Owner", "Due", "Status", "Completed (UTC)",
                          "Completion verified by"], rows,
                         [22 * mm, w.width - 125 * mm, 24 * mm, 17 * mm, 17 * mm, 18 * mm, 27 * mm],
                         row_styles=w.colour_column(4, colours))


def verification(a: ActionRow) -> str:
    """How completion of an action was verified, in words (from what the store records)."""
    if a.status != "done":
        return "not done" if a.status == "open" else "cancelled"
    if a.completed_at is None:
        return "NO completion instant recorded"
    if a.link and a.success_criteria:
        return "linked record, against the success criteria"
    if a.link:
        return "linked record; no success criteria to check against"
    return "completion recorded without a linked record"


def _obligations(w: PackWriter, obligations: list[NotificationRow]) -> list[Flowable]:
    out: list[Flowable] = [w.h3("Notification obligations (instants in UTC)")]
    if not obligations:
        return out + [w.paragraph("No notification obligations.", w.styles.muted)]
    labels = [stage_label(n.regime, n.stage) for n in obligations]
    size = w.styles.cell.fontSize
    stage_w = max(min(max(text_width(labels, FONT, size), text_width(["Regime / stage"], FONT_BOLD, size)), 50 * mm),
                  longest_token(labels, FONT, size))
    return out + w.table(["Regime / stage", "Clock start", "Due", "Notified", "Status", "Delay reason"],
                         [[w.ident(stage_label(n.regime, n.stage)), fmt_stacked(n.clock_start),
                           fmt_stacked(n.due), fmt_stacked(n.notified_at),
                           plain(notification_status(n), 600), w.text(n.delay_reason or "")]
                          for n in obligations],
                         [stage_w, 19 * mm, 19 * mm, 19 * mm, 30 * mm, w.width - stage_w - 87 * mm],
                         row_styles=w.colour_column(4, [w.status_colour(n.status) for n in obligations]))


def notification_status(n: NotificationRow) -> str:
    """The status in words, with the exception when it was met only with one."""
    text = n.status.replace("_", " ")
    return text + (" (exception: " + "; ".join(n.exceptions) + ")" if n.exceptions else "")


def _evidence(w: PackWriter, inc: IncidentSection) -> list[Flowable]:
    """Evidence oldest first: what it is, how and from where it was collected, its full SHA-256, its custody log."""
    out: list[Flowable] = [w.h3("Evidence and chain of custody")]
    if not inc.evidence:
        return out + [w.paragraph("No evidence recorded.", w.styles.muted)]
    lim = w.limit("list_items")
    out.append(Para(esc(INTAKE), w.styles.small))
    for ev in oldest_first(inc.evidence)[:lim]:
        out += evidence_block(w, ev, lim)
    return out


INTAKE = ("Each item below was copied into the evidence store and hashed (SHA-256) on intake; "
          "its custody log follows it, oldest entry first.")


def oldest_first(evidence: list[EvidenceRow]) -> list[EvidenceRow]:
    """Evidence in the order it was collected (then by ref); items without a collection instant last."""
    never = datetime.min.replace(tzinfo=UTC)
    return sorted(evidence, key=lambda ev: (ev.collected_at is None, ev.collected_at or never, ev.ref))


def evidence_block(w: PackWriter, ev: EvidenceRow, lim: int) -> list[Flowable]:
    """One evidence item: ref, file and description, collection (by, at, method and source), custody, SHA-256, log."""
    custody_ok = "verified" if ev.custody_verified else "DOES NOT VERIFY"
    method = f"from {clean(ev.source)}" if ev.source else "source not recorded"
    head = [
        [w.ident(ev.ref, bold=True), w.cell(ev.filename + (f"\n{ev.description}" if ev.description else "")),
         w.cell(f"{w.person(ev.collected_by, ev.collected_by_role)}, {fmt_instant(ev.collected_at)}\n{method}"),
         plain(fmt_size(ev.size), 14), w.cell(f"custody {custody_ok}")],
        [Para("SHA-256", w.styles.cell_bold), w.hash_cell(ev.sha256), "", "", ""],
    ]
    # the SHA-256 row spans columns 1-4: only the first row's cells set the widths
    widths = [24 * mm, w.width - 120 * mm, 56 * mm, 16 * mm, 24 * mm]
    _, first, widths = fit_table([], head[:1], widths, w.styles.cell)
    t = Table([w.fitting(first[0], widths), *head[1:]], colWidths=widths, hAlign="LEFT")
    t.setStyle(TableStyle([
        ("SPAN", (1, 1), (-1, 1)), ("VALIGN", (0, 0), (-1, -1), "TOP"),
        ("FONTNAME", (0, 0), (-1, -1), FONT), ("FONTSIZE", (0, 0), (-1, -1), w.styles.cell.fontSize),
        ("BACKGROUND", (0, 0), (-1, -1), w.colours["zebra"]),
        ("LINEABOVE", (0, 0), (-1, 0), 0.8, w.colours["accent"]),
        ("BACKGROUND", (4, 0), (4, 0), w.colours["on_time"] if ev.custody_verified else w.colours["late"]),
        ("TOPPADDING", (0, 0), (-1, -1), 1.5), ("BOTTOMPADDING", (0, 0), (-1, -1), 2),
        ("LEFTPADDING", (0, 0), (-1, -1), 2.5), ("RIGHTPADDING", (0, 0), (-1, -1), 2.5),  # as fit_table counts
    ]))
    out: list[Flowable] = [Spacer(1, 2), t]
    if ev.custody:
        rows = [[str(c.seq), fmt_short(c.at), plain(c.action, 20), plain(w.person(c.actor, c.actor_role), 200),
                 [w.cell(c.note or "—"), w.hash_cell(c.entry_hash or "—", width=w.width - 81 * mm - 5)]]
                for c in sorted(ev.custody, key=lambda c: c.seq)[:lim]]
        out += w.table(["#", "When (UTC)", "Action", "By", "Note and entry hash"], rows,
                       [9 * mm, 24 * mm, 18 * mm, 30 * mm, w.width - 81 * mm], zebra=False)
    return out


def _assessment(w: PackWriter, inc: IncidentSection) -> list[Flowable]:
    """One line per framework ('31 of 35 satisfied'); then only the requirements not plainly satisfied, those with
    the same status and finding on one row (the methodology appendix says what each requirement checks)."""
    out: list[Flowable] = [w.h3("Requirement assessment")]
    if not inc.assessment:
        return out + [w.paragraph("Not assessed.", w.styles.muted)]
    frameworks: dict[str, list[AssessmentRow]] = {}
    for a in inc.assessment:
        frameworks.setdefault(a.framework_id, []).append(a)
    lines: list[str] = []
    for framework_id, rows in frameworks.items():
        lines.append(assessment_line(framework_id, rows))
    if any(a.status == NOT_APPLICABLE for a in inc.assessment):
        # The ids only: each requirement's n/a reasons, with the incidents they hold for, are in the coverage section.
        lines[-1] += " Why a requirement is not applicable: the coverage section, per requirement."
    out += [Para(line, w.styles.small_id) for line in lines]
    groups: dict[tuple[str, str], list[AssessmentRow]] = {}
    for a in inc.assessment:
        if a.status in (SATISFIED, NOT_APPLICABLE) and not a.exception:
            continue
        status = EXCEPTION_STATUS if a.exception else a.status
        groups.setdefault((status, finding_text(a)), []).append(a)
    if not groups:
        return out
    order = {MISSING: 0, PARTIAL: 1}
    items = sorted(groups.items(), key=lambda kv: order.get(kv[0][0], 2))
    rows = [[Para(", ".join(f"<b>{esc(a.requirement_id, limit=40)}</b>" for a in group), w.styles.cell_id),
             w.cell(status, w.styles.cell_id), w.text(text)] for (status, text), group in items]
    size = w.styles.cell.fontSize
    ids = [", ".join(clean(a.requirement_id)[:40] for a in group) for _, group in items]
    id_w = max(min(text_width(ids + ["Requirements"], FONT_BOLD, size), 40 * mm), longest_token(ids, FONT_BOLD, size))
    status_w = longest_token([status for (status, _), _ in items] + ["Status"], FONT_BOLD, size)
    colours = [w.status_colour(status) if status in (MISSING, PARTIAL) else w.colours["exception"]
               for (status, _), _ in items]
    return out + [Spacer(1, 2)] + w.table(["Requirements", "Status", "Finding"], rows,
                                          [id_w, status_w, w.width - id_w - status_w],
                                          row_styles=w.colour_column(1, colours))


EXCEPTION_STATUS = exception_marking([]).rstrip()  # 'satisfied, exception:', continued by the finding


_CHECK_NAME = re.compile(r"^[a-z][a-z0-9 ,()'/-]{0,60}: ")


def finding_text(a: AssessmentRow) -> str:
    """The row's findings without the check names that prefix them (so that requirements with the same finding
    share a row); a satisfied-with-exception row starts with its exceptions ('late 14 h, reasons given')."""
    parts = [_CHECK_NAME.sub("", p, count=1) for r in a.reasons for p in clean(r).split("; ")]
    if a.exception:  # the status cell says 'satisfied, exception:', the finding goes on with the exceptions
        parts = [clean(x) for x in a.exceptions] + parts
    return spaced_durations("; ".join(parts)) or "no reason recorded"


def assessment_line(framework_id: str, rows: list[AssessmentRow]) -> str:
    """'<b>iso27001-2022</b>: 31 of 35 satisfied; 1 with an exception; 2 partial …' (markup; the framework's name is
    in the coverage section's heading)."""
    plain_ok = sum(1 for a in rows if a.status == SATISFIED and not a.exception)
    exceptions = sum(1 for a in rows if a.exception)
    applicable = sum(1 for a in rows if a.status != NOT_APPLICABLE)
    bits = [f"{plain_ok} of {applicable} applicable satisfied"]
    if exceptions:
        bits.append(f"{exceptions} satisfied with an exception")
    for status in (PARTIAL, MISSING):
        n = sum(1 for a in rows if a.status == status)
        if n:
            bits.append(f"{n} {status}")
    n_a = len(rows) - applicable
    if n_a:
        bits.append(f"{n_a} not applicable")
    text = f"<b>{esc(framework_id, limit=40)}</b>: " + "; ".join(bits)
    not_applicable = [a.requirement_id for a in rows if a.status == NOT_APPLICABLE]
    if not_applicable:
        text += f" ({', '.join(esc(i, limit=40) for i in not_applicable)})"
    return text + "."


def _redacted(w: PackWriter, inc: IncidentSection, obligations: list[NotificationRow]) -> list[Flowable]:
    """A restricted incident without --include-restricted: what every figure counts, no title, text or names."""
    statuses = "; ".join(f"{stage_label(n.regime, n.stage)}: {n.status.replace('_', ' ')}" for n in obligations) or "none"
    facts = [("Severity", inc.severity), ("Status", inc.status),
             ("Detected", fmt_instant(inc.detected_at)), ("Closed", fmt_instant(inc.closed_at)),
             ("Regimes", ", ".join(map(clean, inc.regimes)) or "—"), ("Obligations", statuses),
             ("Action items", str(len(inc.actions))), ("Evidence items", str(len(inc.evidence)))]
    return [w.paragraph("Restricted incident: title, text and names are withheld in this edition "
                        "(--include-restricted shows it in full). It is counted in every figure of the pack.",
                        w.styles.muted),
            w.kv_table(facts)]
