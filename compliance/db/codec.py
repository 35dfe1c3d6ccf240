"""How column values are stored and read back, as pure functions (no SQLAlchemy): the ORM column types
(db/types.py) and the sqlite3 read path (db/sqlite_read.py) both use them, so they cannot disagree.

Instants are stored as UTC: timestamptz on PostgreSQL, and on SQLite as the naive UTC text SQLAlchemy's
SQLite DATETIME writes ('YYYY-MM-DD HH:MM:SS.ffffff'); they always come back timezone-aware UTC.
JSON columns are JSON text on SQLite; booleans are 0/1 integers there.
"""

from __future__ import annotations

import json
from datetime import UTC, datetime
from typing import Any

# SQLAlchemy's SQLite DATETIME storage format (sqlalchemy.dialects.sqlite.DATETIME._storage_format).
SQLITE_INSTANT_FORMAT = "%(year)04d-%(month)02d-%(day)02d %(hour)02d:%(minute)02d:%(second)02d.%(microsecond)06d"


def instant_to_storage(value: datetime | None, *, naive_storage: bool) -> datetime | None:
    """Returns the aware instant as UTC for storage (naive UTC where the column holds no zone), refusing a naive one."""
    if value is None:
        return None
    if value.tzinfo is None or value.tzinfo.utcoffset(value) is None:
        raise ValueError("naive datetime refused: instants must be timezone-aware")
    value = value.astimezone(UTC)
    return value.replace(tzinfo=None) if naive_storage else value


def instant_from_storage(value: datetime | None) -> datetime | None:
    """Returns a stored instant as aware UTC (a naive one is UTC, as it was stored)."""
    if value is None:
        return None
    if value.tzinfo is None:
        return value.replace(tzinfo=UTC)
    return value.astimezone(UTC)


def sqlite_instant_text(value: datetime | None) -> str | None:
    """Returns an aware instant as the text a SQLite store holds (and compares) for it."""
    utc = instant_to_storage(value, naive_storage=True)
    if utc is None:
        return None
    return SQLITE_INSTANT_FORMAT % {"year": utc.year, "month": utc.month, "day": utc.day, "hour": utc.hour,
                                    "minute": utc.minute, "second": utc.second, "microsecond": utc.microsecond}


def sqlite_instant_value(text: str | None) -> datetime | None:
    """Returns the aware UTC instant of a SQLite store's instant text (parsed as SQLAlchemy's SQLite DATETIME does)."""
    if text is None:
        return None
    return instant_from_storage(datetime.fromisoformat(text))


def sqlite_json_value(text: str | None) -> Any:
    """Returns the value of a SQLite store's JSON text (SQL NULL and JSON null are both None)."""
    if text is None:
        return None
    return json.loads(text)


def sqlite_bool_value(value: int | None) -> bool | None:
    """Returns a SQLite store's 0/1 as a bool."""
    return None if value is None else bool(value)
