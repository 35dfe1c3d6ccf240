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
import hashlib
import math
import os
from collections.abc import Iterable
from datetime import datetime, timedelta, tzinfo
from pathlib import Path
from typing import Any

from sqlalchemy import delete
from sqlmodel import Session, select

from compliance.core.errors import ConflictError, ValidationError
from compliance.core.text import clean_line, clean_text
from compliance.core.timeutil import ensure_utc, format_timedelta, get_zone, parse_duration, utcnow
from compliance.db.settings import get_setting, set_setting
from compliance.db.store import serialize
from compliance.deadlines import engine
from compliance.deadlines.delay_rules import delayed_row
from compliance.deadlines.models import FILING_CONTENT, Notification, NotificationDelay, Obligation, Waiver
from compliance.deadlines.regimes import Regime, builtin_regime_dir, get_regime, load_regimes
from compliance.incidents.models import CLOCK_FIELDS, Incident

SETTINGS_KEY = "deadlines"
DEFAULT_SETTINGS = {"timezone": "UTC", "member_state": None, "warn_within_hours": 24,
                    "awareness_gap_hours": 24, "stage_hours": {}}
# Where the store records the custom regime definitions its obligations rely on (id -> path, sha256).
DEFINITIONS_KEY = "deadlines.regime_definitions"
FUTURE_TOLERANCE = timedelta(minutes=5)


# --------------------------------------------------------------------------- settings


def get_deadline_settings(*, session: Session) -> dict[str, Any]:
    """Returns the store's deadline settings (org time zone, Member State, windows), defaults filled in.

    Read once per session (bulk reads ask for them per incident); set_deadline_settings refreshes it.
    """
    cached = session.info.get(SETTINGS_KEY)
    if cached is None:
        cached = {**DEFAULT_SETTINGS, **get_setting(session=session, key=SETTINGS_KEY)}
        session.info[SETTINGS_KEY] = cached
    return copy.deepcopy(cached)


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


def get_org_zone(*, session: Session, override: str | None = None) -> tzinfo:
    """Returns the organisation's time zone: `override` (--timezone) or the store setting (default UTC)."""
    if override:
        return get_zone(override)
    return get_zone(get_deadline_settings(session=session).get("timezone") or "UTC", field="settings.timezone")


def _facts(incident: Incident, settings: dict[str, Any]) -> engine.Facts:
    return engine.Facts(
        instants={name: getattr(incident, name) for name in CLOCK_FIELDS},
        entity_type=incident.entity_type, affected=incident.data_subjects_approx,
        affected_by_state=dict(incident.affected_by_state or {}),
        member_state=settings.get("member_state"), stage_hours=dict(settings.get("stage_hours") or {}))


def _window(settings: dict[str, Any]) -> timedelta:
    return timedelta(hours=float(settings.get("warn_within_hours") or 24))


# --------------------------------------------------------------------------- reading filings and waivers


def get_incident_notifications(*, session: Session, incident: Incident) -> list[Notification]:
    """Returns every filing recorded for an incident, in the order recorded."""
    query = select(Notification).where(Notification.incident_id == incident.id).order_by(Notification.id)
    return list(session.exec(query))


def get_incident_waivers(*, session: Session, incident: Incident) -> list[Waiver]:
    """Returns the stages of an incident closed as not required."""
    return list(session.exec(select(Waiver).where(Waiver.incident_id == incident.id).order_by(Waiver.id)))


def get_incident_delays(*, session: Session, incident: Incident) -> list[NotificationDelay]:
    """Returns the delays recorded for an incident's stages, in the order recorded."""
    query = select(NotificationDelay).where(NotificationDelay.incident_id == incident.id).order_by(NotificationDelay.id)
    return list(session.exec(query))


def _filings_by_regime(notifications: Iterable[Notification]) -> dict[str, dict[str, list[Notification]]]:
    out: dict[str, dict[str, list[Notification]]] = {}
    for n in notifications:
        out.setdefault(n.regime, {}).setdefault(n.stage, []).append(n)
    return out


