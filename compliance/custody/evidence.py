"""Evidence store: add files to an incident (one streaming pass), list, show, export, and cheap checks.

EV-SVC-1  A file is copied into the blob store before its row is written; the row and its
          `collected` custody event are written in one transaction. A crash at any moment leaves
          either no row (and at most an unreferenced blob or temporary file) or both complete.
EV-SVC-2  The same content added twice is stored once and recorded twice (two rows, one blob).
EV-SVC-3  The source must be a readable regular file; directories and devices are refused.
EV-SVC-4  Export copies the blob out, re-hashing it in the same pass, never overwrites, and records
          an `exported` custody event; a copy whose hash does not match is removed and refused.
"""

from __future__ import annotations

import os
import stat
import tempfile
from collections.abc import Callable
from datetime import datetime
from pathlib import Path
from typing import Any

from sqlalchemy import func
from sqlmodel import Session, select

from compliance.core.errors import ConflictError, IntegrityError, NotFoundError, ValidationError
from compliance.core.refs import format_number_ref
from compliance.core.text import one_line
from compliance.core.timeutil import ensure_utc, utcnow
from compliance.custody.chain import compute_event_hash, short
from compliance.custody.models import CustodyEvent
from compliance.custody.service import (
    append_custody_event,
    check_custody_allowed,
    custody_event_to_dict,
    record_custody_event,
    refuse_programme_ref,
    run_with_retry,
)
from compliance.db.ledger.service import lock_ledger
from compliance.db.store import Store
from compliance.evidence.blobs import NotRegularFile, _fsync_dir, _hash_and_copy, open_regular
from compliance.evidence.lookup import get_blob_store, parse_evidence_ref  # noqa: F401 (re-exported)
from compliance.evidence.lookup import get_evidence as _lookup_evidence
from compliance.evidence.models import Evidence
from compliance.incidents.models import Incident
from compliance.incidents.service import get_incident

Progress = Callable[[int], None]



def get_evidence(*, session: Session, ref: str) -> Evidence:
    """Returns the evidence item `ref` (EV-0001); a programme evidence id (PE-0001) is refused in one line (CU-SVC-6)."""
    refuse_programme_ref(ref)
    return _lookup_evidence(session=session, ref=ref)


def remove_interrupted_uploads(*, store: Store, older_than_hours: float = 24) -> int:
    """Deletes temporary files of adds killed mid-copy (untouched for `older_than_hours`); returns how many."""
    return get_blob_store(store=store).remove_incomplete(older_than_seconds=older_than_hours * 3600)


def _open_source(path: str | os.PathLike, *, follow_symlinks: bool = False) -> Any:
    """Opens the file to add: a regular file, never a symlink unless follow_symlinks, never a FIFO or device."""
    name = str(path)
    try:
        info = os.lstat(path)
        if stat.S_ISLNK(info.st_mode) and not follow_symlinks:
            raise ValidationError(f"{name} is a symbolic link: give the file itself, or --follow-symlinks to add "
                                  f"what it points to (the resolved path is recorded)", field="FILE")
        return open_regular(path, follow_symlinks=follow_symlinks)
    except FileNotFoundError:
        raise ValidationError(f"{name}: no such file", field="FILE") from None
    except PermissionError:
        raise ValidationError(f"{name}: permission denied (not readable)", field="FILE") from None
    except NotRegularFile as exc:
        if exc.strerror == "is a folder":
            raise ValidationError(f"{name} is a directory: give one file (archive a folder first)", field="FILE") from None
        raise ValidationError(f"{name} is not a regular file ({exc.strerror.removeprefix('is ')})", field="FILE") from None
    except OSError as exc:
        raise ValidationError(f"{name}: cannot read ({exc.strerror})", field="FILE") from None


