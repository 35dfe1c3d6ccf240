"""Test helpers: go behind the append-only triggers for real (to prove verify catches tampering)."""

from __future__ import annotations

import contextlib

from sqlalchemy import text


@contextlib.contextmanager
def triggers_bypassed(store, *tables: str):
    """Yields a connection on which UPDATE/DELETE on `tables` are not refused (triggers off, then back on)."""
    with store.engine.begin() as conn:
        if store.dialect == "postgresql":
            for table in tables:
                conn.execute(text(f"ALTER TABLE {table} DISABLE TRIGGER USER"))
            yield conn
            for table in tables:
                conn.execute(text(f"ALTER TABLE {table} ENABLE TRIGGER USER"))
        else:
            saved = conn.execute(text(
                "SELECT name, sql FROM sqlite_master WHERE type = 'trigger' AND tbl_name IN ("
                + ", ".join(f"'{t}'" for t in tables) + ")")).all()
            for name, _sql in saved:
                conn.execute(text(f"DROP TRIGGER {name}"))
            yield conn
            for _name, sql in saved:
                conn.execute(text(sql))


def add_file(store, incident_ref, tmp_path, content: bytes, name="export.log", **kwargs):
    """Writes `content` to a file and adds it as evidence; returns the evidence dict."""
    from compliance.custody.evidence import add_evidence
    from tests.conftest import at

    path = tmp_path / name
    path.write_bytes(content)
    kwargs.setdefault("collected_by", "Dana Ruiz")
    kwargs.setdefault("collected_at", at("2026-03-01T12:00:00Z"))
    return add_evidence(store=store, incident_ref=incident_ref, path=path, **kwargs)
