"""Store-wide settings: one JSON object per key (organisation time zone, disabled lint rules, thresholds)."""

from __future__ import annotations

from sqlmodel import Field, Session, SQLModel

from compliance.db.base import JSONDictField


class Setting(SQLModel, table=True):
    """Store-wide configuration (organisation time zone, disabled lint rules, thresholds)."""

    __tablename__ = "setting"

    key: str = Field(primary_key=True, max_length=128)
    value: dict = JSONDictField()


def get_setting(*, session: Session, key: str, default: dict | None = None) -> dict:
    """Returns the store setting `key` (a JSON object), or `default`."""
    row = session.get(Setting, key)
    return dict(row.value) if row else dict(default or {})


def set_setting(*, session: Session, key: str, value: dict) -> None:
    """Stores the setting `key`."""
    row = session.get(Setting, key)
    if row is None:
        session.add(Setting(key=key, value=value))
    else:
        row.value = value
        session.add(row)
    session.flush()
