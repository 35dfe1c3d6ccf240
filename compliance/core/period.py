"""The reporting period: inclusive calendar dates turned into a half-open range of UTC instants, in one place."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta, tzinfo

from compliance.core.errors import ValidationError


def period_bounds(*, period_from: date | datetime | None, period_to: date | datetime | None,
                  tz: tzinfo = UTC) -> tuple[datetime | None, datetime | None]:
    """Returns [start, stop) instants in UTC: dates are inclusive calendar days in `tz`, instants are used as given."""
    def bound(value: date | datetime | None, end: bool) -> datetime | None:
        if value is None or isinstance(value, datetime):
            return value
        local = datetime.combine(value + timedelta(days=1) if end else value, time(0), tzinfo=tz)
        return local.astimezone(UTC)

    start, stop = bound(period_from, False), bound(period_to, True)
    if start and stop and stop <= start:
        raise ValidationError(f"{period_from} is after --to {period_to}", field="--from")
    return start, stop
