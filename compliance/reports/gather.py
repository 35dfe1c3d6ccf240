"""Fills the audit-pack model from the store: incidents, assessments, notifications, evidence, metrics."""

from __future__ import annotations

import dataclasses
from datetime import UTC, date, datetime
from typing import Any

from sqlmodel import Session

from compliance.core.errors import NotFoundError
from compliance.core.timeutil import ensure_utc
from compliance.crosschecks.service import get_crosscheck_findings
from compliance.db.settings import get_setting
from compliance.deadlines.service import get_deadline_settings, get_org_zone
from compliance.documents.service import build_incident_documents
from compliance.incidents.service import list_incidents
from compliance.integrity.pack import get_store_manifest_fields
from compliance.reports.adapt import section_from_document
from compliance.reports.exceptions import requirement_exceptions
from compliance.reports.figures import section_metrics
from compliance.reports.methodology import method_requirements, severity_thresholds
from compliance.reports.model import (
    ORGANISATION_REF,
    Assertion,
    AssessmentRow,
    AuditPack,
    Cell,
    CoverageMatrix,
    CrossCheck,
    CustodyLogEntry,
    ExecutiveSummary,
    Framework,
    Integrity,
    Methodology,
    Population,
    ProgrammeRow,
    RequirementRow,
    derive_trends,
)
from compliance.reports.registers import (
    EventRow,
    art34_basis,
    backfill_rule,
    declared_at,
    event_row,
    is_not_incident,
    recurrence_links,
)
from compliance.reports.scope import ACTIVE, Period, resolve_period, scope_reason

UTC = UTC
_STATUS = {"satisfied": "satisfied", "partial": "partial", "missing": "missing",
           "not_applicable": "n/a", "n/a": "n/a"}


def _custody_logs(session: Session, document: dict[str, Any]) -> dict[str, list[CustodyLogEntry]]:
    if not document.get("evidence"):
        return {}
    from compliance.custody.service import get_custody_log_rows

    return {ev["ref"]: [CustodyLogEntry(**row) for row in get_custody_log_rows(session=session, evidence_ref=ev["ref"])]
            for ev in document["evidence"]}


def _load_frameworks(framework_ids: list[str], controls_dirs: list[str]) -> list[Any]:
    from compliance.controls.loader import load_frameworks

    available = load_frameworks(extra_dirs=controls_dirs)
    chosen = []
    for framework_id in framework_ids:
        if framework_id not in available:
            raise NotFoundError(f"unknown framework {framework_id!r} (known: {', '.join(sorted(available))})",
                                field="--framework")
        chosen.append(available[framework_id])
    return chosen


def _assess(document: dict[str, Any], frameworks: list[Any]) -> list[AssessmentRow]:
    from compliance.controls.engine import assess_requirement
    from compliance.controls.service import get_incident_requirements

    rows = []
    obligations = document.get("obligations") or []
    for framework in frameworks:
        # Organisation-level requirements are judged once for the period (_organisation_cells), not per incident.
        for result in (assess_requirement(document, r) for r in get_incident_requirements(framework)):
            status = _STATUS.get(result.status, result.status)
            exceptions = requirement_exceptions(result, obligations) if status == "satisfied" else []
            rows.append(AssessmentRow(framework_id=framework.id, requirement_id=result.requirement_id,
                                      title=result.title, status=status,
                                      reasons=[result.reason] if result.reason else [], exceptions=exceptions))
    return rows


def _organisation_cells(session: Session, frameworks: list[Any], as_of: datetime) -> dict[tuple[str, str], Cell]:
    """Organisation-level requirements judged once for the period, on the programme evidence at `as_of` (RQ-ENG-06)."""
    from compliance.controls.service import get_organisation_document, get_organisation_results

    document = get_organisation_document(session=session, as_of=as_of)
    return {(framework.id, result.requirement_id): Cell(
                incident_ref=ORGANISATION_REF, status=_STATUS.get(result.status, result.status),
                reasons=[result.reason] if result.reason else [], exceptions=list(result.exceptions))
            for framework in frameworks for result in get_organisation_results(document=document, framework=framework)}


def _integrity(store: Any) -> Integrity:
    from compliance.integrity.service import verify_store

    whole = verify_store(store=store)
    result = whole.custody
    broken = not whole.intact
    return Integrity(chain_head=result.head_hash, chain_length=result.events_checked, verified=not broken,
                     broken=broken, message=str(whole.first_break) if broken else
                     f"{result.events_checked} custody events and {result.blobs_checked} blobs verified; ledger of "
                     f"{whole.length} entries verified",
                     ledger_head=whole.ledger.head_hash, ledger_length=whole.length, ledger_counts=dict(whole.counts))


