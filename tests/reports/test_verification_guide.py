"""The appendix's standard-tool commands run as written and agree with `compliance report verify`."""

from __future__ import annotations

import dataclasses
import datetime as dt
import json
import os
import shutil
import stat
import subprocess
from pathlib import Path

import pytest
from click.testing import CliRunner

from compliance.cli import cli
from compliance.core.exitcodes import ExitCode
from compliance.reports.manifest import embedded_view, load_manifest
from compliance.reports.service import produce_pack
from compliance.reports.sign import sign_options
from compliance.reports.verification_guide import EXTRACT, guide_markdown, guide_sections
from tests.reports.pki import LocalTsa, make_pki

ROOT = Path(__file__).resolve().parents[2]
GENERATED = dt.datetime(2026, 4, 2, 9, 58, tzinfo=dt.UTC)
STAMPED = dt.datetime(2026, 4, 2, 10, 0, tzinfo=dt.UTC)
HAVE_POPPLER = shutil.which("pdfsig") is not None and shutil.which("pdfdetach") is not None


def _section(title_start: str) -> str:
    section = next(s for s in guide_sections() if s.title.startswith(title_start))
    lines = section.commands.splitlines()
    if not HAVE_POPPLER:  # poppler-utils is optional: its lines are skipped, the openssl ones still run
        lines = [line for line in lines if not line.startswith(("pdfsig", "pdfdetach"))]
    return "\n".join(lines)


def _sh(commands: str, cwd: Path, **env: str) -> subprocess.CompletedProcess:
    script = "set -eu\n" + EXTRACT + "\n" + commands
    return subprocess.run(["bash", "-c", script], cwd=cwd, env={**os.environ, **env}, capture_output=True, text=True,
                          timeout=120)


def test_the_readme_section_is_the_guide_text():
    assert guide_markdown() in (ROOT / "README.md").read_text(encoding="utf-8")


@pytest.fixture(scope="module")
def pack(tmp_path_factory, sample_model):
    folder = tmp_path_factory.mktemp("guide")
    pki = make_pki(folder)
    tsa = LocalTsa(pki, fixed=STAMPED)
    try:
        produce_pack(pack=dataclasses.replace(sample_model(2), generated_at=GENERATED), output=folder / "q1.pdf",
                     sign=sign_options(key=str(pki.signer_key), cert=str(pki.signer_cert), pkcs12=None),
                     tsa_url=tsa.url)
    finally:
        tsa.close()
    verify = CliRunner().invoke(cli, ["report", "verify", str(folder / "q1.pdf"), "--trust", str(pki.ca), "--json"])
    assert verify.exit_code == 0, verify.output
    return folder, pki, json.loads(verify.stdout)


def _env(folder, pki, ca=None):
    return {"PACK": "q1.pdf", "MANIFEST": "q1.manifest.json", "CA": str(ca or pki.ca)}


def test_sha256sum_checks_the_pack_hash_and_catches_an_edit(pack, tmp_path):
    folder, pki, verified = pack
    ok = _sh(_section("1."), folder, **_env(folder, pki))
    assert ok.returncode == 0, ok.stderr
    assert ok.stdout.splitlines()[0].split()[0] == verified["sha256"]
    assert ok.stdout.splitlines()[-1] == "q1.pdf: OK"
    shutil.copy(folder / "q1.manifest.json", tmp_path)
    (tmp_path / "q1.pdf").write_bytes((folder / "q1.pdf").read_bytes().replace(b"Example GmbH", b"Exampel GmbH", 1))
    bad = _sh(_section("1."), tmp_path, **_env(folder, pki))
    assert bad.returncode != 0 and "q1.pdf: FAILED" in bad.stdout
    assert CliRunner().invoke(cli, ["report", "verify", str(tmp_path / "q1.pdf")]).exit_code == ExitCode.INTEGRITY


