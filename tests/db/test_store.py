"""The store: creation, permissions, schema checks and migrations on both engines."""

from __future__ import annotations

import contextlib
import os
import stat

import pytest
from alembic import command
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from sqlalchemy import create_engine, text

from compliance.core.errors import SchemaVersionError, StoreMissingError
from compliance.db.metadata import get_metadata
from compliance.db.store import _make_engine, alembic_config, get_head_revision, init_store, open_store
from tests.conftest import at


@contextlib.contextmanager
def _schema_at_first_migration(store_url):
    """Yields a connection to a store migrated to the first revision only (as the first release left it)."""
    engine = create_engine(store_url)
    try:
        with engine.begin() as conn:
            cfg = alembic_config()
            cfg.attributes["connection"] = conn
            command.upgrade(cfg, "0001_incident_register")
            yield conn
    finally:
        engine.dispose()


def test_init_is_idempotent_and_reports_unchanged(store_url, evidence_dir):
    first, old, new = init_store(url=store_url, evidence_dir=evidence_dir)
    first.close()
    second, old2, new2 = init_store(url=store_url, evidence_dir=evidence_dir)
    second.close()
    assert old is None and new == get_head_revision()
    assert old2 == new2 == get_head_revision()


def test_sqlite_file_and_evidence_folder_are_owner_only(tmp_path):
    store, _, _ = init_store(url=f"sqlite:///{tmp_path / 'c.db'}", evidence_dir=tmp_path / "ev")
    store.close()
    assert stat.S_IMODE(os.stat(tmp_path / "c.db").st_mode) == 0o600
    assert stat.S_IMODE(os.stat(tmp_path / "ev").st_mode) == 0o700
    assert stat.S_IMODE(os.stat(tmp_path / "ev" / "blobs").st_mode) == 0o700


def test_missing_sqlite_store_is_refused_without_creating_a_file(tmp_path):
    path = tmp_path / "absent.db"
    with pytest.raises(StoreMissingError, match=r"no store at .*absent.db: run 'compliance init'"):
        open_store(url=f"sqlite:///{path}", evidence_dir=tmp_path / "ev")
    assert not path.exists()


def test_empty_postgres_schema_is_a_missing_store(pg_schema_url, tmp_path):
    with pytest.raises(StoreMissingError, match="run 'compliance init'"):
        open_store(url=pg_schema_url, evidence_dir=tmp_path / "ev")


def test_store_of_a_newer_schema_is_refused_by_open_and_init(store):
    with store.engine.begin() as conn:
        conn.execute(text("UPDATE alembic_version SET version_num = '9999_from_the_future'"))
    with pytest.raises(SchemaVersionError, match="newer than this version of compliance"):
        open_store(url=store.url, evidence_dir=store.evidence_dir)
    with pytest.raises(SchemaVersionError, match="upgrade compliance"):
        init_store(url=store.url, evidence_dir=store.evidence_dir)


def test_migrations_create_exactly_the_tables_the_models_describe(store):
    with store.engine.connect() as conn:
        diffs = compare_metadata(MigrationContext.configure(conn, opts={"compare_type": True}), get_metadata())
    assert diffs == []


def test_upgrade_from_the_first_migration_keeps_every_incident(store_url, evidence_dir):
    with _schema_at_first_migration(store_url) as conn:
        conn.execute(text(
            "INSERT INTO incident (number, ref, title, severity, status, detected_at, affected_services, "
            "personal_data, data_categories, regimes, restricted, tags, extra, created_at, updated_at) VALUES "
            "(1, 'INC-0001', 'Old incident', 'sev2', 'open', :t, '[]', false, '[]', '[\"gdpr\"]', false, '[]', '{}', :t, :t)"),
            {"t": at("2026-01-05T10:00:00Z")})
    store, old, new = init_store(url=store_url, evidence_dir=evidence_dir)
    assert old == "0001_incident_register" and new == get_head_revision()
    from compliance.incidents.service import get_incident
    with store.session() as session:
        incident = get_incident(session=session, ref="INC-0001")
        assert incident.title == "Old incident"
        assert incident.regimes == ["gdpr"]
        assert incident.detected_at == at("2026-01-05T10:00:00Z")
    store.close()


def test_a_store_upgraded_from_the_first_release_verifies_with_every_old_row_in_the_ledger(store_url, evidence_dir):
    with _schema_at_first_migration(store_url) as conn:
        conn.execute(text(
            "INSERT INTO incident (number, ref, title, severity, status, detected_at, affected_services, "
            "personal_data, data_categories, regimes, restricted, tags, extra, created_at, updated_at) VALUES "
            "(1, 'INC-0001', 'Old incident', 'sev2', 'open', :t, '[]', false, '[]', '[]', false, '[]', '{}', :t, :t)"),
            {"t": at("2026-01-05T10:00:00Z")})
    store, _, _ = init_store(url=store_url, evidence_dir=evidence_dir)
    from compliance.db.ledger.service import get_ledger_fingerprint
    from compliance.integrity.service import verify_store

    with store.session() as session:
        assert get_ledger_fingerprint(session=session, with_items=False).counts.get("incident") == 1
    result = verify_store(store=store)
    store.close()
    assert result.intact, str(result.first_break)


def test_store_behind_the_code_asks_for_init(store_url, evidence_dir):
    assert get_head_revision() != "0001_incident_register"
    with _schema_at_first_migration(store_url):
        pass
    with pytest.raises(SchemaVersionError, match="run 'compliance init' to upgrade"):
        open_store(url=store_url, evidence_dir=evidence_dir)


def test_instants_round_trip_as_aware_utc(store, make_incident):
    from datetime import datetime, timedelta, timezone

    from compliance.incidents.service import get_incident
    berlin = datetime(2026, 3, 29, 3, 30, tzinfo=timezone(timedelta(hours=2)))
    ref = make_incident(detected_at=berlin)
    with store.session() as session:
        got = get_incident(session=session, ref=ref).detected_at
    assert got.tzinfo is not None and got.utcoffset() == timedelta(0)
    assert got == berlin


def test_the_revision_chain_the_code_checks_equals_the_migration_scripts():
    from alembic.script import ScriptDirectory

    from compliance.db.store import REVISIONS

    scripts = ScriptDirectory.from_config(alembic_config())
    chain = [rev.revision for rev in reversed(list(scripts.walk_revisions()))]
    assert tuple(chain) == REVISIONS and scripts.get_current_head() == get_head_revision()


def test_an_empty_sqlite_file_is_a_missing_store(tmp_path):
    import sqlite3

    path = tmp_path / "empty.db"
    sqlite3.connect(path).close()
    with pytest.raises(StoreMissingError, match="run 'compliance init'"):
        open_store(url=f"sqlite:///{path}", evidence_dir=tmp_path / "ev")


def test_opening_a_store_checks_its_schema_and_its_evidence_folder_with_one_query_each(store, monkeypatch):
    from sqlalchemy import event

    import compliance.db.store as store_module

    engine = _make_engine(store.url)
    statements = []
    event.listen(engine, "before_cursor_execute", lambda conn, cursor, sql, *args: statements.append(sql))
    monkeypatch.setattr(store_module, "_make_engine", lambda url: engine)
    open_store(url=store.url, evidence_dir=store.evidence_dir).close()
    found = [s for s in statements if not s.upper().startswith(("PRAGMA", "BEGIN"))]
    assert found[0] == "SELECT version_num FROM alembic_version"
    assert len(found) == 2 and found[1].startswith("SELECT value FROM setting WHERE key =")  # the recorded folder
