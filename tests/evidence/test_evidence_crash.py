"""Crash safety on SQLite and PostgreSQL: a kill mid-copy or a failure before commit leaves a consistent store."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from sqlmodel import select

from compliance.custody.evidence import add_evidence
from compliance.custody.service import verify_custody
from compliance.evidence.models import Evidence
from tests.custody.helpers import add_file

ROOT = Path(__file__).resolve().parents[2]

_CHILD = """
import sys
from compliance.db.store import open_store
from compliance.custody.evidence import add_evidence
store = open_store(url=sys.argv[1], evidence_dir=sys.argv[2])
add_evidence(store=store, incident_ref=sys.argv[3], path=sys.argv[4], collected_by="cron")
"""


def _evidence_count(store) -> int:
    with store.session() as session:
        return len(session.exec(select(Evidence)).all())


@pytest.mark.slow
def test_a_process_killed_mid_copy_leaves_no_row_no_blob_and_a_verifying_store(store, make_incident, tmp_path):
    ref = make_incident()
    add_file(store, ref, tmp_path, b"earlier evidence")
    big = tmp_path / "disk.img"
    with open(big, "wb") as fh:
        fh.truncate(8 * 1024 ** 3)  # sparse: reading it takes seconds, so the kill lands mid-copy
    child = subprocess.Popen([sys.executable, "-c", _CHILD, store.url, str(store.evidence_dir), ref, str(big)],
                             cwd=ROOT, stderr=subprocess.PIPE)
    deadline = time.monotonic() + 30
    partial = []
    while time.monotonic() < deadline and not partial:
        partial = [p for p in store.blobs_dir.glob(".incoming-*") if p.stat().st_size > 0]
        time.sleep(0.01)
    assert partial, "the child never started copying"
    os.kill(child.pid, signal.SIGKILL)
    child.communicate(timeout=10)  # waits and closes the stderr pipe (an open pipe is a ResourceWarning)
    assert child.returncode == -signal.SIGKILL
    assert _evidence_count(store) == 1
    result = verify_custody(store=store)
    assert result.first_break is None and result.events_checked == 1
    assert result.incomplete_uploads == 1  # reported, never referenced, never mistaken for a blob
    blobs = [p for p in store.blobs_dir.rglob("*") if p.is_file() and not p.name.startswith(".incoming-")]
    assert len(blobs) == 1
    _interrupted_uploads_are_removed_by_init_once_stale(store, partial[0])


def _interrupted_uploads_are_removed_by_init_once_stale(store, leftover: Path) -> None:
    from click.testing import CliRunner

    from compliance.cli import cli

    env = {"COMPLIANCE_DB": store.url, "COMPLIANCE_EVIDENCE": str(store.evidence_dir)}
    fresh = CliRunner().invoke(cli, ["init", "--json"], env=env)
    assert fresh.exit_code == 0 and '"interrupted_uploads_removed": 0' in fresh.stdout and leftover.exists()
    day_ago = time.time() - 25 * 3600
    os.utime(leftover, (day_ago, day_ago))
    stale = CliRunner().invoke(cli, ["init"], env=env)
    assert stale.exit_code == 0 and "removed 1 temporary file(s) left by interrupted evidence adds" in stale.stdout
    assert not leftover.exists() and verify_custody(store=store).incomplete_uploads == 0
    assert verify_custody(store=store).first_break is None


def test_a_failure_after_the_copy_and_before_commit_writes_no_row(store, make_incident, tmp_path, monkeypatch):
    ref = make_incident()
    path = tmp_path / "a.log"
    path.write_bytes(b"content")

    def _boom(**kwargs):
        raise RuntimeError("power cut")

    monkeypatch.setattr("compliance.custody.evidence.append_custody_event", _boom)
    with pytest.raises(RuntimeError):
        add_evidence(store=store, incident_ref=ref, path=path, collected_by="Dana")
    monkeypatch.undo()
    assert _evidence_count(store) == 0
    assert verify_custody(store=store).first_break is None
    again = add_evidence(store=store, incident_ref=ref, path=path, collected_by="Dana")
    assert again["id"] == "EV-0001" and again["deduplicated"] is True
