"""What a notification regime is once loaded: stages, clocks, conditions, calendars, delay bases (no parsing here)."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, replace
from datetime import date, time

from compliance.core.choices import check_known
from compliance.core.errors import DefinitionError, NotFoundError
from compliance.deadlines.delay_rules import DelayBasis
from compliance.incidents.enums import STATE_CODE as _STATE

CLOCK_KINDS = ("hours", "calendar_days", "months", "business_days", "undue_delay")
MONTH_READINGS = ("same_time", "end_of_day")
FILINGS = ("first", "latest")
PENDING = "pending"  # `in_force_from: pending`: the duty exists in law but its start date is not yet fixed


@dataclass(frozen=True)
class InForce:
    """When a regime's or stage's duties apply: from a date (clock starts on or after it), or not yet (pending)."""

    from_date: date | None = None
    pending: bool = False

    def applies_to(self, clock_start: date | None, *, today: date) -> bool:
        """True when a clock starting on `clock_start` (or today, if not started) runs under a duty in force."""
        if self.pending:
            return False
        if self.from_date is None:
            return True
        return (clock_start or today) >= self.from_date

    def describe(self) -> str:
        """'in force', 'in force from 2026-09-11' or 'not yet in force (start date pending)'."""
        if self.pending:
            return "not yet in force (start date pending)"
        return f"in force from {self.from_date.isoformat()}" if self.from_date else "in force"


ALWAYS = InForce()


@dataclass(frozen=True)
class Condition:
    """When a stage or a variant applies: entity types and thresholds on the number affected."""

    entity_types: tuple[str, ...] = ()
    affected_at_least: int | None = None
    affected_more_than: int | None = None
    affected_below: int | None = None

    def matches(self, *, entity_type: str | None, affected: int | None) -> bool:
        """True when the facts meet every part; an unknown count is read the strict way (it may be large)."""
        if self.entity_types and (entity_type or "") not in self.entity_types:
            return False
        if self.affected_at_least is not None and affected is not None and affected < self.affected_at_least:
            return False
        if self.affected_more_than is not None and affected is not None and affected <= self.affected_more_than:
            return False
        if self.affected_below is not None and (affected is None or affected >= self.affected_below):
            return False
        return True


@dataclass(frozen=True)
class BusinessCalendar:
    """A holiday calendar from the `holidays` package plus extra closure dates (executive orders)."""

    country: str
    subdivision: str | None = None
    financial: str | None = None
    extra_closed: tuple[date, ...] = ()
    uncertain_closed: tuple[date, ...] = ()  # subset of extra_closed whose effect is not confirmed (noted on dues)

    def holiday_set(self, years: Iterable[int]):
        """Returns the holidays of `years` (observed dates included) as a date container."""
        import holidays

        years = sorted(set(years))
        try:
            if self.financial:
                cal = holidays.financial_holidays(self.financial, years=years)
            else:
                cal = holidays.country_holidays(self.country, subdiv=self.subdivision, years=years, observed=True)
        except NotImplementedError as exc:
            raise DefinitionError(f"unknown holiday calendar ({exc})") from None
        return set(cal.keys()) | set(self.extra_closed)


@dataclass(frozen=True)
class Clock:
    """How a stage's due instant is counted from its clock start."""

    kind: str
    amount: int | None = None
    reading: str = "same_time"
    from_end_of_calendar_year: bool = False
    calendar: BusinessCalendar | None = None
    cutoff: time | None = None
    timezone: str | None = None
    configurable: str | None = None

    def describe(self) -> str:
        """A short human description ('72 h elapsed', '4 business days, 17:30 America/New_York')."""
        if self.kind == "hours":
            return f"{self.amount} h elapsed"
        if self.kind == "calendar_days":
            base = "after the end of the calendar year" if self.from_end_of_calendar_year else "after the trigger day"
            return f"{self.amount} calendar days {base}, end of day"
        if self.kind == "months":
            return f"{self.amount} month(s), {'same clock time' if self.reading == 'same_time' else 'end of day'}"
        if self.kind == "business_days":
            cut = f", {self.cutoff:%H:%M} {self.timezone}" if self.cutoff else ""
            return f"{self.amount} business days ({self.calendar.financial or self.calendar.country}){cut}"
        return "without undue delay (no fixed due)"


@dataclass(frozen=True)
class Variant:
    """An alternative clock used when its condition matches (first match wins)."""

    when: Condition
    clock: Clock


@dataclass(frozen=True)
class Cap:
    """An outer limit counted from another instant: the earlier of the two applies (DORA's 24 h)."""

    hours: int
    from_field: str


