"""The ledger: append entries (serialised, hashed; on PostgreSQL by the database itself), read the head, verify.

LG-SVC-1  Appends are serialised store-wide by a row lock on ledger_head: BEGIN IMMEDIATE on SQLite;
          on PostgreSQL compliance_ledger_append() takes it (with a lock timeout), reads the head,
          checks the custody rules, fills session_user and the sequence, hashes and inserts (LG-PG-1).
LG-SVC-2  The store fingerprint is the ledger head: its length and hash (get_ledger_fingerprint).
LG-SVC-3  verify_ledger recomputes every entry, its link and the head, then compares the latest state
          of every entity with its table row and replays the rules (compliance.db.ledger.rules).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import Connection, select, text
from sqlmodel import Session

from compliance.core.errors import IntegrityError
from compliance.core.timeutil import utcnow
from compliance.db.ledger.canonical import GENESIS, Break, canonical_instant, short
from compliance.db.ledger.chain import FORMAT, ROW_COLUMNS, LedgerChecker, entry_hash
from compliance.db.ledger.models import LedgerEntry, LedgerHead
from compliance.db.sqlite_read import stream_columns


def append_states(conn: Connection, changes: Iterable[tuple[str, str, str]], *, server: bool = True
                  ) -> list[tuple[int, str]]:
    """Appends one entry per (kind, key, canonical state) in the caller's transaction; returns (seq, hash) of each.

    On PostgreSQL the database appends (compliance_ledger_append); server=False hashes here instead (the
    schema migration's back-fill, run by the store's owner, records its own session_user).
    """
    changes = list(changes)
    if conn.dialect.name == "postgresql" and server:
        call = text("SELECT seq, entry_hash FROM compliance_ledger_append(:kind, :key, :state)")
        return [tuple(conn.execute(call, {"kind": k, "key": key, "state": s}).one()) for k, key, s in changes]
    head = conn.execute(text("SELECT seq, entry_hash FROM ledger_head WHERE id = 1")).first()
    if head is None:
        raise IntegrityError("ledger head: row missing: the ledger was tampered with or not migrated")
    seq, prev = head[0], head[1] or GENESIS
    recorded_at = canonical_instant(utcnow())
    role = conn.execute(text("SELECT session_user")).scalar_one() if conn.dialect.name == "postgresql" else None
    rows, out = [], []
    for kind, key, state in changes:
        seq += 1
        digest = entry_hash(seq=seq, kind=kind, key=key, state=state, prev_hash=prev, recorded_at=recorded_at,
                            db_role=role)
        rows.append({"seq": seq, "kind": kind, "entity_key": key, "format": FORMAT, "state": state, "prev_hash": prev,
                     "entry_hash": digest, "recorded_at": recorded_at, "db_role": role})
        out.append((seq, digest))
        prev = digest
    conn.execute(LedgerEntry.__table__.insert(), rows)
    conn.execute(text("UPDATE ledger_head SET seq = :seq, entry_hash = :h WHERE id = 1"), {"seq": seq, "h": prev})
    return out


def lock_ledger(session: Session) -> None:
    """Serialises the caller's write transaction with every other ledger appender (held until commit)."""
    if session.get_bind().dialect.name == "postgresql":
        session.execute(text("SELECT compliance_ledger_lock()"))


@dataclass
class LedgerFingerprint:
    """The ledger head (what a pack's cover prints): length, hash, counts per kind and the items covered."""

    length: int
    head_hash: str | None
    counts: dict[str, int] = field(default_factory=dict)
    items: list[dict[str, Any]] = field(default_factory=list)

    def to_dict(self) -> dict[str, Any]:
        """Returns the JSON-ready view."""
        return {"length": self.length, "head_hash": self.head_hash, "counts": dict(self.counts), "items": list(self.items)}


def get_ledger_fingerprint(*, session: Session, with_items: bool = True) -> LedgerFingerprint:
    """Returns the ledger head, its length, entity counts per kind and (optionally) every item it covers."""
    head = session.exec(select(LedgerHead.seq, LedgerHead.entry_hash).where(LedgerHead.id == 1)).first()
    length, head_hash = (head[0], head[1]) if head else (0, None)
    latest: dict[tuple[str, str], tuple[int, str, bool]] = {}
    rows = session.exec(select(LedgerEntry.kind, LedgerEntry.entity_key, LedgerEntry.seq, LedgerEntry.entry_hash,
                               LedgerEntry.state == "null").order_by(LedgerEntry.seq)).all()
    for kind, key, seq, digest, deleted in rows:
        latest[(kind, key)] = (seq, digest, bool(deleted))
    counts: dict[str, int] = {}
    items = []
    for (kind, key), (seq, digest, deleted) in sorted(latest.items(), key=lambda kv: kv[1][0]):
        if deleted:
            continue
        counts[kind] = counts.get(kind, 0) + 1
        if with_items:
            items.append({"kind": kind, "key": key, "seq": seq, "entry_hash": digest})
    return LedgerFingerprint(length=length, head_hash=head_hash, counts=counts, items=items)