def _incident_regimes(incident: Incident, regimes: dict[str, Regime]) -> list[Regime]:
    """The incident's regimes; a regime it carries whose definition is not loaded is refused, never skipped."""
    missing = [r for r in (incident.regimes or []) if r not in regimes]
    if missing:
        raise ValidationError(f"regime {missing[0]!r} of {incident.ref} is not defined here: set COMPLIANCE_CONTROLS "
                              f"(or --controls-dir) to the folder defining it; nothing was changed", field="regime")
    return [regimes[r] for r in incident.regimes or []]


def _session_regimes(session: Session, extra_dirs: Iterable[str] = ()) -> dict[str, Regime]:
    """The regimes (built-in, COMPLIANCE_CONTROLS and `extra_dirs` folders), loaded once per session."""
    extra = tuple(str(d) for d in extra_dirs)
    key = ("compliance.regimes", os.environ.get("COMPLIANCE_CONTROLS", ""), extra)
    if key not in session.info:
        session.info[key] = load_regimes(extra_dirs=extra)
    return session.info[key]


def get_regime_definitions(*, session: Session) -> dict[str, dict[str, str]]:
    """Returns the custom regime definitions the store relies on: id -> {path, sha256} when last used."""
    return get_setting(session=session, key=DEFINITIONS_KEY)


def _record_definitions(session: Session, used: Iterable[Regime]) -> None:
    """Records the path and content hash of every custom (not built-in) regime an obligation relies on."""
    builtin = builtin_regime_dir().resolve()
    known = get_regime_definitions(session=session)
    changed = False
    for regime in used:
        path = Path(regime.path)
        if path.resolve().parent == builtin:
            continue
        entry = {"path": str(path.resolve()), "sha256": hashlib.sha256(path.read_bytes()).hexdigest()}
        if known.get(regime.id) != entry:
            known[regime.id] = entry
            changed = True
    if changed:
        set_setting(session=session, key=DEFINITIONS_KEY, value=known)


def _require_definitions(session: Session, regime_ids: Iterable[str], regimes: dict[str, Regime]) -> None:
    """Refuses to go on without the definition of a regime the store relies on, naming where it was last seen."""
    missing = sorted(set(regime_ids) - set(regimes))
    if not missing:
        return
    entry = get_regime_definitions(session=session).get(missing[0], {})
    where = f" (last defined in {entry['path']})" if entry.get("path") else ""
    raise ValidationError(f"regime {missing[0]!r}{where} is used by this store but not defined here: set "
                          f"COMPLIANCE_CONTROLS (or --controls-dir) to the folder defining it; nothing was changed",
                          field="COMPLIANCE_CONTROLS")


def _stored_regime_ids(session: Session) -> set[str]:
    """Every regime some obligation of the store belongs to."""
    return set(session.exec(select(Obligation.regime).distinct()))


