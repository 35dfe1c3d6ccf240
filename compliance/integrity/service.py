"""Verify the whole store: the ledger (chain, head, rows against it, rules replayed), the custody chain, every blob.

IN-SVC-1  `verify_store` is what `compliance verify` and `compliance custody verify` run; the first
          broken item is named with what was expected and what was found, and every problem is listed.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from compliance.custody.service import Progress, VerifyResult, verify_custody
from compliance.db.ledger.canonical import Break
from compliance.db.ledger.service import LedgerVerifyResult, verify_ledger
from compliance.db.store import Store
from compliance.integrity.rules import replay_rules


@dataclass
class StoreVerifyResult:
    """The custody verification and the ledger verification of one store."""

    custody: VerifyResult
    ledger: LedgerVerifyResult
    counts: dict[str, int] = field(default_factory=dict)
    length: int = 0

    @property
    def problems(self) -> list[Break]:
        """Every problem found: the custody chain's first, then the ledger's."""
        return ([self.custody.first_break] if self.custody.first_break else []) + list(self.ledger.problems)

    @property
    def first_break(self) -> Break | None:
        """The first problem, or None when intact."""
        problems = self.problems
        return problems[0] if problems else None

    @property
    def intact(self) -> bool:
        """True when nothing is broken."""
        return self.first_break is None

    def summary(self) -> str:
        """Returns the one-line summary printed on success (or the first break)."""
        if self.first_break is not None:
            return f"BROKEN: {self.first_break}"
        counts = ", ".join(f"{n} {kind}" for kind, n in sorted(self.counts.items())) or "nothing"
        return (f"{self.custody.summary()}; ledger intact: {self.ledger.entries_checked} entries, "
                f"{self.ledger.rows_checked} rows match it ({counts}), rules replayed; ledger head {self.length} "
                f"{self.ledger.head_hash or 'none'}")

    def to_dict(self) -> dict[str, Any]:
        """Returns the JSON document of `verify --json`."""
        data = self.custody.to_dict()
        brk = self.first_break
        data.update({
            "intact": self.intact,
            "first_break": None if brk is None else {"item": brk.item, "problem": brk.problem, "expected": brk.expected,
                                                     "found": brk.found, "message": str(brk)},
            "problems": [str(p) for p in self.problems],
            "ledger": {"entries_checked": self.ledger.entries_checked, "rows_checked": self.ledger.rows_checked,
                       "length": self.length, "head_hash": self.ledger.head_hash, "counts": self.counts},
        })
        return data


def verify_store(*, store: Store, progress: Progress | None = None, check_blobs: bool = True) -> StoreVerifyResult:
    """Verifies the custody chain and blobs, then the ledger with the rules replayed; returns both results."""
    custody = verify_custody(store=store, progress=progress, check_blobs=check_blobs)
    with store.session() as session:
        ledger = verify_ledger(session=session, rules=replay_rules)
    return StoreVerifyResult(custody=custody, ledger=ledger, counts=dict(sorted(ledger.counts.items())),
                             length=ledger.entries_checked)
