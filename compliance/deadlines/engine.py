"""Pure evaluation of a regime's stages: which apply, when each clock starts, when each is due, its status."""

from __future__ import annotations

import functools
from dataclasses import dataclass, field, replace
from datetime import UTC, date, datetime, timedelta, tzinfo
from typing import Any

from compliance.core.timeutil import get_zone
from compliance.deadlines import clock as arith
from compliance.deadlines.regimes import BusinessCalendar, Clock, Regime, Stage, for_state

# Status values (the contract of get_incident_obligation_documents and the audit pack).
OPEN, DUE_SOON, ON_TIME, LATE, LATE_OPEN, UNDUE_DELAY, WAIVED, NOT_IN_FORCE, NOT_REQUIRED = (
    "open", "due_soon", "on_time", "late", "late_open", "undue_delay", "waived", "not_in_force", "not_required")
STATUSES = (OPEN, DUE_SOON, ON_TIME, LATE, LATE_OPEN, UNDUE_DELAY, WAIVED, NOT_IN_FORCE, NOT_REQUIRED)
# not_in_force: informational only: the duty is not (yet) in force for this clock; never pending, never a check alert.
# not_required: the regime's own latest breach assessment says the stage is not owed (its `required_when`); derived,
# never pending, never an alert, not an exception; a filing made anyway keeps its own status (on time / late).
RISK_LEVELS = ("none", "risk", "high")
DEFAULT_WINDOW = timedelta(hours=24)
# The legal time of each EU/EEA Member State's capital: DORA relief (RTS 2025/301 Art. 5(4)) is judged on the
# Member State's working days, so "a weekend day or bank holiday" is read on its local date, not the org's.
MEMBER_STATE_ZONES = {
    "AT": "Europe/Vienna", "BE": "Europe/Brussels", "BG": "Europe/Sofia", "CY": "Asia/Nicosia", "CZ": "Europe/Prague",
    "DE": "Europe/Berlin", "DK": "Europe/Copenhagen", "EE": "Europe/Tallinn", "ES": "Europe/Madrid",
    "FI": "Europe/Helsinki", "FR": "Europe/Paris", "GR": "Europe/Athens", "HR": "Europe/Zagreb",
    "HU": "Europe/Budapest", "IE": "Europe/Dublin", "IT": "Europe/Rome", "LT": "Europe/Vilnius",
    "LU": "Europe/Luxembourg", "LV": "Europe/Riga", "MT": "Europe/Malta", "NL": "Europe/Amsterdam",
    "PL": "Europe/Warsaw", "PT": "Europe/Lisbon", "RO": "Europe/Bucharest", "SE": "Europe/Stockholm",
    "SI": "Europe/Ljubljana", "SK": "Europe/Bratislava", "IS": "Atlantic/Reykjavik", "LI": "Europe/Vaduz",
    "NO": "Europe/Oslo",
}


@dataclass(frozen=True)
class Facts:
    """What the clocks depend on besides the clock start."""

    instants: dict = field(default_factory=dict)  # incident clock fields -> aware instants (or None)
    entity_type: str | None = None
    affected: int | None = None
    member_state: str | None = None  # country code of the Member State for DORA relief
    stage_hours: dict = field(default_factory=dict)  # "regime/stage" -> contractual hours for undue-delay stages
    affected_by_state: dict = field(default_factory=dict)  # State code -> residents affected
    today: date = field(default_factory=lambda: datetime.now(UTC).date())  # in-force check of unstarted clocks


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


def _state_count(facts: Facts, state: str) -> int | None:
    counts = facts.affected_by_state
    if not counts:
        return None  # not recorded: unknown, read the strict way by the conditions
    return counts.get(state, counts.get(state.removeprefix("US-"), 0))


def for_regime(regime: Regime, facts: Facts) -> Facts:
    """Returns the facts a regime reads: a State's law counts that State's residents (unknown when not recorded)."""
    if regime.residents_of is None:
        return facts
    return replace(facts, affected=_state_count(facts, regime.residents_of))


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


