"""Incident register: open, find, list and change incidents; add and read timeline entries."""

from __future__ import annotations

import operator
from collections.abc import Iterable
from datetime import datetime
from typing import Any

from sqlalchemy import func
from sqlmodel import Session, select

from compliance.core.errors import NotFoundError, ValidationError
from compliance.core.jsonout import to_jsonable
from compliance.core.numbers import check_whole
from compliance.core.refs import format_number_ref, parse_number_ref
from compliance.core.text import clean_line, clean_text
from compliance.core.timeutil import ensure_utc, utcnow
from compliance.db.store import serialize
from compliance.incidents.enums import parse_affected_by_state
from compliance.incidents.listing import ORDER_BY, Condition, get_listing_conditions, get_listing_row
from compliance.incidents.listing import check_choice as _check_choice
from compliance.incidents.models import (
    CLOCK_FIELDS,
    Incident,
    IncidentChange,
    IncidentStatus,
    Severity,
    TimelineEntry,
    TimelineKind,
)

SEVERITIES = [s.value for s in Severity]
STATUSES = [s.value for s in IncidentStatus]
TIMELINE_KINDS = [k.value for k in TimelineKind]

# Fields `update_incident` may change, with the CLI flag named in errors.
UPDATABLE = {
    "title": "--title", "description": "--description", "severity": "--severity", "status": "--status",
    **{name: "--" + name.replace("_", "-") for name in CLOCK_FIELDS}, "closed_at": "--closed-at",
    "awareness_justification": "--awareness-justification", "affected_services": "--service",
    "personal_data": "--personal-data", "data_categories": "--data-category",
    "data_subjects_approx": "--data-subjects", "records_approx": "--records", "regimes": "--regime",
    "entity_type": "--entity-type", "restricted": "--restricted", "tags": "--tag",
    "affected_by_state": "--affected-in",
}
INSTANT_FIELDS = set(CLOCK_FIELDS) | {"closed_at"}
# Instants that must not precede the incident's start or detection.
_AFTER_START = ("detected_at", "aware_at", "mitigated_at", "resolved_at", "closed_at")


def parse_ref(ref: str, *, field: str = "INCIDENT") -> int:
    """Returns the number in an incident id ('INC-0001', 'inc-1' or '1')."""
    return parse_number_ref(ref, prefix="INC", noun="an incident", field=field)


def _clean_regimes(regimes: Iterable[str]) -> list[str]:
    """Regime ids as given (trimmed, no blanks); whether they are known is the deadline engine's check."""
    regimes = [clean_line(r, field="--regime") for r in regimes]
    return [r for r in regimes if r]


def lock_incident(*, session: Session, incident: Incident) -> Incident:
    """Locks the incident's row for the rest of the transaction and re-reads it (SELECT … FOR UPDATE).

    Every read-modify-write of an incident and its children (audit trail, action numbers) starts here,
    so a concurrent writer waits instead of writing from a stale copy; on SQLite the write transaction
    (BEGIN IMMEDIATE) already serialises writers.
    """
    session.refresh(incident, with_for_update=True)
    return incident


def _check_order(values: dict[str, Any]) -> None:
    start = values.get("started_at")
    detected = values.get("detected_at")
    if start and detected and detected < start:
        raise ValidationError("detected_at is before started_at (the first trigger)", field="--detected-at")
    floor_name, floor = ("started_at", start) if start else ("detected_at", detected)
    for name in _AFTER_START:
        value = values.get(name)
        if value is not None and floor is not None and name != floor_name and value < floor:
            raise ValidationError(f"{name} is before {floor_name}", field="--" + name.replace("_", "-"))
    if values.get("aware_at") and detected and values["aware_at"] < detected:
        raise ValidationError("aware_at is before detected_at", field="--aware-at")
    if values.get("mitigated_at") and values.get("resolved_at") and values["resolved_at"] < values["mitigated_at"]:
        raise ValidationError("resolved_at is before mitigated_at", field="--resolved-at")


def _clean_list(values: Iterable[str] | None, field: str = "list") -> list[str]:
    seen: list[str] = []
    for value in values or ():
        value = clean_line(value, field=field)
        if value and value not in seen:
            seen.append(value)
    return seen


def _check_count(value: Any, field: str) -> int | None:
    return check_whole(value, field=field)


