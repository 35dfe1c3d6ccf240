"""Benchmark: start-up of everyday commands, as ratios to sqlite-utils measured in the same run.

Targets (issue 18):
- `compliance --help`                      <= 1.0 x `sqlite-utils --help`
- `compliance incident list` (100 incidents) <= 1.6 x `sqlite-utils rows` of the same table
- `compliance deadlines compute`           <= 1.2 x `sqlite-utils --help`

sqlite-utils is installed in the benchmark's own virtual environment (.bench/venv beside this repository,
created on first run), never as a project dependency. Every command runs in a fresh process; runs of the
commands compared are interleaved and the median wall time is kept, so a busy machine slows both sides alike.
`--baseline DIR` also measures another checkout (e.g. `git archive c46a1d2 | tar -x -C DIR`) in the same run,
and checks first that both print the same `incident list`: the same text and the same JSON document (key order
aside: before branch `startup`, incident keys came in SQLAlchemy's load order, now always in the model's order).

    python benchmarks/bench_startup.py [--runs 15] [--baseline DIR]
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
import venv
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
TARGETS = {"help": 1.0, "incident list": 1.6, "deadlines compute": 1.2}

SEED_SCRIPT = """
import sys
from datetime import UTC, datetime, timedelta
from compliance.db.store import init_store
from compliance.incidents.service import open_incident
store, _, _ = init_store(url=sys.argv[1], evidence_dir=sys.argv[2])
start = datetime(2026, 1, 1, 9, 0, tzinfo=UTC)
with store.session(immediate=True) as session:
    for n in range(100):
        open_incident(session=session, title=f"Synthetic incident {n}", severity=("sev1", "sev2", "sev3", "sev4")[n % 4],
                      detected_at=start + timedelta(hours=7 * n))
store.close()
"""


def bench_venv(folder: Path) -> Path:
    """Returns the sqlite-utils executable of the benchmark's own virtual environment, creating it once."""
    exe = folder / "venv" / "bin" / "sqlite-utils"
    if not exe.exists():
        venv.EnvBuilder(with_pip=True, clear=True).create(folder / "venv")
        subprocess.run([str(folder / "venv" / "bin" / "python"), "-m", "pip", "install", "-q", "sqlite-utils"], check=True)
    return exe


def compliance_cmd(python: str, *args: str) -> list[str]:
    """Returns the command line running `compliance ARGS` the way its console script does."""
    return [python, "-c", "from compliance.cli import main; main()", *args]


def wall(cmd: list[str], *, cwd: Path, env: dict[str, str]) -> float:
    """Returns the wall time of one run of `cmd` (it must succeed)."""
    begin = time.perf_counter()
    subprocess.run(cmd, cwd=cwd, env=env, check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    return time.perf_counter() - begin


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--runs", type=int, default=15)
    parser.add_argument("--baseline", type=Path, help="another checkout of compliance to measure in the same run")
    parser.add_argument("--bench-dir", type=Path, default=ROOT / ".bench")
    args = parser.parse_args()

    sqlite_utils = str(bench_venv(args.bench_dir))
    python = sys.executable
    roots = {"this checkout": ROOT}
    if args.baseline:
        roots["baseline"] = args.baseline.resolve()
    with tempfile.TemporaryDirectory() as tmp:
        db = Path(tmp) / "bench.db"
        url = f"sqlite:///{db}"
        base_env = {k: v for k, v in os.environ.items() if not k.startswith("COMPLIANCE_")}
        envs = {name: {**base_env, "PYTHONPATH": str(root), "PYTHONDONTWRITEBYTECODE": ""} for name, root in roots.items()}
        subprocess.run([python, "-c", SEED_SCRIPT, url, str(Path(tmp) / "evidence")], cwd=ROOT, env=envs["this checkout"],
                       check=True)
        compute = ("deadlines", "compute", "--regime", "gdpr", "--clock-start", "2026-03-01T11:00:00Z",
                   "--at", "2026-03-02T11:00:00Z")
        cases = {
            "help": ({name: compliance_cmd(python, "--help") for name in roots}, [sqlite_utils, "--help"]),
            "incident list": ({name: compliance_cmd(python, "incident", "list", "--db", url,
                                                    "--evidence-dir", str(Path(tmp) / "evidence")) for name in roots},
                              [sqlite_utils, "rows", str(db), "incident"]),
            "deadlines compute": ({name: compliance_cmd(python, *compute) for name in roots}, [sqlite_utils, "--help"]),
        }
        for extra in ([], ["--json"]):
            printed = {name: subprocess.run(cmd + extra, cwd=roots[name], env=envs[name], check=True, capture_output=True).stdout
                       for name, cmd in cases["incident list"][0].items()}
            if extra:
                printed = {name: json.dumps(json.loads(out), sort_keys=True) for name, out in printed.items()}
            if len(set(printed.values())) != 1:
                sys.exit(f"incident list {' '.join(extra)} prints differently in {', '.join(printed)}")
        print(f"{args.runs} interleaved runs per command, median wall time; sqlite-utils from {sqlite_utils}")
        print(f"{'case':<18} {'checkout':<14} {'compliance':>11} {'sqlite-utils':>13} {'ratio':>7} {'target':>7}")
        failed = False
        for case, (ours, theirs) in cases.items():
            times: dict[str, list[float]] = {name: [] for name in ours}
            reference: list[float] = []
            for name, cmd in ours.items():  # warm the file cache and byte-code once
                wall(cmd, cwd=roots[name], env=envs[name])
            wall(theirs, cwd=ROOT, env=base_env)
            for _ in range(args.runs):
                for name, cmd in ours.items():
                    times[name].append(wall(cmd, cwd=roots[name], env=envs[name]))
                reference.append(wall(theirs, cwd=ROOT, env=base_env))
            ref = statistics.median(reference)
            for name, values in times.items():
                ours_median = statistics.median(values)
                ratio = ours_median / ref
                verdict = "ok" if ratio <= TARGETS[case] else "MISSED"
                if name == "this checkout" and ratio > TARGETS[case]:
                    failed = True
                print(f"{case:<18} {name:<14} {ours_median:>10.3f}s {ref:>12.3f}s {ratio:>6.2f}x "
                      f"{TARGETS[case]:>6.1f}x  {verdict}")
        sys.exit(1 if failed else 0)


if __name__ == "__main__":
    main()