@dataclass(frozen=True)
class Relief:
    """Weekend/holiday relief: a due on a non-working day moves to `until` on the next working day."""

    until: time
    not_for_entity_types: tuple[str, ...] = ()


@dataclass(frozen=True)
class Stage:
    """One notification stage of a regime."""

    id: str
    title: str
    citation: str
    recipient: str
    clock: Clock
    trigger_field: str | None = None
    after_stage: str | None = None
    after_filing: str = "first"
    variants: tuple[Variant, ...] = ()
    cap: Cap | None = None
    relief: Relief | None = None
    applies_when: Condition | None = None
    only_if_triggered: bool = False
    late_requires_reason: bool = False
    waivable: bool = True
    content: tuple[str, ...] = ()
    source: str | None = None
    in_force: InForce | None = None  # None: as the regime
    per_state: bool = False  # one obligation per State or jurisdiction whose residents meet applies_when
    # `required_when: {breach_assessment: LEVEL}`: required only when the regime's latest breach assessment reaches
    # LEVEL (and, for high, relies on no Art. 34(3) exemption); otherwise not_required. No assessment: required.
    required_from: str | None = None

    @property
    def trigger(self) -> str:
        """The trigger as text: an incident field, or 'stage:<id>' for a previous stage's submission."""
        return self.trigger_field or f"stage:{self.after_stage}"


@dataclass(frozen=True)
class Regime:
    """A notification regime: its stages in order, and where it was defined."""

    id: str
    name: str
    jurisdiction: str
    citation: str
    stages: tuple[Stage, ...]
    path: str
    status_note: str | None = None
    in_force: InForce = ALWAYS
    residents_of: str | None = None  # a State's law: thresholds count that State's residents (affected_by_state)
    entity_types: tuple[str, ...] = ()  # the entity types this regime distinguishes (declared and used in stages)
    member_states: tuple[str, ...] = ()  # country codes of the states whose calendars the regime knows
    delays: tuple[DelayBasis, ...] = ()  # the legal bases on which its stages may be delayed (`delays:`)

    def stage_in_force(self, stage: Stage) -> InForce:
        """Returns when `stage`'s duty applies: its own `in_force_from`, else the regime's."""
        return stage.in_force or self.in_force

    def delay_basis(self, basis_id: str, *, field: str = "--basis") -> DelayBasis:
        """Returns the delay basis `basis_id` this regime declares; refuses another listing the valid ones."""
        known = check_known(basis_id, [b.id for b in self.delays], field=field, what="delay basis",
                            context=f" for regime {self.id!r}")
        return next(b for b in self.delays if b.id == known)

    def base_stage(self, stage_id: str) -> Stage:
        """Returns the stage as declared (a per-State stage for its `<stage>_<state>` copies)."""
        for stage in self.stages:
            if stage.id == stage_id:
                return stage
        for stage in self.stages:
            state = stage_id.removeprefix(f"{stage.id}_") if stage.per_state else stage_id
            if state != stage_id and _STATE.match(state.upper()):
                return stage
        return self.stage(stage_id)

    def check_entity_type(self, value: str | None, *, field: str = "--entity-type") -> str | None:
        """Returns the entity type when this regime knows it; refuses an unknown one listing the valid ones."""
        if value is None:
            return None
        return check_known(value, self.entity_types, field=field, what="entity type",
                           context=f" for regime {self.id!r}")

    def check_member_state(self, value: str | None, *, field: str = "--member-state") -> str | None:
        """Returns the Member State code when this regime knows it; refuses an unknown one listing the valid ones."""
        if value is None:
            return None
        return check_known(value, self.member_states, field=field, what="Member State",
                           context=f" for regime {self.id!r}",
                           normalise=lambda v: v.strip().upper())

    def stage(self, stage_id: str, *, field: str = "--stage") -> Stage:
        """Returns the stage `stage_id`, or NotFoundError listing the valid ones."""
        for stage in self.stages:
            if stage.id == stage_id:
                return stage
            state = stage_id.removeprefix(f"{stage.id}_") if stage.per_state else stage_id
            if state != stage_id and _STATE.match(state.upper()):
                return for_state(stage, state.upper())
        valid = ", ".join(s.id for s in self.stages)
        raise NotFoundError(f"unknown stage {stage_id!r} of regime {self.id!r} (valid: {valid})", field=field)


def for_state(stage: Stage, state: str) -> Stage:
    """Returns the per-State copy of a `per_state` stage: id `<stage>_<state>`, recipient naming the State."""
    return replace(stage, id=f"{stage.id}_{state.lower().replace('-', '_')}", title=f"{stage.title} ({state})",
                   recipient=f"{stage.recipient} ({state})", per_state=False)
