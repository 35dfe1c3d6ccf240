"""Incident writes that move notification obligations: the one place an incident change is followed by a sync.

The incident register (compliance.incidents) records incidents and knows nothing of regimes; these functions
check the regime ids, call the register, and then re-compute the incident's obligations when a field they
depend on changed (SYNC_FIELDS). The CLI, the demo and anything else that opens or changes incidents with
regimes call these.

DL-7 a change of an incident instant that makes an on-time first filing late is refused without a delay
     reason when the regime requires reasons (the rule DL-4 applies to a direct late filing); with one,
     the filing is marked late and keeps the reason.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from sqlmodel import Session

from compliance.core.errors import ValidationError
from compliance.core.text import clean_line, clean_text
from compliance.core.timeutil import format_timedelta
from compliance.deadlines.models import Notification
from compliance.deadlines.regimes import check_incident_entity_type, known_regime_ids
from compliance.deadlines.service import (
    _evaluate,
    _session_regimes,
    get_deadline_settings,
    get_org_zone,
    sync_incident_obligations,
)
from compliance.incidents.models import CLOCK_FIELDS, Incident, IncidentChange
from compliance.incidents.service import lock_incident, open_incident, update_incident

# Incident fields whose change moves obligations: clock instants, regimes, and the facts stages depend on.
SYNC_FIELDS = frozenset(CLOCK_FIELDS) | {"regimes", "entity_type", "data_subjects_approx", "affected_by_state"}


@dataclass
class IncidentUpdate:
    """What an update changed: the audit-trail rows, and filings the change made late."""

    changes: list[IncidentChange]
    made_late: list[str] = field(default_factory=list)


def check_regime_ids(regimes: Iterable[str], *, extra_dirs: Iterable[str] = ()) -> list[str]:
    """Returns the regime ids trimmed, refusing an unknown one with the list of known ids."""
    ids = [r for r in (clean_line(r, field="--regime") for r in regimes) if r]
    known = known_regime_ids(extra_dirs=extra_dirs)
    for regime in ids:
        if regime not in known:
            raise ValidationError(f"unknown regime {regime!r} (known: {', '.join(sorted(known))})", field="--regime")
    return ids


def open_incident_with_obligations(*, session: Session, regimes: Iterable[str] = (), **values: Any) -> Incident:
    """Opens an incident (compliance.incidents.open_incident) and computes its notification obligations."""
    regimes = check_regime_ids(regimes)
    if values.get("entity_type") is not None:
        values["entity_type"] = check_incident_entity_type(values["entity_type"], regimes)
    incident = open_incident(session=session, regimes=regimes, **values)
    if incident.regimes:
        sync_incident_obligations(session=session, incident=incident)
    return incident


def _first_filings_on_time(session: Session, incident: Incident) -> dict[tuple[str, str], Notification]:
    """First filings of the incident's stages that are on time with the instants as they are now."""
    if not incident.regimes:
        return {}
    settings, zone = get_deadline_settings(session=session), get_org_zone(session=session)
    out = {}
    for regime, row, filings, _waiver in _evaluate(session, incident, settings, zone, regimes=_session_regimes(session)):
        first = filings[0] if filings else None
        if first is not None and not first.late and row["due"] is not None and first.notified_at <= row["due"]:
            out[(regime.id, row["stage"].id)] = first
    return out


def _mark_made_late(session: Session, incident: Incident, on_time: dict[tuple[str, str], Notification],
                    changed: list[str], delay_reason: str | None, changed_by: str) -> list[str]:
    """Applies DL-7 to the filings that were on time before the change; returns a note per filing made late."""
    settings, zone = get_deadline_settings(session=session), get_org_zone(session=session)
    notes = []
    reason = clean_text(delay_reason, field="--delay-reason") or None if delay_reason is not None else None
    for regime, row, _filings, _waiver in _evaluate(session, incident, settings, zone, regimes=_session_regimes(session)):
        first = on_time.get((regime.id, row["stage"].id))
        if first is None or row["due"] is None or first.notified_at <= row["due"]:
            continue
        stage = row["stage"]
        late_by = format_timedelta(first.notified_at - row["due"])
        if stage.late_requires_reason and not reason:
            raise ValidationError(
                f"changing {', '.join(changed)} makes the {regime.id}/{stage.id} filing of {incident.ref} late "
                f"({late_by} after the new due {row['due']:%Y-%m-%dT%H:%M:%SZ}): {regime.name} requires the reasons "
                f"for the delay ({stage.citation}); give --delay-reason", field="--delay-reason")
        # Filings are append-only (ledger): the re-classification is a correction entry of the same filing that
        # carries the delay reasons, never an edit of the recorded one.
        session.add(Notification(incident_id=incident.id, regime=regime.id, stage=stage.id,
                                 notified_at=first.notified_at, recipient=first.recipient, reference=first.reference,
                                 delay_reason=reason, late=True, correction=True, content=list(first.content or []),
                                 recorded_by=changed_by))
        notes.append(f"{regime.id}/{stage.id} filing is now late ({late_by} after the due "
                     f"{row['due']:%Y-%m-%dT%H:%M:%SZ})")
    session.flush()
    return notes


def update_incident_with_obligations(*, session: Session, incident: Incident, changes: dict[str, Any], changed_by: str,
                                     reason: str | None = None, delay_reason: str | None = None,
                                     now: datetime | None = None) -> IncidentUpdate:
    """Changes an incident (compliance.incidents.update_incident), then keeps its obligations in step (DL-7)."""
    if "regimes" in changes:
        changes = {**changes, "regimes": check_regime_ids(changes["regimes"] or [])}
    if changes.get("entity_type") is not None:
        changes = {**changes, "entity_type": check_incident_entity_type(
            changes["entity_type"], changes.get("regimes", incident.regimes or []))}
    lock_incident(session=session, incident=incident)
    on_time = _first_filings_on_time(session, incident) if SYNC_FIELDS & set(changes) else {}
    rows = update_incident(session=session, incident=incident, changes=changes, changed_by=changed_by,
                           reason=reason, now=now)
    changed = [r.field for r in rows if r.field in SYNC_FIELDS]
    if not changed:
        return IncidentUpdate(changes=rows)
    made_late = _mark_made_late(session, incident, on_time, changed, delay_reason, changed_by) if on_time else []
    sync_incident_obligations(session=session, incident=incident, now=now)
    return IncidentUpdate(changes=rows, made_late=made_late)
