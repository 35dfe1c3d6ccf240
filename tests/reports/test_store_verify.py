"""`report verify --store` and `report audit-pack` against a real store (SQLite and PostgreSQL)."""

from __future__ import annotations

import hashlib
import json

from compliance.core.exitcodes import ExitCode
from compliance.reports.service import produce_pack


def _pack_with_blob(store, tmp_path, sample_model):
    content = b"edr export\n"
    sha = hashlib.sha256(content).hexdigest()
    folder = store.blobs_dir / sha[:2]
    folder.mkdir(parents=True, exist_ok=True)
    (folder / sha).write_bytes(content)
    model = sample_model(1)
    model.incidents[0].restricted = False
    model.incidents[0].evidence = model.incidents[0].evidence[:1] or []
    from compliance.reports.model import EvidenceRow

    model.incidents[0].evidence = [EvidenceRow(ref="EV-0001", incident_ref=model.incidents[0].ref,
                                               filename="edr.json", size=len(content), sha256=sha)]
    produce_pack(pack=model, output=tmp_path / "pack.pdf")
    return folder / sha


def test_report_verify_with_store_passes_while_evidence_is_unchanged(store, cli_run, tmp_path, sample_model):
    _pack_with_blob(store, tmp_path, sample_model)
    result = cli_run(["report", "verify", str(tmp_path / "pack.pdf"), "--store", "--json"])
    assert result.exit_code == 0, result.output
    checks = json.loads(result.output)["checks"]
    assert [c["name"] for c in checks if c["ok"]] == ["pack hash", "evidence"]


def test_report_verify_with_store_exits_4_when_stored_evidence_changed(store, cli_run, tmp_path, sample_model):
    blob = _pack_with_blob(store, tmp_path, sample_model)
    blob.write_bytes(b"edited\n")
    result = cli_run(["report", "verify", str(tmp_path / "pack.pdf"), "--store"])
    assert result.exit_code == ExitCode.INTEGRITY
    assert "FAIL evidence: EV-0001" in result.output


