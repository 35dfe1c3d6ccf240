"""Benchmark: `compliance evidence add` of a 1 GiB file against the floor and against the by-hand way.

Measured in the same run, on the same (page-cached) file, each the best of --repeat runs:
  floor   : openssl dgst -sha256 F && cp F D   (one hashing pass plus a copy)
  by hand : sha256sum F && cp F D              (what a careful person types)
  add     : `compliance evidence add INC F`     (a fresh store each run; hash + copy in one pass, fsync, rename,
                                                 row and custody event; includes interpreter start-up)
Peak memory: ru_maxrss of each child (os.wait4), and of a child that only imports the same modules, so the
memory the add itself needs is visible apart from the libraries' import footprint.

Targets (issue 3): add within 1.3x of the floor, faster than by hand, peak RSS <= 64 MiB.

    python benchmarks/bench_evidence_add.py [--size-mib 1024] [--repeat 3] [--dir /tmp]
"""

from __future__ import annotations

import argparse
import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
CLI = [sys.executable, "-m", "compliance"]


def run(cmd: list[str], *, cwd: Path | None = None, env: dict | None = None) -> tuple[float, int]:
    """Runs a child; returns (wall seconds, peak RSS in bytes) of that child alone."""
    start = time.perf_counter()
    proc = subprocess.Popen(cmd, cwd=cwd, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    _, status, usage = os.wait4(proc.pid, 0)
    elapsed = time.perf_counter() - start
    proc.returncode = os.waitstatus_to_exitcode(status)
    err = proc.stderr.read().decode() if proc.stderr else ""
    if proc.returncode != 0:
        raise SystemExit(f"{' '.join(cmd)} failed ({proc.returncode}): {err.strip()}")
    return elapsed, usage.ru_maxrss * 1024


_IN_PROCESS = """
import sys, time
from compliance.db.store import open_store
from compliance.custody.evidence import add_evidence
store = open_store(url="sqlite:///compliance.db", evidence_dir="evidence")
start = time.perf_counter()
add_evidence(store=store, incident_ref="INC-0001", path=sys.argv[1], collected_by="bench")
print(time.perf_counter() - start)
"""


def settle() -> None:
    """Flushes dirty pages so one run's write-back does not slow the next."""
    os.sync()
    time.sleep(0.5)


def make_file(path: Path, size: int) -> None:
    block = os.urandom(1 << 20)
    with open(path, "wb") as fh:
        for i in range(size // len(block)):
            fh.write(block[:8] + i.to_bytes(8, "little") + block[16:])  # distinct blocks, cheap to make
        fh.write(block[: size % len(block)])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--size-mib", type=int, default=1024)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--dir", default=None, help="scratch folder (same disk as a real evidence folder)")
    args = parser.parse_args()
    if not shutil.which("openssl") or not shutil.which("sha256sum"):
        raise SystemExit("needs openssl and sha256sum on PATH")
    work = Path(tempfile.mkdtemp(prefix="bench-evidence-", dir=args.dir))
    try:
        src = work / "big.bin"
        size = args.size_mib * 1024 * 1024
        make_file(src, size)
        with open(src, "rb") as fh:  # warm the page cache: every contender reads from memory
            while fh.read(1 << 24):
                pass
        settle()
        floor, floor_sync, by_hand, add, add_rss, inside = [], [], [], [], [], []
        env = {**os.environ, "PYTHONPATH": str(ROOT), "COMPLIANCE_TIMEZONE": ""}
        for i in range(args.repeat):
            dest = work / "copy.bin"
            floor.append(run(["sh", "-c", f'openssl dgst -sha256 "{src}" && cp "{src}" "{dest}"'])[0])
            dest.unlink()
            settle()
            floor_sync.append(run(["sh", "-c", f'openssl dgst -sha256 "{src}" && cp "{src}" "{dest}" && sync "{dest}"'])[0])
            dest.unlink()
            settle()
            by_hand.append(run(["sh", "-c", f'sha256sum "{src}" && cp "{src}" "{dest}"'])[0])
            dest.unlink()
            settle()
            store = work / f"store{i}"
            store.mkdir()
            run(CLI + ["init"], cwd=store, env=env)
            run(CLI + ["incident", "open", "--title", "bench", "--severity", "sev3",
                       "--detected-at", "2026-03-01T11:00:00Z"], cwd=store, env=env)
            settle()
            seconds, rss = run(CLI + ["evidence", "add", "INC-0001", str(src), "--collected-by", "bench"],
                               cwd=store, env=env)
            add.append(seconds)
            add_rss.append(rss)
            shutil.rmtree(store / "evidence")
            (store / "compliance.db").unlink()
            run(CLI + ["init"], cwd=store, env=env)
            run(CLI + ["incident", "open", "--title", "bench", "--severity", "sev3",
                       "--detected-at", "2026-03-01T11:00:00Z"], cwd=store, env=env)
            settle()
            out = subprocess.run([sys.executable, "-c", _IN_PROCESS, str(src)], cwd=store, env=env, check=True,
                                 capture_output=True, text=True).stdout
            inside.append(float(out.strip().splitlines()[-1]))
            shutil.rmtree(store, ignore_errors=True)
            settle()
        _, import_rss = run([sys.executable, "-c", "import compliance.cli, compliance.custody.evidence"], env=env)
        best_floor, best_hand, best_add = min(floor), min(by_hand), min(add)
        mib = 1024 * 1024
        print(f"file: {args.size_mib} MiB, best of {args.repeat} runs each (page-cached source)")
        print(f"floor   openssl dgst -sha256 && cp : {best_floor:6.2f} s  ({size / best_floor / 1e9:.2f} GB/s)")
        print(f"floor + sync DEST (durable copy)   : {min(floor_sync):6.2f} s  "
              f"(add fsyncs its blob before recording it; cp does not)")
        print(f"by hand sha256sum && cp            : {best_hand:6.2f} s  ({size / best_hand / 1e9:.2f} GB/s)")
        print(f"compliance evidence add            : {best_add:6.2f} s  ({size / best_add / 1e9:.2f} GB/s)"
              f"  runs: {', '.join(f'{x:.2f}' for x in add)}")
        print(f"add_evidence() alone (no start-up) : {min(inside):6.2f} s  runs: {', '.join(f'{x:.2f}' for x in inside)}")
        print(f"ratio add / floor                  : {best_add / best_floor:6.2f}x  (target <= 1.30x; includes "
              f"{best_add - min(inside):.2f} s of interpreter and library start-up)")
        print(f"ratio add_evidence() / floor       : {min(inside) / best_floor:6.2f}x")
        print(f"ratio add / (floor + sync)         : {best_add / min(floor_sync):6.2f}x")
        print(f"ratio add / by hand                : {best_add / best_hand:6.2f}x  (target < 1.00x)")
        print(f"peak RSS of evidence add           : {max(add_rss) / mib:6.1f} MiB  (target <= 64 MiB)")
        print(f"peak RSS importing the same modules: {import_rss / mib:6.1f} MiB  "
              f"(so the add itself needs {(max(add_rss) - import_rss) / mib:.1f} MiB)")
    finally:
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
