"""Benchmark: audit packs for 100 and 1,000 synthetic incidents.

Prints time, pages, pages/second and peak memory of each build (each in its own process, so the
peak RSS is that build's own) and the ratio of the two times. Targets: ratio <= 12 (no worse
than linear growth) and the 1,000-incident pack under 1 GiB.

    PYTHONPATH=. python benchmarks/bench_audit_pack.py [--sizes 100 1000] [--seed 7]
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
t0 = time.perf_counter()
pdf = render_pack(model, stats=stats)
elapsed = time.perf_counter() - t0
peak_kib = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
print(json.dumps({"incidents": n, "seconds": elapsed, "pages": stats["pages"], "passes": stats["passes"],
                  "bytes": len(pdf), "peak_mib": peak_kib / 1024}))
"""


def run(n: int, seed: int) -> dict:
    env = dict(os.environ, PYTHONPATH=str(ROOT))
    out = subprocess.run([sys.executable, "-c", CHILD, str(n), str(seed)], capture_output=True, text=True,
                         env=env, check=True)
    return json.loads(out.stdout.strip().splitlines()[-1])


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", nargs=2, type=int, default=[100, 1000])
    parser.add_argument("--seed", type=int, default=7)
    args = parser.parse_args()
    results = [run(n, args.seed) for n in args.sizes]
    for r in results:
        print(f"{r['incidents']:>6} incidents: {r['seconds']:8.2f} s  {r['pages']:>6} pages  "
              f"{r['pages'] / r['seconds']:7.1f} pages/s  {r['passes']} passes  "
              f"{r['bytes'] / 1e6:7.1f} MB  peak {r['peak_mib']:7.1f} MiB")
    small, large = results
    ratio = large["seconds"] / small["seconds"]
    scale = large["incidents"] / small["incidents"]
    print(f"time ratio {ratio:.2f} for {scale:.0f}x incidents (target <= {1.2 * scale:.0f}); "
          f"peak memory of the larger pack {large['peak_mib']:.0f} MiB (target < 1024 MiB)")
    ok = ratio <= 1.2 * scale and large["peak_mib"] < 1024
    print("PASS" if ok else "FAIL")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
