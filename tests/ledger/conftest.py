"""The writer role's connection for the ledger tests (the recorded store itself is tests/conftest.py `recorded`)."""

from __future__ import annotations

import pytest
from sqlalchemy.engine import make_url

from tests.pg_roles import least_privilege_roles


@pytest.fixture
def writer_url(store):
    """Where the writer role connects: on PostgreSQL a login in the writer group made by `db roles`; on SQLite the
    store itself (no roles: the guard triggers are the writer's limit)."""
    if store.dialect != "postgresql":
        yield store.url
        return
    with least_privilege_roles(store, "t", {"login": "writer"}) as names:
        yield make_url(store.url).set(username=names["login"]).render_as_string(hide_password=False)
