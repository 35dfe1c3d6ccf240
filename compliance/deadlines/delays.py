"""Recorded delays of notification stages: record one (append-only, in the ledger) and list them.

DL-DELAY-3  A delay names a basis its regime declares for that stage and a form (written/oral) the basis
            allows; anything else is refused with the valid values.
DL-DELAY-4  A delay is stated no later than the due it moves (a first delay: the due; an extension: the end
            of the previous delay): a delay cannot make a late filing on time. Nothing filed or waived is delayed.
DL-DELAY-5  Without --until the delay runs to the latest end its basis allows; a basis whose period is the
            one the statement specifies (45 CFR 164.412(a)) needs --until.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime
from typing import Any

from sqlmodel import Session, select

from compliance.core.choices import check_known
from compliance.core.errors import ConflictError, ValidationError
from compliance.core.text import clean_line
from compliance.core.timeutil import ensure_utc, get_zone, utcnow
from compliance.db.store import serialize
from compliance.deadlines.delay_rules import FORMS, delay_limit, effective_delays
from compliance.deadlines.models import NotificationDelay
from compliance.deadlines.service import (
    FUTURE_TOLERANCE,
    _stage_row,
    get_incident_delays,
    get_org_zone,
    sync_incident_obligations,
)
from compliance.incidents.models import Incident


def _z(value: datetime) -> str:
    return f"{value:%Y-%m-%dT%H:%M:%SZ}"


def record_delay(*, session: Session, incident: Incident, regime: str, stage: str, basis: str, form: str | None,
                 requested_by: str, stated_at: datetime, until: datetime | None = None, reference: str | None = None,
                 recorded_by: str, now: datetime | None = None, extra_dirs: Iterable[str] = ()) -> dict[str, Any]:
    """Records a delay of one stage on a basis its regime declares; returns its document (DL-DELAY-1..5)."""
    now = now or utcnow()
    requested_by = clean_line(requested_by, field="--requested-by") if requested_by is not None else ""
    if not requested_by:
        raise ValidationError("must name the official or agency that asked for the delay", field="--requested-by")
    recorded = clean_line(recorded_by, field="--by") if recorded_by is not None else ""
    if not recorded:
        raise ValidationError("must name who records the delay", field="--by")
    reference = (clean_line(reference, field="--reference") or None) if reference is not None else None
    stated_at = ensure_utc(stated_at, field="--from")
    until = ensure_utc(until, field="--until") if until is not None else None
    if stated_at > now + FUTURE_TOLERANCE:
        raise ValidationError(f"{_z(stated_at)} is in the future: record a delay once it is stated", field="--from")
    serialize(session, f"obligations-{incident.id}")
    regime_def, stage_def, row, filings, waiver = _stage_row(session, incident, regime, stage, extra_dirs=extra_dirs)
    basis_def = regime_def.delay_basis(basis)
    base = regime_def.base_stage(stage_def.id)
    if base.id not in basis_def.stages:
        raise ValidationError(f"basis {basis_def.id!r} ({basis_def.citation}) does not apply to stage {stage_def.id!r} "
                              f"(it applies to: {', '.join(basis_def.stages)})", field="--stage")
    if form is None:
        raise ValidationError("say whether the request was made in writing or orally (--written or --oral)",
                              field="--written/--oral")
    form = check_known(form, FORMS, field="--written/--oral", what="form of request",
                       normalise=lambda v: v.strip().lower())
    rule = basis_def.form(form)
    if rule is None:
        allowed = ", ".join(f.form for f in basis_def.forms)
        raise ValidationError(f"basis {basis_def.id!r} ({basis_def.citation}) allows only {allowed} requests, "
                              f"not {form}", field="--written/--oral")
    if waiver is not None:
        raise ConflictError(f"{regime_def.id}/{stage_def.id} of {incident.ref} was closed as not required: nothing to "
                            "delay", field="--stage")
    if filings:
        raise ConflictError(f"{regime_def.id}/{stage_def.id} of {incident.ref} was already notified on "
                            f"{_z(filings[0].notified_at)}: nothing to delay", field="--stage")
    if row is None or row.get("due_undelayed", row["due"]) is None:
        raise ValidationError(f"{regime_def.id}/{stage_def.id} of {incident.ref} has no due yet (its clock start or "
                              "the stage's facts are not recorded): record them before a delay", field="--stage")
    due = row.get("due_undelayed", row["due"])
    zone = get_zone(stage_def.clock.timezone) if stage_def.clock.timezone else get_org_zone(session=session)
    earlier = [d for d in get_incident_delays(session=session, incident=incident)
               if d.regime == regime_def.id and d.stage == stage_def.id]
    applied = effective_delays(regime_def.delays, earlier, due=due, zone=zone)
    chain = [end for record, _limit, end in applied if (record.basis, record.form) == (basis_def.id, form)]
    previous = chain[-1] if chain else None
    in_force = row["due"]  # the due as moved by the delays recorded so far
    if stated_at > in_force:
        raise ValidationError(f"stated {_z(stated_at)}, after the due it would move ({_z(in_force)}): the stage was "
                              "already late; a delay cannot make it on time", field="--from")
    try:
        limit = delay_limit(rule, index=len(chain), due=due, stated_at=stated_at, previous_until=previous, zone=zone)
    except IndexError:
        beyond = f": {basis_def.beyond}" if basis_def.beyond else ""
        raise ValidationError(f"{basis_def.citation} allows {len(chain)} {form} delay period(s) "
                              f"({rule.describe()}), all recorded{beyond}", field="--until") from None
    if until is None:
        if limit is None:
            raise ValidationError(f"{basis_def.citation}: a {form} statement sets the period of the delay: give --until",
                                  field="--until")
        until = limit
    if until <= stated_at or (previous is not None and until <= previous):
        after = _z(previous) if previous is not None and previous > stated_at else _z(stated_at)
        raise ValidationError(f"--until {_z(until)} must be after {after}", field="--until")
    if limit is not None and until > limit:
        raise ValidationError(f"--until {_z(until)} is beyond what {basis_def.citation} allows for this {form} "
                              f"request ({rule.describe()}): at most {_z(limit)}", field="--until")
    record = NotificationDelay(incident_id=incident.id, regime=regime_def.id, stage=stage_def.id, basis=basis_def.id,
                               form=form, extension=len(chain), requested_by=requested_by, reference=reference,
                               stated_at=stated_at, until=until, allowed_until=limit, due_before=in_force,
                               recorded_by=recorded, recorded_at=now)
    session.add(record)
    session.flush()
    sync_incident_obligations(session=session, incident=incident, now=now, extra_dirs=extra_dirs)
    return delay_document(record, incident=incident, citation=basis_def.citation)


def delay_document(record: NotificationDelay, *, incident: Incident, citation: str | None = None) -> dict[str, Any]:
    """Returns one recorded delay as a plain document."""
    return {"incident": incident.ref, "regime": record.regime, "stage": record.stage, "basis": record.basis,
            "citation": citation, "form": record.form, "extension": record.extension,
            "requested_by": record.requested_by, "reference": record.reference, "from": record.stated_at,
            "until": record.until, "allowed_until": record.allowed_until, "due_before": record.due_before,
            "recorded_by": record.recorded_by, "recorded_at": record.recorded_at}


def list_delay_documents(*, session: Session, incident: Incident | None = None,
                         extra_dirs: Iterable[str] = ()) -> list[dict[str, Any]]:
    """Returns every recorded delay (or one incident's), in the order recorded."""
    from compliance.deadlines.regimes import load_regimes

    regimes = load_regimes(extra_dirs=extra_dirs)
    query = select(NotificationDelay, Incident).join(Incident, Incident.id == NotificationDelay.incident_id)
    if incident is not None:
        query = query.where(NotificationDelay.incident_id == incident.id)
    out = []
    for record, inc in session.exec(query.order_by(NotificationDelay.id)):
        regime = regimes.get(record.regime)
        basis = next((b for b in regime.delays if b.id == record.basis), None) if regime else None
        out.append(delay_document(record, incident=inc, citation=basis.citation if basis else None))
    return out
