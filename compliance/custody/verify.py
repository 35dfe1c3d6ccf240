"""Verify the custody chain (every event hash and link, the head, each item's first event) and every blob.

Items are evidence items (EV-0001) and programme documents (PE-0001), whose events share the one chain.

CU-VER-1  `CustodyChainPass` checks events one row at a time (columns CHAIN_COLUMNS, in seq order), so the
          whole-store verification reads the custody log once for the chain, the ledger projection and the rules.
CU-VER-2  Blobs are re-hashed on a few threads (hashlib releases the GIL) while the caller reads the database:
          `start_blob_check` returns at once, `finish_blob_check` names the first missing, special or changed blob.
"""

from __future__ import annotations

from collections.abc import Callable
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import select

from compliance.core.errors import IntegrityError
from compliance.custody.chain import ACTION, EVIDENCE_REF, ROW_COLUMNS, SEQ, SHA256, Break, ChainChecker, short
from compliance.custody.models import CustodyEvent, CustodyHead
from compliance.db.sqlite_read import stream_columns
from compliance.db.store import Store
from compliance.evidence.blobs import NotRegularFile
from compliance.evidence.lookup import get_blob_store
from compliance.evidence.models import Evidence
from compliance.programme.models import ProgrammeEvidence

Progress = Callable[[int], None]
# The columns a verification streams from custody_event: the hashed ones (ROW_COLUMNS), then evidence_id, then the rest.
EVIDENCE_ID = len(ROW_COLUMNS)


def chain_columns() -> list[Any]:
    """Returns the custody_event columns in the order every verification pass reads them (ROW_COLUMNS, evidence_id, rest)."""
    table = CustodyEvent.__table__
    first = [table.c[name] for name in ROW_COLUMNS] + [table.c.evidence_id]
    return first + [c for c in table.columns if c.name not in ROW_COLUMNS and c.name != "evidence_id"]


@dataclass
class VerifyResult:
    """The outcome of a full verification: counts, the chain head, and the first broken item (or None)."""

    events_checked: int = 0
    blobs_checked: int = 0
    evidence_checked: int = 0
    programme_checked: int = 0
    head_hash: str | None = None
    first_break: Break | None = None
    incomplete_uploads: int = 0
    extra: dict[str, Any] = field(default_factory=dict)

    @property
    def intact(self) -> bool:
        """True when nothing is broken."""
        return self.first_break is None

    def summary(self) -> str:
        """Returns the one-line summary printed by `custody verify`."""
        if self.first_break is not None:
            return f"BROKEN: {self.first_break}"
        head = self.head_hash or "none (no events)"
        leftover = (f"; {self.incomplete_uploads} unreferenced temporary file(s) from interrupted adds "
                    f"(safe to delete; 'compliance init' removes them after a day)" if self.incomplete_uploads else "")
        programme = f", {self.programme_checked} programme documents" if self.programme_checked else ""
        return (f"intact: {self.events_checked} custody events and {self.blobs_checked} blobs "
                f"({self.evidence_checked} evidence items{programme}) verified; chain head {head}{leftover}")

    def to_dict(self) -> dict[str, Any]:
        """Returns the JSON document of `custody verify --json`."""
        brk = self.first_break
        return {"intact": self.intact, "events_checked": self.events_checked, "blobs_checked": self.blobs_checked,
                "evidence_checked": self.evidence_checked, "programme_checked": self.programme_checked,
                "head_hash": self.head_hash,
                "first_break": None if brk is None else brk.to_dict(),
                "incomplete_uploads": self.incomplete_uploads}


class CustodyChainPass:
    """The custody chain checked one streamed row at a time (CU-VER-1); `finish` gives the VerifyResult.

    CU-VER-3  Each evidence item's and programme document's log starts with `collected` carrying its SHA-256; a
              document with no events, or an event naming an item that does not exist, is a named break.
    """

    def __init__(self, evidence_rows: list[tuple], programme_rows: list[tuple] = ()) -> None:
        self.evidence_rows = evidence_rows  # (id, ref, sha256, size) in evidence number order
        self.programme_rows = list(programme_rows)  # (id, ref, sha256, size) in programme number order
        self.ref_of = {row[0]: row[1] for row in evidence_rows}
        self.documents = {row[1] for row in self.programme_rows}
        self.checker = ChainChecker()
        # evidence id, or a programme document's ref (its events carry no evidence id) -> (first action, its sha256)
        self.first_event: dict[int | str, tuple[str, str]] = {}
        self.mismatched_owner: Break | None = None

    def feed(self, row: Any) -> None:
        """Checks one event given in chain_columns() order."""
        self.checker.check_row(row)
        owner = row[EVIDENCE_ID]
        if owner is None:  # a programme document's event (CU-MOD-6)
            owner = row[EVIDENCE_REF]
            if self.mismatched_owner is None and owner not in self.documents:
                self.mismatched_owner = Break(f"event {row[SEQ]}", "recorded for a programme document that does not "
                                              "exist", "an existing programme document", str(owner))
        elif self.mismatched_owner is None and self.ref_of.get(owner) != row[EVIDENCE_REF]:
            self.mismatched_owner = Break(f"event {row[SEQ]}", "recorded for another evidence item",
                                          str(row[EVIDENCE_REF]), str(self.ref_of.get(owner)))
        if owner not in self.first_event:
            self.first_event[owner] = (row[ACTION], row[SHA256])

    def finish(self, head: tuple | None) -> VerifyResult:
        """Checks the chain head (seq, event_hash) and each item's first event; returns the result so far."""
        checker, result = self.checker, VerifyResult()
        if head is None:
            checker.first_break = checker.first_break or Break("chain head", "row missing", "one head row", "none")
        else:
            checker.finish(head_seq=head[0], head_hash=head[1])
        result.events_checked = checker.count
        result.head_hash = head[1] if head is not None else None
        result.first_break = checker.first_break or self.mismatched_owner
        result.evidence_checked = len(self.evidence_rows)
        items = [(r[0], r[1], r[2], "evidence row") for r in self.evidence_rows]
        items += [(r[1], r[1], r[2], "programme document") for r in self.programme_rows]
        for owner, ref, sha, noun in items:
            if result.first_break is not None:
                break
            first = self.first_event.get(owner)
            if first is None or first[0] != "collected":
                result.first_break = Break(ref, "custody log does not start with 'collected'", "collected",
                                           first[0] if first else "no events")
            elif first[1] != sha:
                result.first_break = Break(ref, f"sha256 of the {noun} differs from its 'collected' event",
                                           short(first[1]), short(sha))
        return result