def add_evidence(*, store: Store, incident_ref: str, path: str | os.PathLike, collected_by: str,
                 collected_at: datetime | None = None, source: str | None = None,
                 description: str | None = None, progress: Progress | None = None,
                 follow_symlinks: bool = False) -> dict[str, Any]:
    """Copies a file into the blob store and records it as evidence of an incident; returns its dict.

    A source that is a symbolic link is refused unless `follow_symlinks`; then the link and the path it
    resolves to are recorded as the `collected` event's location.
    """
    collected_by = one_line(collected_by, "--collected-by", required=True)
    source = one_line(source, "--source")
    description = str(description).strip() or None if description is not None else None
    collected_at = ensure_utc(collected_at, field="--collected-at") or utcnow()
    with store.session() as session:
        get_incident(session=session, ref=incident_ref)  # fail before copying gigabytes
    filename = Path(path).name
    location = None
    if follow_symlinks and os.path.islink(path):
        location = f"symbolic link {os.path.abspath(path)} -> {os.path.realpath(path)}"
    blobs = get_blob_store(store=store)
    with _open_source(path, follow_symlinks=follow_symlinks) as stream:
        info = blobs.put(stream, progress=progress)  # OSError (disk full, I/O): one line from the CLI, nothing recorded
    if info.existed:
        found = blobs.verify(info.sha256)
        if found != info.sha256:
            raise IntegrityError(f"the stored blob {short(info.sha256)} for this content is "
                                 f"{'missing' if found is None else 'altered'}: run 'compliance custody verify'")

    def _record(session: Session) -> dict[str, Any]:
        incident = get_incident(session=session, ref=incident_ref)
        lock_ledger(session)
        number = (session.exec(select(func.max(Evidence.number))).one() or 0) + 1
        evidence = Evidence(number=number, ref=format_number_ref("EV", number), incident_id=incident.id,
                            filename=filename, size=info.size, sha256=info.sha256, collected_by=collected_by,
                            collected_at=collected_at, source=source, description=description)
        session.add(evidence)
        session.flush()
        append_custody_event(session=session, evidence=evidence, action="collected", actor=collected_by,
                             at=collected_at, sha256=info.sha256, to_holder=collected_by,
                             location=location, reason=None, _locked=True)
        return evidence_to_dict(evidence, incident_ref=incident.ref, sealed=False, custody_events=1,
                                deduplicated=info.existed)

    return run_with_retry(store, _record)


def evidence_to_dict(evidence: Evidence, *, incident_ref: str | None = None, sealed: bool | None = None,
                     custody_events: int | None = None, **extra: Any) -> dict[str, Any]:
    """Returns the JSON-ready view of an evidence row."""
    data = {
        "id": evidence.ref, "incident": incident_ref, "filename": evidence.filename, "size": evidence.size,
        "sha256": evidence.sha256, "collected_by": evidence.collected_by, "collected_at": evidence.collected_at,
        "source": evidence.source, "description": evidence.description,
    }
    if sealed is not None:
        data["sealed"] = sealed
    if custody_events is not None:
        data["custody_events"] = custody_events
    data.update(extra)
    return data


def list_evidence(*, session: Session, incident_ref: str | None = None) -> list[dict[str, Any]]:
    """Returns evidence (of one incident, or all) in collection order, with sealed state and event count."""
    query = select(Evidence, Incident.ref).join(Incident, Incident.id == Evidence.incident_id)
    if incident_ref is not None:
        incident = get_incident(session=session, ref=incident_ref)
        query = query.where(Evidence.incident_id == incident.id)
    rows = session.exec(query.order_by(Evidence.number)).all()
    states = _states(session, [e.id for e, _ in rows])
    return [evidence_to_dict(e, incident_ref=ref, sealed=states.get(e.id, (False, 0))[0],
                             custody_events=states.get(e.id, (False, 0))[1]) for e, ref in rows]


def _states(session: Session, evidence_ids: list[int]) -> dict[int, tuple[bool, int]]:
    """Returns evidence id -> (sealed, event count) in one query."""
    if not evidence_ids:
        return {}
    out: dict[int, tuple[bool, int]] = {}
    rows = session.exec(select(CustodyEvent.evidence_id, CustodyEvent.action)
                        .where(CustodyEvent.evidence_id.in_(evidence_ids)).order_by(CustodyEvent.seq)).all()
    for evidence_id, action in rows:
        sealed, count = out.get(evidence_id, (False, 0))
        if action == "sealed":
            sealed = True
        elif action == "released":
            sealed = False
        out[evidence_id] = (sealed, count + 1)
    return out


def show_evidence(*, session: Session, ref: str) -> dict[str, Any]:
    """Returns one evidence item with its sealed state and its custody log."""
    evidence = get_evidence(session=session, ref=ref)
    incident = session.get(Incident, evidence.incident_id)
    events = session.exec(select(CustodyEvent).where(CustodyEvent.evidence_id == evidence.id)
                          .order_by(CustodyEvent.seq)).all()
    sealed, count = _states(session, [evidence.id]).get(evidence.id, (False, 0))
    data = evidence_to_dict(evidence, incident_ref=incident.ref if incident else None, sealed=sealed,
                            custody_events=count)
    data["custody"] = [custody_event_to_dict(e) for e in events]
    return data


def get_incident_evidence_documents(*, session: Session, incident: Incident | str) -> list[dict[str, Any]]:
    """Returns one dict per evidence item of the incident, in collection order (two queries, no blob reads).

    EV-DOC-1  `custody_verified` is True when every custody event of the item recomputes to its stored
              event_hash, its first event is `collected`, and its latest event's SHA-256 equals the item's.
    """
    if isinstance(incident, str):
        incident = get_incident(session=session, ref=incident)
    return get_evidence_documents_by_incident(session=session, incident_ids=[incident.id]).get(incident.id, [])


