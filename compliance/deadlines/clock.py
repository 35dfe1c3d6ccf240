"""Pure deadline arithmetic on aware instants (section 6 of the regulations reference).

- hours: exact elapsed time on UTC instants (a DST change moves the local wall-clock reading, not the instant);
- calendar days: the trigger day is not counted; due at 23:59:59 local time on day N in the given zone;
- months: same local clock time N months later, clamped to the last day of a short month
  (dateutil.relativedelta: 31 January + 1 month = 28/29 February); optionally 23:59:59 that day;
- business days: skip weekends and the holiday calendar (observed dates), due at the cut-off time in the
  calendar's zone on the Nth business day after the trigger's local date;
- relief: a due on a weekend day or holiday moves to a fixed time of the next working day.
Every function returns an aware UTC instant.
"""

from __future__ import annotations

from collections.abc import Callable, Container
from datetime import UTC, date, datetime, time, timedelta, tzinfo

from dateutil.relativedelta import relativedelta

UTC = UTC
END_OF_DAY = time(23, 59, 59)


def _local(local_date: date, at: time, zone: tzinfo) -> datetime:
    """Returns the UTC instant of a local wall-clock time; a time in a DST gap resolves forward (fold=0)."""
    naive = datetime.combine(local_date, at)
    aware = naive.replace(tzinfo=zone)
    # Round-trip through UTC so a non-existent local time (spring-forward gap) lands on a real instant.
    return aware.astimezone(UTC)


def add_hours(start: datetime, hours: float) -> datetime:
    """Returns start + hours of elapsed time, as a UTC instant (DST never changes the length)."""
    return start.astimezone(UTC) + timedelta(hours=hours)


def add_calendar_days(start: datetime, days: int, zone: tzinfo) -> datetime:
    """Returns 23:59:59 local time on the `days`-th calendar day after the trigger's local date."""
    local_day = start.astimezone(zone).date()
    return _local(local_day + timedelta(days=days), END_OF_DAY, zone)


def add_days_after_year_end(start: datetime, days: int, zone: tzinfo) -> datetime:
    """Returns 23:59:59 local time on the `days`-th day after 31 December of the trigger's local year."""
    year_end = date(start.astimezone(zone).year, 12, 31)
    return _local(year_end + timedelta(days=days), END_OF_DAY, zone)


def add_months(start: datetime, months: int, zone: tzinfo, *, end_of_day: bool = False) -> datetime:
    """Returns the same local clock time `months` later (clamped to month end), or 23:59:59 that day."""
    local = start.astimezone(zone)
    target = local.replace(tzinfo=None) + relativedelta(months=months)
    if end_of_day:
        return _local(target.date(), END_OF_DAY, zone)
    return _local(target.date(), target.time(), zone)


def is_business_day(day: date, closed: Container[date]) -> bool:
    """True when `day` is Monday to Friday and not a holiday or closure."""
    return day.weekday() < 5 and day not in closed


def add_business_days(start: datetime, days: int, zone: tzinfo, closed_for_years: Callable[[list[int]], Container[date]],
                      cutoff: time = END_OF_DAY) -> datetime:
    """Returns `cutoff` local time on the `days`-th business day after the trigger's local date.

    A trigger on a weekend or holiday therefore counts its first day on the next business day, as SEC
    Form 8-K General Instruction B.1 says ("begins on, and includes, the first business day after").
    """
    day = start.astimezone(zone).date()
    years = [day.year, day.year + 1]
    closed = closed_for_years(years)
    counted = 0
    while counted < days:
        day += timedelta(days=1)
        if day.year not in years:
            years = [day.year, day.year + 1]
            closed = closed_for_years(years)
        if is_business_day(day, closed):
            counted += 1
    return _local(day, cutoff, zone)


def next_working_day_at(due: datetime, zone: tzinfo, closed_for_years: Callable[[list[int]], Container[date]],
                        until: time) -> datetime | None:
    """Returns `until` on the next working day when `due` falls on a weekend day or holiday, else None."""
    day = due.astimezone(zone).date()
    closed = closed_for_years([day.year, day.year + 1])
    if is_business_day(day, closed):
        return None
    while not is_business_day(day, closed):
        day += timedelta(days=1)
    return _local(day, until, zone)