def open_incident(
    *,
    session: Session,
    title: str,
    severity: str,
    detected_at: datetime,
    started_at: datetime | None = None,
    aware_at: datetime | None = None,
    personal_data: bool = False,
    data_categories: Iterable[str] = (),
    data_subjects_approx: int | None = None,
    records_approx: int | None = None,
    regimes: Iterable[str] = (),
    services: Iterable[str] = (),
    tags: Iterable[str] = (),
    restricted: bool = False,
    description: str | None = None,
    entity_type: str | None = None,
    affected_by_state: Any = None,
    **instants: datetime | None,
) -> Incident:
    """Records a new incident with the next sequential id and returns it (register only, no obligations)."""
    if not title or not clean_line(title, field="--title"):
        raise ValidationError("must not be empty", field="--title")
    unknown = set(instants) - (set(CLOCK_FIELDS) | {"closed_at"})
    if unknown:
        raise ValidationError(f"unknown instant field(s): {', '.join(sorted(unknown))}", field="instants")
    values: dict[str, Any] = {"started_at": started_at, "detected_at": detected_at, "aware_at": aware_at, **instants}
    values = {k: ensure_utc(v, field="--" + k.replace("_", "-")) for k, v in values.items()}
    if values["detected_at"] is None:
        raise ValidationError("is required", field="--detected-at")
    _check_order(values)
    serialize(session, "incident-number")
    number = (session.exec(select(func.max(Incident.number))).one() or 0) + 1
    incident = Incident(
        number=number,
        ref=format_number_ref("INC", number),
        title=clean_line(title, field="--title"),
        description=clean_text(description, field="--description") if description is not None else None,
        severity=_check_choice(severity, SEVERITIES, "--severity"),
        status=IncidentStatus.OPEN.value,
        personal_data=bool(personal_data),
        data_categories=_clean_list(data_categories, "--data-category"),
        data_subjects_approx=_check_count(data_subjects_approx, "--data-subjects"),
        records_approx=_check_count(records_approx, "--records"),
        affected_by_state=parse_affected_by_state(affected_by_state),
        regimes=_clean_regimes(regimes),
        affected_services=_clean_list(services, "--service"),
        tags=_clean_list(tags, "--tag"),
        restricted=bool(restricted),
        entity_type=clean_line(entity_type, field="--entity-type") or None if entity_type is not None else None,
        **values,
    )
    if incident.resolved_at:
        incident.status = IncidentStatus.RESOLVED.value
    elif incident.mitigated_at:
        incident.status = IncidentStatus.MITIGATED.value
    session.add(incident)
    session.flush()
    return incident


def get_incident(*, session: Session, ref: str) -> Incident:
    """Returns the incident with human id `ref`, or raises NotFoundError."""
    number = parse_ref(ref)
    incident = session.exec(select(Incident).where(Incident.number == number)).first()
    if incident is None:
        raise NotFoundError(f"unknown incident {ref!r}", field="INCIDENT")
    return incident


def get_incident_by_id(*, session: Session, incident_id: int) -> Incident:
    """Returns the incident with database id `incident_id`."""
    incident = session.get(Incident, incident_id)
    if incident is None:
        raise NotFoundError(f"unknown incident id {incident_id}", field="INCIDENT")
    return incident


def list_incidents(
    *,
    session: Session,
    status: str | None = None,
    severity: str | None = None,
    since: datetime | None = None,
    period_from: datetime | None = None,
    period_to: datetime | None = None,
    include_restricted: bool = True,
) -> list[Incident]:
    """Returns incidents matching the filters, oldest first (period filters on detected_at; see incidents/listing)."""
    conditions = get_listing_conditions(status=status, severity=severity, since=since, period_from=period_from,
                                        period_to=period_to, include_restricted=include_restricted)
    return select_incidents(session=session, conditions=conditions)


_OPERATORS = {"=": operator.eq, ">=": operator.ge, "<": operator.lt}


def select_incidents(*, session: Session, conditions: list[Condition]) -> list[Incident]:
    """Returns the incidents matching the listing conditions (incidents/listing), in the listing's order."""
    query = select(Incident)
    for column, op, value in conditions:
        query = query.where(_OPERATORS[op](getattr(Incident, column), value))
    return list(session.exec(query.order_by(getattr(Incident, ORDER_BY))))


def _normalise_update(name: str, value: Any) -> Any:
    field = UPDATABLE[name]
    if name in INSTANT_FIELDS:
        return ensure_utc(value, field=field)
    if name == "severity":
        return _check_choice(value, SEVERITIES, field)
    if name == "status":
        return _check_choice(value, STATUSES, field)
    if name == "title":
        if not value or not clean_line(value, field=field):
            raise ValidationError("must not be empty", field=field)
        return clean_line(value, field=field)
    if name == "entity_type":
        return clean_line(value, field=field) or None if value is not None else None
    if name in ("description", "awareness_justification"):
        return clean_text(value, field=field) if value is not None else None
    if name == "regimes":
        return _clean_regimes(value)
    if name in ("affected_services", "data_categories", "tags"):
        return _clean_list(value, field)
    if name in ("data_subjects_approx", "records_approx"):
        return _check_count(value, field)
    if name == "affected_by_state":
        return parse_affected_by_state(value, field=field)
    if name in ("personal_data", "restricted"):
        return bool(value)
    return value