def _verdict_settings(session: Session) -> list[tuple[str, str]]:
    """The store settings that decide which requirements apply, in the words the methodology prints."""
    from compliance.controls.service import get_significance
    from compliance.programme.scope import describe_audit_scope, get_audit_scope

    return [("Significant incident (ISO A.5.27, SOC 2 CC7.5 reviews)",
             get_significance(session=session)["text"] + " Store setting; `compliance decision significance`."),
            ("Audit scope (optional SOC 2 criteria)",
             describe_audit_scope(get_audit_scope(session=session)) + " Store setting; `compliance programme scope`.")]


def _methodology(frameworks: list[Any], awareness_hours: float, settings: list[tuple[str, str]] = ()) -> Methodology:
    """`settings` are the store's own choices that change verdicts (significance rule, audit scope), as (label, text)."""
    from compliance.metrics.definitions import FORMULAS
    from compliance.metrics.service import TARGETS

    requirements = method_requirements(frameworks)
    severities = severity_thresholds(frameworks)
    thresholds = [
        ("Detection to awareness gap that needs a written justification",
         f"{awareness_hours:g} h (store setting awareness_gap_hours; `compliance deadlines settings`)"),
        ("Post-mortem draft target", f"{TARGETS['time_to_draft_hours']:g} h after resolution (toolkit default)"),
        ("Post-mortem publication target", f"{TARGETS['time_to_publish_days']:g} d after resolution (toolkit default)"),
        ("Action-item closure target", f"{100 * TARGETS['action_closure_rate']:g} % (toolkit default)"),
        ("90-day recurrence target", f"below {100 * TARGETS['recurrence_90d']:g} % (toolkit default)"),
        ("Severity thresholds the requirements use (operational impact; risk to people is the recorded breach "
         "assessment, never the severity)",
         "; ".join(severities) + " (controls/*.yaml)" if severities else "none used"),
        ("Filing recorded long after its instant (back-filled)", backfill_rule()),
        *settings,
    ]
    return Methodology(requirements=requirements, thresholds=thresholds, formulas=list(FORMULAS))


def _population(session: Session, period: Period, generated_at: datetime) -> tuple[Population, list[Any], list[dict],
                                                                                 list[EventRow], int, set[str]]:
    """The in-scope incidents and their documents (RP-SCOPE-1), with the reconciliation counts; the events assessed
    as not incidents in the period (RP-REG-2), the number of 'incident' declarations taken in the period, and the
    refs of every event detected by the end that is not an incident."""
    everything = list_incidents(session=session, include_restricted=True)
    def recorded(incident: Any) -> bool:
        detected = ensure_utc(incident.detected_at, field="detected_at")
        return detected <= generated_at if period.stop is None else detected < period.stop

    def assessed_in_period(document: dict) -> bool:
        when = declared_at(document)
        return period.contains(when) and when <= generated_at

    candidates = [i for i in everything if recorded(i)]
    population = Population(zone=period.zone, first_instant=period.start, last_instant=period.last_instant,
                            still_open=period.still_open, in_store=len(everything),
                            after_end=len(everything) - len(candidates))
    incidents, documents, events, declared, dismissed = [], [], [], 0, set()
    for incident, document in zip(candidates, build_incident_documents(session=session, incidents=candidates,
                                                                       as_of=generated_at), strict=True):
        if is_not_incident(document):
            population.not_incident += 1
            dismissed.add(incident.ref)
            if assessed_in_period(document):
                events.append(event_row(document))
            continue
        reason = scope_reason(document, period)
        if reason is None:
            population.inactive += 1
            continue
        if reason == ACTIVE:
            population.active += 1
        else:
            population.activity_only += 1
        declared += int(document.get("declaration") is not None and assessed_in_period(document))
        incidents.append(incident)
        documents.append(document)
    events.sort(key=lambda e: (e.decided_at, e.ref))
    return population, incidents, documents, events, declared, dismissed


def _recurrences(session: Session, sections: list[Any], generated_at: datetime, dismissed: set[str]) -> None:
    """Links each section to the earlier incidents it recurs after a completed action (RP-REG-4); an event assessed
    as not an incident is never an earlier incident."""
    from compliance.actions.service import action_ref, list_actions

    done = [(incident.ref, action_ref(action, incident), action.completed_at)
            for action, incident in list_actions(session=session, status="done")
            if action.completed_at is not None and ensure_utc(action.completed_at, field="completed_at") <= generated_at]
    history = [i for i in list_incidents(session=session, include_restricted=True) if i.ref not in dismissed]
    links = recurrence_links(sections, history, done)
    for section in sections:
        section.recurrences = links.get(section.ref, [])


