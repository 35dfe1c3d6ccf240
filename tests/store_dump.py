"""A store's full content as comparable data: proves "nothing was written" around a refused command."""

from __future__ import annotations

from pathlib import Path

from sqlalchemy import inspect, text


def dump_store(store) -> dict:
    """Returns every row of every table (ordered) and the evidence folder's file names."""
    out: dict = {}
    with store.engine.connect() as conn:
        for table in sorted(inspect(conn).get_table_names()):
            rows = conn.execute(text(f'SELECT * FROM "{table}"')).all()
            out[table] = sorted(repr(tuple(row)) for row in rows)
    folder = Path(store.evidence_dir)
    out["<evidence files>"] = sorted(str(p.relative_to(folder)) for p in folder.rglob("*")) if folder.exists() else None
    return out