def test_openssl_checks_the_signature_and_shows_the_fingerprint_verify_prints(pack, tmp_path):
    folder, pki, verified = pack
    result = _sh(_section("3."), folder, **_env(folder, pki))
    assert result.returncode == 0, result.stderr
    assert "CMS Verification successful" in result.stderr + result.stdout
    assert f"sha256 Fingerprint={verified['signer']['sha256']}" in result.stdout
    assert "subject=CN = Audit Signer, O = Example GmbH" in result.stdout or \
        "subject=O = Example GmbH, CN = Audit Signer" in result.stdout
    if HAVE_POPPLER:
        assert "Signature is Valid." in result.stdout
    untrusted = _sh(_section("3."), folder, **_env(folder, pki, ca=pki.other_ca))
    assert untrusted.returncode != 0  # same verdict as report verify --trust OTHER
    assert CliRunner().invoke(cli, ["report", "verify", str(folder / "q1.pdf"), "--trust",
                                    str(pki.other_ca)]).exit_code == ExitCode.INTEGRITY


def test_openssl_ts_checks_the_timestamp_and_shows_the_instant_verify_prints(pack):
    folder, pki, verified = pack
    result = _sh(_section("3.").split("\npdfsig")[0] + "\n" + _section("4."), folder, **_env(folder, pki))
    assert result.returncode == 0, result.stderr
    assert "Verification: OK" in result.stdout
    assert "Time stamp: Apr  2 10:00:00 2026 GMT" in result.stdout
    assert dt.datetime.fromisoformat(verified["timestamps"][0]["instant"]) == STAMPED


@pytest.mark.skipif(not HAVE_POPPLER, reason="pdfdetach (poppler-utils) not installed")
def test_pdfdetach_extracts_the_embedded_manifest_equal_to_the_side_car_without_the_final_bytes_keys(pack):
    folder, pki, _ = pack
    result = _sh(_section("2."), folder, **_env(folder, pki))
    assert result.returncode == 0, result.stderr
    assert "audit-pack-manifest.json" in result.stdout
    embedded = json.loads((folder / "embedded-manifest.json").read_text())
    assert embedded == embedded_view(load_manifest(folder / "q1.manifest.json"))


def test_sha256sum_checks_every_blob_and_agrees_with_custody_verify(cli_run, store, tmp_path):
    assert cli_run(["incident", "open", "--title", "Guide check", "--severity", "sev3",
                    "--detected-at", "2026-03-01T11:00:00Z"]).exit_code == 0
    for name, body in (("a.log", b"first\n"), ("b.log", b"second\n")):
        (tmp_path / name).write_bytes(body)
        assert cli_run(["evidence", "add", "INC-0001", str(tmp_path / name), "--collected-by", "Dana"]).exit_code == 0
    ok = _sh(_section("5."), tmp_path, EVIDENCE=str(store.evidence_dir))
    assert ok.returncode == 0 and ok.stdout.strip() == "all blobs OK", ok.stdout + ok.stderr
    blob = next(p for p in (store.evidence_dir / "blobs").rglob("*") if p.is_file())
    os.chmod(blob, stat.S_IRUSR | stat.S_IWUSR)
    blob.write_bytes(b"edited\n")
    bad = _sh(_section("5."), tmp_path, EVIDENCE=str(store.evidence_dir))
    assert bad.returncode != 0 and f"{blob.name}: FAILED" in bad.stdout
    assert cli_run(["custody", "verify"]).exit_code == ExitCode.INTEGRITY


def test_every_pack_ends_with_the_guide(rendered, text_of):
    _, pdf, _ = rendered
    pages = text_of(pdf)
    tail = "".join("".join(pages[-3:]).split())
    assert "Appendix:checkingthispackwithstandardtools" in tail
    for command in ("sha256sum", "opensslcms-verify", "opensslts-verify", "pdfsig", "notes/ledger-verify.md"):
        assert command in tail, command
