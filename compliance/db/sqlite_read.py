"""Read-only access to a SQLite store with the standard `sqlite3` module, for commands run in loops that
must start fast (`incident list`): no SQLAlchemy, same refusals as db/store.open_store.

Only plain SQLite URLs (db/opening.get_plain_sqlite_path) come here; the store is opened read-only
(`file:…?mode=ro`), its schema revision checked against db/revisions.REVISIONS and its evidence folder
against the recorded one, with the same one-line errors and exit codes as the ORM path.

`stream_columns` serves the whole-store verification: on SQLite it reads a table through the session's own
sqlite3 connection (same transaction) with each column's own type conversion, skipping SQLAlchemy's row layer.
"""

from __future__ import annotations

import contextlib
import sqlite3
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from compliance.core.errors import ComplianceError
from compliance.db.opening import EVIDENCE_DIR_KEY, check_evidence_dir, get_recorded_evidence_path
from compliance.db.revisions import check_openable_revision, get_single_revision, store_missing

BUSY_TIMEOUT_SECONDS = 30  # as the ORM engine (connect_args timeout)


class StoreReadError(ComplianceError):
    """A database error while reading a SQLite store: its first line, as the ORM path reports it."""

    def __init__(self, exc: sqlite3.Error) -> None:
        detail = (str(exc).strip().splitlines() or [exc.__class__.__name__])[0]
        super().__init__(f"store error: {detail}")


def _current_revision(conn: sqlite3.Connection) -> str | None:
    """Returns the store's schema revision (None when the file holds no alembic_version table)."""
    try:
        rows = [row[0] for row in conn.execute("SELECT version_num FROM alembic_version")]
    except sqlite3.Error:
        found = conn.execute("SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'alembic_version'").fetchone()
        if found:
            raise
        return None
    return get_single_revision(rows)


def _recorded_evidence_dir(conn: sqlite3.Connection) -> str | None:
    row = conn.execute("SELECT value FROM setting WHERE key = ?", (EVIDENCE_DIR_KEY,)).fetchone()
    return None if row is None else get_recorded_evidence_path(row[0])


@contextlib.contextmanager
def open_sqlite_readonly(*, url: str, path: Path, evidence_dir: str | Path) -> Iterator[sqlite3.Connection]:
    """Yields a read-only connection to the SQLite store at `path`, its schema and evidence folder checked."""
    if not path.exists():
        raise store_missing(url)
    try:
        conn = sqlite3.connect(f"{path.resolve().as_uri()}?mode=ro", uri=True, timeout=BUSY_TIMEOUT_SECONDS)
    except sqlite3.Error as exc:
        raise StoreReadError(exc) from None
    try:
        try:
            check_openable_revision(_current_revision(conn), display=url)
            check_evidence_dir(_recorded_evidence_dir(conn), display=url, path=Path(evidence_dir).resolve())
            yield conn
        except sqlite3.Error as exc:
            raise StoreReadError(exc) from None
    finally:
        conn.close()


def stream_columns(session: Any, columns: list[Any], order_by: list[Any], *, batch: int = 5000) -> Iterator[Any]:
    """Yields the values of `columns` (of one table) in `order_by` order, each row indexable as the ORM's would be.

    On SQLite the rows come straight from the session's own sqlite3 connection (same transaction, so the same
    snapshot; no SQLAlchemy row layer), each column converted by its own type's result conversion, so the values
    equal those of `session.execute(select(*columns))`; on other databases they come through SQLAlchemy.
    """
    from sqlalchemy import select

    conn = session.connection()
    dialect = conn.dialect
    query = select(*columns).order_by(*order_by)
    if dialect.name != "sqlite":
        yield from conn.execute(query.execution_options(yield_per=batch))
        return
    converters = [(i, c.type.dialect_impl(dialect).result_processor(dialect, None)) for i, c in enumerate(columns)]
    converters = [(i, convert) for i, convert in converters if convert is not None]
    cursor = conn.connection.driver_connection.cursor()
    try:
        cursor.arraysize = batch
        cursor.execute(str(query.compile(dialect=dialect)))
        while rows := cursor.fetchmany():
            if not converters:
                yield from rows
                continue
            for row in rows:
                values = list(row)
                for i, convert in converters:
                    values[i] = convert(values[i])
                yield values
    except sqlite3.Error as exc:  # one line, as the ORM path reports it
        raise StoreReadError(exc) from None
    finally:
        cursor.close()
