"""Adapters from the store's incident document (see BRIEF "Incident document") to the pack model.

The gatherer (`service.gather_pack_model`) can build each incident's section with
`section_from_document(doc, as_of=generated_at)` and add the per-framework assessment and the
custody logs it reads from the controls and evidence services.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from datetime import date, datetime
from typing import Any

from compliance.core.timeutil import parse_date, parse_instant
from compliance.reports.exceptions import obligation_exceptions
from compliance.reports.model import (
    ActionRow,
    AssessmentRow,
    CustodyLogEntry,
    EvidenceRow,
    Finding,
    IncidentSection,
    Lesson,
    NotificationRow,
    PostmortemInfo,
    RootCauseStep,
    TimelineRow,
)


def _instant(value: Any, field: str) -> datetime | None:
    if value is None or value == "":
        return None
    return parse_instant(value, field=field)


def _date(value: Any, field: str) -> date | None:
    if value is None or value == "":
        return None
    if isinstance(value, datetime):
        return value.date()
    return parse_date(value, field=field)


def _strings(values: Iterable[Any] | None) -> list[str]:
    out = []
    for v in values or []:
        if isinstance(v, Mapping):
            v = v.get("text") or v.get("description") or ""
        if v not in (None, ""):
            out.append(str(v))
    return out


def _filing(ob: Mapping[str, Any], key: str) -> Any:
    """A value of the obligation's first filing (the one its notified_at is), or None."""
    filings = ob.get("filings") or []
    return filings[0].get(key) if filings else None


def postmortem_from_document(pm: Mapping[str, Any] | None, *, findings: Iterable[Mapping] = ()) -> PostmortemInfo | None:
    """The post-mortem part of an incident document as PostmortemInfo (None when there is none)."""
    if not pm:
        return None
    return PostmortemInfo(
        status=str(pm.get("status") or "draft"),
        summary=pm.get("summary"),
        impact=pm.get("impact_text"),
        drafted_at=_instant(pm.get("drafted_at"), "postmortem.drafted_at"),
        published_at=_instant(pm.get("published_at"), "postmortem.published_at"),
        reviewer=pm.get("reviewer"),
        reviewer_role=pm.get("reviewer_role"),
        contributors=_strings(pm.get("contributors")),
        mitigators=_strings(pm.get("mitigators")),
        risks=_strings(pm.get("risks")),
        root_cause=[RootCauseStep(str(s.get("number", "")), str(s.get("text", ""))) if isinstance(s, Mapping)
                    else RootCauseStep(str(i + 1), str(s)) for i, s in enumerate(pm.get("root_cause") or [])],
        lessons=[Lesson(s.get("number", i + 1), str(s.get("text", "")), s.get("category")) if isinstance(s, Mapping)
                 else Lesson(i + 1, str(s)) for i, s in enumerate(pm.get("lessons") or [])],
        findings=[Finding(str(f.get("code", "")), str(f.get("severity", "info")), str(f.get("message", "")))
                  for f in findings],
    )


