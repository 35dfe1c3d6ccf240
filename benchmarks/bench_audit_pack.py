"""Benchmark: audit packs for 100 and 1,000 incidents, from demo stores (default) or synthetic models.

Prints time (wall and CPU: the machine may be shared), pages, pages per incident (target <= 2.0 for 100 demo
incidents), pages/second and peak memory of each build (each in its own process, so the peak RSS is that
build's own) and the ratio of the two times. Targets (issue 18): ratio <= 11, the 1,000-incident pack under
512 MiB, and with --baseline DIR at most 1/3 of the time of the pack built by commit c46a1d2 (extracted into
DIR with `git archive c46a1d2 | tar -x -C DIR` and run in the same invocation, same store, same options).

--source demo (default): a `compliance demo` store of N incidents is generated first (not timed),
then the whole `build_audit_pack` is timed: gathering from the store (documents, assessment against
four frameworks, custody verification, metrics), rendering and writing pack + manifest.
--source synthetic: only the renderer, on `compliance.reports.sample.sample_pack(N)`.

    PYTHONPATH=. python benchmarks/bench_audit_pack.py [--sizes 100 [1000]] [--seed 7] [--source demo|synthetic]
        [--baseline DIR [--baseline-commit c46a1d2]]
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]

CHILD = r"""
import json, resource, sys, time
from compliance.reports.sample import sample_pack
from compliance.reports.render import render_pack
n, seed = int(sys.argv[1]), int(sys.argv[2])
model = sample_pack(n, seed=seed, frameworks=("iso27001", "gdpr", "soc2"))
stats = {}
t0, c0 = time.perf_counter(), time.process_time()
pdf = render_pack(model, stats=stats)
elapsed, cpu = time.perf_counter() - t0, time.process_time() - c0
peak_kib = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
print(json.dumps({"incidents": n, "seconds": elapsed, "cpu_seconds": cpu, "pages": stats["pages"],
                  "passes": stats["passes"], "bytes": len(pdf), "peak_mib": peak_kib / 1024}))
"""


DEMO_CHILD = r"""
import json, resource, sys, tempfile, time
from datetime import datetime, timezone
from pathlib import Path
from compliance.db.store import init_store
from compliance.demo.generator import generate_demo
from compliance.reports.service import build_audit_pack
n, seed = int(sys.argv[1]), int(sys.argv[2])
as_of = datetime(2026, 11, 25, 12, 0, tzinfo=timezone.utc)
with tempfile.TemporaryDirectory() as tmp:
    folder = Path(tmp)
    store, _, _ = init_store(url=f"sqlite:///{folder / 'compliance.db'}", evidence_dir=folder / "evidence")
    t0 = time.perf_counter()
    generate_demo(store=store, incidents=n, seed=seed, as_of=as_of, workdir=folder)
    generated = time.perf_counter() - t0
    t0, c0 = time.perf_counter(), time.process_time()
    result = build_audit_pack(store=store, frameworks=["iso27001-2022", "soc2-2017", "nist-sp800-61r3", "gdpr"],
                              period_from=None, period_to=None, include_restricted=False, public=False, title=None,
                              organisation="Bench", generated_at=as_of, output=folder / "pack.pdf")
    elapsed, cpu = time.perf_counter() - t0, time.process_time() - c0
    store.close()
peak_kib = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
print(json.dumps({"incidents": n, "seconds": elapsed, "cpu_seconds": cpu, "pages": result.pages, "bytes": result.size,
                  "peak_mib": peak_kib / 1024, "generate_seconds": generated}))
"""


BASELINE_COMMIT = "c46a1d2"


def extract_baseline(folder: Path, commit: str) -> Path:
    """The tree of `commit` in `folder` (git archive | tar -x), unless it is already there."""
    folder.mkdir(parents=True, exist_ok=True)
    if not (folder / "compliance").is_dir():
        archive = subprocess.run(["git", "-C", str(ROOT), "archive", commit], capture_output=True, check=True).stdout
        subprocess.run(["tar", "-x", "-C", str(folder)], input=archive, check=True)
    return folder


def run(n: int, seed: int, source: str = "demo", root: Path = ROOT) -> dict:
    env = dict(os.environ, PYTHONPATH=str(root))
    child = DEMO_CHILD if source == "demo" else CHILD
    out = subprocess.run([sys.executable, "-c", child, str(n), str(seed)], capture_output=True, text=True,
                         env=env, check=True, cwd=root)
    return json.loads(out.stdout.strip().splitlines()[-1])


def line(r: dict) -> str:
    """One build's figures on one line."""
    return (f"{r['incidents']:>6} incidents: {r['seconds']:8.2f} s (cpu {r['cpu_seconds']:7.2f} s)  {r['pages']:>6} pages  "
            f"{r['pages'] / r['incidents']:5.2f} pages/incident  {r['pages'] / r['seconds']:7.1f} pages/s  "
            f"{r['bytes'] / 1e6:7.1f} MB  peak {r['peak_mib']:7.1f} MiB"
            + (f"  (store generated in {r['generate_seconds']:.1f} s, not timed)" if "generate_seconds" in r else ""))


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", nargs="+", type=int, default=[100, 1000],
                        help="one size (pages per incident only) or two (also the time ratio and memory)")
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--source", choices=["demo", "synthetic"], default="demo")
    parser.add_argument("--baseline", type=Path, help="folder to extract the baseline commit into and time it too")
    parser.add_argument("--baseline-commit", default=BASELINE_COMMIT)
    args = parser.parse_args()
    if len(args.sizes) > 2:
        parser.error("--sizes takes one or two sizes")
    results = [run(n, args.seed, args.source) for n in args.sizes]
    for r in results:
        print(line(r))
    ok = True
    large = results[-1]
    if len(results) == 2:
        small = results[0]
        ratio = large["seconds"] / small["seconds"]
        cpu_ratio = large["cpu_seconds"] / small["cpu_seconds"]
        scale = large["incidents"] / small["incidents"]
        print(f"time ratio {ratio:.2f} (cpu {cpu_ratio:.2f}) for {scale:.0f}x incidents (target <= {1.1 * scale:.0f}); "
              f"peak memory of the larger pack {large['peak_mib']:.0f} MiB (target < 512 MiB)")
        ok = min(ratio, cpu_ratio) <= 1.1 * scale and large["peak_mib"] < 512
    per_incident = {r["incidents"]: r["pages"] / r["incidents"] for r in results}
    if 100 in per_incident:
        print(f"pages per incident for 100 incidents: {per_incident[100]:.2f} (target <= 2.0)")
    ok = ok and per_incident.get(100, 0) <= 2.0
    if args.baseline:
        root = extract_baseline(args.baseline, args.baseline_commit)
        base = run(large["incidents"], args.seed, args.source, root=root)
        print(f"baseline {args.baseline_commit}: " + line(base))
        share, cpu_share = large["seconds"] / base["seconds"], large["cpu_seconds"] / base["cpu_seconds"]
        print(f"time of {large['incidents']} incidents against {args.baseline_commit}: {share:.2f} "
              f"(cpu {cpu_share:.2f}; target <= 0.33)")
        ok = ok and min(share, cpu_share) <= 1 / 3
    print("PASS" if ok else "FAIL")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
