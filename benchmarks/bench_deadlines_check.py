"""Benchmark: `compliance deadlines check` over a store of 100,000 incidents with obligations.

Builds the store with bulk inserts (incidents with GDPR obligations: most notified, a few pending near
the check instant), then times, in the same run:
- the scheduled check's query (pending AND due <= at + window, through the (pending, due) index);
- the whole `compliance deadlines check` command in a fresh process (imports, store open, query, output);
- for scale, a naive Python loop that loads every obligation row and filters it in Python.
Target: the check answers within 2 s. Also prints the query plan so the index use is visible.

    PYTHONPATH=. python benchmarks/bench_deadlines_check.py [--incidents 100000] [--pg URL]
"""

from __future__ import annotations

import argparse
import os
import random
import subprocess
import sys
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

from sqlalchemy import insert, select, text

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from compliance.db.store import init_store  # noqa: E402
from compliance.deadlines.models import Obligation  # noqa: E402
from compliance.deadlines.service import get_check_findings  # noqa: E402
from compliance.incidents.models import Incident  # noqa: E402

UTC = UTC
AT = datetime(2026, 3, 10, 12, 0, tzinfo=UTC)


def build(store, n: int, seed: int) -> int:
    """Bulk-inserts n incidents, each with its GDPR authority and data-subject obligations."""
    rng = random.Random(seed)
    now = datetime(2026, 3, 10, tzinfo=UTC)
    batch = 10_000
    obligations = 0
    with store.engine.begin() as conn:
        for first in range(1, n + 1, batch):
            incidents, rows = [], []
            for number in range(first, min(n, first + batch - 1) + 1):
                detected = AT - timedelta(minutes=rng.randint(60, 365 * 24 * 60))
                aware = detected + timedelta(minutes=rng.randint(10, 600))
                incidents.append(dict(id=number, number=number, ref=f"INC-{number:04d}", title="Synthetic incident",
                                      severity="sev3", status="resolved", detected_at=detected, aware_at=aware,
                                      affected_services=[], personal_data=True, data_categories=[], regimes=["gdpr"],
                                      restricted=False, tags=[], extra={}, created_at=now, updated_at=now))
                due = aware + timedelta(hours=72)
                pending = due > AT - timedelta(days=2) and rng.random() < 0.5 or rng.random() < 0.0005
                filed = None if pending else aware + timedelta(hours=rng.randint(1, 80))
                rows.append(dict(incident_id=number, regime="gdpr", stage="authority_notification", clock_start=aware,
                                 due=due, pending=pending, first_notified_at=filed,
                                 late=bool(filed and filed > due), updated_at=now))
                rows.append(dict(incident_id=number, regime="gdpr", stage="data_subject_notification",
                                 clock_start=aware, due=None, pending=rng.random() < 0.3,
                                 first_notified_at=None, late=False, updated_at=now))
            conn.execute(insert(Incident), incidents)
            conn.execute(insert(Obligation), rows)
            obligations += len(rows)
    return obligations


def time_query(store, repeats: int = 5) -> tuple[float, int]:
    best = float("inf")
    count = 0
    for _ in range(repeats):
        with store.session() as session:
            t0 = time.perf_counter()
            findings = get_check_findings(session=session, at=AT, window=timedelta(hours=24))
            best = min(best, time.perf_counter() - t0)
            count = len(findings)
    return best, count


def time_naive(store) -> float:
    with store.session() as session:
        t0 = time.perf_counter()
        rows = session.exec(select(Obligation)).all()
        [r for r in rows if r[0].pending and r[0].due is not None and r[0].due <= AT + timedelta(hours=24)]
        return time.perf_counter() - t0


def time_cli(url: str, evidence: str) -> tuple[float, int]:
    env = dict(os.environ, PYTHONPATH=str(ROOT), COMPLIANCE_DB=url, COMPLIANCE_EVIDENCE=evidence)
    t0 = time.perf_counter()
    proc = subprocess.run([sys.executable, "-m", "compliance", "deadlines", "check", "--at", AT.isoformat()],
                          env=env, capture_output=True, text=True)
    return time.perf_counter() - t0, proc.returncode


def plan(store) -> str:
    sql = ("SELECT id FROM notification_obligation WHERE pending AND due IS NOT NULL AND due <= :at ORDER BY due")
    with store.engine.connect() as conn:
        if store.dialect == "sqlite":
            rows = conn.execute(text("EXPLAIN QUERY PLAN " + sql.replace("pending AND", "pending = 1 AND")),
                                {"at": "2026-03-11 12:00:00"}).all()
            return "; ".join(str(r[-1]) for r in rows)
        rows = conn.execute(text("EXPLAIN " + sql), {"at": AT + timedelta(hours=24)}).all()
        return "; ".join(r[0].strip() for r in rows)


def bench(url: str, evidence: str, n: int, seed: int) -> None:
    store, _, _ = init_store(url=url, evidence_dir=evidence)
    try:
        t0 = time.perf_counter()
        obligations = build(store, n, seed)
        if store.dialect == "postgresql":
            with store.engine.begin() as conn:
                conn.execute(text("ANALYZE"))
        built = time.perf_counter() - t0
        query, findings = time_query(store)
        naive = time_naive(store)
        cli_seconds, code = time_cli(url, evidence)
        print(f"{store.dialect}: {n:,} incidents, {obligations:,} obligations (built in {built:.1f} s)")
        print(f"  check query: {query * 1000:.1f} ms for {findings} findings (best of 5)")
        print(f"  naive loop over every obligation: {naive * 1000:.0f} ms  (ratio naive/indexed {naive / query:.0f}x)")
        print(f"  `compliance deadlines check` process: {cli_seconds:.2f} s, exit {code} (target < 2 s)")
        print(f"  plan: {plan(store)}")
    finally:
        store.close()


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--incidents", type=int, default=100_000)
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--pg", metavar="URL", help="Also run on this PostgreSQL URL (use an empty schema).")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        bench(f"sqlite:///{tmp}/bench.db", f"{tmp}/evidence", args.incidents, args.seed)
        if args.pg:
            bench(args.pg, f"{tmp}/evidence-pg", args.incidents, args.seed)
    return 0


if __name__ == "__main__":
    sys.exit(main())
