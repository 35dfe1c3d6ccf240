"""Programme evidence: check and record organisation-level documents, list, show, judge freshness, verify.

Rules (ids used in tests and notes):
- PG-1 every input is checked before anything is stored: a known kind, a readable regular file, approval by
  someone, a validity that does not end before it starts; bad input records nothing.
- PG-2 the file goes into the store's content-addressed blob store (the evidence blob store) and the row
  records its SHA-256 and size; rows are never rewritten (a new version is a new record). The row and its
  `collected` custody event are written in one transaction (compliance.custody.programme.add_programme_evidence).
- PG-3 a document is fresh on a date when valid_from <= date <= valid_until (inclusive, UTC calendar dates);
  otherwise it is stale, as an evidence TTL (Auditree) would say.
"""

from __future__ import annotations

import os
import stat
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

from sqlalchemy import func
from sqlmodel import Session, select

from compliance.core.errors import IntegrityError, NotFoundError, ValidationError
from compliance.core.refs import format_number_ref, parse_number_ref
from compliance.core.text import one_line
from compliance.core.timeutil import ensure_utc, parse_date, utcnow
from compliance.db.store import Store, serialize
from compliance.evidence.lookup import get_blob_store
from compliance.programme.models import ProgrammeEvidence, ProgrammeKind

KINDS = [k.value for k in ProgrammeKind]
PREFIX = "PE"


def _check_file(path: str | os.PathLike) -> None:
    name = str(path)
    try:
        info = os.stat(path)
    except FileNotFoundError:
        raise ValidationError(f"{name}: no such file", field="FILE") from None
    except OSError as exc:
        raise ValidationError(f"{name}: cannot read ({exc.strerror})", field="FILE") from None
    if not stat.S_ISREG(info.st_mode):
        raise ValidationError(f"{name} is not a regular file", field="FILE")
    if not os.access(path, os.R_OK):
        raise ValidationError(f"{name}: permission denied (not readable)", field="FILE")


def parse_kind(kind: str) -> str:
    """Returns the programme evidence kind, or ValidationError listing the valid kinds."""
    value = str(kind or "").strip().lower()
    if value not in KINDS:
        raise ValidationError(f"unknown kind {kind!r} (known: {', '.join(KINDS)})", field="KIND")
    return value


def check_programme_input(*, kind: str, path: str | os.PathLike, title: str, approved_by: str,
                          valid_from: date | str, valid_until: date | str, approved_at: datetime | None = None,
                          version: str | None = None, recorded_by: str, now: datetime) -> dict[str, Any]:
    """Returns the checked fields of a new programme document (PG-1), or raises a one-line ValidationError."""
    kind = parse_kind(kind)
    title = one_line(title, "--title", required=True)
    approved_by = one_line(approved_by, "--approved-by", required=True)
    recorded_by = one_line(recorded_by, "--by", required=True)
    version = one_line(version, "--version")
    start = parse_date(valid_from, field="--valid-from")
    end = parse_date(valid_until, field="--valid-until")
    if end < start:
        raise ValidationError(f"{end.isoformat()} is before --valid-from {start.isoformat()}", field="--valid-until")
    approved_at = ensure_utc(approved_at, field="--approved-at") if approved_at is not None else now
    if approved_at > now:
        raise ValidationError(f"{approved_at:%Y-%m-%dT%H:%M:%SZ} is in the future", field="--approved-at")
    _check_file(path)
    return {"kind": kind, "title": title, "version": version, "filename": Path(path).name, "approved_by": approved_by,
            "approved_at": approved_at, "valid_from": start, "valid_until": end, "recorded_by": recorded_by,
            "recorded_at": now}


def put_programme_file(*, store: Store, path: str | os.PathLike) -> Any:
    """Copies the file into the blob store (PG-2); returns the blob's info (sha256, size), refusing a damaged blob."""
    blobs = get_blob_store(store=store)
    with open(path, "rb", buffering=0) as stream:
        info = blobs.put(stream)
    if info.existed and blobs.verify(info.sha256) != info.sha256:
        raise IntegrityError(f"the stored blob {info.sha256[:12]} for this content is altered or missing: "
                             f"run 'compliance custody verify'")
    return info


