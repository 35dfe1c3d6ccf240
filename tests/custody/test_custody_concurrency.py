"""Concurrent appenders in real processes (SQLite file and PostgreSQL): one linear chain, nothing lost or forked."""

from __future__ import annotations

import itertools
import subprocess
import sys
import time
from collections import Counter
from pathlib import Path

import pytest

from compliance.custody.service import get_custody_log, verify_custody
from tests.custody.helpers import add_file

ROOT = Path(__file__).resolve().parents[2]
PROCESSES, EVENTS = 4, 50


@pytest.mark.slow
def test_four_processes_appending_fifty_events_each_form_one_verifying_chain(store, make_incident, tmp_path):
    ref = make_incident()
    add_file(store, ref, tmp_path, b"one", name="a.log")
    add_file(store, ref, tmp_path, b"two", name="b.log")
    go = tmp_path / "go"
    workers = [subprocess.Popen([sys.executable, "-m", "tests.custody._append_worker", store.url,
                                 str(store.evidence_dir), "EV-0001,EV-0002", str(EVENTS), str(go)],
                                cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
               for _ in range(PROCESSES)]
    deadline = time.monotonic() + 60
    while len(list(tmp_path.glob("ready-*"))) < PROCESSES and time.monotonic() < deadline:
        time.sleep(0.02)
    go.touch()  # every worker has imported and opened the store: they start together
    for worker in workers:
        _, err = worker.communicate(timeout=120)
        assert worker.returncode == 0, err
    with store.session() as session:
        log = get_custody_log(session=session)
    assert len(log) == 2 + PROCESSES * EVENTS
    assert [e["seq"] for e in log] == list(range(1, len(log) + 1))
    per_worker = Counter(e["actor"] for e in log if e["action"] == "accessed")
    assert sorted(per_worker.values()) == [EVENTS] * PROCESSES
    assert len({e["prev_hash"] for e in log}) == len(log), "two events share a predecessor: the chain forked"
    switches = sum(1 for a, b in itertools.pairwise(log) if a["actor"] != b["actor"])
    assert switches > PROCESSES, "the workers did not actually run at the same time"
    result = verify_custody(store=store)
    assert result.first_break is None and result.events_checked == len(log)
