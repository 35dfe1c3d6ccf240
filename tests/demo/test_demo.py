"""`compliance demo`: a seeded store with everything the audit pack shows, rendered reproducibly."""

from __future__ import annotations

import json

from click.testing import CliRunner

from compliance.cli import cli
from compliance.core.exitcodes import ExitCode

AS_OF = "2026-11-25T12:00:00Z"


def _demo(tmp_path, name, *extra):
    folder = tmp_path / name
    out = tmp_path / f"{name}.pdf"
    result = CliRunner().invoke(cli, ["demo", "--dir", str(folder), "--incidents", "10", "--seed", "3",
                                      "--as-of", AS_OF, "-o", str(out), "--json", *extra],
                                env={"COMPLIANCE_CONTROLS": None})
    assert result.exit_code == ExitCode.OK, result.output
    return json.loads(result.stdout), folder, out


def test_same_seed_and_as_of_give_a_byte_identical_pack(tmp_path):
    first, _, a = _demo(tmp_path, "one")
    second, _, b = _demo(tmp_path, "two")
    assert a.read_bytes() == b.read_bytes() and first["sha256"] == second["sha256"]


def test_demo_store_records_every_kind_of_fact_and_its_pack_verifies_against_it(tmp_path):
    data, folder, pack = _demo(tmp_path, "demo")
    assert data["incidents"] == 10 and data["evidence"] > 0 and data["custody_events"] > data["evidence"]
    manifest = json.loads((tmp_path / "demo.manifest.json").read_text())
    assert manifest["evidence"] and manifest["notifications"]
    statuses = {n["status"] for n in manifest["notifications"]}
    assert "on_time" in statuses and len(statuses) > 1
    env = {"COMPLIANCE_DB": f"sqlite:///{folder / 'compliance.db'}", "COMPLIANCE_EVIDENCE": str(folder / "evidence")}
    runner = CliRunner()
    custody = runner.invoke(cli, ["custody", "verify", "--json"], env=env)
    assert custody.exit_code == ExitCode.OK, custody.output
    verify = runner.invoke(cli, ["report", "verify", str(pack), "--store"], env=env)
    assert verify.exit_code == ExitCode.OK, verify.output


def test_demo_refuses_a_folder_it_did_not_create(tmp_path):
    (tmp_path / "mine").mkdir()
    (tmp_path / "mine" / "notes.txt").write_text("keep me")
    result = CliRunner().invoke(cli, ["demo", "--dir", str(tmp_path / "mine"), "-o", str(tmp_path / "p.pdf")])
    assert result.exit_code == ExitCode.ERROR
    assert result.output.startswith("error: --dir:") and (tmp_path / "mine" / "notes.txt").read_text() == "keep me"
