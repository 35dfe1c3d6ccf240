"""The pack's population: which incidents a period covers, and the reconciliation of the store against the pack.

RP-SCOPE-1  An incident is in scope when it was active at any time in the period (detected before the
            end, and not closed before the start), or when one of its obligations (clock start, due),
            filings (notified at) or actions (due, completed) falls in the period.
RP-SCOPE-2  --from/--to are calendar dates in the organisation's zone; the cover prints the exact first
            and last instant. A period ending after the generation instant is refused unless
            allow_open_period, and then the cover says "period still open".
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta, tzinfo
from typing import Any

from compliance.core.errors import ValidationError
from compliance.core.period import period_bounds
from compliance.core.timeutil import parse_date, parse_instant

ACTIVE = "active in the period"
ACTIVITY = "obligation, filing or action in the period"
RULE = ("An incident is in scope when it was active at any time in the period (detected before its end and not "
        "closed before its start), or when one of its notification obligations, filings or action items falls "
        "in the period.")


@dataclass(frozen=True)
class Period:
    """The period as instants: [start, stop) in UTC (None: open end), the zone its dates were read in."""

    start: datetime | None
    stop: datetime | None
    zone: str
    still_open: bool = False

    @property
    def last_instant(self) -> datetime | None:
        """The last instant inside the period (one microsecond before its exclusive end)."""
        return None if self.stop is None else self.stop - timedelta(microseconds=1)

    def contains(self, when: datetime | None) -> bool:
        """Whether `when` lies in the period (a missing instant never does)."""
        if when is None:
            return False
        return (self.start is None or when >= self.start) and (self.stop is None or when < self.stop)


def resolve_period(*, period_from: date | None, period_to: date | None, zone: tzinfo, zone_name: str,
                   generated_at: datetime, allow_open_period: bool) -> Period:
    """Turns --from/--to (dates in the organisation's zone) into a Period; refuses an open period unless allowed."""
    start, stop = period_bounds(period_from=period_from, period_to=period_to, tz=zone)
    still_open = stop is not None and stop > generated_at
    if still_open and not allow_open_period:
        raise ValidationError(f"{period_to} ends after the generation instant {generated_at.isoformat()}: the period "
                              "is still open; --allow-open-period builds the pack anyway", field="--to")
    return Period(start=start, stop=stop, zone=zone_name, still_open=still_open)


def _instant(value: Any) -> datetime | None:
    if value in (None, ""):
        return None
    return parse_instant(value, field="instant")


def _day_instants(value: Any) -> datetime | None:
    """A due date as the instant of its start (UTC midnight): due dates are days, compared by day."""
    if value in (None, ""):
        return None
    if isinstance(value, datetime):
        return value
    day = value if isinstance(value, date) else parse_date(value, field="due")
    return datetime(day.year, day.month, day.day, tzinfo=UTC)


def activity_instants(document: Mapping[str, Any]) -> Iterable[datetime]:
    """Every instant of the incident's obligations, filings and actions."""
    for ob in document.get("obligations") or []:
        for key in ("clock_start", "due", "notified_at"):
            when = _instant(ob.get(key))
            if when is not None:
                yield when
    for action in document.get("action_items") or []:
        when = _instant(action.get("completed_at"))
        if when is not None:
            yield when
        due = _day_instants(action.get("due"))
        if due is not None:
            yield due


def scope_reason(document: Mapping[str, Any], period: Period) -> str | None:
    """Why the incident is in scope of `period` (ACTIVE or ACTIVITY), or None when it is not (RP-SCOPE-1)."""
    inc = document["incident"]
    detected = _instant(inc.get("detected_at"))
    closed = _instant(inc.get("closed_at"))
    detected_before_end = period.stop is None or (detected is not None and detected < period.stop)
    closed_before_start = period.start is not None and closed is not None and closed < period.start
    if detected_before_end and not closed_before_start:
        return ACTIVE
    if any(period.contains(when) for when in activity_instants(document)):
        return ACTIVITY
    return None
