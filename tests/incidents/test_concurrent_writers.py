"""Four real processes writing to one incident (SQLite file and PostgreSQL): no error reaches a user, no update lost."""

from __future__ import annotations

import itertools
import subprocess
import sys
import time
from pathlib import Path

import pytest
from sqlmodel import select

from compliance.actions.models import ActionItem
from compliance.incidents.service import get_incident, get_incident_changes

ROOT = Path(__file__).resolve().parents[2]
PROCESSES = 4


def _run_workers(store, tmp_path, mode: str, count: int) -> list[str]:
    go = tmp_path / "go"
    workers = [subprocess.Popen([sys.executable, "-m", "tests.incidents._writer_worker", store.url,
                                 str(store.evidence_dir), mode, str(count), str(go)],
                                cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
               for _ in range(PROCESSES)]
    deadline = time.monotonic() + 60
    while len(list(tmp_path.glob("ready-*"))) < PROCESSES and time.monotonic() < deadline:
        time.sleep(0.02)
    go.touch()
    errors = []
    for worker in workers:
        out, err = worker.communicate(timeout=300)
        assert worker.returncode == 0, err
        errors += out.splitlines()
    return errors


@pytest.mark.slow
def test_parallel_tag_updates_keep_every_old_value_in_the_audit_trail(store, make_incident, tmp_path):
    make_incident()
    assert _run_workers(store, tmp_path, "tag", 15) == []
    with store.session() as session:
        incident = get_incident(session=session, ref="INC-0001")
        trail = [c for c in get_incident_changes(session=session, incident=incident) if c.field == "tags"]
    assert len(trail) == PROCESSES * 15
    assert trail[0].old_value == ""  # the empty tag list
    for before, after in itertools.pairwise(trail):
        assert after.old_value == before.new_value, f"lost update: change {after.seq} starts from a replaced value"
    assert incident.tags == [trail[-1].new_value]


@pytest.mark.slow
def test_parallel_writers_never_show_a_locked_store_or_a_duplicate_number(store, make_incident, tmp_path):
    make_incident()
    assert _run_workers(store, tmp_path, "mixed", 18) == []
    with store.session() as session:
        numbers = sorted(session.exec(select(ActionItem.number)).all())
    assert numbers == list(range(1, PROCESSES * 6 + 1))
