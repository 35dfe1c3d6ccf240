"""The custody hash chain as pure functions: canonical form, event hash, and verification of a sequence.

CU-CHN-1  event_hash = SHA-256 of the canonical JSON (sorted keys, no whitespace, UTF-8, instants as
          ISO 8601 UTC with microseconds) of: seq, evidence, action, at, actor, db_role, from, to,
          location, reason, sha256, prev_hash.
CU-CHN-2  The first event's prev_hash is GENESIS (64 zeros); each next event's prev_hash is the
          previous event's event_hash; seq runs 1, 2, 3, … without gaps.
CU-CHN-3  The chain head (last seq and hash, kept beside the chain) must equal the last event, so a
          removed tail is detected too.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable, Mapping
from datetime import UTC, datetime
from hashlib import sha256
from json.encoder import encode_basestring as _json_str
from typing import Any

from compliance.db.ledger.canonical import GENESIS, Break, canonical_instant, short
from compliance.db.ledger.chain import SequenceChecker

__all__ = ["GENESIS", "Break", "canonical_instant", "short"]

UTC = UTC

# Keys of an event mapping that the hash covers (mapping key -> canonical key).
HASHED_FIELDS = {
    "seq": "seq", "evidence_ref": "evidence", "action": "action", "at": "at", "actor": "actor",
    "db_role": "db_role", "from_holder": "from", "to_holder": "to", "location": "location",
    "reason": "reason", "sha256": "sha256", "prev_hash": "prev_hash",
}


def canonical_event_reference(event: Mapping[str, Any]) -> bytes:
    """The canonical serialisation written plainly with json.dumps (the definition; `canonical_event` is its fast twin)."""
    doc = {}
    for key, name in HASHED_FIELDS.items():
        value = event.get(key)
        doc[name] = canonical_instant(value) if isinstance(value, datetime) else value
    return json.dumps(doc, sort_keys=True, separators=(",", ":"), ensure_ascii=False).encode("utf-8")


_str = _json_str  # JSON string literal, exactly as json.dumps(ensure_ascii=False) writes it


def _v(value: Any) -> str:
    if value is None:
        return "null"
    cls = value.__class__
    if cls is str:
        return _str(value)
    if cls is int:
        return str(value)
    if isinstance(value, datetime):
        return '"' + canonical_instant(value) + '"'
    return json.dumps(value, ensure_ascii=False)


def canonical_values(seq: Any, evidence_ref: Any, action: Any, at: Any, actor: Any, db_role: Any,
                     from_holder: Any, to_holder: Any, location: Any, reason: Any, sha256: Any,
                     prev_hash: Any) -> bytes:
    """Returns the canonical serialisation from the hashed values (keys in sorted order, no whitespace)."""
    s, v, n = _str, _v, None
    instant = '"' + canonical_instant(at) + '"' if at.__class__ is datetime else v(at)
    return (
        f'{{"action":{s(action) if action.__class__ is str else v(action)}'
        f',"actor":{s(actor) if actor.__class__ is str else v(actor)}'
        f',"at":{instant}'
        f',"db_role":{"null" if db_role is n else s(db_role) if db_role.__class__ is str else v(db_role)}'
        f',"evidence":{s(evidence_ref) if evidence_ref.__class__ is str else v(evidence_ref)}'
        f',"from":{"null" if from_holder is n else s(from_holder) if from_holder.__class__ is str else v(from_holder)}'
        f',"location":{"null" if location is n else s(location) if location.__class__ is str else v(location)}'
        f',"prev_hash":{s(prev_hash) if prev_hash.__class__ is str else v(prev_hash)}'
        f',"reason":{"null" if reason is n else s(reason) if reason.__class__ is str else v(reason)}'
        f',"seq":{str(seq) if seq.__class__ is int else v(seq)}'
        f',"sha256":{s(sha256) if sha256.__class__ is str else v(sha256)}'
        f',"to":{"null" if to_holder is n else s(to_holder) if to_holder.__class__ is str else v(to_holder)}}}'
    ).encode()


def canonical_event(event: Mapping[str, Any]) -> bytes:
    """Returns the canonical serialisation of an event (the bytes its event_hash covers)."""
    get = event.get
    return canonical_values(get("seq"), get("evidence_ref"), get("action"), get("at"), get("actor"), get("db_role"),
                            get("from_holder"), get("to_holder"), get("location"), get("reason"), get("sha256"),
                            get("prev_hash"))


def compute_event_hash(event: Mapping[str, Any]) -> str:
    """Returns the SHA-256 (hex) of the event's canonical serialisation."""
    return hashlib.sha256(canonical_event(event)).hexdigest()