def get_entry_hash_at(*, session: Session, seq: int) -> str | None:
    """Returns the stored hash of ledger entry `seq` (None when the ledger is shorter)."""
    if seq == 0:
        return None
    return session.exec(select(LedgerEntry.entry_hash).where(LedgerEntry.seq == seq)).first()


def check_prefix(*, session: Session, length: int, head_hash: str | None) -> Break | None:
    """Recomputes the first `length` entries and checks that the last one is `head_hash` (an old pack's head)."""
    checker = LedgerChecker()
    table = LedgerEntry.__table__
    columns = [table.c[name] for name in ROW_COLUMNS]
    for row in session.execute(select(*columns).where(table.c.seq <= length).order_by(table.c.seq)
                               .execution_options(yield_per=5000)):
        checker.check_row(tuple(row))
    if checker.first_break is not None:
        return checker.first_break
    last = checker.prev_hash if checker.count else None
    if checker.count != length or last != (head_hash or None):
        return Break(f"ledger entry {length}", "the store no longer holds the pack's ledger head at the pack's length "
                     "(history rewritten, reordered or cut since the pack was made)",
                     f"entry {length} {short(head_hash)}", f"entry {checker.count} {short(last)}")
    return None


@dataclass
class LedgerVerifyResult:
    """The outcome of a ledger verification: entries checked, head, rows compared, the first break."""

    entries_checked: int = 0
    rows_checked: int = 0
    counts: dict[str, int] = field(default_factory=dict)
    head_hash: str | None = None
    first_break: Break | None = None
    problems: list[Break] = field(default_factory=list)

    @property
    def intact(self) -> bool:
        """True when nothing is broken."""
        return self.first_break is None


# Positions in a ROW_COLUMNS tuple, by name (verification reads tuples for speed).
SEQ, KIND, ENTITY_KEY, STATE, RECORDED_AT, DB_ROLE = (
    ROW_COLUMNS.index(name) for name in ("seq", "kind", "entity_key", "state", "recorded_at", "db_role"))
Latest = dict[tuple[str, str], tuple[int, str, str | None, str]]  # (kind, key) -> (seq, state, db_role, recorded_at)


def read_ledger_chain(session: Session) -> tuple[LedgerChecker, Latest, tuple | None]:
    """Recomputes every entry and link in seq order; returns the checker, each entity's latest entry and the head."""
    checker = LedgerChecker()
    table = LedgerEntry.__table__
    columns = [table.c[name] for name in ROW_COLUMNS]
    latest: Latest = {}
    check_row = checker.check_row
    for row in stream_columns(session, columns, [table.c.seq]):
        check_row(row)
        latest[(row[KIND], row[ENTITY_KEY])] = (row[SEQ], row[STATE], row[DB_ROLE], row[RECORDED_AT])
    head = session.execute(select(LedgerHead.seq, LedgerHead.entry_hash).where(LedgerHead.id == 1)).first()
    if head is None:
        checker._fail(Break("ledger head", "row missing", "one head row", "none"))
    else:
        checker.finish(head_seq=head[0], head_hash=head[1])
    return checker, latest, (tuple(head) if head is not None else None)


def start_ledger_result(checker: LedgerChecker, latest: Latest, head: tuple | None) -> LedgerVerifyResult:
    """Returns the result of the chain part of a verification (entries, head, live counts, the chain's break)."""
    result = LedgerVerifyResult(entries_checked=checker.count, head_hash=head[1] if head is not None else None)
    for (kind, _key), entry in latest.items():
        if entry[1] != "null":
            result.counts[kind] = result.counts.get(kind, 0) + 1
    if checker.first_break is not None:
        result.problems.append(checker.first_break)
    return result


