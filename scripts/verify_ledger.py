#!/usr/bin/env python3
"""Recompute a compliance store's ledger without the compliance code: standard library + any RFC 8785 library.

    python3 verify_ledger.py STORE.db                 # a SQLite store
    python3 verify_ledger.py ledger.csv               # PostgreSQL: \\copy (SELECT ...) TO 'ledger.csv' CSV HEADER
    python3 verify_ledger.py STORE.db --head N HASH   # and check an old pack's head (manifest store.ledger)

Each entry's hash is SHA-256 over the RFC 8785 (JCS) form of {"db_role", "format", "key", "kind",
"prev_hash", "recorded_at", "seq", "state"}; prev_hash links it to the entry before (64 zeros first).
Prints the length and head hash and exits 0, or names the first broken entry and exits 4.
"""

import csv
import hashlib
import json
import sqlite3
import sys

import rfc8785  # pip install rfc8785 (any JCS implementation gives the same bytes)

COLUMNS = "seq, kind, entity_key, format, state, prev_hash, recorded_at, db_role, entry_hash"


def entries(path):
    if path.endswith(".csv"):
        with open(path, newline="", encoding="utf-8") as fh:
            for row in csv.DictReader(fh):
                row["seq"], row["format"] = int(row["seq"]), int(row["format"])
                row["db_role"] = row["db_role"] or None
                yield row
        return
    db = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
    db.row_factory = sqlite3.Row
    yield from (dict(r) for r in db.execute(f"SELECT {COLUMNS} FROM ledger_entry ORDER BY seq"))


def main(argv):
    prev, count, at = "0" * 64, 0, {}
    for e in entries(argv[1]):
        count += 1
        doc = {"db_role": e["db_role"], "format": e["format"], "key": e["entity_key"], "kind": e["kind"],
               "prev_hash": e["prev_hash"], "recorded_at": e["recorded_at"], "seq": e["seq"],
               "state": json.loads(e["state"])}
        digest = hashlib.sha256(rfc8785.dumps(doc)).hexdigest()
        problem = ("seq is not the next position" if e["seq"] != count else
                   "unknown format" if e["format"] != 1 else
                   "prev_hash does not link to the previous entry" if e["prev_hash"] != prev else
                   "entry_hash does not match its content" if digest != e["entry_hash"] else None)
        if problem:
            print(f"BROKEN: entry {count} ({e['kind']} {e['entity_key']}): {problem}")
            return 4
        prev = at[count] = e["entry_hash"]
    if "--head" in argv:
        n, expected = int(argv[argv.index("--head") + 1]), argv[argv.index("--head") + 2]
        if at.get(n) != expected:
            print(f"BROKEN: entry {n} is {at.get(n)}, the pack recorded {expected}")
            return 4
    print(f"intact: {count} entries, head {prev if count else 'none'}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
