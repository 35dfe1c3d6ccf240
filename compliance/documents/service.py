"""Builds incident documents (compliance.documents.types) from the store: the one place that reads every domain.

Evidence comes from the evidence service, obligations from the deadline engine, findings from the review,
decision records and the significance rule from the decisions service, programme evidence (fresh or stale at
as_of) from the programme service.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from datetime import datetime
from typing import Any

from sqlmodel import Session, select

from compliance.actions.models import ActionItem
from compliance.actions.service import action_to_dict, get_incident_actions
from compliance.core.timeutil import ensure_utc
from compliance.custody.evidence import get_evidence_documents_by_incident, get_incident_evidence_documents
from compliance.deadlines.service import (
    get_awareness_gap,
    get_incident_obligation_documents,
    get_obligation_documents_by_incident,
)
from compliance.decisions.service import (
    get_decision_documents_by_incident,
    get_recurrences_by_incident,
    get_significance_rule,
    is_significant,
)
from compliance.documents.types import IncidentDocument
from compliance.incidents.models import Incident, TimelineEntry
from compliance.incidents.service import get_timeline, incident_to_dict, timeline_entry_to_dict
from compliance.postmortems.lint import review
from compliance.postmortems.models import Postmortem
from compliance.postmortems.review import get_disabled_rules, get_review_findings, review_input_from_rows
from compliance.postmortems.service import get_postmortem, postmortem_to_dict
from compliance.programme.scope import get_audit_scope
from compliance.programme.service import get_programme_documents

_CHUNK = 500


def _incident_part(session: Session, incident: Incident, shared: dict) -> dict[str, Any]:
    data = incident_to_dict(incident)
    data["ref"] = incident.ref
    data["awareness_gap"] = get_awareness_gap(session=session, incident=incident)
    data["significant"] = is_significant(incident, shared["significance"])
    return data


def _shared(session: Session, incidents: list[Incident], as_of: datetime) -> dict[str, Any]:
    """What every document of one assessment shares or reads in bulk: significance rule, programme, decisions."""
    ids = [i.id for i in incidents]
    return {"significance": get_significance_rule(session=session), "audit_scope": get_audit_scope(session=session),
            "programme": get_programme_documents(session=session, as_of=as_of),
            "decisions": get_decision_documents_by_incident(session=session, incident_ids=ids),
            "recurrences": get_recurrences_by_incident(session=session, incidents=incidents)}


def _document(*, session: Session, incident: Incident, as_of: datetime, timeline: list[dict], postmortem: dict | None,
              actions: list[dict], findings: list[dict], evidence: list[dict], obligations: list[dict],
              shared: dict) -> IncidentDocument:
    decisions = shared["decisions"].get(incident.id) or {}
    return {"as_of": as_of, "incident": _incident_part(session, incident, shared), "timeline": timeline,
            "postmortem": postmortem, "action_items": actions, "review_findings": findings, "evidence": evidence,
            "obligations": obligations, "declaration": decisions.get("declaration"),
            "breach_assessment": decisions.get("breach_assessment"),
            "breach_assessments": dict(decisions.get("breach_assessments") or {}),
            "dora_classification": decisions.get("dora_classification"),
            "recurrences": shared["recurrences"].get(incident.id, []),
            "programme": [dict(p) for p in shared["programme"]], "audit_scope": dict(shared["audit_scope"])}


def build_incident_document(*, session: Session, incident: Incident, as_of: datetime) -> IncidentDocument:
    """Returns the incident document of one incident as of `as_of` (the engine's and the audit pack's input)."""
    as_of = ensure_utc(as_of, field="as_of")
    postmortem = get_postmortem(session=session, incident=incident)
    return _document(
        session=session, incident=incident, as_of=as_of,
        timeline=[timeline_entry_to_dict(e) for e in get_timeline(session=session, incident=incident)],
        postmortem=postmortem_to_dict(postmortem),
        actions=[action_to_dict(a, incident, as_of=as_of.date())
                 for a in get_incident_actions(session=session, incident=incident)],
        findings=[f.as_dict() for f in get_review_findings(session=session, incident=incident)]
        if postmortem is not None else [],
        evidence=get_incident_evidence_documents(session=session, incident=incident),
        obligations=get_incident_obligation_documents(session=session, incident=incident, as_of=as_of),
        shared=_shared(session, [incident], as_of),
    )


def _chunks(values: list[int]) -> Iterable[list[int]]:
    for start in range(0, len(values), _CHUNK):
        yield values[start:start + _CHUNK]


def build_incident_documents(*, session: Session, incidents: list[Incident], as_of: datetime) -> list[IncidentDocument]:
    """Returns the documents of many incidents (same as build_incident_document), loading rows in a few queries."""
    as_of = ensure_utc(as_of, field="as_of")
    ids = [i.id for i in incidents]
    timelines: dict[int, list[TimelineEntry]] = defaultdict(list)
    actions: dict[int, list[ActionItem]] = defaultdict(list)
    postmortems: dict[int, Postmortem] = {}
    for chunk in _chunks(ids):
        for entry in session.exec(select(TimelineEntry).where(TimelineEntry.incident_id.in_(chunk))
                                  .order_by(TimelineEntry.incident_id, TimelineEntry.at, TimelineEntry.id)):
            timelines[entry.incident_id].append(entry)
        for action in session.exec(select(ActionItem).where(ActionItem.incident_id.in_(chunk))
                                   .order_by(ActionItem.incident_id, ActionItem.number)):
            actions[action.incident_id].append(action)
        for postmortem in session.exec(select(Postmortem).where(Postmortem.incident_id.in_(chunk))):
            postmortems[postmortem.incident_id] = postmortem
    disabled = get_disabled_rules(session=session) if postmortems else []
    evidence = get_evidence_documents_by_incident(session=session, incident_ids=ids)
    obligations = get_obligation_documents_by_incident(session=session, incidents=incidents, as_of=as_of)
    shared = _shared(session, incidents, as_of)
    documents = []
    for incident in incidents:
        postmortem = postmortems.get(incident.id)
        findings = [] if postmortem is None else [
            f.as_dict() for f in review(review_input_from_rows(incident=incident, postmortem=postmortem,
                                                               timeline=timelines[incident.id],
                                                               actions=actions[incident.id]),
                                         disabled=disabled)]
        documents.append(_document(
            session=session, incident=incident, as_of=as_of,
            timeline=[timeline_entry_to_dict(e) for e in timelines[incident.id]],
            postmortem=postmortem_to_dict(postmortem),
            actions=[action_to_dict(a, incident, as_of=as_of.date()) for a in actions[incident.id]],
            findings=findings, evidence=evidence.get(incident.id, []),
            obligations=obligations[incident.id], shared=shared))
    return documents