def get_evidence_documents_by_incident(*, session: Session, incident_ids: list[int],
                                       chunk: int = 500) -> dict[int, list[dict[str, Any]]]:
    """Returns the evidence documents (see EV-DOC-1) of many incidents by incident id, two queries per chunk."""
    out: dict[int, list[dict[str, Any]]] = {}
    for start in range(0, len(incident_ids), chunk):
        ids = incident_ids[start:start + chunk]
        items = session.exec(select(Evidence).where(Evidence.incident_id.in_(ids))
                             .order_by(Evidence.incident_id, Evidence.collected_at, Evidence.number)).all()
        if not items:
            continue
        events: dict[int, list[CustodyEvent]] = {e.id: [] for e in items}
        for event in session.exec(select(CustodyEvent).where(CustodyEvent.evidence_id.in_(list(events)))
                                  .order_by(CustodyEvent.seq)).all():
            events[event.evidence_id].append(event)
        for item in items:
            out.setdefault(item.incident_id, []).append(_evidence_document(item, events[item.id]))
    return out


def _evidence_document(item: Evidence, own: list[CustodyEvent]) -> dict[str, Any]:
    sealed = False
    for event in own:
        sealed = True if event.action == "sealed" else False if event.action == "released" else sealed
    verified = bool(own) and own[0].action == "collected" and own[-1].sha256 == item.sha256 and all(
        e.evidence_ref == item.ref and compute_event_hash(e.model_dump()) == e.event_hash for e in own)
    return {
        "ref": item.ref, "filename": item.filename, "size": int(item.size), "sha256": item.sha256,
        "collected_by": item.collected_by, "collected_by_role": None, "collected_at": item.collected_at,
        "source": item.source, "description": item.description, "sealed": sealed,
        "custody_events": len(own), "custody_verified": verified,
    }


def verify_evidence_hash(*, store: Store, ref: str, sha256: str) -> str | None:
    """Re-hashes the blob of evidence `ref`: None when it still has `sha256`, else a one-line problem."""
    try:
        with store.session() as session:
            evidence = get_evidence(session=session, ref=ref)
    except NotFoundError:
        return f"{ref}: no such evidence in this store"
    except ValidationError:
        return f"{ref}: not an evidence id"
    try:
        found = get_blob_store(store=store).verify(evidence.sha256)
    except NotRegularFile as exc:
        return f"{evidence.ref}: blob {exc.strerror}"
    if found is None:
        return f"{evidence.ref}: blob missing"
    if found != sha256:
        return f"{evidence.ref}: sha256 is {found}, expected {sha256}"
    return None


def export_evidence(*, store: Store, ref: str, dest: str | os.PathLike, actor: str, reason: str | None = None,
                    at: datetime | None = None, progress: Progress | None = None) -> dict[str, Any]:
    """Copies an evidence blob to `dest` (verified in the same pass, never overwriting) and records `exported`."""
    actor = one_line(actor, "--by", required=True)
    dest = Path(dest)
    if dest.is_dir():
        raise ValidationError(f"{dest} is a directory: give the path of a new file", field="DEST")
    if dest.exists() or dest.is_symlink():
        raise ConflictError(f"{dest} exists: export never overwrites, give a new file name", field="DEST")
    if not dest.parent.is_dir():
        raise ValidationError(f"folder {dest.parent} does not exist", field="DEST")
    with store.session() as session:
        evidence = get_evidence(session=session, ref=ref)
        check_custody_allowed(session=session, evidence=evidence, action="exported")
    blobs = get_blob_store(store=store)
    try:
        source = blobs.open(evidence.sha256)
    except FileNotFoundError:
        raise IntegrityError(f"{evidence.ref}: blob missing: run 'compliance custody verify'") from None
    except NotRegularFile as exc:
        raise IntegrityError(f"{evidence.ref}: blob {exc.strerror}: nothing exported; "
                             "run 'compliance custody verify'") from None
    fd, tmp_name = tempfile.mkstemp(prefix=".export-", dir=dest.parent)
    tmp = Path(tmp_name)
    try:
        with source, os.fdopen(fd, "wb", buffering=0) as out:
            found, _size = _hash_and_copy(source, out, progress)
            os.fsync(out.fileno())
        if found != evidence.sha256:
            raise IntegrityError(f"{evidence.ref}: stored blob has sha256 {found}, expected {evidence.sha256}: "
                                 "nothing exported")
        os.chmod(tmp, 0o600)
        os.link(tmp, dest)
    finally:
        tmp.unlink(missing_ok=True)
    _fsync_dir(dest.parent)
    try:
        event = record_custody_event(store=store, ref=evidence.ref, action="exported", actor=actor, at=at,
                                     location=os.path.abspath(dest), reason=reason, sha256=found)
    except BaseException:
        dest.unlink(missing_ok=True)
        raise
    return {"id": evidence.ref, "dest": os.path.abspath(dest), "sha256": found, "size": evidence.size, "event": event}
