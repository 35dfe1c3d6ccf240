"""Reading obligations: the documents of each incident's obligations and the scheduled check's findings."""

from __future__ import annotations

from datetime import datetime, timedelta, tzinfo
from typing import Any

from sqlmodel import Session, select

from compliance.core.timeutil import ensure_utc
from compliance.deadlines import engine
from compliance.deadlines.assessments import get_breach_assessments_by_incident
from compliance.deadlines.evaluation import (
    _evaluate,
    _session_regimes,
    _window,
    get_deadline_settings,
    get_org_zone,
)
from compliance.deadlines.models import Notification, NotificationDelay, Obligation, Waiver
from compliance.incidents.models import Incident

# --------------------------------------------------------------------------- documents


def _local_iso(value: datetime | None, zone: tzinfo) -> str | None:
    if value is None:
        return None
    return value.astimezone(zone).isoformat(timespec="seconds")


def get_incident_obligation_documents(*, session: Session, incident: Incident, as_of: datetime,
                                      window: timedelta | None = None, tz: str | None = None) -> list[dict[str, Any]]:
    """Returns one dict per obligation of the incident (regime × applicable stage) with its status at `as_of`."""
    as_of = ensure_utc(as_of, field="as_of")
    settings = get_deadline_settings(session=session)
    window = _window(settings) if window is None else window
    return _obligation_documents(session, incident, as_of=as_of, window=window, settings=settings,
                                 org_zone=get_org_zone(session=session),
                                 zone=get_org_zone(session=session, override=tz))


def get_obligation_documents_by_incident(*, session: Session, incidents: list[Incident], as_of: datetime,
                                         chunk: int = 500, tz: str | None = None) -> dict[int, list[dict[str, Any]]]:
    """Returns the obligation documents of many incidents by incident id, filings, waivers and delays read in bulk.

    Dues are counted in the organisation's time zone and shown also in `tz` (default: the organisation's).
    """
    as_of = ensure_utc(as_of, field="as_of")
    settings = get_deadline_settings(session=session)
    window, zone = _window(settings), get_org_zone(session=session)
    shown = get_org_zone(session=session, override=tz) if tz else zone
    out: dict[int, list[dict[str, Any]]] = {}
    for start in range(0, len(incidents), chunk):
        part = incidents[start:start + chunk]
        ids = [i.id for i in part if i.regimes]
        notifications: dict[int, list[Notification]] = {i: [] for i in ids}
        waivers: dict[int, list[Waiver]] = {i: [] for i in ids}
        delays: dict[int, list[NotificationDelay]] = {i: [] for i in ids}
        assessments = get_breach_assessments_by_incident(session=session, incident_ids=ids) if ids else {}
        if ids:
            query = select(NotificationDelay).where(NotificationDelay.incident_id.in_(ids)).order_by(NotificationDelay.id)
            for d in session.exec(query):
                delays[d.incident_id].append(d)
            for n in session.exec(select(Notification).where(Notification.incident_id.in_(ids)).order_by(Notification.id)):
                notifications[n.incident_id].append(n)
            for w in session.exec(select(Waiver).where(Waiver.incident_id.in_(ids)).order_by(Waiver.id)):
                waivers[w.incident_id].append(w)
        for incident in part:
            out[incident.id] = [] if not incident.regimes else _obligation_documents(
                session, incident, as_of=as_of, window=window, settings=settings, org_zone=zone, zone=shown,
                notifications=notifications[incident.id], waivers=waivers[incident.id], delays=delays[incident.id],
                assessments=assessments[incident.id])
    return out


def _obligation_documents(session: Session, incident: Incident, *, as_of: datetime, window: timedelta,
                          settings: dict[str, Any], org_zone: tzinfo, zone: tzinfo,
                          notifications: list[Notification] | None = None,
                          waivers: list[Waiver] | None = None,
                          delays: list[NotificationDelay] | None = None,
                          assessments: dict[str, dict[str, Any]] | None = None) -> list[dict[str, Any]]:
    """Obligation documents of one incident: dues counted in `org_zone`, shown also in `zone` (--timezone)."""
    docs = []
    evaluated = _evaluate(session, incident, settings, org_zone, notifications=notifications, waivers=waivers,
                          delays=delays, assessments=assessments)
    for regime, row, filings, waiver in evaluated:
        stage = row["stage"]
        first = filings[0] if filings else None
        late_frozen = bool(first and first.late)
        status = engine.obligation_status(due=row["due"], clock_start=row["clock_start"],
                                          first_filed=first.notified_at if first else None, waived=waiver is not None,
                                          as_of=as_of, window=window, frozen_late=late_frozen,
                                          in_force=row["in_force"], not_required=bool(row["not_required"]))
        doc = {
            "incident": incident.ref, "regime": regime.id, "regime_name": regime.name, "stage": stage.id,
            "stage_title": stage.title, "citation": stage.citation, "recipient": stage.recipient,
            "trigger": stage.trigger, "rule": row["rule"], "notes": row["notes"],
            "clock_start": row["clock_start"], "due": row["due"], "due_local": _local_iso(row["due"], zone),
            "notified_at": first.notified_at if first else None,
            "filings": [{"notified_at": n.notified_at, "recipient": n.recipient, "reference": n.reference,
                         "correction": n.correction, "recorded_by": n.recorded_by, "recorded_at": n.recorded_at,
                         "content": list(n.content or [])}
                        for n in filings],
            "status": status, "in_force": row["in_force"],
            "delay_reason": next((n.delay_reason for n in filings if n.delay_reason), None),
            "late_requires_reason": stage.late_requires_reason,
            "waived": waiver is not None, "waiver_reason": waiver.reason if waiver else None,
            "decided_by": waiver.decided_by if waiver else None, "decided_at": waiver.decided_at if waiver else None,
            "reference": first.reference if first else None,
            "content": list(stage.content),
            # Recorded delay (Form 8-K Item 1.05(c), 45 CFR 164.412): the due above is already moved by it.
            # Or why the stage is not required: the regime's own latest breach assessment (who, when, level/exemption).
            "delayed": "delay" in row,
            "status_reason": row["not_required"] if status == engine.NOT_REQUIRED else row.get("delay_reason"),
            "due_undelayed": row.get("due_undelayed", row["due"]),
            "delay": row.get("delay"),
        }
        if status == engine.UNDUE_DELAY:
            doc["age_hours"] = round((as_of - row["clock_start"]).total_seconds() / 3600, 1)
        if row["due"] is not None and first is None and waiver is None:
            doc["time_left_hours"] = round((row["due"] - as_of).total_seconds() / 3600, 2)
        docs.append(doc)
    return docs


