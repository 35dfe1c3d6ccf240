"""Notification obligations of incidents: compute, keep in step, record filings and waivers, check.

Rules (ids used in tests and notes):
- DL-1 every stage of every regime on an incident is an obligation; its clock starts at the incident instant
  the regime names, or at the filing of the earlier stage it names.
- DL-2 a filing AT the due instant is on time (inclusive boundary).
- DL-3 lateness is frozen at the first filing: a later correction never makes a late filing on time.
- DL-4 a late first filing of a stage whose regime requires reasons is refused without a delay reason.
- DL-5 a waived stage records who decided, when and why; the check stops flagging it.
- DL-6 the check selects pending obligations through the (pending, due) index, never a loop over incidents.
"""

from __future__ import annotations

import copy
import math
from collections.abc import Iterable
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import delete
from sqlmodel import Session, select

from compliance.core.errors import ConflictError, ValidationError
from compliance.core.text import clean_line, clean_text
from compliance.core.timeutil import ensure_utc, format_timedelta, get_zone, parse_duration, utcnow
from compliance.db.settings import set_setting
from compliance.db.store import serialize
from compliance.deadlines.evaluation import (  # noqa: F401 - also imported from here
    DEFAULT_SETTINGS,
    DEFINITIONS_KEY,
    FUTURE_TOLERANCE,
    SETTINGS_KEY,
    _evaluate,
    _facts,
    _incident_regimes,
    _record_definitions,
    _require_definitions,
    _session_regimes,
    _stored_regime_ids,
    _window,
    get_deadline_settings,
    get_incident_delays,
    get_incident_notifications,
    get_incident_waivers,
    get_org_zone,
    get_regime_definitions,
)
from compliance.deadlines.models import FILING_CONTENT, Notification, Obligation, Waiver
from compliance.deadlines.obligation_documents import (  # noqa: F401 - the reading side, imported from here too
    _obligation_documents,
    get_check_findings,
    get_incident_obligation_documents,
    get_obligation_documents_by_incident,
    list_obligation_documents,
)
from compliance.deadlines.regimes import Regime, get_regime, load_regimes
from compliance.incidents.models import Incident

# --------------------------------------------------------------------------- settings


def set_deadline_settings(*, session: Session, timezone: str | None = None, member_state: str | None = None,
                          warn_within: str | timedelta | None = None, awareness_gap: str | timedelta | None = None,
                          stage_hours: dict[str, float] | None = None) -> dict[str, Any]:
    """Changes the deadline settings, re-computes every obligation, and returns the new settings."""
    settings = get_deadline_settings(session=session)
    if timezone is not None:
        get_zone(timezone)
        settings["timezone"] = timezone
    if member_state is not None:
        from compliance.core.choices import check_known
        from compliance.deadlines.regimes import get_known_member_states

        code = check_known(member_state, get_known_member_states(), field="--member-state", what="Member State",
                           normalise=lambda v: v.strip().upper())
        settings["member_state"] = code
    if warn_within is not None:
        settings["warn_within_hours"] = parse_duration(warn_within, field="--warn-within").total_seconds() / 3600
    if awareness_gap is not None:
        settings["awareness_gap_hours"] = parse_duration(awareness_gap, field="--awareness-gap").total_seconds() / 3600
    if stage_hours is not None:
        for key, hours in stage_hours.items():
            regime_id, _, stage_id = key.partition("/")
            get_regime(regime_id, field="--stage-hours").stage(stage_id, field="--stage-hours")
            if isinstance(hours, bool) or not isinstance(hours, (int, float)) or not math.isfinite(hours) or hours <= 0:
                raise ValidationError(f"{key}: hours must be a positive number", field="--stage-hours")
        settings["stage_hours"] = {**settings.get("stage_hours", {}), **stage_hours}
    set_setting(session=session, key=SETTINGS_KEY, value=settings)
    session.info[SETTINGS_KEY] = copy.deepcopy(settings)
    _require_definitions(session, _stored_regime_ids(session), _session_regimes(session))
    for incident in session.exec(select(Incident).where(Incident.id.in_(select(Obligation.incident_id)))):
        sync_incident_obligations(session=session, incident=incident)
    return settings


# --------------------------------------------------------------------------- keeping obligations in step


