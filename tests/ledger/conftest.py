"""The writer role's connection for the ledger tests (the recorded store itself is tests/conftest.py `recorded`)."""

from __future__ import annotations

import uuid

import pytest
from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url

from tests.conftest import PG_URL


@pytest.fixture
def writer_url(store):
    """Where the writer role connects: on PostgreSQL a login in the writer group made by `db roles`; on SQLite the
    store itself (no roles: the guard triggers are the writer's limit)."""
    if store.dialect != "postgresql":
        yield store.url
        return
    from click.testing import CliRunner

    from compliance.cli import cli

    suffix = uuid.uuid4().hex[:8]
    names = {"writer": f"tw_{suffix}", "auditor": f"ta_{suffix}", "login": f"tl_{suffix}"}
    admin = create_engine(PG_URL, isolation_level="AUTOCOMMIT")
    try:
        result = CliRunner().invoke(cli, ["db", "roles", "--writer", names["writer"], "--auditor", names["auditor"],
                                          "--db", store.url, "--evidence-dir", str(store.evidence_dir)])
        assert result.exit_code == 0, result.output
        with admin.connect() as conn:
            conn.execute(text(f'CREATE ROLE "{names["login"]}" LOGIN IN ROLE "{names["writer"]}"'))
        yield make_url(store.url).set(username=names["login"]).render_as_string(hide_password=False)
    finally:
        with admin.connect() as conn:
            for role in names.values():
                if conn.execute(text("SELECT 1 FROM pg_roles WHERE rolname = :r"), {"r": role}).first():
                    conn.execute(text(f'DROP OWNED BY "{role}"'))
                    conn.execute(text(f'DROP ROLE "{role}"'))
        admin.dispose()