def section_from_document(doc: Mapping[str, Any], *, as_of: datetime, actor_is_role: bool = True,
                          custody: Mapping[str, list[CustodyLogEntry]] | None = None,
                          assessment: Iterable[AssessmentRow] = ()) -> tuple[IncidentSection, list[NotificationRow]]:
    """One incident document → its pack section and its notification-register rows.

    `actor_is_role`: timeline actors are recorded as roles (the store's convention), so a public
    pack may show them; pass False when actors are personal names (shown as "(withheld)" then).
    `custody`: custody log per evidence ref. `as_of`: the generation instant (for overdue actions).
    """
    inc = doc["incident"]
    ref = str(inc["ref"])
    title = str(inc.get("title") or "")
    timeline = [
        TimelineRow(at=_instant(e["at"], "timeline.at"), kind=str(e.get("kind") or "other"), text=str(e.get("text") or ""),
                    actor=e.get("actor"), actor_role=e.get("actor_role") or (e.get("actor") if actor_is_role else None),
                    source=e.get("source"), customer_visible=bool(e.get("customer_visible")))
        for e in doc.get("timeline") or []
    ]
    today = as_of.date()
    actions = []
    for a in doc.get("action_items") or []:
        due = _date(a.get("due"), "action.due")
        status = str(a.get("status") or "open")
        actions.append(ActionRow(
            ref=str(a["ref"]), description=str(a.get("description") or ""), status=status, owner=a.get("owner"),
            owner_role=a.get("owner_role"), due=due, priority=a.get("priority"),
            completed_at=_instant(a.get("completed_at"), "action.completed_at"),
            overdue=status == "open" and due is not None and due < today, link=a.get("link"),
            success_criteria=a.get("success_criteria")))
    custody = custody or {}
    evidence = [
        EvidenceRow(ref=str(e["ref"]), incident_ref=ref, filename=str(e.get("filename") or ""), size=int(e.get("size") or 0),
                    sha256=str(e.get("sha256") or ""), collected_by=e.get("collected_by"),
                    collected_by_role=e.get("collected_by_role"),
                    collected_at=_instant(e.get("collected_at"), "evidence.collected_at"),
                    source=e.get("source"), description=e.get("description"),
                    custody_verified=e.get("custody_verified") is True, custody=list(custody.get(str(e["ref"]), [])))
        for e in doc.get("evidence") or []
    ]
    evidence.sort(key=lambda e: (e.collected_at is None, e.collected_at or as_of, e.ref))  # oldest first
    obligations = [
        NotificationRow(incident_ref=ref, incident_title=title, regime=str(o.get("regime") or ""),
                        stage=str(o.get("stage") or ""), clock_start=_instant(o.get("clock_start"), "obligation.clock_start"),
                        due=_instant(o.get("due"), "obligation.due"),
                        notified_at=_instant(o.get("notified_at"), "obligation.notified_at"),
                        status=str(o.get("status") or "open"), delay_reason=o.get("delay_reason"),
                        waived=bool(o.get("waived")), waiver_reason=o.get("waiver_reason"),
                        recipient=_filing(o, "recipient") or o.get("recipient"),
                        reference=o.get("reference") or _filing(o, "reference"),
                        recorded_by=_filing(o, "recorded_by"),
                        recorded_at=_instant(_filing(o, "recorded_at"), "obligation.filings.recorded_at"),
                        decided_by=o.get("decided_by"),
                        decided_at=_instant(o.get("decided_at"), "obligation.decided_at"),
                        exceptions=obligation_exceptions(o, named=False), recorded_delay=_recorded_delay(o))
        for o in doc.get("obligations") or []
    ]
    gap = inc.get("awareness_gap") or {}
    section = IncidentSection(
        ref=ref, title=title, severity=str(inc.get("severity") or ""), status=str(inc.get("status") or ""),
        detected_at=_instant(inc["detected_at"], "incident.detected_at"), description=inc.get("description"),
        started_at=_instant(inc.get("started_at"), "incident.started_at"),
        aware_at=_instant(inc.get("aware_at"), "incident.aware_at"),
        mitigated_at=_instant(inc.get("mitigated_at"), "incident.mitigated_at"),
        resolved_at=_instant(inc.get("resolved_at"), "incident.resolved_at"),
        closed_at=_instant(inc.get("closed_at"), "incident.closed_at"),
        affected_services=_strings(inc.get("affected_services")), personal_data=bool(inc.get("personal_data")),
        data_categories=_strings(inc.get("data_categories")), data_subjects_approx=inc.get("data_subjects_approx"),
        affected_by_state={str(k): int(v) for k, v in (inc.get("affected_by_state") or {}).items()},
        records_approx=inc.get("records_approx"), regimes=_strings(inc.get("regimes")), tags=_strings(inc.get("tags")),
        restricted=bool(inc.get("restricted")), timeline=timeline,
        awareness_gap_hours=gap.get("gap_hours"), awareness_threshold_hours=gap.get("threshold_hours"),
        awareness_justification=gap.get("justification") if gap else None,
        postmortem=postmortem_from_document(doc.get("postmortem"), findings=doc.get("review_findings") or []),
        actions=actions, evidence=evidence, assessment=list(assessment),
    )
    return section, obligations


def _recorded_delay(obligation: dict[str, Any]) -> str | None:
    """The recorded delay of a stage in words, with the due it would have had without it; None when not delayed."""
    if not obligation.get("delayed"):
        return None
    undelayed = _instant(obligation.get("due_undelayed"), "obligation.due_undelayed")
    without = f" (due without it: {undelayed:%Y-%m-%d %H:%M} UTC)" if undelayed else ""
    return f"{obligation.get('status_reason') or 'delayed'}{without}"
