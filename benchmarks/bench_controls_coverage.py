"""Benchmark: `controls coverage` over 1,000 incidents (all four built-in frameworks).

Builds a SQLite store of N realistic incidents (compliance.demo.generator: timelines, post-mortems
of mixed quality, action items) in a temporary folder, then times, in the same run:

- get_coverage over every incident and framework (target: under 2 s for 1,000 incidents);
- the bulk document builder against building the documents one incident at a time (ratio);
- the engine alone on the prebuilt documents.

    PYTHONPATH=. python benchmarks/bench_controls_coverage.py [--incidents 1000] [--seed 7] [--repeat 3]
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path

from compliance.controls.engine import assess_document
from compliance.controls.loader import load_frameworks
from compliance.controls.service import get_coverage
from compliance.db.store import init_store
from compliance.demo.generator import generate_incident_data
from compliance.documents.service import build_incident_document, build_incident_documents
from compliance.incidents.service import list_incidents

AS_OF = datetime(2026, 6, 1, tzinfo=UTC)
TARGET_SECONDS = 2.0


def _best(func, repeat: int) -> float:
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        func()
        times.append(time.perf_counter() - start)
    return min(times)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--incidents", type=int, default=1000)
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as folder:
        store, _, _ = init_store(url=f"sqlite:///{Path(folder) / 'bench.db'}", evidence_dir=Path(folder) / "evidence")
        try:
            start = time.perf_counter()
            generate_incident_data(store=store, incidents=args.incidents, seed=args.seed, as_of=AS_OF)
            print(f"store of {args.incidents} incidents built in {time.perf_counter() - start:.1f} s")
            frameworks = load_frameworks()
            requirements = sum(len(f.requirements) for f in frameworks.values())
            with store.session() as session:
                coverage = _best(lambda: get_coverage(session=session, frameworks=frameworks, period_from=None,
                                                      period_to=None, as_of=AS_OF, include_restricted=True),
                                 args.repeat)
                incidents = list_incidents(session=session)
                bulk = _best(lambda: build_incident_documents(session=session, incidents=incidents, as_of=AS_OF),
                             args.repeat)
                one_by_one = _best(lambda: [build_incident_document(session=session, incident=i, as_of=AS_OF)
                                            for i in incidents], 1)
                documents = build_incident_documents(session=session, incidents=incidents, as_of=AS_OF)
                engine = _best(lambda: [assess_document(d, f) for d in documents for f in frameworks.values()],
                               args.repeat)
                data = get_coverage(session=session, frameworks=frameworks, period_from=None, period_to=None,
                                    as_of=AS_OF, include_restricted=True)
        finally:
            store.close()
    cells = len(incidents) * requirements
    print(f"frameworks {len(frameworks)}, requirements {requirements}, cells {cells}")
    print(f"get_coverage (best of {args.repeat}):     {coverage:6.2f} s  ({cells / coverage:,.0f} cells/s)  "
          f"target < {TARGET_SECONDS:.1f} s")
    print(f"  documents, bulk:                 {bulk:6.2f} s")
    print(f"  documents, one incident at a time: {one_by_one:6.2f} s  (bulk is {one_by_one / bulk:.1f}x faster)")
    print(f"  engine only:                     {engine:6.2f} s  ({cells / engine:,.0f} requirement checks/s)")
    totals = {k: sum(f["totals"][k] for f in data["frameworks"]) for k in data["frameworks"][0]["totals"]}
    print("status totals: " + ", ".join(f"{k} {v}" for k, v in totals.items()))
    ok = coverage < TARGET_SECONDS
    print("PASS" if ok else "FAIL")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