def list_obligation_documents(*, session: Session, as_of: datetime, pending_only: bool = False,
                              incident: Incident | None = None, tz: str | None = None) -> list[dict[str, Any]]:
    """Returns the obligation documents of every incident (or one), oldest incident first (read in bulk)."""
    query = select(Incident).where(Incident.id.in_(select(Obligation.incident_id)))
    if pending_only:
        query = select(Incident).where(Incident.id.in_(
            select(Obligation.incident_id).where(Obligation.pending == True)))  # noqa: E712 - SQL
    if incident is not None:
        query = query.where(Incident.id == incident.id)
    incidents = list(session.exec(query.order_by(Incident.number)))
    by_incident = get_obligation_documents_by_incident(session=session, incidents=incidents, as_of=as_of, tz=tz)
    docs = []
    for inc in incidents:
        for doc in by_incident[inc.id]:
            if pending_only and (doc["notified_at"] is not None or doc["waived"]
                                 or doc["status"] == engine.NOT_REQUIRED):
                continue
            docs.append(doc)
    return docs


def get_check_findings(*, session: Session, at: datetime, window: timedelta, tz: str | None = None) -> list[dict[str, Any]]:
    """Returns pending obligations due within `window` of `at` or already missed, through the (pending, due) index.

    DL-CHECK-1  A pending stage whose clock is started by an incident instant that is not recorded yet
                (GDPR without `aware_at`) cannot be tracked: it is a warning (`clock_unknown`) naming
                the instant to record. Stages that wait for an earlier stage's filing are not.
    """
    at = ensure_utc(at, field="--at")
    zone = get_org_zone(session=session, override=tz)
    query = (select(Obligation, Incident.ref, Incident.title)
             .join(Incident, Incident.id == Obligation.incident_id)
             .where(Obligation.pending == True, Obligation.due.is_not(None), Obligation.due <= at + window)  # noqa: E712
             .order_by(Obligation.due, Obligation.id))
    findings = []
    rows = list(session.exec(query))
    delayed = _delay_citations(session, {o.incident_id for o, _, _ in rows})
    for obligation, ref, title in rows:
        missed = obligation.due < at
        findings.append({
            "delayed_under": delayed.get((obligation.incident_id, obligation.regime, obligation.stage)),
            "level": "critical" if missed else "warning", "status": "late_open" if missed else "due_soon",
            "incident": ref, "title": title, "regime": obligation.regime, "stage": obligation.stage,
            "clock_start": obligation.clock_start, "due": obligation.due,
            "due_local": _local_iso(obligation.due, zone),
            "seconds_left": int((obligation.due - at).total_seconds()),
        })
    unknown = (select(Obligation, Incident.ref, Incident.title)
               .join(Incident, Incident.id == Obligation.incident_id)
               .where(Obligation.pending == True, Obligation.due.is_(None), Obligation.clock_start.is_(None))  # noqa: E712
               .order_by(Incident.number, Obligation.regime, Obligation.stage))
    regimes = _session_regimes(session)
    for obligation, ref, title in session.exec(unknown):
        regime = regimes.get(obligation.regime)
        stage = next((st for st in regime.stages if st.id == obligation.stage), None) if regime else None
        if stage is None or not stage.trigger_field:
            continue
        findings.append({
            "level": "warning", "status": "clock_unknown", "incident": ref, "title": title,
            "regime": obligation.regime, "stage": obligation.stage, "clock_start": None, "due": None,
            "due_local": None, "seconds_left": None, "missing": stage.trigger_field,
        })
    return findings


def _delay_citations(session: Session, incident_ids: set[int]) -> dict[tuple[int, str, str], str]:
    """(incident id, regime, stage) -> citation of the latest recorded delay, for the incidents given."""
    if not incident_ids:
        return {}
    regimes = _session_regimes(session)
    out = {}
    ids = sorted(incident_ids)
    for start in range(0, len(ids), 500):  # bounded IN lists (SQLite's variable limit) on a large backlog
        query = (select(NotificationDelay).where(NotificationDelay.incident_id.in_(ids[start:start + 500]))
                 .order_by(NotificationDelay.id))
        for d in session.exec(query):
            regime = regimes.get(d.regime)
            basis = next((b for b in regime.delays if b.id == d.basis), None) if regime else None
            out[(d.incident_id, d.regime, d.stage)] = basis.citation if basis else d.basis
    return out
