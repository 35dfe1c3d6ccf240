"""Signed, trusted, timestamped: what `report verify` proves about a pack file, and what it says it does not."""

from __future__ import annotations

import datetime as dt
import json

import pytest
from click.testing import CliRunner

from compliance.cli import cli
from compliance.core.exitcodes import ExitCode
from compliance.reports.manifest import dump_manifest, load_manifest, sha256_bytes
from compliance.reports.service import produce_pack
from compliance.reports.sign import sign_options
from tests.reports.pki import LocalTsa, make_pki

GENERATED = dt.datetime(2026, 4, 2, 9, 30, tzinfo=dt.UTC)


@pytest.fixture(scope="module")
def pki(tmp_path_factory):
    return make_pki(tmp_path_factory.mktemp("pki"))


@pytest.fixture
def tsa(pki):
    server = LocalTsa(pki)
    yield server
    server.close()


def _model(sample_model, when=GENERATED):
    import dataclasses

    return dataclasses.replace(sample_model(2), generated_at=when)


def _signed(pki, *, impostor=False):
    if impostor:
        return sign_options(key=str(pki.impostor_key), cert=str(pki.impostor_cert), pkcs12=None)
    return sign_options(key=str(pki.signer_key), cert=str(pki.signer_cert), pkcs12=None)


def _verify(*args):
    return CliRunner().invoke(cli, ["report", "verify", *map(str, args)], catch_exceptions=False)


def _json(*args):
    result = _verify(*args, "--json")
    return result.exit_code, json.loads(result.stdout)


# --------------------------------------------------------------------------- unsigned packs

def test_an_edited_unsigned_pack_with_its_hash_updated_passes_the_hash_but_is_not_proven_authentic(sample_model, tmp_path):
    produce_pack(pack=_model(sample_model), output=tmp_path / "pack.pdf")
    pdf = tmp_path / "pack.pdf"
    pdf.write_bytes(pdf.read_bytes().replace(b"Example GmbH", b"Exampel GmbH", 1))  # the "late" -> "ok" attack
    manifest = load_manifest(tmp_path / "pack.manifest.json")
    manifest["pack"]["sha256"] = sha256_bytes(pdf.read_bytes())
    (tmp_path / "pack.manifest.json").write_bytes(dump_manifest(manifest))
    result = _verify(pdf)
    assert result.exit_code == ExitCode.OK, result.output
    assert "WARN signature: the pack is NOT signed" in result.output
    assert "verdict: NOT proven authentic: the pack is unsigned" in result.output
    code, doc = _json(pdf)
    assert code == 0 and doc["signed"] is False and doc["authentic"] is False
    required = _verify(pdf, "--require-signature")
    assert required.exit_code == ExitCode.INTEGRITY
    assert "FAIL signature required: the pack is not signed" in required.output


# --------------------------------------------------------------------------- signatures and trust

@pytest.fixture(scope="module")
def signed_pack(pki, sample_model, tmp_path_factory):
    folder = tmp_path_factory.mktemp("signed")
    produce_pack(pack=_model(sample_model), output=folder / "pack.pdf", sign=_signed(pki))
    return folder / "pack.pdf"


def _fingerprint(path):
    from cryptography import x509
    from cryptography.hazmat.primitives import hashes

    digest = x509.load_pem_x509_certificate(path.read_bytes()).fingerprint(hashes.SHA256()).hex().upper()
    return ":".join(digest[i:i + 2] for i in range(0, len(digest), 2))


def test_verify_prints_signer_fingerprint_and_subject_and_says_trust_not_checked_without_trust(signed_pack, pki):
    result = _verify(signed_pack)
    assert result.exit_code == ExitCode.OK, result.output
    assert f"certificate SHA-256 {_fingerprint(pki.signer_cert)}" in result.output
    assert "subject O=Example GmbH,CN=Audit Signer" in result.output
    assert "WARN trust: trust NOT checked" in result.output
    assert "verdict: NOT proven authentic: intact signature by Audit Signer (Example GmbH), but trust not checked" \
        in result.output
    assert "authentic" in _json(signed_pack)[1]["verdict"] and _json(signed_pack)[1]["authentic"] is False


