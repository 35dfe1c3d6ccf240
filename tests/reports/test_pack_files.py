"""Pack and manifest are written as a pair and never silently replace an existing pack (issue 15)."""

from __future__ import annotations

import dataclasses
import datetime as dt
import os
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest
from click.testing import CliRunner

from compliance.cli import cli
from compliance.core.errors import ConflictError
from compliance.core.exitcodes import ExitCode
from compliance.reports import packfiles
from compliance.reports.manifest import load_manifest
from compliance.reports.service import produce_pack

ROOT = Path(__file__).resolve().parents[2]


def _model(sample_model, day: int):
    return dataclasses.replace(sample_model(1), generated_at=dt.datetime(2026, 4, day, 9, 0, tzinfo=dt.UTC))


def test_an_existing_pack_is_not_replaced_without_force(sample_model, tmp_path):
    produce_pack(pack=_model(sample_model, 1), output=tmp_path / "pack.pdf")
    before = (tmp_path / "pack.pdf").read_bytes(), (tmp_path / "pack.manifest.json").read_bytes()
    with pytest.raises(ConflictError, match=r"pack.pdf exists: give --force to replace it"):
        produce_pack(pack=_model(sample_model, 2), output=tmp_path / "pack.pdf")
    assert ((tmp_path / "pack.pdf").read_bytes(), (tmp_path / "pack.manifest.json").read_bytes()) == before
    produce_pack(pack=_model(sample_model, 2), output=tmp_path / "pack.pdf", force=True)
    assert load_manifest(tmp_path / "pack.manifest.json")["generated_at"].startswith("2026-04-02")
    assert sorted(p.name for p in tmp_path.iterdir()) == ["pack.manifest.json", "pack.pdf"]


def test_a_stray_manifest_is_not_replaced_without_force_either(sample_model, tmp_path):
    (tmp_path / "pack.manifest.json").write_text("{}")
    with pytest.raises(ConflictError, match="--manifest"):
        produce_pack(pack=_model(sample_model, 1), output=tmp_path / "pack.pdf")
    assert not (tmp_path / "pack.pdf").exists()


@pytest.mark.parametrize("command", [["report", "audit-pack", "--framework", "gdpr"], ["demo", "--incidents", "1"]])
def test_cli_refuses_to_overwrite_a_pack_with_a_one_line_error_before_any_work(command, tmp_path):
    (tmp_path / "pack.pdf").write_bytes(b"%PDF-1.4 earlier pack\n")
    where = ["--dir", str(tmp_path / "demo")] if command[0] == "demo" else ["--db", f"sqlite:///{tmp_path}/x.db"]
    result = CliRunner().invoke(cli, [*command, "-o", str(tmp_path / "pack.pdf"), *where])
    assert result.exit_code == ExitCode.ERROR, result.output
    assert result.output == f"error: --output: {tmp_path / 'pack.pdf'} exists: give --force to replace it\n"
    assert (tmp_path / "pack.pdf").read_bytes() == b"%PDF-1.4 earlier pack\n"
    assert not (tmp_path / "x.db").exists() and not (tmp_path / "demo").exists()


@pytest.mark.parametrize("command", [["report", "audit-pack", "--framework", "gdpr"], ["demo", "--incidents", "1"]])
def test_force_replaces_an_existing_pack_and_its_manifest_through_the_cli(command, tmp_path):
    (tmp_path / "pack.pdf").write_bytes(b"%PDF-1.4 earlier pack\n")
    (tmp_path / "pack.manifest.json").write_text("{}")
    if command[0] == "report":
        assert CliRunner().invoke(cli, ["init", "--db", f"sqlite:///{tmp_path}/x.db",
                                        "--evidence-dir", str(tmp_path / "ev")]).exit_code == 0
    where = ["--dir", str(tmp_path / "demo")] if command[0] == "demo" else \
        ["--db", f"sqlite:///{tmp_path}/x.db", "--evidence-dir", str(tmp_path / "ev")]
    result = CliRunner().invoke(cli, [*command, "-o", str(tmp_path / "pack.pdf"), "--force", *where])
    assert result.exit_code == ExitCode.OK, result.output
    assert (tmp_path / "pack.pdf").read_bytes().startswith(b"%PDF") and \
        (tmp_path / "pack.pdf").read_bytes() != b"%PDF-1.4 earlier pack\n"
    assert load_manifest(tmp_path / "pack.manifest.json")["pack"]["file"] == "pack.pdf"


def test_a_failure_between_the_two_renames_leaves_the_previous_pair_in_place(sample_model, tmp_path, monkeypatch):
    produce_pack(pack=_model(sample_model, 1), output=tmp_path / "pack.pdf")
    before = (tmp_path / "pack.pdf").read_bytes(), (tmp_path / "pack.manifest.json").read_bytes()

    def fail():
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(packfiles, "between_steps", fail)
    with pytest.raises(OSError, match="No space left"):
        produce_pack(pack=_model(sample_model, 2), output=tmp_path / "pack.pdf", force=True)
    assert ((tmp_path / "pack.pdf").read_bytes(), (tmp_path / "pack.manifest.json").read_bytes()) == before
    assert sorted(p.name for p in tmp_path.iterdir()) == ["pack.manifest.json", "pack.pdf"]  # no temporary left
    with pytest.raises(OSError):
        produce_pack(pack=_model(sample_model, 2), output=tmp_path / "new.pdf")
    assert sorted(p.name for p in tmp_path.iterdir()) == ["pack.manifest.json", "pack.pdf"]


@pytest.mark.slow
def test_a_process_killed_between_the_two_renames_leaves_a_pair_that_verify_rejects(sample_model, tmp_path):
    produce_pack(pack=_model(sample_model, 1), output=tmp_path / "pack.pdf")
    script = textwrap.dedent(f"""
        import dataclasses, datetime as dt, os, signal
        from compliance.reports import packfiles
        from compliance.reports.sample import sample_pack
        from compliance.reports.service import produce_pack
        packfiles.between_steps = lambda: os.kill(os.getpid(), signal.SIGKILL)
        model = dataclasses.replace(sample_pack(1), generated_at=dt.datetime(2026, 4, 2, 9, tzinfo=dt.UTC))
        produce_pack(pack=model, output={str(tmp_path / "pack.pdf")!r}, force=True)
    """)
    proc = subprocess.run([sys.executable, "-c", script], cwd=ROOT, env={**os.environ, "PYTHONPATH": str(ROOT)},
                          capture_output=True, timeout=300)
    assert proc.returncode == -9, proc.stderr.decode()
    assert load_manifest(tmp_path / "pack.manifest.json")["generated_at"].startswith("2026-04-02")  # new manifest
    result = CliRunner().invoke(cli, ["report", "verify", str(tmp_path / "pack.pdf")])
    assert result.exit_code == ExitCode.INTEGRITY
    assert "FAIL pack hash" in result.output
    assert "FAIL manifest: the side-car pack.manifest.json does not match the manifest embedded in the pack " \
           "(differs in generated_at" in result.output
