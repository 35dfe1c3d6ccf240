"""`compliance init`: create or upgrade the store."""

from __future__ import annotations

import click

from compliance.cli.base import ComplianceCommand
from compliance.cli.options import emit_json, json_option, store_options


@click.command("init", cls=ComplianceCommand)
@store_options
@json_option
def init_command(db_url: str, evidence_dir: str, as_json: bool) -> None:
    """Create the store, or upgrade it to this version's schema (idempotent).

    The SQLite file is created owner-only (0600) and the evidence folder 0700. Temporary files
    left by evidence adds that were killed mid-copy (untouched for a day) are removed.

    Example:

    \b
        compliance init
        compliance init --db postgresql+psycopg://team@db.example/compliance
    """
    from compliance.custody.evidence import remove_interrupted_uploads
    from compliance.db.store import init_store

    store, old, new = init_store(url=db_url, evidence_dir=evidence_dir)
    try:
        removed = remove_interrupted_uploads(store=store)
    finally:
        store.close()
    result = {"store": store.display_url, "evidence_dir": str(store.evidence_dir),
              "previous_schema": old, "schema": new,
              "action": "created" if old is None else ("upgraded" if old != new else "unchanged"),
              "interrupted_uploads_removed": removed}
    if as_json:
        emit_json(result)
    else:
        click.echo(f"store {result['action']}: {result['store']} (schema {new}), evidence in {result['evidence_dir']}")
        if removed:
            click.echo(f"removed {removed} temporary file(s) left by interrupted evidence adds")
