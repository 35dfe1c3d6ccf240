"""Pure evaluation of a regime's stages: which apply, when each clock starts, when each is due, its status."""

from __future__ import annotations

import functools
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta, tzinfo
from typing import Any

from compliance.core.timeutil import get_zone
from compliance.deadlines import clock as arith
from compliance.deadlines.regimes import BusinessCalendar, Clock, Regime, Stage

# Status values (the contract of get_incident_obligation_documents and the audit pack).
OPEN, DUE_SOON, ON_TIME, LATE, LATE_OPEN, UNDUE_DELAY, WAIVED = (
    "open", "due_soon", "on_time", "late", "late_open", "undue_delay", "waived")
STATUSES = (OPEN, DUE_SOON, ON_TIME, LATE, LATE_OPEN, UNDUE_DELAY, WAIVED)
DEFAULT_WINDOW = timedelta(hours=24)


@dataclass(frozen=True)
class Facts:
    """What the clocks depend on besides the clock start."""

    instants: dict = field(default_factory=dict)  # incident clock fields -> aware instants (or None)
    entity_type: str | None = None
    affected: int | None = None
    member_state: str | None = None  # country code of the Member State for DORA relief
    stage_hours: dict = field(default_factory=dict)  # "regime/stage" -> contractual hours for undue-delay stages


@dataclass
class Due:
    """A computed due instant with the notes that explain it."""

    due: datetime | None
    rule: str
    notes: list[str] = field(default_factory=list)


@functools.lru_cache(maxsize=256)
def _closed_dates(calendar: BusinessCalendar, years: tuple[int, ...]) -> frozenset[date]:
    return frozenset(calendar.holiday_set(years))


@functools.lru_cache(maxsize=64)
def _member_state_closed(country: str, years: tuple[int, ...]) -> frozenset[date]:
    import holidays

    return frozenset(holidays.country_holidays(country, years=list(years), observed=True).keys())


def stage_applies(stage: Stage, facts: Facts) -> bool:
    """True when the stage's applies_when condition (if any) matches the facts."""
    if stage.applies_when is None:
        return True
    return stage.applies_when.matches(entity_type=facts.entity_type, affected=facts.affected)


def stage_clock(stage: Stage, facts: Facts) -> Clock:
    """Returns the clock of the first matching variant, else the stage's own clock."""
    for variant in stage.variants:
        if variant.when.matches(entity_type=facts.entity_type, affected=facts.affected):
            return variant.clock
    return stage.clock


def compute_due(regime: Regime, stage: Stage, *, clock_start: datetime | None, facts: Facts, zone: tzinfo) -> Due:
    """Returns the due instant of `stage` for a clock starting at `clock_start` (None when it cannot be known)."""
    clock = stage_clock(stage, facts)
    rule = clock.describe()
    if clock_start is None:
        return Due(None, rule, [f"clock start ({stage.trigger}) not yet known"])
    notes: list[str] = []
    if clock.kind == "undue_delay":
        hours = facts.stage_hours.get(f"{regime.id}/{stage.id}") if clock.configurable else None
        if not hours:
            return Due(None, rule, ["without undue delay: no fixed due, age is reported"])
        due = arith.add_hours(clock_start, float(hours))
        rule = f"{hours} h elapsed (configured: {clock.configurable})"
    elif clock.kind == "hours":
        due = arith.add_hours(clock_start, clock.amount)
    elif clock.kind == "calendar_days":
        clock_zone = get_zone(clock.timezone) if clock.timezone else zone
        if clock.from_end_of_calendar_year:
            due = arith.add_days_after_year_end(clock_start, clock.amount, clock_zone)
        else:
            due = arith.add_calendar_days(clock_start, clock.amount, clock_zone)
    elif clock.kind == "months":
        clock_zone = get_zone(clock.timezone) if clock.timezone else zone
        due = arith.add_months(clock_start, clock.amount, clock_zone, end_of_day=clock.reading == "end_of_day")
    else:  # business_days
        clock_zone = get_zone(clock.timezone) if clock.timezone else zone
        calendar = clock.calendar

        def closed(years):
            return _closed_dates(calendar, tuple(years))

        due = arith.add_business_days(clock_start, clock.amount, clock_zone, closed,
                                      cutoff=clock.cutoff or arith.END_OF_DAY)
    if stage.cap is not None:
        cap_start = facts.instants.get(stage.cap.from_field)
        if cap_start is None:
            notes.append(f"{stage.cap.hours} h cap from {stage.cap.from_field} not applied: instant not known")
        else:
            cap_due = arith.add_hours(cap_start, stage.cap.hours)
            if clock_start > cap_due:
                notes.append(f"trigger came after the {stage.cap.hours} h cap from {stage.cap.from_field}: "
                             f"counted from the trigger alone")
            elif cap_due < due:
                due = cap_due
                notes.append(f"capped at {stage.cap.hours} h from {stage.cap.from_field}")
                rule = f"{rule}, no later than {stage.cap.hours} h from {stage.cap.from_field}"
    if stage.relief is not None:
        if (facts.entity_type or "") in stage.relief.not_for_entity_types:
            notes.append(f"weekend/holiday relief does not apply to entity type {facts.entity_type!r}")
        else:
            country = facts.member_state

            def ms_closed(years):
                return _member_state_closed(country, tuple(years)) if country else frozenset()

            moved = arith.next_working_day_at(due, zone, ms_closed, stage.relief.until)
            if moved is not None:
                notes.append(f"due fell on a weekend day or holiday{f' in {country}' if country else ''}: "
                             f"relief to {stage.relief.until:%H:%M} of the next working day")
                due = moved
            if not country:
                notes.append("no Member State configured: relief judged on weekends only")
    return Due(due, rule, notes)


def obligation_status(*, due: datetime | None, clock_start: datetime | None, first_filed: datetime | None,
                      waived: bool, as_of: datetime, window: timedelta = DEFAULT_WINDOW,
                      frozen_late: bool = False) -> str:
    """Returns the status of one obligation at `as_of` (inclusive boundary: filed AT the due is on time)."""
    if waived:
        return WAIVED
    if first_filed is not None:
        if frozen_late or (due is not None and first_filed > due):
            return LATE
        return ON_TIME
    if due is None:
        return UNDUE_DELAY if clock_start is not None else OPEN
    if as_of > due:
        return LATE_OPEN
    if due - as_of <= window:
        return DUE_SOON
    return OPEN


def trigger_start(stage: Stage, facts: Facts, filings: dict[str, list[datetime]]) -> datetime | None:
    """Returns the clock start of `stage`: an incident instant or the (first/latest) filing of an earlier stage."""
    if stage.trigger_field:
        return facts.instants.get(stage.trigger_field)
    dates = sorted(filings.get(stage.after_stage) or [])
    if not dates:
        return None
    return dates[0] if stage.after_filing == "first" else dates[-1]


def evaluate_regime(regime: Regime, *, facts: Facts, zone: tzinfo, filings: dict[str, list[datetime]],
                    include_untriggered: bool = True) -> list[dict[str, Any]]:
    """Returns, per applicable stage, its clock start, due and explanation (no status)."""
    rows = []
    for stage in regime.stages:
        if not stage_applies(stage, facts):
            continue
        start = trigger_start(stage, facts, filings)
        if start is None and stage.only_if_triggered and stage.trigger_field:
            if not include_untriggered:
                continue
        due = compute_due(regime, stage, clock_start=start, facts=facts, zone=zone)
        rows.append({"stage": stage, "clock_start": start, "due": due.due, "rule": due.rule, "notes": due.notes})
    return rows