def gather_pack_model(*, store: Any, frameworks: list[str], period_from: date | None, period_to: date | None,
                      include_restricted: bool, generated_at: datetime, title: str,
                      organisation: str | None, controls_dirs: list[str] | None = None,
                      allow_open_period: bool = False, assertion: Assertion | None = None) -> AuditPack:
    """Returns the AuditPack model of a period (RP-SCOPE-1/2), restricted incidents included and flagged."""
    chosen = _load_frameworks(frameworks, list(controls_dirs or []))
    sections, notifications = [], []
    with store.session() as session:
        zone = get_org_zone(session=session)
        period = resolve_period(period_from=period_from, period_to=period_to, zone=zone, zone_name=str(zone),
                                generated_at=generated_at, allow_open_period=allow_open_period)
        population, _incidents, documents, events, declared, dismissed = _population(session, period, generated_at)
        for document in documents:
            section, rows = section_from_document(document, as_of=generated_at,
                                                  custody=_custody_logs(session, document),
                                                  assessment=_assess(document, chosen))
            for row, obligation in zip(rows, document.get("obligations") or [], strict=True):
                row.basis = art34_basis(obligation, (document.get("breach_assessments") or {}).get(obligation.get("regime"))
                                        or document.get("breach_assessment"))
            section.crosschecks = [CrossCheck(f.code, f.first, f.second, f.message)
                                   for f in get_crosscheck_findings(document=document)]
            sections.append(section)
            notifications.extend(rows)
        metrics = section_metrics(sections, as_of=generated_at.date())
        threshold = get_deadline_settings(session=session).get("awareness_gap_hours") or 24
        verdict_settings = _verdict_settings(session)
        store_fields = get_store_manifest_fields(session=session, generated_at=generated_at,
                                                 incident_refs=[s.ref for s in sections])
        organisation = organisation or get_setting(session=session, key="organisation").get("name") \
            or "(organisation not set)"
        programme = _programme(session, generated_at)
        organisation_cells = _organisation_cells(session, chosen, generated_at)
        _recurrences(session, sections, generated_at, dismissed)
    matrices = []
    assessed = [{(a.framework_id, a.requirement_id): a for a in section.assessment} for section in sections]
    for framework in chosen:
        refs = [s.ref for s in sections]
        rows = []
        for requirement in framework.requirements:
            if requirement.scope == "organisation":
                cells = [organisation_cells[(framework.id, requirement.id)]]
            else:
                cells = []
                for section, hits in zip(sections, assessed, strict=True):
                    hit = hits.get((framework.id, requirement.id))
                    cells.append(Cell(incident_ref=section.ref, status=hit.status if hit else "n/a",
                                      reasons=hit.reasons if hit else [], exceptions=hit.exceptions if hit else []))
            rows.append(RequirementRow(requirement_id=requirement.id, title=requirement.title,
                                       citation=getattr(requirement, "citation", None), cells=cells,
                                       scope=requirement.scope))
        matrices.append(CoverageMatrix(framework=Framework(id=framework.id, name=framework.name,
                                                           version=getattr(framework, "version", None)),
                                       incident_refs=refs, rows=rows))
    return AuditPack(
        title=title, organisation=organisation, generated_at=generated_at,
        frameworks=[m.framework for m in matrices], period_from=period_from, period_to=period_to,
        summary=ExecutiveSummary(metrics=metrics), matrices=matrices, notifications=notifications,
        incidents=sections, integrity=dataclasses.replace(_integrity(store), store=store_fields),
        include_restricted=True, population=population,
        trends=derive_trends(sections, as_of=generated_at.date()),
        methodology=_methodology(chosen, float(threshold), verdict_settings),
        assertion=assertion or Assertion(), programme=programme, events=events, assessed_incidents=declared,
    )


def _programme(session: Session, as_of: datetime) -> list[ProgrammeRow]:
    """Programme evidence (organisation-level documents) with its freshness at the pack's generation instant."""
    from compliance.custody.service import get_programme_custody_counts
    from compliance.programme.service import list_programme_evidence

    custody = get_programme_custody_counts(session=session)
    return [ProgrammeRow(ref=d["ref"], kind=d["kind"], title=d["title"], version=d["version"],
                         approved_by=d["approved_by"], approved_at=d["approved_at"], valid_from=d["valid_from"],
                         valid_until=d["valid_until"], sha256=d["sha256"], fresh=bool(d["fresh"]),
                         custody_events=custody.get(d["ref"], 0))
            for d in list_programme_evidence(session=session, as_of=as_of)]