def test_a_signature_chaining_to_trust_is_authentic(signed_pack, pki):
    code, doc = _json(signed_pack, "--trust", pki.ca, "--require-signature")
    assert code == 0, doc
    assert doc["authentic"] is True and doc["verdict"].startswith("authentic: signed by Audit Signer")
    assert doc["signer"]["sha256"] == _fingerprint(pki.signer_cert)


def test_an_impostor_certificate_with_the_same_subject_made_a_second_earlier_is_rejected_with_trust(
        pki, sample_model, tmp_path):
    produce_pack(pack=_model(sample_model), output=tmp_path / "fake.pdf", sign=_signed(pki, impostor=True))
    untrusted = _verify(tmp_path / "fake.pdf")  # without --trust it looks just like the real signer...
    assert untrusted.exit_code == 0 and "Audit Signer (Example GmbH)" in untrusted.output
    assert "NOT proven authentic" in untrusted.output
    for anchor in (pki.ca, pki.signer_cert):  # ...but not against the real CA or the real certificate
        result = _verify(tmp_path / "fake.pdf", "--trust", anchor)
        assert result.exit_code == ExitCode.INTEGRITY, result.output
        assert "FAIL trust: the signer's certificate (Audit Signer (Example GmbH)" in result.output
        assert _fingerprint(pki.impostor_cert) in result.output and "verdict: FAILED" in result.output


@pytest.mark.parametrize("args, message", [
    ([], "FAIL signature required: no trust anchor: give --trust CA.pem"),
    (["--trust", "OTHER"], "FAIL trust: the signer's certificate"),
])
def test_require_signature_fails_without_a_trust_anchor_or_with_an_untrusted_signer(signed_pack, pki, args, message):
    args = [str(pki.other_ca) if a == "OTHER" else a for a in args]
    result = _verify(signed_pack, "--require-signature", *args)
    assert result.exit_code == ExitCode.INTEGRITY
    assert message in result.output


def test_the_store_setting_requires_signatures_for_verify_with_store_and_for_audit_pack(cli_run, signed_pack, pki,
                                                                                       tmp_path, sample_model):
    produce_pack(pack=_model(sample_model), output=tmp_path / "unsigned.pdf")
    assert cli_run(["report", "verify", str(tmp_path / "unsigned.pdf")]).exit_code == 0
    assert json.loads(cli_run(["report", "settings", "--json"]).stdout) == {"require_signature": False}
    assert cli_run(["report", "settings", "--require-signature"]).exit_code == 0
    refused = cli_run(["report", "verify", str(tmp_path / "unsigned.pdf"), "--store"])
    assert refused.exit_code == ExitCode.INTEGRITY and "signature required: the pack is not signed" in refused.output
    assert cli_run(["report", "verify", str(tmp_path / "unsigned.pdf")]).exit_code == 0  # only with --store
    trusted = cli_run(["report", "verify", str(signed_pack), "--store", "--trust", str(pki.ca)])
    assert trusted.exit_code == ExitCode.INTEGRITY  # store evidence of the sample model is absent, but:
    assert "ok   signature required: signed, intact and trusted" in trusted.output
    no_pack = cli_run(["report", "audit-pack", "--framework", "gdpr", "-o", str(tmp_path / "new.pdf")])
    assert no_pack.exit_code == ExitCode.ERROR
    assert no_pack.output.startswith("error: --sign-key: this store requires signed packs")
    assert not (tmp_path / "new.pdf").exists()
    assert cli_run(["report", "settings", "--no-require-signature"]).exit_code == 0
    relaxed = cli_run(["report", "verify", str(tmp_path / "unsigned.pdf"), "--store"])
    assert "signature required:" not in relaxed.output and "the pack is NOT signed" in relaxed.output


# --------------------------------------------------------------------------- RFC 3161 timestamps