# Column order of check_row: the twelve hashed values in canonical_values order, then event_hash.
ROW_COLUMNS = ("seq", "evidence_ref", "action", "at", "actor", "db_role", "from_holder", "to_holder", "location",
               "reason", "sha256", "prev_hash", "event_hash")
# Positions in a ROW_COLUMNS tuple, by name (the verification reads tuples for speed).
SEQ, EVIDENCE_REF, ACTION, SHA256, PREV_HASH, EVENT_HASH = (
    ROW_COLUMNS.index(name) for name in ("seq", "evidence_ref", "action", "sha256", "prev_hash", "event_hash"))


class ChainChecker(SequenceChecker):
    """Checks events one at a time, in seq order, in constant memory; keeps the first break."""

    def check(self, event: Mapping[str, Any]) -> None:
        """Checks one event against its own hash and the previous event."""
        self.check_hashed(event.get("seq"), event.get("prev_hash"), event.get("event_hash"),
                          compute_event_hash(event))

    def check_row(self, row: tuple) -> None:
        """Checks one event given as a tuple in ROW_COLUMNS order (the fast path of a full verification)."""
        recomputed = sha256(canonical_values(*row[:EVENT_HASH])).hexdigest()
        if row[SEQ] == self.expected_seq and recomputed == row[EVENT_HASH] and row[PREV_HASH] == self.prev_hash:
            self.count += 1  # intact: what check_hashed does when every check passes
            self.prev_hash = recomputed
            self.expected_seq += 1
            return
        self.check_hashed(row[SEQ], row[PREV_HASH], row[EVENT_HASH], recomputed)

    def check_hashed(self, seq: Any, prev_hash: Any, event_hash: Any, recomputed: str) -> None:
        """Checks an event's position, its recomputed hash and its link to the previous event."""
        self.count += 1
        if seq != self.expected_seq:
            what = "missing" if isinstance(seq, int) and seq > self.expected_seq else "out of order"
            self._fail(Break(f"event {self.expected_seq}", f"chain position {what}",
                             f"seq {self.expected_seq}", f"seq {seq}"))
        if recomputed != event_hash:
            self._fail(Break(f"event {seq}", "event_hash does not match its content (event edited or moved)",
                             short(recomputed), short(event_hash)))
        if prev_hash != self.prev_hash:
            self._fail(Break(f"event {seq}", "prev_hash does not link to the previous event",
                             short(self.prev_hash), short(prev_hash)))
        self.prev_hash = event_hash
        self.expected_seq = (seq if isinstance(seq, int) else self.expected_seq) + 1

    def finish(self, *, head_seq: int | None, head_hash: str | None) -> None:
        """Checks the recorded chain head against the last event seen."""
        last_seq = self.expected_seq - 1
        last_hash = self.prev_hash if self.count else None
        if (head_seq or 0) != last_seq or (head_hash or None) != last_hash:
            self._fail(Break("chain head", "the last event is not the recorded head (events removed or added "
                             "behind the chain's back)", f"event {head_seq or 0} {short(head_hash)}",
                             f"event {last_seq} {short(last_hash)}"))


def verify_events(events: Iterable[Mapping[str, Any]], *, head_seq: int | None = None,
                  head_hash: str | None = None, check_head: bool = True) -> Break | None:
    """Returns the first break of a sequence of events (in stored seq order), or None when intact."""
    checker = ChainChecker()
    for event in events:
        checker.check(event)
    if check_head:
        checker.finish(head_seq=head_seq, head_hash=head_hash)
    return checker.first_break


def build_chain(events: Iterable[Mapping[str, Any]]) -> list[dict[str, Any]]:
    """Returns the events numbered 1… with prev_hash and event_hash filled in (for tests and tools)."""
    out, prev = [], GENESIS
    for seq, event in enumerate(events, start=1):
        item = dict(event, seq=seq, prev_hash=prev)
        item["event_hash"] = compute_event_hash(item)
        prev = item["event_hash"]
        out.append(item)
    return out
