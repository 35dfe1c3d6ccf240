"""`compliance db …`: database administration (least-privilege roles on PostgreSQL)."""

from __future__ import annotations

import click

from compliance.cli.base import ComplianceGroup
from compliance.cli.options import emit_json, json_option, pass_store


@click.group("db", cls=ComplianceGroup)
def db_group() -> None:
    """Administer the store's database."""


@db_group.command("roles")
@click.option("--print-sql", is_flag=True, help="Print the SQL instead of running it (to review or hand to a DBA).")
@click.option("--writer", default="compliance_writer", show_default=True, metavar="ROLE",
              help="Role that may add and read but never update or delete evidence and custody rows.")
@click.option("--auditor", default="compliance_auditor", show_default=True, metavar="ROLE",
              help="Read-only role for auditors.")
@pass_store
@json_option
def roles_command(store, as_json, print_sql, writer, auditor) -> None:
    """Create least-privilege PostgreSQL roles: a writer and a read-only auditor (idempotent).

    Grant people membership (GRANT compliance_writer TO alice): every custody event stores the
    authenticated login (session_user). Run again after `compliance init` upgrades the schema.

    Example:

    \b
        compliance db roles --print-sql
    """
    from compliance.custody.roles import create_roles, get_roles_sql

    if print_sql:
        statements = get_roles_sql(store=store, writer=writer, auditor=auditor)
    else:
        statements = create_roles(store=store, writer=writer, auditor=auditor)
    if as_json:
        emit_json({"writer": writer, "auditor": auditor, "executed": not print_sql, "sql": statements})
    elif print_sql:
        click.echo(";\n".join(statements) + ";")
    else:
        click.echo(f"roles {writer} (writer) and {auditor} (read-only auditor) are in place")
