"""Least-privilege PostgreSQL roles: a writer that can never rewrite custody or evidence, and a read-only auditor.

CU-ROL-1  The writer may SELECT and INSERT everywhere, UPDATE/DELETE the working tables, and only
          SELECT/INSERT `evidence` and `custody_event` (no UPDATE, DELETE or TRUNCATE); the auditor
          may only SELECT. The roles are NOLOGIN groups: people log in as themselves and are granted
          membership, so `session_user` (stored on every custody event) names the person.
CU-ROL-2  Role names are checked against a strict pattern before they reach SQL.
CU-ROL-3  The ledger (ledger_entry, ledger_head) is read-only to both roles: the writer appends only by
          EXECUTE on compliance_ledger_append() and locks only through compliance_ledger_lock() (LG-PG-1);
          the audit trail, filings and waivers are SELECT, INSERT for the writer (append-only, triggers).
"""

from __future__ import annotations

import re

from sqlalchemy import inspect, text

from compliance.core.errors import ValidationError
from compliance.db.store import Store

# programme_evidence: a new version is a new row (PG-2), so the writer never needs to rewrite one.
APPEND_ONLY_TABLES = ("evidence", "custody_event", "incident_change", "notification", "notification_waiver",
                      "programme_evidence", "notification_delay")
READ_ONLY_TABLES = ("alembic_version", "ledger_entry", "ledger_head")
WRITER_FUNCTIONS = ("compliance_ledger_append(text, text, text)", "compliance_ledger_lock()")
UPDATE_ONLY_TABLES = ("custody_head",)
_ROLE = re.compile(r"^[a-z_][a-z0-9_]{0,62}$")


def _check_role(name: str, field: str) -> str:
    if not _ROLE.match(name or ""):
        raise ValidationError(f"{name!r} is not a role name (lower-case letters, digits and _, "
                              "starting with a letter or _)", field=field)
    return name


def get_roles_sql(*, store: Store, writer: str, auditor: str) -> list[str]:
    """Returns the SQL statements that create (idempotently) and grant the writer and auditor roles."""
    if store.dialect != "postgresql":
        raise ValidationError("roles need PostgreSQL; a SQLite store is protected by its owner-only file "
                              "permissions", field="--db")
    writer = _check_role(writer, "--writer")
    auditor = _check_role(auditor, "--auditor")
    if writer == auditor:
        raise ValidationError("the writer and the auditor must be different roles", field="--auditor")
    quote = store.engine.dialect.identifier_preparer.quote
    with store.engine.connect() as conn:
        schema = conn.execute(text("SELECT current_schema()")).scalar_one()
        tables = sorted(inspect(conn).get_table_names(schema=schema))
    s = quote(schema)

    def t(name: str) -> str:
        return f"{s}.{quote(name)}"

    w, a = quote(writer), quote(auditor)
    sql = [
        f"DO $$ BEGIN IF NOT EXISTS (SELECT FROM pg_roles WHERE rolname = '{role}') "
        f"THEN CREATE ROLE {quote(role)} NOLOGIN; END IF; END $$"
        for role in (writer, auditor)
    ]
    sql += [
        f"GRANT USAGE ON SCHEMA {s} TO {w}, {a}",
        f"REVOKE ALL ON ALL TABLES IN SCHEMA {s} FROM {w}, {a}",
        f"GRANT SELECT ON ALL TABLES IN SCHEMA {s} TO {a}",
    ]
    for table in tables:
        if table in READ_ONLY_TABLES:
            grants = "SELECT"
        elif table in APPEND_ONLY_TABLES:
            grants = "SELECT, INSERT"
        elif table in UPDATE_ONLY_TABLES:
            grants = "SELECT, UPDATE"
        else:
            grants = "SELECT, INSERT, UPDATE, DELETE"
        sql.append(f"GRANT {grants} ON {t(table)} TO {w}")
    sql.append(f"GRANT USAGE, SELECT ON ALL SEQUENCES IN SCHEMA {s} TO {w}")
    sql += [f"REVOKE ALL ON FUNCTION {s}.{fn} FROM PUBLIC, {a}" for fn in WRITER_FUNCTIONS]
    sql += [f"GRANT EXECUTE ON FUNCTION {s}.{fn} TO {w}" for fn in WRITER_FUNCTIONS]
    return sql


def create_roles(*, store: Store, writer: str, auditor: str) -> list[str]:
    """Creates or refreshes the writer and auditor roles in one transaction; returns the statements run."""
    statements = get_roles_sql(store=store, writer=writer, auditor=auditor)
    with store.engine.begin() as conn:
        for statement in statements:
            conn.exec_driver_sql(statement)
    return statements