def expand_stages(stage: Stage, facts: Facts) -> list[tuple[Stage, Facts]]:
    """Returns the stage with the facts it is judged on; a per-State stage once per State that meets its condition.

    Without residents per State recorded, a per-State stage is judged once on the total (the strict reading: the
    affected may all live in one State), and says so in its notes.
    """
    if not stage.per_state or not facts.affected_by_state:
        return [(stage, facts)] if stage_applies(stage, facts) else []
    out = []
    for state, count in sorted(facts.affected_by_state.items()):
        state_facts = replace(facts, affected=count)
        if stage_applies(stage, state_facts):
            out.append((for_state(stage, state), state_facts))
    return out


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
        skipped = [d for d in calendar.uncertain_closed
                   if clock_start.astimezone(clock_zone).date() <= d <= due.astimezone(clock_zone).date()]
        if skipped:
            notes.append(f"counts {', '.join(d.isoformat() for d in skipped)} as closed (uncertain: file a day "
                         f"earlier to be safe)")
    if stage.cap is not None:
        cap_start = facts.instants.get(stage.cap.from_field)
        if cap_start is None:
            notes.append(f"{stage.cap.hours} h cap from {stage.cap.from_field} not applied: instant not known")
        else:
            cap_due = arith.add_hours(cap_start, stage.cap.hours)
            if cap_due < due:
                due = cap_due
                notes.append(f"capped at {stage.cap.hours} h from {stage.cap.from_field}")
                rule = f"{rule}, no later than {stage.cap.hours} h from {stage.cap.from_field}"
            if clock_start > cap_due:  # the outer limit passed before the trigger: late from the start
                notes.append(f"trigger came after the {stage.cap.hours} h limit from {stage.cap.from_field}: "
                             f"due at that limit; a filing now is late and needs its reasons")
    if stage.relief is not None:
        if (facts.entity_type or "") in stage.relief.not_for_entity_types:
            notes.append(f"weekend/holiday relief does not apply to entity type {facts.entity_type!r}")
        else:
            country = facts.member_state

            def ms_closed(years):
                return _member_state_closed(country, tuple(years)) if country else frozenset()

            relief_zone = get_zone(MEMBER_STATE_ZONES[country]) if country in MEMBER_STATE_ZONES else zone
            moved = arith.next_working_day_at(due, relief_zone, ms_closed, stage.relief.until)
            if moved is not None:
                notes.append(f"due fell on a weekend day or holiday{f' in {country}' if country else ''}: "
                             f"relief to {stage.relief.until:%H:%M} ({relief_zone}) of the next working day")
                due = moved
            if not country:
                notes.append("no Member State configured: relief judged on weekends only")
    return Due(due, rule, notes)


def not_required_reason(stage: Stage, assessment: dict[str, Any] | None) -> str | None:
    """Returns why `stage` is not required under the regime's latest breach assessment, or None when it is required.

    Fails closed: no assessment, or a level it does not know, leaves the stage required.
    """
    if stage.required_from is None or not assessment or assessment.get("level") not in RISK_LEVELS:
        return None
    level, when = assessment["level"], assessment.get("decided_at")
    basis = (f"breach assessment ({assessment.get('regime')}) by {assessment.get('decided_by')} at "
             f"{when:%Y-%m-%d %H:%M} UTC" if isinstance(when, datetime) else f"breach assessment by "
             f"{assessment.get('decided_by')}")
    if RISK_LEVELS.index(level) < RISK_LEVELS.index(stage.required_from):
        return f"not required: level {level}, below {stage.required_from} ({stage.citation}); {basis}"
    if stage.required_from == "high" and assessment.get("exemption") and str(assessment.get("exemption_reason") or "").strip():
        return (f"not required: level high, exemption Art. 34(3)({assessment['exemption']}): "
                f"{' '.join(str(assessment['exemption_reason']).split())}; {basis}")
    return None


def obligation_status(*, due: datetime | None, clock_start: datetime | None, first_filed: datetime | None,
                      waived: bool, as_of: datetime, window: timedelta = DEFAULT_WINDOW,
                      frozen_late: bool = False, in_force: bool = True, not_required: bool = False) -> str:
    """Returns the status of one obligation at `as_of` (inclusive boundary: filed AT the due is on time)."""
    if waived:
        return WAIVED
    if not in_force:
        return NOT_IN_FORCE
    if first_filed is not None:
        if frozen_late or (due is not None and first_filed > due):
            return LATE
        return ON_TIME
    if not_required:
        return NOT_REQUIRED
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
    facts = for_regime(regime, facts)
    for base in regime.stages:
        for stage, stage_facts in expand_stages(base, facts):
            start = trigger_start(stage, stage_facts, filings)
            if start is None and stage.only_if_triggered and stage.trigger_field and not include_untriggered:
                continue
            due = compute_due(regime, stage, clock_start=start, facts=stage_facts, zone=zone)
            in_force = regime.stage_in_force(stage)
            applies = in_force.applies_to(start.date() if start else None, today=facts.today)
            notes = due.notes if applies else [*due.notes, f"informational: {in_force.describe()}"]
            if base.per_state and not facts.affected_by_state:
                notes = [*notes, "residents per State not recorded: judged on the total affected"]
            rows.append({"stage": stage, "clock_start": start, "due": due.due, "rule": due.rule, "notes": notes,
                         "in_force": applies})
    return rows