def _render(value: Any) -> str | None:
    value = to_jsonable(value)
    if value is None:
        return None
    if isinstance(value, dict):
        return ", ".join(f"{k}={v}" for k, v in sorted(value.items()))
    return ", ".join(map(str, value)) if isinstance(value, list) else str(value)


def update_incident(
    *,
    session: Session,
    incident: Incident,
    changes: dict[str, Any],
    changed_by: str,
    reason: str | None = None,
    now: datetime | None = None,
) -> list[IncidentChange]:
    """Applies `changes`, recording one audit-trail row per changed field; returns those rows.

    Register only: compliance.deadlines.incidents.update_incident_with_obligations also keeps the
    incident's obligations in step (the CLI calls that).

    Changing a clock-start instant that was already set needs a reason (never silent).
    Setting status resolved/mitigated/closed without its instant stamps it with `now`.
    """
    unknown = set(changes) - set(UPDATABLE)
    if unknown:
        raise ValidationError(f"cannot change {', '.join(sorted(unknown))}", field="update")
    if not changed_by or not clean_line(changed_by, field="--by"):
        raise ValidationError("must name who makes the change", field="--by")
    changed_by = clean_line(changed_by, field="--by")
    reason = clean_text(reason, field="--reason") if reason is not None else None
    now = now or utcnow()
    lock_incident(session=session, incident=incident)
    new = {name: _normalise_update(name, value) for name, value in changes.items()}
    status = new.get("status")
    for state, stamp in (("mitigated", "mitigated_at"), ("resolved", "resolved_at"), ("closed", "closed_at")):
        if status == state and new.get(stamp, getattr(incident, stamp)) is None:
            new[stamp] = now
    if new.get("detected_at", incident.detected_at) is None:
        raise ValidationError("cannot be cleared", field="--detected-at")
    merged = {name: new.get(name, getattr(incident, name)) for name in INSTANT_FIELDS}
    _check_order(merged)
    changed = {name: value for name, value in new.items() if getattr(incident, name) != value}
    rewritten = [n for n in changed if n in CLOCK_FIELDS and getattr(incident, n) is not None]
    if rewritten and not (reason and reason.strip()):
        raise ValidationError(
            f"changing {', '.join(rewritten)} after it was recorded needs a reason (it is kept in the audit trail)",
            field="--reason",
        )
    seq = session.exec(select(func.max(IncidentChange.seq)).where(IncidentChange.incident_id == incident.id)).one() or 0
    rows = []
    for name, value in changed.items():
        seq += 1
        rows.append(IncidentChange(
            incident_id=incident.id, seq=seq, field=name, old_value=_render(getattr(incident, name)),
            new_value=_render(value), changed_at=now, changed_by=str(changed_by).strip(), reason=reason,
        ))
        setattr(incident, name, value)
    if rows:
        incident.updated_at = now
        session.add(incident)
        session.add_all(rows)
        session.flush()
    return rows


def get_incident_changes(*, session: Session, incident: Incident) -> list[IncidentChange]:
    """Returns the audit trail of an incident, oldest first."""
    query = select(IncidentChange).where(IncidentChange.incident_id == incident.id).order_by(IncidentChange.seq)
    return list(session.exec(query))


def add_timeline_entry(
    *,
    session: Session,
    incident: Incident,
    at: datetime,
    kind: str,
    text: str,
    source: str | None = None,
    actor: str | None = None,
    original_time: str | None = None,
    customer_visible: bool = False,
) -> TimelineEntry:
    """Adds one entry to an incident's timeline and returns it."""
    if not text or not clean_text(text, field="--text"):
        raise ValidationError("must not be empty", field="--text")
    entry = TimelineEntry(
        incident_id=incident.id,
        at=ensure_utc(at, field="--at"),
        kind=_check_choice(kind, TIMELINE_KINDS, "--kind"),
        text=clean_text(text, field="--text"),
        source=clean_line(source, field="--source") if source is not None else None,
        actor=clean_line(actor, field="--actor") if actor is not None else None,
        original_time=clean_line(original_time, field="original_time") if original_time is not None else None,
        customer_visible=bool(customer_visible),
    )
    session.add(entry)
    session.flush()
    return entry


def get_timeline(*, session: Session, incident: Incident) -> list[TimelineEntry]:
    """Returns an incident's timeline entries in time order."""
    query = select(TimelineEntry).where(TimelineEntry.incident_id == incident.id)
    return list(session.exec(query.order_by(TimelineEntry.at, TimelineEntry.id)))


def incident_to_dict(incident: Incident) -> dict[str, Any]:
    """Returns the incident's columns as a plain dict (instants stay datetimes)."""
    return get_listing_row(incident.model_dump())


def timeline_entry_to_dict(entry: TimelineEntry) -> dict[str, Any]:
    """Returns a timeline entry as a plain dict."""
    return {"at": entry.at, "kind": entry.kind, "text": entry.text, "source": entry.source,
            "actor": entry.actor, "original_time": entry.original_time,
            "customer_visible": entry.customer_visible}

