"""Column types shared by every table: aware-UTC instants on both SQLite and PostgreSQL."""

from __future__ import annotations

from datetime import UTC, datetime

from sqlalchemy import JSON, DateTime
from sqlalchemy.types import TypeDecorator

from compliance.db.codec import instant_from_storage, instant_to_storage

UTC = UTC


class UTCDateTime(TypeDecorator):
    """Stores aware instants as UTC (timestamptz on PostgreSQL) and always returns aware UTC."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect):
        return instant_to_storage(value, naive_storage=dialect.name == "sqlite")

    def process_result_value(self, value: datetime | None, dialect):
        return instant_from_storage(value)


JSONType = JSON().with_variant(JSON(none_as_null=True), "postgresql")
