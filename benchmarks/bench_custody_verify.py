"""Benchmark: the whole-store verification (`compliance verify`, `custody verify`, the audit pack's integrity check,
`report verify --store`): the ledger chain and head, every tracked row against the ledger, the custody chain, the
rules replayed (custody, evidence, filings, audit trail) and every blob, over 100,000 custody events (100,000+
ledger entries) and 1,000 blobs of 1 MiB, against openssl over the same bytes.

Builds a SQLite store with --blobs evidence items (--blob-kib each, distinct random content) and
--events custody events in total (rows, custody chain and ledger entries appended in bulk, so building stays
quick), then times, in the same run and in a child process (imports paid once, as in the CLI):
  openssl : openssl dgst -sha256 over every blob file (one process, all files)
  verify  : compliance.integrity.service.verify_store(store), and its part without blobs (check_blobs=False)
Target (issue 12): verify <= 2 x openssl + 1 s. The machine is shared: say how busy it was with the figures.

    python benchmarks/bench_custody_verify.py [--events 100000] [--blobs 1000] [--blob-kib 1024] [--repeat 3]
"""

from __future__ import annotations

import argparse
import io
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

_CHILD = """
import json, sys, time
from compliance.db.store import open_store
from compliance.integrity.service import verify_store
store = open_store(url=sys.argv[1], evidence_dir=sys.argv[2])
t = time.perf_counter(); events_only = verify_store(store=store, check_blobs=False); t1 = time.perf_counter() - t
t = time.perf_counter(); full = verify_store(store=store); t2 = time.perf_counter() - t
print(json.dumps({"events_only": t1, "full": t2, "events": full.custody.events_checked, "blobs": full.custody.blobs_checked,
                  "entries": full.ledger.entries_checked, "intact": full.intact, "break": str(full.first_break)}))
"""


def build(store_dir: Path, events: int, blobs: int, blob_bytes: int):
    """Creates the store: blobs through the blob store, rows and a valid hash chain inserted in bulk."""
    from sqlalchemy import insert, update

    from compliance.custody.chain import GENESIS, compute_event_hash
    from compliance.custody.models import CustodyEvent, CustodyHead
    from compliance.db.ledger.canonical import canonical_state
    from compliance.db.ledger.service import append_states
    from compliance.db.store import init_store
    from compliance.evidence.blobs import LocalBlobStore
    from compliance.evidence.models import Evidence
    from compliance.incidents.service import open_incident

    store, _, _ = init_store(url=f"sqlite:///{store_dir / 'c.db'}", evidence_dir=store_dir / "evidence")
    t0 = datetime(2026, 3, 1, 11, tzinfo=UTC)
    with store.session(immediate=True) as session:
        incident_id = open_incident(session=session, title="bench", severity="sev3", detected_at=t0).id
    blob_store = LocalBlobStore(store.blobs_dir)
    items = []
    for i in range(blobs):
        info = blob_store.put(io.BytesIO(os.urandom(blob_bytes)))
        items.append({"id": i + 1, "number": i + 1, "ref": f"EV-{i + 1:04d}", "incident_id": incident_id,
                      "filename": f"f{i}.bin", "size": info.size, "sha256": info.sha256, "collected_by": "bench",
                      "collected_at": t0 + timedelta(seconds=i + 1)})  # its `collected` event is event i + 1
    rows, prev = [], GENESIS
    for seq in range(1, events + 1):
        item = items[(seq - 1) % len(items)]
        row = {"seq": seq, "evidence_id": item["id"], "evidence_ref": item["ref"],
               "action": "collected" if seq <= len(items) else "accessed", "at": t0 + timedelta(seconds=seq),
               "actor": "bench", "db_role": None, "from_holder": None,
               "to_holder": "bench" if seq <= len(items) else None, "location": None,
               "reason": None if seq <= len(items) else f"read {seq}", "sha256": item["sha256"], "prev_hash": prev}
        row["event_hash"] = prev = compute_event_hash(row)
        rows.append(row)
    with store.session(immediate=True) as session:
        session.execute(insert(Evidence), items)
        for k in range(0, len(rows), 10_000):
            session.execute(insert(CustodyEvent), rows[k:k + 10_000])
        session.execute(update(CustodyHead).where(CustodyHead.id == 1).values(seq=events, event_hash=prev))
        columns = [c.name for c in CustodyEvent.__table__.columns]
        evidence_columns = [c.name for c in Evidence.__table__.columns]
        changes = [("evidence", str(i["id"]), canonical_state({c: i.get(c) for c in evidence_columns})) for i in items]
        changes += [("custody_event", str(r["seq"]), canonical_state({c: r.get(c, r["seq"] if c == "id" else None)
                                                                      for c in columns})) for r in rows]
        append_states(session.connection(), changes)
    return store


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--events", type=int, default=100_000)
    parser.add_argument("--blobs", type=int, default=1000)
    parser.add_argument("--blob-kib", type=int, default=1024)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--dir", default=None)
    args = parser.parse_args()
    work = Path(tempfile.mkdtemp(prefix="bench-verify-", dir=args.dir))
    try:
        t = time.perf_counter()
        store = build(work, args.events, args.blobs, args.blob_kib * 1024)
        url, evidence_dir = store.url, str(store.evidence_dir)
        store.close()
        print(f"built {args.events} events and {args.blobs} blobs of {args.blob_kib} KiB in {time.perf_counter() - t:.1f} s")
        blob_files = sorted(str(p) for p in (work / "evidence" / "blobs").rglob("*") if p.is_file())
        total = sum(os.path.getsize(p) for p in blob_files)
        for p in blob_files:  # page cache warm for both contenders
            with open(p, "rb") as fh:
                fh.read()
        openssl, full, events_only = [], [], []
        env = {**os.environ, "PYTHONPATH": str(ROOT)}
        for _ in range(args.repeat):
            t = time.perf_counter()
            subprocess.run(["openssl", "dgst", "-sha256", *blob_files], check=True, stdout=subprocess.DEVNULL)
            openssl.append(time.perf_counter() - t)
            out = subprocess.run([sys.executable, "-c", _CHILD, url, evidence_dir], check=True, env=env,
                                 capture_output=True, text=True).stdout
            doc = json.loads(out)
            if not doc["intact"] or doc["events"] != args.events:
                raise SystemExit(f"verify did not pass: {doc}")
            full.append(doc["full"])
            events_only.append(doc["events_only"])
        o, f, e = min(openssl), min(full), min(events_only)
        print(f"blob bytes                         : {total / 1024 ** 2:.0f} MiB in {len(blob_files)} files")
        print(f"openssl dgst -sha256 (all blobs)   : {o:6.2f} s")
        print(f"verify, no blobs ({doc['entries']} ledger entries, {args.events} events, rules): {e:6.2f} s")
        print(f"verify, full (events + blobs)      : {f:6.2f} s  runs: {', '.join(f'{x:.2f}' for x in full)}")
        budget = 2 * o + 1
        print(f"budget 2 x openssl + 1 s           : {budget:6.2f} s  -> {'met' if f <= budget else 'NOT met'}"
              f" (verify / budget = {f / budget:.2f}, verify / openssl = {f / o:.2f}x)")
        print(f"load average (1, 5, 15 min)        : {' '.join(f'{x:.1f}' for x in os.getloadavg())} on "
              f"{os.cpu_count()} CPUs")
    finally:
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
