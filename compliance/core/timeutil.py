"""Instants are timezone-aware UTC; parsing refuses naive input unless a zone is named."""

from __future__ import annotations

import contextlib
import re
from collections.abc import Iterator
from contextvars import ContextVar
from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from compliance.core.errors import ValidationError

UTC = UTC

_DURATION = re.compile(r"^\s*(\d+(?:\.\d+)?)\s*(m|min|h|d|w)\s*$", re.IGNORECASE)
_ISO_DURATION = re.compile(
    r"^P(?:(?P<d>\d+)D)?(?:T(?:(?P<h>\d+)H)?(?:(?P<m>\d+)M)?(?:(?P<s>\d+)S)?)?$", re.IGNORECASE
)


# Instants accepted on input: anything outside is a typo (year 0001, 9999) that would break date arithmetic later.
EARLIEST = datetime(1970, 1, 1, tzinfo=UTC)
LATEST = datetime(2200, 1, 1, tzinfo=UTC)
# Durations accepted on input (--warn-within, windows): up to a century.
LONGEST = timedelta(days=36525)


def check_range(dt: datetime, *, field: str) -> datetime:
    """Returns the aware instant `dt` in UTC, refusing one outside 1970-01-01 .. 2200-01-01."""
    try:
        utc = dt.astimezone(UTC)
    except (OverflowError, ValueError):
        utc = None
    if utc is None or not EARLIEST <= utc < LATEST:
        raise ValidationError(f"{dt.isoformat()} is outside the accepted range "
                              f"({EARLIEST:%Y-%m-%d} to {LATEST:%Y-%m-%d})", field=field)
    return utc


_FROZEN_NOW: ContextVar[datetime | None] = ContextVar("compliance_frozen_now", default=None)


def utcnow() -> datetime:
    """Returns the current instant, timezone-aware UTC (the frozen instant inside `frozen_clock`)."""
    frozen = _FROZEN_NOW.get()
    return frozen if frozen is not None else datetime.now(UTC)


@contextlib.contextmanager
def frozen_clock(instant: datetime) -> Iterator[None]:
    """Makes `utcnow()` return `instant` inside the block: the demo records a whole simulated year "as of" one
    instant, so that the same seed and --as-of give the same store, ledger and pack byte for byte."""
    token = _FROZEN_NOW.set(ensure_utc(instant, field="--as-of"))
    try:
        yield
    finally:
        _FROZEN_NOW.reset(token)


def get_zone(name: str, *, field: str = "--timezone") -> ZoneInfo:
    """Returns the IANA zone called `name`, or a ValidationError naming the field."""
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        raise ValidationError(f"unknown time zone {name!r} (use an IANA name such as Europe/Berlin)", field=field) from None


def parse_instant(value: str | datetime, *, field: str, tz: str | None = None) -> datetime:
    """Parses ISO 8601 with offset or Z into aware UTC; a naive value needs `tz`."""
    if isinstance(value, datetime):
        dt = value
    else:
        text = str(value).strip()
        try:
            dt = datetime.fromisoformat(text)
        except ValueError:
            raise ValidationError(f"{text[:40]!r} is not an ISO 8601 date-time (e.g. 2026-03-01T11:00:00Z)",
                                  field=field) from None
    if dt.tzinfo is None or dt.tzinfo.utcoffset(dt) is None:
        if tz is None:
            raise ValidationError(
                f"{value!s} has no time zone: add an offset or Z, or give --timezone", field=field
            )
        dt = dt.replace(tzinfo=get_zone(tz))
    return check_range(dt, field=field)


def parse_date(value: str | date, *, field: str) -> date:
    """Parses an ISO 8601 calendar date (YYYY-MM-DD)."""
    if not (isinstance(value, date) and not isinstance(value, datetime)):
        try:
            value = date.fromisoformat(str(value).strip())
        except ValueError:
            raise ValidationError(f"{str(value)[:40]!r} is not an ISO 8601 date (YYYY-MM-DD)", field=field) from None
    if not EARLIEST.date() <= value < LATEST.date():
        raise ValidationError(f"{value.isoformat()} is outside the accepted range "
                              f"({EARLIEST:%Y-%m-%d} to {LATEST:%Y-%m-%d})", field=field)
    return value


def parse_duration(value: str | timedelta, *, field: str) -> timedelta:
    """Parses '90m', '24h', '7d', '2w' or ISO 8601 'PT72H' / 'P7D' into a timedelta."""
    if isinstance(value, timedelta):
        return _bounded(value, str(value), field)
    text = str(value).strip()
    try:
        return _parse_duration(text, field=field)
    except OverflowError:
        raise ValidationError(f"{text!r} is too long a duration", field=field) from None


def _parse_duration(text: str, *, field: str) -> timedelta:
    match = _DURATION.match(text)
    try:
        if match:
            amount, unit = float(match.group(1)), match.group(2).lower()
            unit = {"min": "m"}.get(unit, unit)
            delta = {"m": timedelta(minutes=amount), "h": timedelta(hours=amount),
                     "d": timedelta(days=amount), "w": timedelta(weeks=amount)}[unit]
            return _bounded(delta, text, field)
        match = _ISO_DURATION.match(text)
        if match and any(match.groupdict().values()):
            parts = {k: int(v or 0) for k, v in match.groupdict().items()}
            delta = timedelta(days=parts["d"], hours=parts["h"], minutes=parts["m"], seconds=parts["s"])
            return _bounded(delta, text, field)
    except (OverflowError, ValueError):
        raise ValidationError(f"{text[:40]!r} is longer than {LONGEST.days // 365} years", field=field) from None
    raise ValidationError(f"{text[:40]!r} is not a duration (e.g. 90m, 24h, 7d, PT72H)", field=field)


def _bounded(delta: timedelta, text: str, field: str) -> timedelta:
    if abs(delta) > LONGEST:
        raise ValidationError(f"{text[:40]!r} is longer than {LONGEST.days // 365} years", field=field)
    return delta


def ensure_utc(dt: datetime | None, *, field: str) -> datetime | None:
    """Returns `dt` converted to UTC; refuses a naive datetime."""
    if dt is None:
        return None
    if dt.tzinfo is None or dt.tzinfo.utcoffset(dt) is None:
        raise ValidationError("naive datetime refused: instants must carry a time zone", field=field)
    return check_range(dt, field=field)


def to_iso(dt: datetime | None) -> str | None:
    """Formats an instant as ISO 8601 UTC with a Z suffix (seconds, microseconds if any)."""
    if dt is None:
        return None
    dt = dt.astimezone(UTC)
    spec = "seconds" if dt.microsecond == 0 else "microseconds"
    return dt.isoformat(timespec=spec).replace("+00:00", "Z")


def format_timedelta(delta: timedelta) -> str:
    """Formats a duration compactly for humans: '3d 4h', '-2h 5m', '45m'."""
    sign = "-" if delta < timedelta(0) else ""
    total = int(abs(delta).total_seconds())
    days, rem = divmod(total, 86400)
    hours, rem = divmod(rem, 3600)
    minutes = rem // 60
    parts = [f"{days}d"] if days else []
    if hours:
        parts.append(f"{hours}h")
    if minutes or not parts:
        parts.append(f"{minutes}m")
    return sign + " ".join(parts[:2])
