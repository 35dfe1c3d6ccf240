"""The incident listing, one definition for both read paths: which columns, which filters, which order,
the RS-1 restricted rule and how a row is decoded.

`incident list` on a plain SQLite URL reads with the standard `sqlite3` module (db/sqlite_read.py) so the
command starts without SQLAlchemy, SQLModel or pydantic; every other store (PostgreSQL, unusual SQLite URLs)
goes through the ORM (incidents/service.list_incidents). Both build their WHERE clause from
`get_listing_conditions` and their rows with `get_listing_row`, and decode SQLite values with db/codec.py,
the functions the ORM column types use: the two paths cannot disagree (tests/incidents/test_listing_paths.py).
"""

from __future__ import annotations

import sqlite3
from collections.abc import Callable, Mapping
from datetime import datetime
from pathlib import Path
from typing import Any

from compliance.core.errors import ValidationError
from compliance.db.codec import sqlite_bool_value, sqlite_instant_text, sqlite_instant_value, sqlite_json_value
from compliance.incidents.enums import SEVERITIES, STATUSES

# The incident table's columns in the model's order (incidents/models.Incident), with how SQLite holds each
# one that is not a plain text or integer; tests/incidents/test_listing.py proves it equals the model.
COLUMNS = ("id", "number", "ref", "title", "description", "severity", "status", "started_at", "detected_at", "aware_at",
           "classified_at", "materiality_determined_at", "discovered_at", "assessed_at", "suspected_at", "ransom_paid_at",
           "mitigated_at", "resolved_at", "closed_at", "further_information_at", "corrective_measure_at",
           "information_requested_at", "awareness_justification", "affected_services", "personal_data", "data_categories",
           "data_subjects_approx", "affected_by_state", "records_approx", "regimes", "entity_type", "restricted", "tags",
           "extra", "created_at", "updated_at")
INSTANT_COLUMNS = frozenset(c for c in COLUMNS if c.endswith("_at"))
JSON_COLUMNS = frozenset({"affected_services", "data_categories", "affected_by_state", "regimes", "tags", "extra"})
BOOL_COLUMNS = frozenset({"personal_data", "restricted"})
ORDER_BY = "number"  # oldest first: numbers are given in opening order
OPERATORS = ("=", ">=", "<")

Condition = tuple[str, str, Any]  # (column, operator, value): value as the ORM binds it (aware instants, bools)


def check_choice(value: str, choices: list[str], field: str) -> str:
    """Returns `value` trimmed and lower-cased when it is one of `choices`; else ValidationError naming the field."""
    value = str(value).strip().lower()
    if value not in choices:
        raise ValidationError(f"{value!r} is not one of {', '.join(choices)}", field=field)
    return value


def get_listing_conditions(*, status: str | None = None, severity: str | None = None, since: datetime | None = None,
                           period_from: datetime | None = None, period_to: datetime | None = None,
                           include_restricted: bool = True) -> list[Condition]:
    """Returns the filters as (column, operator, value); RS-1 leaves restricted incidents out unless asked for."""
    conditions: list[Condition] = []
    if status:
        conditions.append(("status", "=", check_choice(status, STATUSES, "--status")))
    if severity:
        conditions.append(("severity", "=", check_choice(severity, SEVERITIES, "--severity")))
    if since:
        conditions.append(("detected_at", ">=", since))
    if period_from:
        conditions.append(("detected_at", ">=", period_from))
    if period_to:
        conditions.append(("detected_at", "<", period_to))
    if not include_restricted:
        conditions.append(("restricted", "=", False))
    return conditions


def get_listing_row(values: Mapping[str, Any]) -> dict[str, Any]:
    """Returns an incident's decoded column values as a plain dict in model order, `id` being its ref, last."""
    data = {name: values[name] for name in COLUMNS if name != "id"}
    data["id"] = values["ref"]
    return data


def _sqlite_decoder(column: str) -> Callable[[Any], Any]:
    if column in INSTANT_COLUMNS:
        return sqlite_instant_value
    if column in JSON_COLUMNS:
        return sqlite_json_value
    if column in BOOL_COLUMNS:
        return sqlite_bool_value
    return lambda value: value


SQLITE_DECODERS = {column: _sqlite_decoder(column) for column in COLUMNS}


def _sqlite_parameter(value: Any) -> Any:
    """Returns a condition value as a SQLite store holds it (instant text, 0/1)."""
    if isinstance(value, datetime):
        return sqlite_instant_text(value)
    if isinstance(value, bool):
        return int(value)
    return value


def get_sqlite_listing_sql(conditions: list[Condition]) -> tuple[str, list[Any]]:
    """Returns the SELECT and its parameters for the conditions, on a SQLite store."""
    where = []
    for column, operator, _ in conditions:
        if column not in COLUMNS or operator not in OPERATORS:
            raise ValueError(f"not a listing condition: {column} {operator}")
        where.append(f'"{column}" {operator} ?')
    sql = "SELECT " + ", ".join(f'"{c}"' for c in COLUMNS) + " FROM incident"
    if where:
        sql += " WHERE " + " AND ".join(where)
    return sql + f' ORDER BY "{ORDER_BY}"', [_sqlite_parameter(value) for _, _, value in conditions]


def get_sqlite_incident_rows(*, conn: sqlite3.Connection, conditions: list[Condition]) -> list[dict[str, Any]]:
    """Returns the listing rows of the incidents matching `conditions`, read with sqlite3."""
    sql, parameters = get_sqlite_listing_sql(conditions)
    cursor = conn.execute(sql, parameters)
    return [get_listing_row({c: SQLITE_DECODERS[c](v) for c, v in zip(COLUMNS, row, strict=True)}) for row in cursor]


def get_incident_rows(*, url: str, evidence_dir: str | Path, status: str | None = None, severity: str | None = None,
                      since: datetime | None = None, include_restricted: bool = True) -> list[dict[str, Any]]:
    """Returns the matching incidents as rows, oldest first: sqlite3 on a plain SQLite URL, else the ORM."""
    from compliance.db.opening import get_plain_sqlite_path

    conditions = get_listing_conditions(status=status, severity=severity, since=since,
                                        include_restricted=include_restricted)
    path = get_plain_sqlite_path(url)
    if path is not None:
        from compliance.db.sqlite_read import open_sqlite_readonly

        with open_sqlite_readonly(url=url, path=path, evidence_dir=evidence_dir) as conn:
            return get_sqlite_incident_rows(conn=conn, conditions=conditions)
    return get_orm_incident_rows(url=url, evidence_dir=evidence_dir, conditions=conditions)


def get_orm_incident_rows(*, url: str, evidence_dir: str | Path, conditions: list[Condition]) -> list[dict[str, Any]]:
    """Returns the listing rows of the incidents matching `conditions`, read through the ORM (any store)."""
    from compliance.db.store import open_store
    from compliance.incidents.service import select_incidents

    store = open_store(url=url, evidence_dir=evidence_dir)
    try:
        with store.session() as session:
            return [get_listing_row(incident.model_dump()) for incident in select_incidents(session=session,
                                                                                            conditions=conditions)]
    finally:
        store.close()