def sync_incident_obligations(*, session: Session, incident: Incident, now: datetime | None = None,
                              extra_dirs: Iterable[str] = ()) -> list[Obligation]:
    """Re-computes the materialised obligations of one incident (regimes, clock instants, filings, waivers).

    Refuses (ValidationError) when a regime of the incident is not defined here: obligations are never
    deleted because a definition is absent.
    """
    settings = get_deadline_settings(session=session)
    zone = get_org_zone(session=session)
    now = now or utcnow()
    regimes = _session_regimes(session, extra_dirs)
    _require_definitions(session, incident.regimes or [], regimes)
    evaluated = _evaluate(session, incident, settings, zone, regimes=regimes)
    _record_definitions(session, _incident_regimes(incident, regimes))
    existing = {(o.regime, o.stage): o for o in
                session.exec(select(Obligation).where(Obligation.incident_id == incident.id))}
    keep = []
    for regime, row, filings, waiver in evaluated:
        key = (regime.id, row["stage"].id)
        obligation = existing.pop(key, None) or Obligation(incident_id=incident.id, regime=regime.id,
                                                          stage=row["stage"].id)
        first = filings[0] if filings else None
        obligation.clock_start = row["clock_start"]
        obligation.due = row["due"]
        obligation.first_notified_at = first.notified_at if first else None
        obligation.late = bool(first and (first.late or (row["due"] is not None and first.notified_at > row["due"])))
        obligation.pending = first is None and waiver is None and row["in_force"] and not row["not_required"]
        obligation.updated_at = now
        session.add(obligation)
        keep.append(obligation)
    for stale in existing.values():
        session.delete(stale)
    session.flush()
    return keep


def sync_all_obligations(*, session: Session, extra_dirs: Iterable[str] = ()) -> int:
    """Re-computes the obligations of every incident that has regimes; returns how many incidents."""
    _require_definitions(session, _stored_regime_ids(session), _session_regimes(session, extra_dirs))
    count = 0
    for incident in session.exec(select(Incident)):
        if incident.regimes:
            sync_incident_obligations(session=session, incident=incident, extra_dirs=extra_dirs)
            count += 1
        else:
            session.exec(delete(Obligation).where(Obligation.incident_id == incident.id))
    return count


# --------------------------------------------------------------------------- recording


def _stage_row(session: Session, incident: Incident, regime_id: str, stage_id: str, *,
               extra_dirs: Iterable[str] = ()) -> tuple[Regime, Any, dict | None, list[Notification], Waiver | None]:
    regime = get_regime(regime_id, extra_dirs=extra_dirs)
    stage = regime.stage(stage_id)
    if regime.id not in (incident.regimes or []):
        listed = ", ".join(incident.regimes or []) or "none"
        raise ValidationError(f"{incident.ref} does not carry regime {regime.id!r} (its regimes: {listed}); "
                              f"add it with 'compliance incident update {incident.ref} --regime …'", field="--regime")
    settings = get_deadline_settings(session=session)
    zone = get_org_zone(session=session)
    for reg, row, filings, waiver in _evaluate(session, incident, settings, zone,
                                               regimes=load_regimes(extra_dirs=extra_dirs)):
        if reg.id == regime.id and row["stage"].id == stage.id:
            return regime, stage, row, filings, waiver
    filings = [n for n in get_incident_notifications(session=session, incident=incident)
               if n.regime == regime.id and n.stage == stage.id]
    waiver = next((w for w in get_incident_waivers(session=session, incident=incident)
                   if w.regime == regime.id and w.stage == stage.id), None)
    return regime, stage, None, filings, waiver


def record_notification(*, session: Session, incident: Incident, regime: str, stage: str, at: datetime,
                        recorded_by: str, recipient: str | None = None, reference: str | None = None,
                        delay_reason: str | None = None, now: datetime | None = None,
                        extra_dirs: Iterable[str] = (), content: Iterable[str] = ()) -> dict[str, Any]:
    """Records a filing of one stage; returns {notification, late, correction, due, warnings}.

    `content` names the elements the filing carried (FILING_CONTENT, e.g. nature, dpo_contact); unknown ones are refused.

    A late first filing without a delay reason is refused when the regime requires reasons (DL-4);
    a filing before the clock start is accepted with a warning; a filing in the future is refused.
    """
    at = ensure_utc(at, field="--at")
    now = now or utcnow()
    elements = parse_filing_content(content)
    if not recorded_by or not clean_line(recorded_by, field="--by"):
        raise ValidationError("must name who records the notification", field="--by")
    recipient = clean_line(recipient, field="--recipient") if recipient is not None else None
    reference = clean_line(reference, field="--reference") if reference is not None else None
    delay_reason = clean_text(delay_reason, field="--delay-reason") if delay_reason is not None else None
    if at > now + FUTURE_TOLERANCE:
        raise ValidationError(f"{at:%Y-%m-%dT%H:%M:%SZ} is in the future: record a notification once it is sent",
                              field="--at")
    serialize(session, f"obligations-{incident.id}")
    regime_def, stage_def, row, filings, waiver = _stage_row(session, incident, regime, stage, extra_dirs=extra_dirs)
    if waiver is not None:
        raise ConflictError(f"{regime}/{stage} of {incident.ref} was closed as not required by {waiver.decided_by} "
                            f"on {waiver.decided_at:%Y-%m-%d}: nothing to notify", field="--stage")
    warnings = []
    if row is None:
        warnings.append(f"{regime}/{stage} does not apply to {incident.ref} with its recorded facts "
                        f"(entity type, number affected); recorded anyway")
    due = row["due"] if row else None
    clock_start = row["clock_start"] if row else None
    if clock_start is not None and at < clock_start:
        warnings.append(f"notified at {at:%Y-%m-%dT%H:%M:%SZ}, before the clock start "
                        f"({stage_def.trigger} {clock_start:%Y-%m-%dT%H:%M:%SZ}): check the instants")
    gap = get_awareness_gap(session=session, incident=incident)
    if gap and not gap["justified"] and stage_def.trigger_field == "aware_at":
        warnings.append(f"awareness came {gap['gap_hours']} h after detection (threshold {gap['threshold_hours']:g} h) "
                        f"and no justification is recorded: add one with 'compliance incident update "
                        f"{incident.ref} --awareness-justification …'")
    correction = bool(filings)
    late = due is not None and at > due
    reason = (delay_reason or "").strip() or None
    if late and not correction and stage_def.late_requires_reason and not reason:
        raise ValidationError(
            f"notified {format_timedelta(at - due)} after the due {due:%Y-%m-%dT%H:%M:%SZ}: {regime_def.name} requires "
            f"the reasons for the delay ({stage_def.citation}); give --delay-reason", field="--delay-reason")
    if correction and filings[0].late and late is False:
        warnings.append("the first filing was late; this later filing does not change that (lateness is frozen "
                        "at the first filing)")
    notification = Notification(incident_id=incident.id, regime=regime_def.id, stage=stage_def.id, notified_at=at,
                                recipient=(recipient or "").strip() or None, reference=(reference or "").strip() or None,
                                delay_reason=reason, late=late if not correction else filings[0].late,
                                correction=correction, recorded_at=now, recorded_by=clean_line(recorded_by, field="--by"),
                                content=elements)
    session.add(notification)
    session.flush()
    sync_incident_obligations(session=session, incident=incident, now=now, extra_dirs=extra_dirs)
    return {"incident": incident.ref, "regime": regime_def.id, "stage": stage_def.id, "notified_at": at,
            "due": due, "late": notification.late, "correction": correction, "content": elements,
            "warnings": warnings}


