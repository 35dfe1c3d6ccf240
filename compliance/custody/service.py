"""Chain of custody: append events (serialised, rule-checked, hash-chained), read logs, verify everything.

CU-SVC-1  Appends are serialised store-wide: an advisory lock and a row lock on the chain head on
          PostgreSQL, BEGIN IMMEDIATE on SQLite; a busy database is retried a bounded number of times.
CU-SVC-2  Each event records the SHA-256 re-read from the blob at that moment; a missing or altered
          blob refuses the event (exit 4) rather than recording a false hash.
CU-SVC-3  Sealed evidence refuses `transferred` and `analysed` until `released` with a reason;
          `disposed` is final; a transfer must start from the current holder.
CU-SVC-4  On PostgreSQL every event stores the authenticated database role (session_user).
CU-SVC-5  verify_custody recomputes every event hash and link, the chain head, and re-hashes every
          referenced blob; the first broken item is named with what was expected and what was found.
CU-SVC-6  Programme documents (PE-0001) keep custody like evidence items: the same events, rules, chain and
          verification; an event of a document carries its ref and no evidence id (CU-MOD-6).
"""

from __future__ import annotations

from datetime import datetime
from typing import Any, TypeVar

from sqlalchemy import and_, func, text
from sqlmodel import Session, select

from compliance.core.errors import ConflictError, IntegrityError, ValidationError
from compliance.core.text import one_line
from compliance.core.timeutil import ensure_utc, utcnow
from compliance.custody.chain import (
    GENESIS,
    compute_event_hash,
)
from compliance.custody.models import CustodyAction, CustodyEvent, CustodyHead
from compliance.custody.rules import NEEDS_REASON, CustodyState, advance, future_problem, rule_problem
from compliance.custody.verify import Progress, VerifyResult, require_intact, verify_custody  # noqa: F401 (re-exported)
from compliance.db.ledger.service import lock_ledger
from compliance.db.retry import run_with_retry
from compliance.db.store import Store
from compliance.evidence.blobs import NotRegularFile
from compliance.evidence.lookup import get_blob_store, get_evidence
from compliance.evidence.models import Evidence
from compliance.programme.models import ProgrammeEvidence
from compliance.programme.service import get_programme_evidence

ACTIONS = [a.value for a in CustodyAction]
PROGRAMME_PREFIX = "PE-"


CustodyItem = Evidence | ProgrammeEvidence


def is_programme_ref(ref: Any) -> bool:
    """True when `ref` names a programme document (PE-0001) rather than an evidence item."""
    return str(ref or "").strip().upper().startswith(PROGRAMME_PREFIX)


def refuse_programme_ref(ref: Any, *, field: str = "EV") -> None:
    """Raises a one-line ValidationError when an evidence-only command (show, export) is given a programme id."""
    if is_programme_ref(ref):
        raise ValidationError(f"{str(ref).strip()!r} is programme evidence, not an evidence item: see "
                              f"'compliance programme show' (its custody: 'compliance custody log')", field=field)


def get_custody_item(*, session: Session, ref: str) -> CustodyItem:
    """Returns the evidence item (EV-0001) or programme document (PE-0001) named by `ref`, or NotFoundError."""
    if is_programme_ref(ref):
        return get_programme_evidence(session=session, ref=ref)
    return get_evidence(session=session, ref=ref)


def started_at(item: CustodyItem) -> datetime:
    """Returns the instant before which the item has no custody (collected, or recorded for a programme document)."""
    return item.collected_at if isinstance(item, Evidence) else item.recorded_at


def events_of(item: CustodyItem) -> Any:
    """Returns the WHERE clause selecting the item's own custody events (CU-MOD-6)."""
    if isinstance(item, Evidence):
        return CustodyEvent.evidence_id == item.id
    return and_(CustodyEvent.evidence_id.is_(None), CustodyEvent.evidence_ref == item.ref)


RECORDABLE = [a for a in ACTIONS if a != "collected"]
T = TypeVar("T")


def get_custody_state(*, session: Session, evidence: CustodyItem) -> CustodyState:
    """Returns the current holder, sealed and disposed state and the last instant of an evidence item or document."""
    state = CustodyState()
    rows = session.exec(select(CustodyEvent.action, CustodyEvent.to_holder, CustodyEvent.at)
                        .where(events_of(evidence)).order_by(CustodyEvent.seq)).all()
    for action, to_holder, at in rows:
        advance(state, action=action, at=at, to_holder=to_holder)
    return state


_VALIDATION_FIELDS = {"--from", "--to", "--at"}