def verify_ledger(*, session: Session, rules: Callable[[Session, Latest], list[Break]] | None = None
                  ) -> LedgerVerifyResult:
    """Recomputes the chain and head, compares each entity's latest state with its row, then runs `rules`."""
    checker, latest, head = read_ledger_chain(session)
    result = start_ledger_result(checker, latest, head)
    result.rows_checked, problems = compare_projection(session=session, latest=latest)
    result.problems += problems
    if rules is not None:
        result.problems += rules(session, latest)
    result.first_break = result.problems[0] if result.problems else None
    return result


class ProjectionPass:
    """Compares the streamed rows of one tracked table with the latest ledger state of each (LG-SVC-3)."""

    def __init__(self, kind: str, columns: list[Any], primary_key: list[Any], latest: Latest,
                 local: frozenset[str] = frozenset()) -> None:
        from compliance.db.ledger.canonical import row_canonicaliser

        self.kind, self.latest, self.local = kind, latest, local
        self.canonical = row_canonicaliser(columns)
        self.pk_at = [columns.index(c) for c in primary_key]
        self.single = self.pk_at[0] if len(self.pk_at) == 1 else None
        self.rows = 0
        self.seen: set[str] = set()
        self.problems: list[Break] = []

    def feed(self, row: Any) -> None:
        """Compares one row (in the `columns` order given) with its entity's latest ledger entry."""
        kind = self.kind
        key = str(row[self.single]) if self.single is not None else "/".join(str(row[i]) for i in self.pk_at)
        if self.local and key in self.local:  # machine-local configuration, not a record (LG-REG-3)
            return
        self.rows += 1
        self.seen.add(key)
        entry = self.latest.get((kind, key))
        if entry is not None and entry[1] == self.canonical(row):  # intact (a state "null" never equals a row's)
            return
        if entry is None:
            self.problems.append(Break(f"{kind} {key}", "row is not in the ledger (inserted behind the application's "
                                       "back)", "a ledger entry", "none"))
            return
        state = entry[1]
        if state == "null":
            self.problems.append(Break(f"{kind} {key}", "row exists but the ledger recorded its deletion "
                                       f"(entry {entry[0]})", "no row", "a row"))
            return
        found = self.canonical(row)
        if state != found:
            self.problems.append(Break(f"{kind} {key}", "row differs from its latest ledger entry "
                                       f"{entry[0]} (edited behind the application's back)",
                                       *_first_difference(state, found)))


def compare_projection(*, session: Session, latest: Latest, streamed: dict[str, ProjectionPass] | None = None
                       ) -> tuple[int, list[Break]]:
    """Compares every tracked table row with the latest ledger state of its entity; returns (rows, breaks).

    Tables in `streamed` were already fed by the caller (read once for several checks) and are not read again.
    """
    from compliance.db.ledger.registry import LOCAL_ROWS, tracked_kinds
    from compliance.db.metadata import get_metadata

    metadata = get_metadata()
    problems: list[Break] = []
    seen: set[tuple[str, str]] = set()
    rows_checked = 0
    tracked = tracked_kinds()
    for table_name, kind in tracked.items():
        table = metadata.tables.get(table_name)
        if table is None:
            continue
        done = (streamed or {}).get(table_name)
        if done is None:
            pk, columns = list(table.primary_key.columns), list(table.columns)
            done = ProjectionPass(kind, columns, pk, latest, LOCAL_ROWS.get(table_name, frozenset()))
            feed = done.feed
            for row in stream_columns(session, columns, pk):
                feed(row)
        rows_checked += done.rows
        problems += done.problems
        seen.update((kind, key) for key in done.seen)
    kinds = set(tracked.values())
    for (kind, key), entry in latest.items():
        if kind in kinds and (kind, key) not in seen and entry[1] != "null":
            problems.append(Break(f"{kind} {key}", f"row recorded by ledger entry {entry[0]} is gone "
                                  "(deleted behind the application's back)", "a row", "none"))
    return rows_checked, problems


def _first_difference(recorded: str, found: str) -> tuple[str, str]:
    import json

    a, b = json.loads(recorded), json.loads(found)
    for name in sorted(set(a) | set(b)):
        if a.get(name) != b.get(name):
            return f"{name}={a.get(name)!r}", f"{name}={b.get(name)!r}"
    return short(recorded), short(found)


def require_ledger_intact(result: LedgerVerifyResult) -> None:
    """Raises IntegrityError (exit 4) naming the first broken item when the verification failed."""
    if result.first_break is not None:
        raise IntegrityError(str(result.first_break))
