"""The schema revision chain and the one verdict on a store's revision, shared by the ORM and sqlite3 read paths.

Imports nothing but the standard library and compliance.core, so a command that reads a SQLite store
with the `sqlite3` module checks the schema without loading SQLAlchemy.
"""

from __future__ import annotations

from collections.abc import Sequence

from compliance.core.errors import SchemaVersionError, StoreMissingError

# The migration chain, oldest first. Every command checks the store's revision against it, so it is
# kept here rather than parsed from the migration scripts at each start (Alembic is imported only by
# `init`); tests/db/test_store.py proves it equals the scripts' chain. A plain tuple of strings.
REVISIONS = ("0001_incident_register", "0002_evidence_custody", "0003_notifications", "0006_verdicts",
             "0008_postmortem_input", "0009_regimes", "0010_ledger",
             "0014_dora_classification", "0015_delays", "0011_settings_ledger", "0016_programme_custody")


def get_head_revision() -> str:
    """Returns the newest schema revision this code knows."""
    return REVISIONS[-1]


def get_known_revisions() -> set[str]:
    """Returns every schema revision this code knows."""
    return set(REVISIONS)


def get_single_revision(rows: Sequence[str]) -> str | None:
    """Returns the one revision in the alembic_version rows (None if empty), refusing a store with several heads."""
    if len(rows) > 1:
        raise SchemaVersionError(f"store has several schema heads ({', '.join(sorted(rows))}); it was not made by compliance")
    return rows[0] if rows else None


def check_newer_revision(current: str | None, *, display: str) -> None:
    """Refuses a store whose revision this code does not know (made by a newer compliance)."""
    if current is not None and current not in get_known_revisions():
        raise SchemaVersionError(
            f"store at {display} has schema {current}, newer than this version of compliance "
            f"understands (newest known: {get_head_revision()}): upgrade compliance"
        )


def check_openable_revision(current: str | None, *, display: str) -> None:
    """Refuses to open a store that is not one (no revision), is newer than this code, or needs `init` to upgrade."""
    if current is None:
        raise store_missing(display)
    check_newer_revision(current, display=display)
    head = get_head_revision()
    if current != head:
        raise SchemaVersionError(
            f"store at {display} has schema {current}, this version needs {head}: run 'compliance init' to upgrade"
        )


def store_missing(display: str) -> StoreMissingError:
    """Returns the error for a store location holding no store."""
    return StoreMissingError(f"no store at {display}: run 'compliance init'")
