"""Evaluating an incident's obligations: settings, what is recorded (filings, waivers, delays), the regimes in use.

The layer the recording (service.py) and the reading (obligation_documents.py) of obligations share.
"""

from __future__ import annotations

import copy
import hashlib
import os
from collections.abc import Iterable
from datetime import timedelta, tzinfo
from pathlib import Path
from typing import Any

from sqlmodel import Session, select

from compliance.core.errors import ValidationError
from compliance.core.timeutil import get_zone
from compliance.db.settings import get_setting, set_setting
from compliance.deadlines import engine
from compliance.deadlines.assessments import get_breach_assessments_by_incident
from compliance.deadlines.delay_rules import delayed_row
from compliance.deadlines.models import Notification, NotificationDelay, Obligation, Waiver
from compliance.deadlines.regimes import Regime, builtin_regime_dir, load_regimes
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
              waivers: list[Waiver] | None = None, delays: list[NotificationDelay] | None = None,
              assessments: dict[str, dict[str, Any]] | None = None):
    """Evaluates the incident's stages (recorded delays applied); filings, waivers, delays and the latest breach
    assessment per regime read unless preloaded. Each row's `not_required` says why a stage is not owed (or None)."""
    regimes = _session_regimes(session) if regimes is None else regimes
    if assessments is None:
        assessments = get_breach_assessments_by_incident(session=session, incident_ids=[incident.id])[incident.id]
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
            row["not_required"] = engine.not_required_reason(stage, assessments.get(regime.id))
            out.append((regime, row, filings.get(stage.id, []), waivers.get((regime.id, stage.id))))
    return out


