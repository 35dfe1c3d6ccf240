"""Verify the whole store: the ledger (chain, head, rows against it, rules replayed), the custody chain, every blob.

IN-SVC-1  `verify_store` is what `compliance verify` and `compliance custody verify` run; the first
          broken item is named with what was expected and what was found, and every problem is listed.
IN-SVC-2  It reads each table once: the custody log feeds the custody chain, the ledger projection and the custody
          rules in one stream, while the blobs are re-hashed on other threads.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from compliance.custody.verify import (
    CustodyChainPass,
    Progress,
    VerifyResult,
    chain_columns,
    finish_blob_check,
    read_custody_start,
    read_programme_rows,
    start_blob_check,
)
from compliance.db.ledger.canonical import Break
from compliance.db.ledger.registry import tracked_kinds
from compliance.db.ledger.service import (
    LedgerVerifyResult,
    ProjectionPass,
    compare_projection,
    read_ledger_chain,
    start_ledger_result,
)
from compliance.db.sqlite_read import stream_columns
from compliance.db.store import Store
from compliance.integrity.rules import CustodyReplay, other_rule_breaks


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
            "first_break": None if brk is None else brk.to_dict(),
            "problems": [str(p) for p in self.problems],
            "ledger": {"entries_checked": self.ledger.entries_checked, "rows_checked": self.ledger.rows_checked,
                       "length": self.length, "head_hash": self.ledger.head_hash, "counts": self.counts},
        })
        return data


def verify_store(*, store: Store, progress: Progress | None = None, check_blobs: bool = True) -> StoreVerifyResult:
    """Verifies the custody chain and blobs, then the ledger with the rules replayed; returns both results.

    One read of each table: blobs are hashed in the background while the ledger chain is checked, then the custody log
    is streamed once for its chain, its ledger projection and its rules (IN-SVC-2).
    """
    from compliance.db.metadata import get_metadata

    with store.session() as session:
        custody_head, evidence_rows = read_custody_start(session)
        programme_rows = read_programme_rows(session)
        blob_rows = [*evidence_rows, *programme_rows]  # evidence, then programme documents
        started = start_blob_check(store=store, evidence_rows=blob_rows, progress=progress) if check_blobs else None
        try:
            checker, latest, head = read_ledger_chain(session)
            ledger = start_ledger_result(checker, latest, head)
            columns = chain_columns()
            chain = CustodyChainPass(evidence_rows, programme_rows)
            table = get_metadata().tables["custody_event"]
            streamed = {}
            passes = [chain.feed]
            if "custody_event" in tracked_kinds():
                projection = ProjectionPass(tracked_kinds()["custody_event"], columns, list(table.primary_key.columns),
                                            latest)
                streamed["custody_event"] = projection
                passes.append(projection.feed)
            replay = CustodyReplay(session, latest)
            passes.append(replay.feed)
            rows = stream_columns(session, columns, [table.c.seq])
            if len(passes) == 3:  # chain, projection, rules: the usual case, without a loop per row
                feed_chain, feed_projection, feed_rules = passes
                for row in rows:
                    feed_chain(row)
                    feed_projection(row)
                    feed_rules(row)
            else:
                for row in rows:
                    for feed in passes:
                        feed(row)
            ledger.rows_checked, problems = compare_projection(session=session, latest=latest, streamed=streamed)
            ledger.problems += problems + replay.finish() + other_rule_breaks(session)
            ledger.first_break = ledger.problems[0] if ledger.problems else None
        except BaseException:
            if started is not None:
                started[0].shutdown(wait=True, cancel_futures=True)
            raise
    custody = chain.finish(custody_head)
    custody.programme_checked = len(blob_rows) - len(evidence_rows)
    if started is not None:
        finish_blob_check(custody, started, blob_rows)
    return StoreVerifyResult(custody=custody, ledger=ledger, counts=dict(sorted(ledger.counts.items())),
                             length=ledger.entries_checked)