def insert_programme_row(*, session: Session, fields: dict[str, Any], sha256: str, size: int) -> ProgrammeEvidence:
    """Records a programme document with the next PE number in the caller's write transaction; returns the row."""
    serialize(session, "programme")
    number = (session.exec(select(func.max(ProgrammeEvidence.number))).one() or 0) + 1
    row = ProgrammeEvidence(number=number, ref=format_number_ref(PREFIX, number), sha256=sha256, size=size, **fields)
    session.add(row)
    session.flush()
    return row


def is_fresh(row: ProgrammeEvidence | dict, on: date) -> bool:
    """Whether the document is valid on `on` (PG-3)."""
    start = row["valid_from"] if isinstance(row, dict) else row.valid_from
    end = row["valid_until"] if isinstance(row, dict) else row.valid_until
    return start <= on and (end is None or on <= end)


def programme_evidence_to_dict(row: ProgrammeEvidence, *, on: date | None = None) -> dict[str, Any]:
    """Returns the JSON-ready view of a programme document, with `fresh` on the date `on` when given."""
    data = {"ref": row.ref, "kind": row.kind, "title": row.title, "version": row.version, "filename": row.filename,
            "size": row.size, "sha256": row.sha256, "approved_by": row.approved_by, "approved_at": row.approved_at,
            "valid_from": row.valid_from, "valid_until": row.valid_until, "recorded_by": row.recorded_by,
            "recorded_at": row.recorded_at}
    if on is not None:
        data["fresh"] = is_fresh(row, on)
    return data


def _on(as_of: datetime | date | None) -> date:
    if as_of is None:
        return utcnow().date()
    if isinstance(as_of, datetime):
        return ensure_utc(as_of, field="as_of").astimezone(UTC).date()
    return as_of


def list_programme_evidence(*, session: Session, kind: str | None = None,
                            as_of: datetime | date | None = None) -> list[dict[str, Any]]:
    """Returns programme documents (of one kind, or all) in recording order, each fresh or stale at `as_of`."""
    query = select(ProgrammeEvidence).order_by(ProgrammeEvidence.number)
    if kind is not None:
        query = query.where(ProgrammeEvidence.kind == parse_kind(kind))
    on = _on(as_of)
    return [programme_evidence_to_dict(row, on=on) for row in session.exec(query)]


def get_programme_evidence(*, session: Session, ref: str) -> ProgrammeEvidence:
    """Returns the programme document with id `ref` (PE-0001), or NotFoundError."""
    number = parse_number_ref(ref, prefix=PREFIX, noun="a programme evidence", field="PE")
    row = session.exec(select(ProgrammeEvidence).where(ProgrammeEvidence.number == number)).first()
    if row is None:
        raise NotFoundError(f"unknown programme evidence {ref!r}", field="PE")
    return row


def show_programme_evidence(*, session: Session, ref: str, as_of: datetime | date | None = None) -> dict[str, Any]:
    """Returns one programme document, fresh or stale at `as_of` (default: today)."""
    return programme_evidence_to_dict(get_programme_evidence(session=session, ref=ref), on=_on(as_of))


def get_programme_documents(*, session: Session, as_of: datetime | date) -> list[dict[str, Any]]:
    """Returns every programme document as the assessment reads it (the document's `programme` part)."""
    return list_programme_evidence(session=session, as_of=as_of)


def verify_programme_evidence(*, store: Store) -> list[str]:
    """Re-hashes the blob of every programme document; returns one line per missing or altered blob."""
    with store.session() as session:
        rows = list(session.exec(select(ProgrammeEvidence).order_by(ProgrammeEvidence.number)))
    blobs = get_blob_store(store=store)
    found = blobs.verify_many([r.sha256 for r in rows]) if rows else {}
    problems = []
    for row in rows:
        got = found.get(row.sha256)
        if got is None:
            problems.append(f"{row.ref}: blob {row.sha256[:12]} is missing")
        elif got != row.sha256:
            problems.append(f"{row.ref}: blob {row.sha256[:12]} is altered (now {got[:12]})")
    return problems
