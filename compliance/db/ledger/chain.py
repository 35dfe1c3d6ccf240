"""The ledger's hash chain as pure functions: the canonical entry, its hash, and a streaming checker.

LG-CHN-1  An entry is the RFC 8785 canonical JSON of {"db_role", "format", "key", "kind", "prev_hash",
          "recorded_at", "seq", "state"}; entry_hash = SHA-256 (hex) of its UTF-8 bytes. `state` is the
          canonical JSON of the row (null for a deletion). Any JCS library recomputes it: see notes/ledger-verify.md.
LG-CHN-2  The first entry's prev_hash is GENESIS (64 zeros); seq runs 1, 2, 3, … without gaps; the
          head (ledger_head) must equal the last entry, so a removed tail is detected.
LG-CHN-3  `format` is the version of the entry's form (1 today); a verifier refuses forms it does not know.
"""

from __future__ import annotations

import hashlib
from hashlib import sha256
from json.encoder import encode_basestring as _json_str
from typing import Any

from compliance.db.ledger.canonical import GENESIS, Break, short

FORMAT = 1
FORMATS = {1}


def canonical_entry(*, seq: int, kind: str, key: str, state: str, prev_hash: str, recorded_at: str,
                    db_role: str | None, fmt: int = FORMAT) -> str:
    """Returns the canonical text of a ledger entry (`state` is already canonical JSON text)."""
    return _entry_text(seq, kind, key, state, prev_hash, recorded_at, db_role, fmt)


def _entry_text(seq: Any, kind: Any, key: Any, state: Any, prev_hash: Any, recorded_at: Any, db_role: Any,
                fmt: Any) -> str:
    """canonical_entry with positional arguments (the verification calls it once per entry)."""
    role = "null" if db_role is None else _json_str(db_role)
    return (f'{{"db_role":{role},"format":{fmt},"key":{_json_str(key)},"kind":{_json_str(kind)},'
            f'"prev_hash":{_json_str(prev_hash)},"recorded_at":{_json_str(recorded_at)},"seq":{seq},"state":{state}}}')


def entry_hash(**entry: Any) -> str:
    """Returns the SHA-256 (hex) of a ledger entry's canonical text."""
    return hashlib.sha256(canonical_entry(**entry).encode("utf-8")).hexdigest()


# Column order of LedgerChecker.check_row.
ROW_COLUMNS = ("seq", "kind", "entity_key", "state", "prev_hash", "recorded_at", "db_role", "format", "entry_hash")


class SequenceChecker:
    """A hash chain read one entry at a time in seq order, in constant memory, keeping the first break
    (the ledger's entries here, custody events in compliance.custody.chain)."""

    def __init__(self) -> None:
        self.count = 0
        self.prev_hash = GENESIS
        self.expected_seq = 1
        self.first_break: Break | None = None

    def _fail(self, brk: Break) -> None:
        if self.first_break is None:
            self.first_break = brk


class LedgerChecker(SequenceChecker):
    """Checks ledger entries one at a time in seq order, in constant memory; keeps the first break."""

    def check_row(self, row: tuple) -> None:
        """Checks one entry given in ROW_COLUMNS order against its own hash and the previous entry."""
        seq, kind, key, state, prev_hash, recorded_at, db_role, fmt, stored = row
        if (seq == self.expected_seq and prev_hash == self.prev_hash and fmt in FORMATS
                and sha256(_entry_text(seq, kind, key, state, prev_hash, recorded_at, db_role, fmt).encode("utf-8")
                           ).hexdigest() == stored):  # intact: the checks below all pass
            self.count += 1
            self.prev_hash = stored
            self.expected_seq += 1
            return
        self.count += 1
        if seq != self.expected_seq:
            what = "missing" if isinstance(seq, int) and seq > self.expected_seq else "out of order"
            self._fail(Break(f"ledger entry {self.expected_seq}", f"ledger position {what}",
                             f"seq {self.expected_seq}", f"seq {seq}"))
        if fmt not in FORMATS:
            self._fail(Break(f"ledger entry {seq} ({kind} {key})", "unknown entry format", f"one of {sorted(FORMATS)}", str(fmt)))
        else:
            text = canonical_entry(seq=seq, kind=kind, key=key, state=state, prev_hash=prev_hash,
                                   recorded_at=recorded_at, db_role=db_role, fmt=fmt)
            recomputed = hashlib.sha256(text.encode("utf-8")).hexdigest()
            if recomputed != stored:
                self._fail(Break(f"ledger entry {seq} ({kind} {key})",
                                 "entry_hash does not match its content (entry edited or moved)",
                                 short(recomputed), short(stored)))
        if prev_hash != self.prev_hash:
            self._fail(Break(f"ledger entry {seq} ({kind} {key})", "prev_hash does not link to the previous entry",
                             short(self.prev_hash),
                             short(prev_hash)))
        self.prev_hash = stored
        self.expected_seq = (seq if isinstance(seq, int) else self.expected_seq) + 1

    def finish(self, *, head_seq: int | None, head_hash: str | None) -> None:
        """Checks the recorded ledger head against the last entry seen."""
        last_seq = self.expected_seq - 1
        last_hash = self.prev_hash if self.count else None
        if (head_seq or 0) != last_seq or (head_hash or None) != last_hash:
            self._fail(Break("ledger head", "the last entry is not the recorded head (entries removed or added "
                             "behind the ledger's back)", f"entry {head_seq or 0} {short(head_hash)}",
                             f"entry {last_seq} {short(last_hash)}"))
