"""Shared fixtures: every storage test runs on SQLite and on PostgreSQL (each test in its own schema)."""

from __future__ import annotations

import os
import uuid
from datetime import UTC, datetime
from pathlib import Path

import pytest
from click.testing import CliRunner
from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url

PG_URL = os.environ.get("COMPLIANCE_TEST_PG", "postgresql+psycopg://postgres@127.0.0.1:5432/test")
ENGINES = ["sqlite", "postgresql"]


def _pg_admin_engine():
    return create_engine(PG_URL, isolation_level="AUTOCOMMIT")


@pytest.fixture(scope="session")
def pg_available() -> bool:
    """PostgreSQL must be reachable: storage tests are never skipped on it."""
    engine = _pg_admin_engine()
    try:
        with engine.connect() as conn:
            conn.execute(text("SELECT 1"))
    except Exception as exc:  # pragma: no cover - CI starts PostgreSQL first
        pytest.fail(f"PostgreSQL not reachable at {PG_URL}: {exc}")
    finally:
        engine.dispose()
    return True


def make_pg_schema_url(schema: str) -> str:
    """Returns PG_URL with search_path set to `schema`."""
    url = make_url(PG_URL).update_query_dict({"options": f"-csearch_path={schema}"})
    return url.render_as_string(hide_password=False)


@pytest.fixture
def pg_schema_url(pg_available):
    """Creates a throwaway PostgreSQL schema and yields a URL that uses it."""
    schema = "t_" + uuid.uuid4().hex[:12]
    engine = _pg_admin_engine()
    with engine.connect() as conn:
        conn.execute(text(f'CREATE SCHEMA "{schema}"'))
    try:
        yield make_pg_schema_url(schema)
    finally:
        with engine.connect() as conn:
            conn.execute(text(f'DROP SCHEMA IF EXISTS "{schema}" CASCADE'))
        engine.dispose()


@pytest.fixture(params=ENGINES)
def store_url(request, tmp_path: Path) -> str:
    """A database URL for a new, empty store on each engine."""
    if request.param == "sqlite":
        return f"sqlite:///{tmp_path / 'compliance.db'}"
    return request.getfixturevalue("pg_schema_url")


@pytest.fixture
def evidence_dir(tmp_path: Path) -> Path:
    return tmp_path / "evidence"


@pytest.fixture
def store(store_url, evidence_dir):
    """An initialised store (schema at head) on SQLite and on PostgreSQL."""
    from compliance.db.store import init_store

    store, _, _ = init_store(url=store_url, evidence_dir=evidence_dir)
    yield store
    store.close()


@pytest.fixture
def session(store):
    with store.session() as session:
        yield session


def at(text_: str) -> datetime:
    """Parses an ISO instant in tests ('2026-03-01T11:00:00Z')."""
    return datetime.fromisoformat(text_).astimezone(UTC)


@pytest.fixture
def make_incident(store):
    """Opens an incident in its own transaction; returns its ref (INC-0001)."""
    from compliance.deadlines.incidents import open_incident_with_obligations

    def _make(**overrides) -> str:
        values = {"title": "Login failures for EU customers", "severity": "sev2",
                  "detected_at": at("2026-03-01T11:00:00Z")}
        values.update(overrides)
        with store.session(immediate=True) as session:
            return open_incident_with_obligations(session=session, **values).ref

    return _make


@pytest.fixture
def cli_run(store):
    """Runs `compliance ARGS` in-process against the test store; returns click's Result."""
    from compliance.cli import cli

    runner = CliRunner()
    env = {"COMPLIANCE_DB": store.url, "COMPLIANCE_EVIDENCE": str(store.evidence_dir),
           "COMPLIANCE_ACTOR": "test-runner", "COMPLIANCE_TIMEZONE": None}

    def _run(args, input=None, extra_env=None):
        return runner.invoke(cli, list(args), input=input, env={**env, **(extra_env or {})},
                             catch_exceptions=False)

    return _run


@pytest.fixture
def recorded(cli_run, tmp_path):
    """One fully worked personal-data breach recorded through the CLI (tests/worked_breach.py)."""
    from tests.worked_breach import record_worked_breach

    return record_worked_breach(cli_run, tmp_path)
