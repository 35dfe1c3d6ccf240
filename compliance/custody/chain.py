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
from dataclasses import dataclass
from datetime import datetime, timezone
from typing import Any, Iterable, Mapping

GENESIS = "0" * 64
UTC = timezone.utc

# Keys of an event mapping that the hash covers (mapping key -> canonical key).
HASHED_FIELDS = {
    "seq": "seq", "evidence_ref": "evidence", "action": "action", "at": "at", "actor": "actor",
    "db_role": "db_role", "from_holder": "from", "to_holder": "to", "location": "location",
    "reason": "reason", "sha256": "sha256", "prev_hash": "prev_hash",
}


def canonical_instant(value: datetime) -> str:
    """Returns `value` as ISO 8601 UTC with microseconds and a Z (the hashed form of an instant)."""
    if value.tzinfo is None:
        value = value.replace(tzinfo=UTC)
    return value.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def canonical_event(event: Mapping[str, Any]) -> bytes:
    """Returns the canonical serialisation of an event (the bytes its event_hash covers)."""
    doc = {}
    for key, name in HASHED_FIELDS.items():
        value = event.get(key)
        doc[name] = canonical_instant(value) if isinstance(value, datetime) else value
    return json.dumps(doc, sort_keys=True, separators=(",", ":"), ensure_ascii=False).encode("utf-8")


def compute_event_hash(event: Mapping[str, Any]) -> str:
    """Returns the SHA-256 (hex) of the event's canonical serialisation."""
    return hashlib.sha256(canonical_event(event)).hexdigest()


def short(value: Any) -> str:
    """Returns a hash shortened for messages (first 16 hex digits and an ellipsis)."""
    if value is None:
        return "nothing"
    text = str(value)
    return text[:16] + "…" if len(text) > 16 else text


@dataclass(frozen=True)
class Break:
    """The first broken item of a verification: which item, what was expected, what was found."""

    item: str
    problem: str
    expected: str
    found: str

    def __str__(self) -> str:
        return f"{self.item}: {self.problem}: expected {self.expected}, found {self.found}"


class ChainChecker:
    """Checks events one at a time, in seq order, in constant memory; keeps the first break."""

    def __init__(self) -> None:
        self.count = 0
        self.prev_hash = GENESIS
        self.expected_seq = 1
        self.first_break: Break | None = None

    def _fail(self, brk: Break) -> None:
        if self.first_break is None:
            self.first_break = brk

    def check(self, event: Mapping[str, Any]) -> None:
        """Checks one event against its own hash and the previous event."""
        self.count += 1
        seq = event.get("seq")
        label = f"event {seq}"
        if seq != self.expected_seq:
            what = "missing" if isinstance(seq, int) and seq > self.expected_seq else "out of order"
            self._fail(Break(f"event {self.expected_seq}", f"chain position {what}",
                             f"seq {self.expected_seq}", f"seq {seq}"))
        recomputed = compute_event_hash(event)
        if recomputed != event.get("event_hash"):
            self._fail(Break(label, "event_hash does not match its content (event edited)",
                             short(recomputed), short(event.get("event_hash"))))
        if event.get("prev_hash") != self.prev_hash:
            self._fail(Break(label, "prev_hash does not link to the previous event",
                             short(self.prev_hash), short(event.get("prev_hash"))))
        self.prev_hash = event.get("event_hash")
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