def check_custody_allowed(*, session: Session, evidence: CustodyItem, action: str, from_holder: str | None = None,
                          to_holder: str | None = None, reason: str | None = None,
                          at: datetime | None = None, now: datetime | None = None) -> CustodyState:
    """Raises when `action` (at `at`) is not allowed on the evidence now (CU-RUL-1..3); returns its current state."""
    if action not in ACTIONS:
        raise ValidationError(f"{action!r} is not one of {', '.join(ACTIONS)}", field="--action")
    if at is not None and at < started_at(evidence):
        raise ValidationError(f"{at.isoformat()} is before {evidence.ref} was {_collected(evidence)}", field="--at")
    if at is not None:
        future = future_problem(at, recorded_at=now or utcnow())
        if future:
            raise ValidationError(future, field="--at")
    state = get_custody_state(session=session, evidence=evidence)
    problem = rule_problem(state, ref=evidence.ref, action=action, at=at, from_holder=from_holder, to_holder=to_holder)
    if problem is not None and problem[1].startswith("'collected' is recorded once"):
        raise ValidationError(problem[1], field=problem[0])
    if problem is not None and problem[0] not in _VALIDATION_FIELDS:
        raise ConflictError(problem[1], field=problem[0])
    if action in NEEDS_REASON and not reason:
        raise ValidationError(f"a reason is required for '{action}'", field="--reason")
    if problem is not None:
        error = ConflictError if " is held by " in problem[1] else ValidationError
        raise error(problem[1], field=problem[0])
    return state


def _collected(item: CustodyItem) -> str:
    return "collected" if isinstance(item, Evidence) else "recorded"


def _db_role(session: Session) -> str | None:
    if session.get_bind().dialect.name == "postgresql":
        return session.execute(text("SELECT session_user")).scalar_one()
    return None


def append_custody_event(*, session: Session, evidence: CustodyItem, action: str, actor: str, at: datetime | None,
                         sha256: str, from_holder: str | None = None, to_holder: str | None = None,
                         location: str | None = None, reason: str | None = None,
                         _locked: bool = False) -> CustodyEvent:
    """Appends one event to the store-wide chain inside the caller's write transaction and returns it."""
    actor = one_line(actor, "--actor", required=True)
    from_holder = one_line(from_holder, "--from")
    to_holder = one_line(to_holder, "--to")
    location = one_line(location, "--location")
    reason = one_line(reason, "--reason")
    if not _locked:
        lock_ledger(session)
    at = ensure_utc(at, field="--at") or utcnow()  # "now" is read under the lock, so defaults stay in order
    if at < started_at(evidence):
        raise ValidationError(f"{at.isoformat()} is before {evidence.ref} was {_collected(evidence)}", field="--at")
    head_query = select(CustodyHead).where(CustodyHead.id == 1)
    if session.get_bind().dialect.name == "postgresql":
        head_query = head_query.with_for_update()
    head = session.exec(head_query).first()
    if head is None:
        raise IntegrityError("chain head: row missing: the custody table was tampered with or not migrated")
    check_custody_allowed(session=session, evidence=evidence, action=action, from_holder=from_holder,
                          to_holder=to_holder, reason=reason, at=at)
    last = session.exec(select(CustodyEvent.seq, CustodyEvent.event_hash)
                        .order_by(CustodyEvent.seq.desc()).limit(1)).first()
    seq, prev_hash = (last[0] + 1, last[1]) if last else (1, GENESIS)
    evidence_id = evidence.id if isinstance(evidence, Evidence) else None
    event = CustodyEvent(seq=seq, evidence_id=evidence_id, evidence_ref=evidence.ref, action=action, at=at,
                         actor=actor, db_role=_db_role(session), from_holder=from_holder, to_holder=to_holder,
                         location=location, reason=reason, sha256=sha256, prev_hash=prev_hash, event_hash="")
    event.event_hash = compute_event_hash(event.model_dump())
    session.add(event)
    head.seq, head.event_hash = seq, event.event_hash
    session.add(head)
    session.flush()
    return event


