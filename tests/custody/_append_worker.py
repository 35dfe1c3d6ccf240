"""A separate process that appends custody events (used by the concurrency and crash tests)."""

from __future__ import annotations

import os
import sys
import time
from pathlib import Path


def main() -> None:
    url, evidence_dir, refs, count, go = sys.argv[1], sys.argv[2], sys.argv[3].split(","), int(sys.argv[4]), Path(sys.argv[5])
    from compliance.custody.service import record_custody_event
    from compliance.db.store import open_store

    store = open_store(url=url, evidence_dir=evidence_dir)
    (go.parent / f"ready-{os.getpid()}").touch()
    while not go.exists():  # start together
        time.sleep(0.01)
    for i in range(count):
        record_custody_event(store=store, ref=refs[i % len(refs)], action="accessed",
                             actor=f"worker-{os.getpid()}", reason=f"read {i}")
    store.close()


if __name__ == "__main__":
    main()
