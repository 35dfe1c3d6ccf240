"""Which tables the ledger tracks, and the session hook that appends an entry for every change to them.

LG-REG-1  A table opts in with one line: `track("my_table")` (or `track(MyModel)`), or with the model
          attribute `__ledger__ = True`. Every ORM insert, update and delete of a tracked row then appends
          one ledger entry with the row's canonical state (null for a delete) in the same transaction.
LG-REG-2  Changes made outside the ORM session (raw SQL, Core UPDATE) append nothing: verification
          replays the ledger and names such rows as changed behind the application's back.
LG-REG-3  Machine-local rows (LOCAL_ROWS: the evidence folder's path in `setting`) are left out of the ledger and
          of the comparison, so two copies of one store, or two demo stores, have the same ledger.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import event, inspect
from sqlalchemy.orm import Session

from compliance.db.ledger.canonical import canonical_state

# Table name -> ledger kind. Everything an audit pack states.
_TRACKED: dict[str, str] = {}
DEFAULT_TABLES = ("incident", "incident_change", "timeline_entry", "notification", "notification_waiver",
                  "postmortem", "action_item", "evidence", "custody_event", "incident_declaration", "breach_assessment",
                  "programme_evidence", "setting")


# Rows of a tracked table that describe this machine, not the organisation's records, keyed by table: the
# evidence folder's path (compliance.db.store.EVIDENCE_DIR_KEY) differs per copy of a store and states nothing an
# auditor relies on. They are neither recorded nor compared (LG-REG-3).
LOCAL_ROWS: dict[str, frozenset[str]] = {"setting": frozenset({"store.evidence_dir"})}


def is_local_row(table_name: str, key: str) -> bool:
    """True when the row `key` of `table_name` is machine-local configuration the ledger leaves out (LG-REG-3)."""
    local = LOCAL_ROWS.get(table_name)
    return local is not None and key in local


def track(table: Any, *, kind: str | None = None) -> None:
    """Makes the ledger record every change to `table` (a table name or a model class)."""
    name = table if isinstance(table, str) else table.__tablename__
    _TRACKED[name] = kind or name


for _name in DEFAULT_TABLES:
    track(_name)


def tracked_kinds() -> dict[str, str]:
    """Returns table name -> kind of every tracked table (including models declaring `__ledger__ = True`)."""
    from sqlmodel import SQLModel

    out = dict(_TRACKED)
    for mapper in SQLModel._sa_registry.mappers:
        if getattr(mapper.class_, "__ledger__", False):
            out.setdefault(mapper.local_table.name, mapper.local_table.name)
    return out


def kind_of(obj: Any) -> str | None:
    """Returns the ledger kind of a mapped object, or None when its table is not tracked."""
    table = getattr(type(obj), "__table__", None)
    if table is None:
        return None
    kind = _TRACKED.get(table.name)
    if kind is None and getattr(type(obj), "__ledger__", False):
        kind = table.name
    return kind


def row_state(obj: Any) -> dict[str, Any]:
    """Returns column name -> value of a mapped object (what the ledger records)."""
    mapper = inspect(type(obj))
    return {prop.columns[0].name: getattr(obj, prop.key) for prop in mapper.column_attrs}


def entity_key(obj: Any) -> str:
    """Returns the primary key of a mapped object as text ('7'; 'a/b' for composite keys)."""
    return "/".join(str(v) for v in inspect(type(obj)).primary_key_from_instance(obj))


def _changes(session: Session) -> list[tuple[str, str, str]]:
    out: list[tuple[str, str, str, str]] = []
    for obj in list(session.new) + [o for o in session.dirty if session.is_modified(o, include_collections=False)]:
        kind = kind_of(obj)
        if kind is not None:
            key = entity_key(obj)
            if not is_local_row(obj.__table__.name, key):
                out.append((kind, key, canonical_state(row_state(obj)), f"{kind}\0{key.zfill(20)}"))
    for obj in session.deleted:
        kind = kind_of(obj)
        if kind is not None:
            key = entity_key(obj)
            if not is_local_row(obj.__table__.name, key):
                out.append((kind, key, "null", f"{kind}\0{key.zfill(20)}"))
    out.sort(key=lambda item: item[3])
    return [item[:3] for item in out]


@event.listens_for(Session, "after_flush")
def _append_after_flush(session: Session, _context: Any) -> None:
    changes = _changes(session)
    if changes:
        from compliance.db.ledger.service import append_states

        append_states(session.connection(), changes)