def record_custody_event(*, store: Store, ref: str, action: str, actor: str, at: datetime | None = None,
                         from_holder: str | None = None, to_holder: str | None = None, location: str | None = None,
                         reason: str | None = None, sha256: str | None = None,
                         progress: Progress | None = None) -> dict[str, Any]:
    """Re-hashes the item's blob, then appends a custody event (retrying when busy); returns the event."""
    action = str(action).strip().lower()
    if action not in RECORDABLE:
        if action == "collected":
            adder = "programme add" if is_programme_ref(ref) else "evidence add"
            raise ValidationError(f"'collected' is recorded once, by 'compliance {adder}'", field="--action")
        raise ValidationError(f"{action!r} is not one of {', '.join(RECORDABLE)}", field="--action")
    at = ensure_utc(at, field="--at")
    with store.session() as session:
        evidence = get_custody_item(session=session, ref=ref)
        check_custody_allowed(session=session, evidence=evidence, action=action,
                              from_holder=one_line(from_holder, "--from"), to_holder=one_line(to_holder, "--to"),
                              reason=one_line(reason, "--reason"), at=at)
    if sha256 is None:
        try:
            sha256 = get_blob_store(store=store).verify(evidence.sha256, progress=progress)
        except NotRegularFile as exc:
            raise IntegrityError(f"{evidence.ref}: blob {exc.strerror}: event not recorded; "
                                 "run 'compliance custody verify'") from None
        if sha256 is None:
            raise IntegrityError(f"{evidence.ref}: blob missing: event not recorded; run 'compliance custody verify'")
    if sha256 != evidence.sha256:
        raise IntegrityError(f"{evidence.ref}: blob sha256 is {sha256}, expected {evidence.sha256}: event not recorded")

    def _append(session: Session) -> dict[str, Any]:
        current = get_custody_item(session=session, ref=ref)
        return custody_event_to_dict(append_custody_event(
            session=session, evidence=current, action=action, actor=actor, at=at, sha256=sha256,
            from_holder=from_holder, to_holder=to_holder, location=location, reason=reason))

    return run_with_retry(store, _append)


def custody_event_to_dict(event: CustodyEvent) -> dict[str, Any]:
    """Returns the JSON-ready view of a custody event."""
    return {"seq": event.seq, "evidence": event.evidence_ref, "action": event.action, "at": event.at,
            "actor": event.actor, "db_role": event.db_role, "from": event.from_holder, "to": event.to_holder,
            "location": event.location, "reason": event.reason, "sha256": event.sha256,
            "prev_hash": event.prev_hash, "event_hash": event.event_hash}


def _note(event: CustodyEvent) -> str | None:
    parts = []
    if event.reason:
        parts.append(event.reason)
    if event.from_holder and event.to_holder:
        parts.append(f"from {event.from_holder} to {event.to_holder}")
    elif event.to_holder:
        parts.append(f"to {event.to_holder}")
    if event.location:
        parts.append(event.location)
    return "; ".join(p.replace("\n", " ") for p in parts) or None


def get_custody_log(*, session: Session, evidence_ref: str | None = None) -> list[dict[str, Any]]:
    """Returns custody events (of one evidence item or programme document, or the whole chain) in chain order."""
    query = select(CustodyEvent)
    if evidence_ref is not None:
        query = query.where(events_of(get_custody_item(session=session, ref=evidence_ref)))
    return [custody_event_to_dict(e) for e in session.exec(query.order_by(CustodyEvent.seq)).all()]


def get_programme_custody_counts(*, session: Session) -> dict[str, int]:
    """Returns, per programme document ref, how many custody events its own log holds."""
    query = (select(CustodyEvent.evidence_ref, func.count()).where(CustodyEvent.evidence_id.is_(None))
             .group_by(CustodyEvent.evidence_ref))
    return {ref: count for ref, count in session.exec(query).all()}


def get_custody_log_rows(*, session: Session, evidence_ref: str) -> list[dict[str, Any]]:
    """Returns the audit-pack rows of an evidence item's custody log (seq, at, action, actor, note, entry_hash)."""
    evidence = get_evidence(session=session, ref=evidence_ref)
    events = session.exec(select(CustodyEvent).where(CustodyEvent.evidence_id == evidence.id)
                          .order_by(CustodyEvent.seq)).all()
    return [{"seq": e.seq, "at": e.at, "action": e.action, "actor": e.actor, "actor_role": None,
             "note": _note(e), "entry_hash": e.event_hash} for e in events]


def get_blob_bytes_total(*, session: Session) -> int:
    """Returns the total size of the distinct blobs referenced by evidence and programme evidence (progress bars)."""
    sizes = [*session.exec(select(Evidence.sha256, Evidence.size).distinct()).all(),
             *session.exec(select(ProgrammeEvidence.sha256, ProgrammeEvidence.size).distinct()).all()]
    return int(sum(size for _, size in {sha: size for sha, size in sizes}.items()))


def count_custody_events(*, session: Session) -> int:
    """Returns how many custody events the store holds."""
    return session.exec(select(func.count()).select_from(CustodyEvent)).one()
