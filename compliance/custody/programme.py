"""Programme documents enter custody: a document and its `collected` custody event are recorded together.

CU-PRG-1  Every input is checked before anything is stored (PG-1); the file is copied into the blob store
          first; the row and its `collected` event (actor and holder: who recorded it, at the recording instant,
          with the blob's SHA-256) are written in one transaction under the ledger lock, so a crash leaves
          either neither or both (at most an unreferenced blob).
"""

from __future__ import annotations

import os
from datetime import date, datetime
from typing import Any

from sqlmodel import Session

from compliance.core.errors import ValidationError
from compliance.core.timeutil import ensure_utc, utcnow
from compliance.custody.service import append_custody_event
from compliance.db.ledger.service import lock_ledger
from compliance.db.retry import run_with_retry
from compliance.db.store import Store
from compliance.programme.service import (
    check_programme_input,
    insert_programme_row,
    programme_evidence_to_dict,
    put_programme_file,
)


def add_programme_evidence(*, store: Store, kind: str, path: str | os.PathLike, title: str, approved_by: str,
                           valid_from: date | str, valid_until: date | str, approved_at: datetime | None = None,
                           version: str | None = None, recorded_by: str,
                           recorded_at: datetime | None = None) -> dict[str, Any]:
    """Stores a programme document, records it and its `collected` custody event (CU-PRG-1); returns its dict.

    `recorded_at` (default now; never in the future) lets a generated store (the demo) derive every instant from
    its as-of date; the CLI never passes it.
    """
    now = utcnow()
    if recorded_at is not None:
        recorded_at = ensure_utc(recorded_at, field="recorded_at")
        if recorded_at > now:
            raise ValidationError(f"{recorded_at.isoformat()} is in the future", field="recorded_at")
    fields = check_programme_input(kind=kind, path=path, title=title, approved_by=approved_by, valid_from=valid_from,
                                   valid_until=valid_until, approved_at=approved_at, version=version,
                                   recorded_by=recorded_by, now=recorded_at or now)
    info = put_programme_file(store=store, path=path)

    def _record(session: Session) -> dict[str, Any]:
        lock_ledger(session)
        row = insert_programme_row(session=session, fields=fields, sha256=info.sha256, size=info.size)
        append_custody_event(session=session, evidence=row, action="collected", actor=row.recorded_by,
                             at=row.recorded_at, sha256=info.sha256, to_holder=row.recorded_by, _locked=True)
        return {**programme_evidence_to_dict(row, on=row.recorded_at.date()), "custody_events": 1}

    return run_with_retry(store, _record)