def read_custody_start(session: Any) -> tuple[tuple | None, list[tuple]]:
    """Returns the chain head (seq, event_hash) and the evidence rows (id, ref, sha256, size) by number."""
    head = session.execute(select(CustodyHead.seq, CustodyHead.event_hash).where(CustodyHead.id == 1)).first()
    evidence_rows = session.execute(select(Evidence.id, Evidence.ref, Evidence.sha256, Evidence.size)
                                    .order_by(Evidence.number)).all()
    return (tuple(head) if head is not None else None), [tuple(r) for r in evidence_rows]


def read_programme_rows(session: Any) -> list[tuple]:
    """Returns the programme documents (id, ref, sha256, size) by number (their custody and their blobs are checked)."""
    rows = session.execute(select(ProgrammeEvidence.id, ProgrammeEvidence.ref, ProgrammeEvidence.sha256,
                                  ProgrammeEvidence.size).order_by(ProgrammeEvidence.number)).all()
    return [tuple(r) for r in rows]


def start_blob_check(*, store: Store, evidence_rows: list[tuple], progress: Progress | None = None
                     ) -> tuple[ThreadPoolExecutor, Future]:
    """Starts re-hashing every referenced blob in the background (CU-VER-2); pass the result to finish_blob_check."""
    pool = ThreadPoolExecutor(max_workers=1, thread_name_prefix="blob-verify")
    blobs = get_blob_store(store=store)
    return pool, pool.submit(lambda: (blobs.verify_many([row[2] for row in evidence_rows], progress=progress),
                                      len(blobs.incomplete())))


def finish_blob_check(result: VerifyResult, started: tuple[ThreadPoolExecutor, Future], evidence_rows: list[tuple]
                      ) -> None:
    """Waits for the blob hashes and records the first missing, special or changed blob in `result`."""
    pool, future = started
    try:
        found, incomplete = future.result()
    finally:
        pool.shutdown(wait=True)
    result.blobs_checked = len(found)
    for _id, ref, sha, _size in evidence_rows:
        if result.first_break is not None:
            break
        actual = found.get(sha)
        if isinstance(actual, NotRegularFile):
            result.first_break = Break(ref, f"blob {actual.strerror}", f"a regular file {short(sha)}",
                                       actual.strerror.removeprefix("is "))
        elif actual is None:
            result.first_break = Break(ref, "blob missing", f"blob {short(sha)}", "no file")
        elif actual != sha:
            result.first_break = Break(ref, "blob content changed", f"sha256 {short(sha)}", f"sha256 {short(actual)}")
    result.incomplete_uploads = incomplete


def verify_custody(*, store: Store, progress: Progress | None = None, check_blobs: bool = True) -> VerifyResult:
    """Recomputes every event hash and link, checks the chain head, and re-hashes every referenced blob."""
    with store.session() as session:
        head, evidence_rows = read_custody_start(session)
        programme_rows = read_programme_rows(session)
        blob_rows = [*evidence_rows, *programme_rows]  # evidence, then programme documents
        started = start_blob_check(store=store, evidence_rows=blob_rows, progress=progress) if check_blobs else None
        chain = CustodyChainPass(evidence_rows, programme_rows)
        try:
            for row in stream_columns(session, chain_columns(), [CustodyEvent.__table__.c.seq]):
                chain.feed(row)
        except BaseException:
            if started is not None:
                started[0].shutdown(wait=True, cancel_futures=True)
            raise
    result = chain.finish(head)
    result.programme_checked = len(blob_rows) - len(evidence_rows)
    if started is not None:
        finish_blob_check(result, started, blob_rows)
    return result


def require_intact(result: VerifyResult) -> None:
    """Raises IntegrityError (exit 4) with the first broken item when the verification failed."""
    if result.first_break is not None:
        raise IntegrityError(str(result.first_break))