def _evaluate(session: Session, incident: Incident, settings: dict[str, Any], zone: tzinfo,
              regimes: dict[str, Regime] | None = None, notifications: list[Notification] | None = None,
              waivers: list[Waiver] | None = None, delays: list[NotificationDelay] | None = None):
    """Evaluates the incident's stages (recorded delays applied); filings, waivers and delays read unless preloaded."""
    regimes = _session_regimes(session) if regimes is None else regimes
    facts = _facts(incident, settings)
    if notifications is None:
        notifications = get_incident_notifications(session=session, incident=incident)
    if waivers is None:
        waivers = get_incident_waivers(session=session, incident=incident)
    if delays is None:
        delays = get_incident_delays(session=session, incident=incident)
    by_regime = _filings_by_regime(notifications)
    waivers = {(w.regime, w.stage): w for w in waivers}
    delayed: dict[tuple[str, str], list[NotificationDelay]] = {}
    for d in delays:
        delayed.setdefault((d.regime, d.stage), []).append(d)
    out = []
    for regime in _incident_regimes(incident, regimes):
        filings = by_regime.get(regime.id, {})
        instants = {stage: [n.notified_at for n in rows] for stage, rows in filings.items()}
        for row in engine.evaluate_regime(regime, facts=facts, zone=zone, filings=instants, include_untriggered=False):
            stage = row["stage"]
            records = delayed.get((regime.id, stage.id))
            if records:
                stage_zone = get_zone(stage.clock.timezone) if stage.clock.timezone else zone
                row = delayed_row(row, regime.delays, records, zone=stage_zone)
            out.append((regime, row, filings.get(stage.id, []), waivers.get((regime.id, stage.id))))
    return out


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
        obligation.pending = first is None and waiver is None and row["in_force"]
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
                                         chunk: int = 500) -> dict[int, list[dict[str, Any]]]:
    """Returns the obligation documents of many incidents by incident id, filings and waivers read in bulk."""
    as_of = ensure_utc(as_of, field="as_of")
    settings = get_deadline_settings(session=session)
    window, zone = _window(settings), get_org_zone(session=session)
    out: dict[int, list[dict[str, Any]]] = {}
    for start in range(0, len(incidents), chunk):
        part = incidents[start:start + chunk]
        ids = [i.id for i in part if i.regimes]
        notifications: dict[int, list[Notification]] = {i: [] for i in ids}
        waivers: dict[int, list[Waiver]] = {i: [] for i in ids}
        delays: dict[int, list[NotificationDelay]] = {i: [] for i in ids}
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
                session, incident, as_of=as_of, window=window, settings=settings, org_zone=zone, zone=zone,
                notifications=notifications[incident.id], waivers=waivers[incident.id], delays=delays[incident.id])
    return out


def _obligation_documents(session: Session, incident: Incident, *, as_of: datetime, window: timedelta,
                          settings: dict[str, Any], org_zone: tzinfo, zone: tzinfo,
                          notifications: list[Notification] | None = None,
                          waivers: list[Waiver] | None = None,
                          delays: list[NotificationDelay] | None = None) -> list[dict[str, Any]]:
    """Obligation documents of one incident: dues counted in `org_zone`, shown also in `zone` (--timezone)."""
    docs = []
    evaluated = _evaluate(session, incident, settings, org_zone, notifications=notifications, waivers=waivers,
                          delays=delays)
    for regime, row, filings, waiver in evaluated:
        stage = row["stage"]
        first = filings[0] if filings else None
        late_frozen = bool(first and first.late)
        status = engine.obligation_status(due=row["due"], clock_start=row["clock_start"],
                                          first_filed=first.notified_at if first else None, waived=waiver is not None,
                                          as_of=as_of, window=window, frozen_late=late_frozen,
                                          in_force=row["in_force"])
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
            "delayed": "delay" in row, "status_reason": row.get("delay_reason"),
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
    """Returns the obligation documents of every incident (or one), oldest incident first."""
    query = select(Incident).where(Incident.id.in_(select(Obligation.incident_id)))
    if pending_only:
        query = select(Incident).where(Incident.id.in_(
            select(Obligation.incident_id).where(Obligation.pending == True)))  # noqa: E712 - SQL
    if incident is not None:
        query = query.where(Incident.id == incident.id)
    docs = []
    for inc in session.exec(query.order_by(Incident.number)):
        for doc in get_incident_obligation_documents(session=session, incident=inc, as_of=as_of, tz=tz):
            if pending_only and (doc["notified_at"] is not None or doc["waived"]):
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
    query = select(NotificationDelay).where(NotificationDelay.incident_id.in_(incident_ids)).order_by(NotificationDelay.id)
    for d in session.exec(query):
        regime = regimes.get(d.regime)
        basis = next((b for b in regime.delays if b.id == d.basis), None) if regime else None
        out[(d.incident_id, d.regime, d.stage)] = basis.citation if basis else d.basis
    return out


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
