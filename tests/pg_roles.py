"""Least-privilege PostgreSQL roles for tests: made by `compliance db roles`, with logins, dropped afterwards."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from contextlib import contextmanager

from sqlalchemy import create_engine, text

from tests.conftest import PG_URL


@contextmanager
def least_privilege_roles(store, prefix: str, logins: dict[str, str]) -> Iterator[dict[str, str]]:
    """Yields role names: 'writer' and 'auditor' (made by `compliance db roles` on `store`) and one LOGIN role per
    entry of `logins` (name -> 'writer' or 'auditor', the group it joins); drops every one of them afterwards."""
    from click.testing import CliRunner

    from compliance.cli import cli

    suffix = uuid.uuid4().hex[:8]
    names = {"writer": f"{prefix}w_{suffix}", "auditor": f"{prefix}a_{suffix}",
             **{login: f"{prefix}{login}_{suffix}" for login in logins}}
    admin = create_engine(PG_URL, isolation_level="AUTOCOMMIT")
    try:
        result = CliRunner().invoke(cli, ["db", "roles", "--writer", names["writer"], "--auditor", names["auditor"],
                                          "--db", store.url, "--evidence-dir", str(store.evidence_dir)])
        assert result.exit_code == 0, result.output
        with admin.connect() as conn:
            for login, group in logins.items():
                conn.execute(text(f'CREATE ROLE "{names[login]}" LOGIN IN ROLE "{names[group]}"'))
        yield names
    finally:
        with admin.connect() as conn:
            for role in names.values():
                if conn.execute(text("SELECT 1 FROM pg_roles WHERE rolname = :r"), {"r": role}).first():
                    conn.execute(text(f'DROP OWNED BY "{role}"'))
                    conn.execute(text(f'DROP ROLE "{role}"'))
        admin.dispose()