def parse_filing_content(values: Iterable[str]) -> list[str]:
    """Returns the filing content elements (comma-separated or repeated), refusing unknown ones."""
    elements: list[str] = []
    for value in values or ():
        for part in str(value).split(","):
            name = part.strip().lower()
            if not name:
                continue
            if name not in FILING_CONTENT:
                raise ValidationError(f"unknown content element {name!r} (known: {', '.join(FILING_CONTENT)})",
                                      field="--content")
            if name not in elements:
                elements.append(name)
    return elements


def waive_obligation(*, session: Session, incident: Incident, regime: str, stage: str, reason: str, decided_by: str,
                     decided_at: datetime | None = None, now: datetime | None = None,
                     extra_dirs: Iterable[str] = ()) -> Waiver:
    """Closes a stage as not required, recording who decided, when and why (DL-5)."""
    now = now or utcnow()
    if not reason or not clean_text(reason, field="--reason"):
        raise ValidationError("must give the reasoning for the decision (GDPR Art. 33(5) asks for it)", field="--reason")
    if not decided_by or not clean_line(decided_by, field="--decided-by"):
        raise ValidationError("must name who decided", field="--decided-by")
    serialize(session, f"obligations-{incident.id}")
    regime_def, stage_def, _row, filings, waiver = _stage_row(session, incident, regime, stage, extra_dirs=extra_dirs)
    if not stage_def.waivable:
        raise ValidationError(f"{regime_def.id}/{stage_def.id} cannot be closed as not required "
                              f"({stage_def.citation})", field="--stage")
    if waiver is not None:
        raise ConflictError(f"{regime}/{stage} of {incident.ref} is already closed as not required", field="--stage")
    if filings:
        raise ConflictError(f"{regime}/{stage} of {incident.ref} was already notified on "
                            f"{filings[0].notified_at:%Y-%m-%d}", field="--stage")
    row = Waiver(incident_id=incident.id, regime=regime_def.id, stage=stage_def.id, reason=str(reason).strip(),
                 decided_by=str(decided_by).strip(), decided_at=ensure_utc(decided_at, field="--at") or now,
                 recorded_at=now)
    session.add(row)
    session.flush()
    sync_incident_obligations(session=session, incident=incident, now=now, extra_dirs=extra_dirs)
    return row



def get_awareness_gap(*, session: Session, incident: Incident) -> dict[str, Any] | None:
    """Returns the detection→awareness gap when it exceeds the configured threshold (justification needed)."""
    if incident.aware_at is None or incident.detected_at is None:
        return None
    threshold = float(get_deadline_settings(session=session).get("awareness_gap_hours") or 24)
    gap = (incident.aware_at - incident.detected_at).total_seconds() / 3600
    if gap <= threshold:
        return None
    return {"gap_hours": round(gap, 1), "threshold_hours": threshold,
            "justification": incident.awareness_justification,
            "justified": bool((incident.awareness_justification or "").strip())}
