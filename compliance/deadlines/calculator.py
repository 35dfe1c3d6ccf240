"""The pure deadline calculator (`compliance deadlines compute`): no store, no database layer imported."""

from __future__ import annotations

from datetime import datetime, timedelta, tzinfo
from typing import Any

from compliance.core.errors import ValidationError
from compliance.core.timeutil import ensure_utc
from compliance.deadlines import engine
from compliance.deadlines.regimes import Regime
from compliance.incidents.enums import CLOCK_FIELDS


def local_iso(value: datetime | None, zone: tzinfo) -> str | None:
    """Returns `value` in `zone` as ISO 8601 with its offset (seconds), or None."""
    if value is None:
        return None
    return value.astimezone(zone).isoformat(timespec="seconds")


def compute_regime_deadlines(*, regime: Regime, clock_start: datetime, stage: str | None = None,
                             zone: tzinfo, as_of: datetime, window: timedelta = engine.DEFAULT_WINDOW,
                             aware_at: datetime | None = None, entity_type: str | None = None,
                             affected: int | None = None, notified_at: datetime | None = None,
                             member_state: str | None = None, stage_hours: dict | None = None,
                             affected_by_state: dict[str, int] | None = None) -> dict[str, Any]:
    """Pure calculator: the due of one stage (or of every stage) for a clock start; no store needed.

    With `stage`, `clock_start` is that stage's trigger and `notified_at` its filing. Without it,
    `clock_start` is the regime's incident trigger and a stage that runs from an earlier stage's
    submission assumes that submission happened at the earlier stage's due (the latest on-time case).
    """
    clock_start = ensure_utc(clock_start, field="--clock-start")
    entity_type = regime.check_entity_type(entity_type)
    member_state = regime.check_member_state(member_state)
    if notified_at is not None and stage is None and len(regime.stages) > 1:
        raise ValidationError(f"--notified-at needs --stage (regime {regime.id!r} has stages "
                              f"{', '.join(s.id for s in regime.stages)})", field="--notified-at")
    chosen = [regime.stage(stage)] if stage else list(regime.stages)
    warnings = []
    if notified_at is not None and notified_at < clock_start:
        warnings.append("--notified-at is before --clock-start: check the instants")
    facts = engine.for_regime(regime, engine.Facts(
        entity_type=entity_type, affected=affected, member_state=member_state, stage_hours=dict(stage_hours or {}),
        affected_by_state=dict(affected_by_state or {})))
    if stage is None:
        chosen = [st for base in chosen for st, _ in engine.expand_stages(base, facts)]
    results = []
    submitted: dict[str, list[datetime]] = {}
    for st in chosen:
        if stage or st.trigger_field:
            start = clock_start
            basis = st.trigger
        else:
            previous = submitted.get(st.after_stage)
            start = previous[0] if previous else None
            basis = f"stage:{st.after_stage} assumed submitted at its due"
        instants = {name: None for name in CLOCK_FIELDS}
        if st.trigger_field:
            instants[st.trigger_field] = start
        if aware_at is not None:
            instants["aware_at"] = ensure_utc(aware_at, field="--aware-at")
        stage_facts = engine.Facts(instants=instants, entity_type=entity_type, affected=facts.affected,
                                   member_state=member_state, stage_hours=dict(stage_hours or {}))
        due = engine.compute_due(regime, st, clock_start=start, facts=stage_facts, zone=zone)
        filed = notified_at if stage else None
        in_force = regime.stage_in_force(st)
        applies = in_force.applies_to(start.date() if start else None, today=as_of.date())
        status = engine.obligation_status(due=due.due, clock_start=start, first_filed=filed, waived=False,
                                          as_of=as_of, window=window, in_force=applies)
        if not applies:
            due.notes.append(f"informational: {in_force.describe()}")
        if st.per_state and not facts.affected_by_state:
            due.notes.append("residents per State not recorded: judged on the total affected")
        if due.due is not None:
            submitted[st.id] = [due.due]
        row = {"stage": st.id, "title": st.title, "citation": st.citation, "recipient": st.recipient,
               "trigger": st.trigger, "clock_start": start, "clock_start_basis": basis, "rule": due.rule,
               "due": due.due, "due_local": local_iso(due.due, zone), "notified_at": filed, "status": status,
               "late_requires_reason": st.late_requires_reason, "notes": due.notes, "content": list(st.content)}
        if not engine.stage_applies(st, facts):
            row["notes"] = row["notes"] + ["this stage does not apply with the given --entity-type/--affected"]
        if status == engine.UNDUE_DELAY:
            row["age_hours"] = round((as_of - start).total_seconds() / 3600, 1)
        if due.due is not None and filed is None:
            row["time_left_hours"] = round((due.due - as_of).total_seconds() / 3600, 2)
        results.append(row)
    return {"regime": regime.id, "name": regime.name, "citation": regime.citation, "timezone": str(zone),
            "at": as_of, "status_note": regime.status_note, "stages": results, "warnings": warnings}
