"""The breach risk assessments the deadline rules read (a stage's `required_when`), as data.

The records belong to compliance.decisions, which imports deadlines: this module reads their table with a
small query of its own (no import of decisions) and hands the latest assessment per regime to the engine.
The integrity package passes the assessments as the ledger held them instead (a pack's statuses re-derive
from the records as recorded, never from a later assessment).
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from sqlalchemy import Integer, String, column, select, table
from sqlmodel import Session

from compliance.db.types import UTCDateTime

ASSESSMENT_KEYS = ("regime", "level", "exemption", "exemption_reason", "decided_by", "decided_at")
_TABLE = table("breach_assessment", column("id", Integer), column("incident_id", Integer),
               *(column(k, UTCDateTime() if k == "decided_at" else String()) for k in ASSESSMENT_KEYS))


def latest_by_regime(rows: Iterable[Any]) -> dict[str, dict[str, Any]]:
    """Returns regime -> the latest assessment (by decided_at, then id) of `rows` (objects or mappings) as a dict."""
    best: dict[str, tuple] = {}
    for row in rows:
        get = row.get if isinstance(row, dict) else lambda k, r=row: getattr(r, k, None)
        record = {k: get(k) for k in ("id", *ASSESSMENT_KEYS)}
        key = (record["decided_at"], record["id"] or 0)
        if record["regime"] not in best or key > best[record["regime"]][0]:
            best[record["regime"]] = (key, record)
    return {regime: {k: v for k, v in record.items() if k != "id"} for regime, (_key, record) in best.items()}


def get_breach_assessments_by_incident(*, session: Session, incident_ids: list[int],
                                       chunk: int = 500) -> dict[int, dict[str, dict[str, Any]]]:
    """Returns {incident id: {regime: latest assessment}} for the incidents given (bounded IN lists)."""
    grouped: dict[int, list[dict[str, Any]]] = {i: [] for i in incident_ids}
    for start in range(0, len(incident_ids), chunk):
        part = incident_ids[start:start + chunk]
        for row in session.execute(select(_TABLE).where(_TABLE.c.incident_id.in_(part))).mappings():
            grouped[row["incident_id"]].append(dict(row))
    return {i: latest_by_regime(rows) for i, rows in grouped.items()}
