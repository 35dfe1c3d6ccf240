"""Stress: 4 writer processes x 200 mixed operations on one store, on SQLite and on PostgreSQL.

Each operation is a whole `compliance` command (click's runner, in the worker process): incident update --tag,
action add, timeline add, custody record, on two incidents. Prints, per engine: the errors shown to users,
the lost updates found in the audit trail (a change whose old value is not the previous change's new value),
duplicate action numbers, and the custody verification result. Expected: all zero, intact.

    .venv/bin/python benchmarks/stress_writers.py [--writers 4] [--operations 200] [--pg URL] [--engine sqlite]

Not a timed test: it prints what it found and exits non-zero when anything is wrong.
"""

from __future__ import annotations

import argparse
import itertools
import multiprocessing
import os
import sys
import tempfile
import time
import uuid
from collections import Counter
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
PG_URL = os.environ.get("COMPLIANCE_TEST_PG", "postgresql+psycopg://postgres@127.0.0.1:5432/test")
INCIDENTS = ("INC-0001", "INC-0002")
EVIDENCE = ("EV-0001", "EV-0002")


def _operation(i: int, me: str) -> list[str]:
    incident = INCIDENTS[i % 2]
    kind = i % 4
    if kind == 0:
        return ["incident", "update", incident, "--tag", f"{me}-{i}"]
    if kind == 1:
        return ["action", "add", incident, "--text", f"follow-up {me}-{i}", "--owner", me, "--due", "2026-04-01"]
    if kind == 2:
        return ["timeline", "add", incident, "--at", "2026-03-01T12:00:00Z", "--kind", "other", "--text", f"{me}-{i}"]
    return ["custody", "record", EVIDENCE[i % 2], "--action", "accessed", "--actor", me, "--reason", f"read {i}"]


def _worker(url: str, evidence_dir: str, operations: int, index: int, barrier, queue) -> None:
    from click.testing import CliRunner

    from compliance.cli import cli

    me = f"writer{index}"
    env = {"COMPLIANCE_DB": url, "COMPLIANCE_EVIDENCE": evidence_dir, "COMPLIANCE_ACTOR": me, "COMPLIANCE_TIMEZONE": None}
    runner = CliRunner()
    barrier.wait()
    errors = []
    for i in range(operations):
        args = _operation(i, me)
        result = runner.invoke(cli, args, env=env)
        if result.exit_code != 0 or (result.exception is not None and not isinstance(result.exception, SystemExit)):
            errors.append(f"{' '.join(args[:2])}: exit {result.exit_code}: "
                          f"{(result.stderr.strip() or repr(result.exception)).splitlines()[-1]}")
    queue.put(errors)


def _seed(url: str, evidence_dir: Path, scratch: Path) -> None:
    from click.testing import CliRunner

    from compliance.cli import cli

    env = {"COMPLIANCE_DB": url, "COMPLIANCE_EVIDENCE": str(evidence_dir), "COMPLIANCE_ACTOR": "seed"}
    runner = CliRunner()
    steps = [["init"]]
    for n, ref in enumerate(INCIDENTS):
        steps.append(["incident", "open", "--title", f"Stress {n}", "--severity", "sev3", "--detected-at",
                      "2026-03-01T11:00:00Z"])
        (scratch / f"log{n}.txt").write_bytes(f"evidence {n}\n".encode() * 100)
        steps.append(["evidence", "add", ref, str(scratch / f"log{n}.txt"), "--collected-by", "seed"])
    for args in steps:
        result = runner.invoke(cli, args, env=env)
        if result.exit_code != 0:
            raise SystemExit(f"seeding failed at {' '.join(args)}: {result.output}")


def _lost_updates(store) -> int:
    from compliance.incidents.service import get_incident, get_incident_changes

    lost = 0
    with store.session() as session:
        for ref in INCIDENTS:
            trail = get_incident_changes(session=session, incident=get_incident(session=session, ref=ref))
            by_field: dict[str, list] = {}
            for change in trail:
                by_field.setdefault(change.field, []).append(change)
            for changes in by_field.values():
                lost += sum(1 for a, b in itertools.pairwise(changes) if b.old_value != a.new_value)
    return lost


def _duplicate_numbers(store) -> int:
    from sqlmodel import select

    from compliance.actions.models import ActionItem

    with store.session() as session:
        pairs = Counter(session.exec(select(ActionItem.incident_id, ActionItem.number)).all())
    return sum(count - 1 for count in pairs.values())


def run_engine(name: str, url: str, writers: int, operations: int, scratch: Path) -> bool:
    from compliance.custody.service import verify_custody
    from compliance.db.store import open_store

    evidence_dir = scratch / f"evidence-{name}"
    _seed(url, evidence_dir, scratch)
    ctx = multiprocessing.get_context("spawn")
    barrier, queue = ctx.Barrier(writers), ctx.Queue()
    started = time.perf_counter()
    procs = [ctx.Process(target=_worker, args=(url, str(evidence_dir), operations, i, barrier, queue))
             for i in range(writers)]
    for p in procs:
        p.start()
    errors = list(itertools.chain.from_iterable(queue.get() for _ in procs))
    for p in procs:
        p.join()
    elapsed = time.perf_counter() - started
    store = open_store(url=url, evidence_dir=evidence_dir)
    try:
        lost, duplicates = _lost_updates(store), _duplicate_numbers(store)
        result = verify_custody(store=store)
    finally:
        store.close()
    crashed = sum(1 for p in procs if p.exitcode != 0)
    print(f"{name}: {writers} writers x {operations} operations in {elapsed:.1f} s")
    print(f"  errors shown to users: {len(errors)}")
    for line in Counter(errors).most_common(5):
        print(f"    {line[1]} x {line[0]}")
    print(f"  lost updates in the audit trail: {lost}")
    print(f"  duplicate action numbers: {duplicates}")
    print(f"  writer processes that crashed: {crashed}")
    print(f"  custody verification: {'intact' if result.intact else 'BROKEN'} ({result.events_checked} events)")
    return not errors and not lost and not duplicates and not crashed and result.intact


def _pg_schema(url: str):
    from sqlalchemy import create_engine, text
    from sqlalchemy.engine import make_url

    schema = "stress_" + uuid.uuid4().hex[:10]
    admin = create_engine(url, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'CREATE SCHEMA "{schema}"'))
    scoped = make_url(url).update_query_dict({"options": f"-csearch_path={schema}"}).render_as_string(hide_password=False)

    def drop() -> None:
        with admin.connect() as conn:
            conn.execute(text(f'DROP SCHEMA IF EXISTS "{schema}" CASCADE'))
        admin.dispose()

    return scoped, drop


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--writers", type=int, default=4)
    parser.add_argument("--operations", type=int, default=200)
    parser.add_argument("--pg", default=PG_URL)
    parser.add_argument("--engine", choices=["sqlite", "postgresql", "both"], default="both")
    args = parser.parse_args()
    ok = True
    with tempfile.TemporaryDirectory() as folder:
        scratch = Path(folder)
        if args.engine in ("sqlite", "both"):
            ok &= run_engine("sqlite", f"sqlite:///{scratch / 'stress.db'}", args.writers, args.operations, scratch)
        if args.engine in ("postgresql", "both"):
            url, drop = _pg_schema(args.pg)
            try:
                ok &= run_engine("postgresql", url, args.writers, args.operations, scratch)
            finally:
                drop()
    print("all zero, intact" if ok else "FAILURES found")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
