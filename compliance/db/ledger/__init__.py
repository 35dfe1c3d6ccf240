"""The ledger: one append-only, hash-chained record of every change to every row an audit pack states.

Opt a table in with one line: `from compliance.db.ledger import track; track("my_table")` (or give the
model `__ledger__ = True`). See compliance.db.ledger.registry and notes/ledger-verify.md.
"""

from compliance.db.ledger.registry import track

__all__ = ["track"]