def test_a_timestamp_from_a_local_tsa_is_verified_and_printed_beside_the_claimed_instant(pki, tsa, sample_model,
                                                                                        tmp_path):
    now = dt.datetime.now(dt.UTC).replace(microsecond=0)
    result = produce_pack(pack=_model(sample_model, now), output=tmp_path / "pack.pdf", sign=_signed(pki),
                          tsa_url=tsa.url)
    assert tsa.requests >= 1 and result.timestamp["claim"] == "ok"  # pyHanko sizes the token with a first request
    manifest = load_manifest(tmp_path / "pack.manifest.json")
    stamped = dt.datetime.fromisoformat(manifest["pack"]["timestamp"]["instant"])
    assert dt.datetime.fromisoformat(manifest["generated_at"]) == now
    assert abs(stamped - now) < dt.timedelta(seconds=30)
    assert manifest["pack"]["timestamp"]["tsa"]["subject"] == "CN=Example Test TSA"
    code, doc = _json(tmp_path / "pack.pdf", "--trust", pki.ca, "--require-signature")
    assert code == 0, doc
    assert doc["authentic"] and doc["timestamps"][0]["ok"] and doc["timestamps"][0]["trusted"]
    text = _verify(tmp_path / "pack.pdf", "--trust", pki.ca).output
    stamp = stamped.strftime("%Y-%m-%dT%H:%M:%SZ")
    assert f"ok   timestamp: RFC 3161 timestamp {stamp} by TSA CN=Example Test TSA" in text
    assert f"ok   generated: claimed generation instant {now.strftime('%Y-%m-%dT%H:%M:%SZ')}, timestamped {stamp}" in text
    assert "covers the file up to the document timestamp added after it" in text
    no_tsa_trust = _verify(tmp_path / "pack.pdf", "--trust", pki.signer_cert)  # the TSA does not chain to it
    assert no_tsa_trust.exit_code == ExitCode.INTEGRITY and "does not chain to a --trust certificate" in no_tsa_trust.output


def test_an_unsigned_pack_can_be_timestamped_and_verifies_without_its_side_car(pki, tsa, sample_model, tmp_path):
    now = dt.datetime.now(dt.UTC)
    produce_pack(pack=_model(sample_model, now), output=tmp_path / "pack.pdf", tsa_url=tsa.url)
    (tmp_path / "pack.manifest.json").unlink()
    result = _verify(tmp_path / "pack.pdf", "--trust", pki.ca)
    assert result.exit_code == 0, result.output
    assert "using the manifest embedded in the pack" in result.output
    assert "NOT proven authentic: the pack is unsigned" in result.output


def test_a_backdated_claim_is_flagged_in_the_manifest_and_by_verify(pki, tsa, sample_model, tmp_path, capsys):
    result = produce_pack(pack=_model(sample_model, dt.datetime(2026, 1, 1, tzinfo=dt.UTC)),
                          output=tmp_path / "old.pdf", sign=_signed(pki), tsa_url=tsa.url)
    assert result.timestamp["claim"] == "claimed_far_earlier"
    manifest = load_manifest(tmp_path / "old.manifest.json")
    assert manifest["generated_at"].startswith("2026-01-01") and manifest["pack"]["timestamp"]["claim"] == \
        "claimed_far_earlier"
    out = _verify(tmp_path / "old.pdf", "--trust", pki.ca)
    assert out.exit_code == 0
    assert "WARN generated: claimed generation instant 2026-01-01T00:00:00Z is" in out.output
    assert "the cover may be backdated (--generated-at)" in out.output


def test_a_claim_later_than_the_timestamp_is_refused_and_nothing_is_written(pki, sample_model, tmp_path):
    from compliance.core.errors import ValidationError

    server = LocalTsa(pki, fixed=dt.datetime(2026, 3, 1, tzinfo=dt.UTC))
    try:
        with pytest.raises(ValidationError, match="AFTER the timestamp 2026-03-01T00:00:00Z: the claim is false"):
            produce_pack(pack=_model(sample_model), output=tmp_path / "p.pdf", tsa_url=server.url)
    finally:
        server.close()
    assert list(tmp_path.iterdir()) == []


def test_a_timestamp_server_that_does_not_answer_is_a_one_line_error(stubbed_gatherer_free_port, tmp_path, sample_model):
    result = CliRunner().invoke(cli, ["report", "audit-pack", "--framework", "gdpr", "-o", str(tmp_path / "p.pdf"),
                                      "--tsa-url", stubbed_gatherer_free_port])
    assert result.exit_code == ExitCode.ERROR, result.output
    assert result.output.startswith("error: --tsa-url: the timestamp server") and result.output.count("\n") == 1
    assert list(tmp_path.iterdir()) == []
    bad = CliRunner().invoke(cli, ["report", "audit-pack", "--framework", "gdpr", "-o", str(tmp_path / "p.pdf"),
                                   "--tsa-url", "ftp://tsa.example/"])
    assert bad.exit_code == ExitCode.ERROR and bad.output.startswith("error: --tsa-url: 'ftp://tsa.example/' is not")


