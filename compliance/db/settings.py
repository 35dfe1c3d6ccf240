"""Store-wide settings: one JSON object per key (organisation time zone, disabled lint rules, thresholds).

ST-LED-1  Settings change deadline results and verdicts, so the `setting` table is tracked by the ledger
          (compliance.db.ledger.registry.DEFAULT_TABLES, migration 0011): every change is an entry with the row's
          whole new state, and a row edited behind the application's back no longer matches its latest entry.
ST-LED-2  `get_settings_as_recorded` returns a setting as the ledger held it before a given entry, so rules replayed
          and statuses re-derived for an old pack use the settings as they were, not as they are. Migration 0011,
          upgrading a store that already holds records, records SINCE_KEY first: a record older than that entry
          replays with the back-filled value (the one in force at the upgrade, as before settings were recorded).
          Otherwise a record with no entry of the key before it replays with the setting unset.
"""

from __future__ import annotations

import json
from bisect import bisect_left
from collections.abc import Iterable

from sqlalchemy import select
from sqlmodel import Field, Session, SQLModel

from compliance.db.base import JSONDictField
from compliance.db.ledger.models import LedgerEntry

# The setting migration 0011 writes first: ledger entries before it predate recorded settings (ST-LED-2).
SINCE_KEY = "ledger.settings_recorded_since"
SINCE_VALUE = {"revision": "0011_settings_ledger"}


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
    """Stores the setting `key` (the ledger records the change in the same transaction, ST-LED-1)."""
    row = session.get(Setting, key)
    if row is None:
        session.add(Setting(key=key, value=value))
    else:
        row.value = value
        session.add(row)
    session.flush()


class SettingsHistory:
    """Every recorded state of every setting, in ledger order (ST-LED-2)."""

    def __init__(self, entries: Iterable[tuple[int, str, str]]) -> None:
        """Takes the ledger's setting entries (seq, key, state) in seq order."""
        self.since: int | None = None  # SINCE_KEY's first entry: records before it predate recorded settings
        self.by_key: dict[str, tuple[list[int], list[dict | None]]] = {}
        for seq, key, state in entries:
            if key == SINCE_KEY and self.since is None:
                self.since = seq
            seqs, values = self.by_key.setdefault(key, ([], []))
            seqs.append(seq)
            value = None if state == "null" else json.loads(state).get("value")
            values.append(value if isinstance(value, dict) else None)

    def value_before(self, key: str, seq: int) -> dict:
        """Returns setting `key` as the ledger held it just before entry `seq` ({} when unset then)."""
        seqs, values = self.by_key.get(key, ([], []))
        at = bisect_left(seqs, seq)
        if at:
            return dict(values[at - 1] or {})
        if seqs and self.since is not None and seq < self.since:
            return dict(values[0] or {})  # recorded before settings entered the ledger: the back-filled value
        return {}


def get_settings_as_recorded(*, session: Session) -> SettingsHistory:
    """Returns the recorded history of every setting (ask it for a setting as it was before a ledger entry)."""
    return SettingsHistory(session.execute(select(LedgerEntry.seq, LedgerEntry.entity_key, LedgerEntry.state)
                                           .where(LedgerEntry.kind == Setting.__tablename__)
                                           .order_by(LedgerEntry.seq)).all())
