"""Read-only access to a SQLite store with the standard `sqlite3` module, for commands run in loops that
must start fast (`incident list`): no SQLAlchemy, same refusals as db/store.open_store.

Only plain SQLite URLs (db/opening.get_plain_sqlite_path) come here; the store is opened read-only
(`file:…?mode=ro`), its schema revision checked against db/revisions.REVISIONS and its evidence folder
against the recorded one, with the same one-line errors and exit codes as the ORM path.
"""

from __future__ import annotations

import contextlib
import sqlite3
from collections.abc import Iterator
from pathlib import Path

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