@pytest.fixture
def stubbed_gatherer_free_port(monkeypatch, sample_model):
    """`report audit-pack` without a store (sample model), and the URL of a closed local port."""
    import dataclasses
    import socket

    import compliance.cli.report as report_cli
    import compliance.reports.service as service

    monkeypatch.setattr(report_cli, "_open_store", lambda db_url, evidence_dir: None)
    monkeypatch.setattr("compliance.reports.settings.store_requires_signature", lambda store: False)
    monkeypatch.setattr(service, "gather_pack_model",
                        lambda **kw: dataclasses.replace(sample_model(1), generated_at=kw["generated_at"]))
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    return f"http://127.0.0.1:{port}/"


# --------------------------------------------------------------------------- the embedded manifest

def test_a_signed_pack_verifies_without_its_side_car_using_the_embedded_manifest(signed_pack, pki, tmp_path):
    lone = tmp_path / "lone.pdf"
    lone.write_bytes(signed_pack.read_bytes())
    result = _verify(lone, "--trust", pki.ca)
    assert result.exit_code == 0, result.output
    assert "--   manifest: no side-car (lone.manifest.json not found): using the manifest embedded in the pack" \
        in result.output
    assert "--   pack hash: not checked: a file cannot state its own hash" in result.output
    assert _json(lone, "--trust", pki.ca)[1]["manifest"] == "embedded"


def test_a_side_car_that_differs_from_the_embedded_manifest_fails_even_with_a_matching_hash(signed_pack, tmp_path):
    manifest = load_manifest(signed_pack.with_name("pack.manifest.json"))
    manifest["incidents"][0]["status"] = "closed" if manifest["incidents"][0]["status"] != "closed" else "open"
    manifest["generated_at"] = "2026-01-01T00:00:00Z"
    (tmp_path / "m.json").write_bytes(dump_manifest(manifest))
    result = _verify(signed_pack, "--manifest", tmp_path / "m.json")
    assert result.exit_code == ExitCode.INTEGRITY
    assert "ok   pack hash" in result.output
    assert "FAIL manifest: the side-car m.json does not match the manifest embedded in the pack (differs in " \
           "generated_at, incidents)" in result.output


def test_the_embedded_manifest_is_the_side_car_without_the_final_bytes_keys(signed_pack):
    from io import BytesIO

    from pyhanko.pdf_utils.reader import PdfFileReader

    from compliance.reports.attach import read_embedded_manifest

    embedded = json.loads(read_embedded_manifest(PdfFileReader(BytesIO(signed_pack.read_bytes()))))
    sidecar = load_manifest(signed_pack.with_name("pack.manifest.json"))
    assert set(sidecar["pack"]) - set(embedded["pack"]) == {"file", "sha256", "size", "timestamp"}
    for key in ("file", "sha256", "size", "timestamp"):
        sidecar["pack"].pop(key)
    assert embedded == sidecar


def test_a_change_appended_after_the_timestamp_fails_signature_and_timestamp(pki, tsa, sample_model, tmp_path):
    from io import BytesIO

    from pyhanko.pdf_utils.generic import NameObject, TextStringObject
    from pyhanko.pdf_utils.incremental_writer import IncrementalPdfFileWriter

    produce_pack(pack=_model(sample_model, dt.datetime.now(dt.UTC)), output=tmp_path / "pack.pdf", sign=_signed(pki),
                 tsa_url=tsa.url)
    w = IncrementalPdfFileWriter(BytesIO((tmp_path / "pack.pdf").read_bytes()))
    info = w.trailer["/Info"]
    info[NameObject("/Title")] = TextStringObject("Nothing to see here")
    w.update_container(info)
    out = BytesIO()
    w.write(out)
    (tmp_path / "pack.pdf").write_bytes(out.getvalue())
    (tmp_path / "pack.manifest.json").unlink()
    code, doc = _json(tmp_path / "pack.pdf", "--trust", pki.ca)
    assert code == ExitCode.INTEGRITY
    failed = {c["name"] for c in doc["checks"] if c["ok"] is False}
    assert {"signature AuditPackSignature", "timestamp"} <= failed
