"""Producing, signing and verifying packs: restriction, broken chains, manifest, signatures, tampering."""

from __future__ import annotations

import dataclasses
import hashlib
import json
from io import BytesIO

import pytest
from click.testing import CliRunner

from compliance.cli import cli
from compliance.core.errors import IntegrityError, ValidationError
from compliance.core.exitcodes import ExitCode
from compliance.reports.manifest import load_manifest
from compliance.reports.model import Integrity, TimelineRow
from compliance.reports.service import produce_pack
from compliance.reports.sign import sign_options
from compliance.reports.verify import verify_pack


def squash(text: str) -> str:
    return "".join(text.split())


def _restricted_model(sample_model):
    model = sample_model(4)
    model.incidents[1].restricted = True
    model.incidents[1].title = "Secret board matter"
    for inc in model.incidents[2:]:
        inc.restricted = False
    model.incidents[0].restricted = False
    return model


def test_restricted_incidents_are_redacted_rows_counted_in_every_figure(sample_model, tmp_path, text_of):
    model = _restricted_model(sample_model)
    secret = model.incidents[1]
    secret.timeline.append(TimelineRow(at=secret.detected_at, kind="note", text="Jane Roe leaked the merger plan",
                                       actor="Jane Roe"))
    severities = model.severity_counts()
    tallies = model.notification_tallies()
    cells = [m.totals() for m in model.matrices]
    result = produce_pack(pack=model, output=tmp_path / "pack.pdf")
    assert result.restricted_excluded == 0 and result.restricted_redacted == 1 and result.incidents == 4
    text = "".join(text_of((tmp_path / "pack.pdf").read_bytes()))
    assert squash(secret.ref) in squash(text)
    assert "Secret board matter" not in text and "Jane Roe" not in text
    assert "Restricted incident: title, text and names are withheld" in " ".join(text.split())
    redacted = model.with_restricted_redacted()
    assert redacted.severity_counts() == severities and redacted.notification_tallies() == tallies
    assert [m.totals() for m in redacted.matrices] == cells
    assert redacted.action_closure() == model.action_closure()
    manifest = json.loads((tmp_path / "pack.manifest.json").read_text())
    assert manifest["restricted_redacted"] == 1 and "Secret board matter" not in json.dumps(manifest)


def test_include_restricted_keeps_restricted_incidents(sample_model, tmp_path, text_of):
    model = _restricted_model(sample_model)
    produce_pack(pack=model, output=tmp_path / "pack.pdf", include_restricted=True)
    text = "".join(text_of((tmp_path / "pack.pdf").read_bytes()))
    assert model.incidents[1].ref in text


def test_broken_chain_is_refused_and_nothing_is_written(sample_model, tmp_path):
    model = dataclasses.replace(sample_model(2), integrity=Integrity(chain_head="ab" * 32, chain_length=9,
                                                                     verified=False, broken=True,
                                                                     message="entry 7: hash mismatch"))
    with pytest.raises(IntegrityError, match="entry 7: hash mismatch"):
        produce_pack(pack=model, output=tmp_path / "pack.pdf")
    assert list(tmp_path.iterdir()) == []


def test_broken_chain_is_printed_on_the_cover_with_allow_broken(sample_model, tmp_path, text_of):
    model = dataclasses.replace(sample_model(2), integrity=Integrity(chain_head="ab" * 32, chain_length=9,
                                                                     verified=False, broken=True,
                                                                     message="entry 7: hash mismatch"))
    result = produce_pack(pack=model, output=tmp_path / "pack.pdf", allow_broken=True)
    assert result.chain_broken
    pages = text_of((tmp_path / "pack.pdf").read_bytes())
    cover = " ".join(pages[0].split())
    assert "THE CUSTODY CHAIN DID NOT VERIFY" in cover and "entry 7: hash mismatch" in cover
    assert "did NOT verify" in " ".join(" ".join(pages[1:]).split())  # the integrity section


def test_manifest_records_pack_hash_period_frameworks_incidents_statuses_and_evidence(sample_model, tmp_path):
    model = sample_model(4)
    for inc in model.incidents:
        inc.restricted = False
    result = produce_pack(pack=model, output=tmp_path / "pack.pdf")
    data = (tmp_path / "pack.pdf").read_bytes()
    manifest = load_manifest(tmp_path / "pack.manifest.json")
    assert manifest["pack"]["sha256"] == hashlib.sha256(data).hexdigest() == result.sha256
    assert manifest["pack"]["pages"] == result.pages > 5
    assert manifest["period"] == {"from": "2025-04-01", "to": "2026-03-31"}
    assert [f["id"] for f in manifest["frameworks"]] == ["iso27001", "gdpr"]
    assert [i["ref"] for i in manifest["incidents"]] == [i.ref for i in model.incidents]
    cells = sum(len(r.cells) for m in model.matrices for r in m.rows)
    assert len(manifest["requirements"]) == cells
    assert {e["sha256"] for e in manifest["evidence"]} == {e.sha256 for e in model.all_evidence()}


def test_unsigned_pack_written_twice_is_byte_identical(sample_model, tmp_path):
    produce_pack(pack=sample_model(3), output=tmp_path / "a.pdf")
    produce_pack(pack=sample_model(3), output=tmp_path / "b.pdf")
    assert (tmp_path / "a.pdf").read_bytes() == (tmp_path / "b.pdf").read_bytes()


def test_output_in_a_missing_folder_is_refused(sample_model, tmp_path):
    with pytest.raises(ValidationError, match="--output"):
        produce_pack(pack=sample_model(1), output=tmp_path / "nope" / "pack.pdf")


# --------------------------------------------------------------------------- signing

@pytest.fixture(scope="module")
def signed_pack(tmp_path_factory, signing_material, sample_model):
    folder = tmp_path_factory.mktemp("signed")
    opts = sign_options(key=str(signing_material["key"]), cert=str(signing_material["cert"]), pkcs12=None)
    result = produce_pack(pack=sample_model(3), output=folder / "pack.pdf", sign=opts)
    return result


def test_signed_pack_validates_with_pyhanko_trusting_the_test_certificate(signed_pack, signing_material, text_of,
                                                                         pdf_problems):
    from pyhanko.keys import load_cert_from_pemder
    from pyhanko.pdf_utils.reader import PdfFileReader
    from pyhanko.sign.validation import validate_pdf_signature
    from pyhanko_certvalidator import ValidationContext

    assert signed_pack.signed and "Audit Signer Test" in signed_pack.signer
    data = signed_pack.pdf_path.read_bytes()
    reader = PdfFileReader(BytesIO(data))
    (sig,) = reader.embedded_signatures
    vc = ValidationContext(trust_roots=[load_cert_from_pemder(str(signing_material["cert"]))], allow_fetching=False)
    status = validate_pdf_signature(sig, vc)
    assert status.intact and status.valid and status.trusted
    assert status.bottom_line
    assert "Audit Signer Test" in " ".join(text_of(data)[0].split())  # signer on the cover
    assert pdf_problems(data) == []


def test_verify_passes_on_an_untouched_signed_pack(signed_pack, signing_material):
    result = verify_pack(pdf_path=signed_pack.pdf_path, trust_certs=[signing_material["cert"]])
    assert result.ok and result.authentic, result.checks
    assert {c.name: c.ok for c in result.checks if c.ok is not None} == {
        "signature AuditPackSignature": True, "trust": True, "pack hash": True, "manifest": True}


def _run(args):
    return CliRunner().invoke(cli, args, catch_exceptions=False)


def test_tampering_inside_the_signed_bytes_is_detected_by_report_verify(signed_pack, tmp_path):
    data = bytearray(signed_pack.pdf_path.read_bytes())
    index = data.index(b"/Producer")
    data[index + 2] ^= 0x01  # change one byte of the metadata, inside the signed range
    bad = tmp_path / "bad.pdf"
    bad.write_bytes(bytes(data))
    result = _run(["report", "verify", str(bad)])
    assert result.exit_code == ExitCode.INTEGRITY, result.output
    assert "altered after signing" in result.output


def test_changes_appended_after_signing_are_detected_by_report_verify(signed_pack, tmp_path):
    from pyhanko.pdf_utils.generic import NameObject, TextStringObject
    from pyhanko.pdf_utils.incremental_writer import IncrementalPdfFileWriter

    w = IncrementalPdfFileWriter(BytesIO(signed_pack.pdf_path.read_bytes()))
    info = w.trailer["/Info"]
    info[NameObject("/Title")] = TextStringObject("Nothing to see here")
    w.update_container(info)
    out = BytesIO()
    w.write(out)
    bad = tmp_path / "appended.pdf"
    bad.write_bytes(out.getvalue())
    result = _run(["report", "verify", str(bad), "--manifest", str(signed_pack.manifest_path), "--json"])
    assert result.exit_code == ExitCode.INTEGRITY
    doc = json.loads(result.output)
    assert doc["ok"] is False
    failed = {c["name"] for c in doc["checks"] if c["ok"] is False}
    assert failed == {"signature AuditPackSignature", "pack hash"}


def test_report_verify_exits_0_on_an_untouched_pack_with_its_manifest(signed_pack):
    result = _run(["report", "verify", str(signed_pack.pdf_path)])
    assert result.exit_code == 0, result.output
    assert "ok   pack hash" in result.output


def test_unsigned_pack_that_differs_from_its_manifest_exits_4(sample_model, tmp_path):
    produce_pack(pack=sample_model(1), output=tmp_path / "pack.pdf")
    data = (tmp_path / "pack.pdf").read_bytes()
    (tmp_path / "pack.pdf").write_bytes(data.replace(b"Example GmbH", b"Exampel GmbH", 1))
    result = _run(["report", "verify", str(tmp_path / "pack.pdf")])
    assert result.exit_code == ExitCode.INTEGRITY
    assert "differs from the manifest" in result.output


def test_verify_without_signature_or_manifest_is_an_error_not_a_pass(sample_model, tmp_path):
    produce_pack(pack=sample_model(1), output=tmp_path / "pack.pdf", manifest_path=tmp_path / "elsewhere.json")
    result = _run(["report", "verify", str(tmp_path / "pack.pdf")])
    assert result.exit_code == ExitCode.ERROR
    assert result.output.startswith("error: --manifest: nothing to verify against")


def test_verify_of_a_missing_file_is_a_one_line_error(tmp_path):
    result = _run(["report", "verify", str(tmp_path / "none.pdf")])
    assert result.exit_code == ExitCode.ERROR and result.output.count("\n") == 1


def test_pkcs12_signing_with_passphrase_from_the_environment(sample_model, tmp_path, signing_material, monkeypatch):
    monkeypatch.setenv("COMPLIANCE_SIGN_PASSPHRASE", signing_material["p12_pass"])
    opts = sign_options(key=None, cert=None, pkcs12=str(signing_material["p12"]))
    result = produce_pack(pack=sample_model(1), output=tmp_path / "p.pdf", sign=opts)
    assert result.signed
    assert verify_pack(pdf_path=result.pdf_path, trust_certs=[signing_material["cert"]]).ok


@pytest.mark.parametrize("kwargs, field", [
    ({"key": "KEY", "cert": None, "pkcs12": None}, "--sign-cert"),
    ({"key": None, "cert": "CERT", "pkcs12": None}, "--sign-key"),
    ({"key": "KEY", "cert": "CERT", "pkcs12": "P12"}, "--sign-pkcs12"),
    ({"key": "missing.pem", "cert": "CERT", "pkcs12": None}, "--sign-key"),
])
def test_inconsistent_signing_options_are_refused_naming_the_option(kwargs, field, signing_material):
    paths = {"KEY": str(signing_material["key"]), "CERT": str(signing_material["cert"]),
             "P12": str(signing_material["p12"])}
    kwargs = {k: paths.get(v, v) for k, v in kwargs.items()}
    with pytest.raises(ValidationError) as err:
        sign_options(**kwargs)
    assert str(err.value).startswith(field)


def test_a_key_that_does_not_match_the_certificate_is_refused(sample_model, tmp_path, signing_material):
    opts = sign_options(key=str(signing_material["other_key"]), cert=str(signing_material["cert"]), pkcs12=None)
    with pytest.raises(ValidationError, match="does not match"):
        produce_pack(pack=sample_model(1), output=tmp_path / "p.pdf", sign=opts)
    assert not (tmp_path / "p.pdf").exists()


def test_wrong_pkcs12_passphrase_is_a_one_line_error(sample_model, tmp_path, signing_material, monkeypatch):
    monkeypatch.setenv("COMPLIANCE_SIGN_PASSPHRASE", "wrong")
    opts = sign_options(key=None, cert=None, pkcs12=str(signing_material["p12"]))
    with pytest.raises(ValidationError, match="--sign-pkcs12"):
        produce_pack(pack=sample_model(1), output=tmp_path / "p.pdf", sign=opts)


# --------------------------------------------------------------------------- evidence against the store

# --------------------------------------------------------------------------- CLI input errors

@pytest.mark.parametrize("args, message", [
    (["--from", "2026-13-01"], "error: --from:"),
    (["--from", "2026-03-01", "--to", "2026-01-01"], "error: --from: 2026-03-01 is after --to 2026-01-01"),
    (["--generated-at", "2026-03-01T10:00:00"], "error: --generated-at:"),
    (["--sign-key", "nokey.pem"], "error: --sign-cert:"),
])
def test_audit_pack_bad_options_give_one_line_errors_before_touching_the_store(args, message, tmp_path):
    result = CliRunner().invoke(cli, ["report", "audit-pack", "--framework", "iso27001", "-o",
                                      str(tmp_path / "p.pdf"), "--db", f"sqlite:///{tmp_path}/none.db", *args])
    assert result.exit_code == ExitCode.ERROR, result.output
    assert result.output.startswith(message) and result.output.count("\n") == 1
    assert not (tmp_path / "p.pdf").exists() and not (tmp_path / "none.db").exists()


def test_audit_pack_output_in_missing_folder_is_refused(tmp_path):
    result = CliRunner().invoke(cli, ["report", "audit-pack", "--framework", "iso27001",
                                      "-o", str(tmp_path / "no" / "p.pdf")])
    assert result.exit_code == ExitCode.ERROR
    assert result.output.startswith("error: --output: folder")


def test_every_report_command_has_help_with_an_example():
    from compliance.cli.report import report

    for name, command in report.commands.items():
        assert "Example:" in (command.help or ""), name


# --------------------------------------------------------------------------- CLI end to end (gatherer stubbed)

@pytest.fixture
def stubbed_gatherer(monkeypatch, sample_model):
    """`report audit-pack` with the store and the gatherer replaced by the sample model."""
    import compliance.cli.report as report_cli
    import compliance.reports.service as service

    calls = {}

    def gather(**kwargs):
        calls.update(kwargs)
        model = calls.get("model") or _restricted_model(sample_model)
        return dataclasses.replace(model, title=kwargs["title"], generated_at=kwargs["generated_at"])

    monkeypatch.setattr(report_cli, "_open_store", lambda db_url, evidence_dir: object())
    monkeypatch.setattr("compliance.reports.settings.store_requires_signature", lambda store: False)
    monkeypatch.setattr(service, "gather_pack_model", gather)
    return calls


def test_audit_pack_command_writes_pack_and_manifest_and_reports_json(stubbed_gatherer, tmp_path, signing_material):
    out = tmp_path / "q1.pdf"
    result = CliRunner().invoke(cli, [
        "report", "audit-pack", "--framework", "iso27001", "--framework", "gdpr", "--from", "2025-04-01",
        "--to", "2026-03-31", "-o", str(out), "--generated-at", "2026-04-02T09:30:00Z", "--title", "Q1 <pack>",
        "--sign-key", str(signing_material["key"]), "--sign-cert", str(signing_material["cert"]), "--json"])
    assert result.exit_code == 0, result.output
    doc = json.loads(result.output)
    assert doc["signed"] and doc["restricted_redacted"] == 1 and doc["pages"] > 5
    assert stubbed_gatherer["frameworks"] == ["iso27001", "gdpr"]
    assert str(stubbed_gatherer["period_from"]) == "2025-04-01"
    assert load_manifest(tmp_path / "q1.manifest.json")["pack"]["sha256"] == doc["sha256"]
    verify = _run(["report", "verify", str(out), "--trust", str(signing_material["cert"])])
    assert verify.exit_code == 0, verify.output


def test_audit_pack_command_is_reproducible_with_generated_at(stubbed_gatherer, tmp_path):
    args = ["report", "audit-pack", "--framework", "iso27001", "--generated-at", "2026-04-02T09:30:00Z"]
    assert _run(args + ["-o", str(tmp_path / "a.pdf")]).exit_code == 0
    assert _run(args + ["-o", str(tmp_path / "b.pdf")]).exit_code == 0
    assert (tmp_path / "a.pdf").read_bytes() == (tmp_path / "b.pdf").read_bytes()


def test_audit_pack_command_refuses_a_broken_chain_with_exit_4(stubbed_gatherer, tmp_path, sample_model):
    stubbed_gatherer["model"] = dataclasses.replace(
        sample_model(1), integrity=Integrity(chain_head=None, verified=False, broken=True, message="entry 3 altered"))
    result = CliRunner().invoke(cli, ["report", "audit-pack", "--framework", "iso27001", "-o", str(tmp_path / "p.pdf")])
    assert result.exit_code == ExitCode.INTEGRITY
    assert result.output.startswith("error: the custody chain does not verify (entry 3 altered)")
    assert not (tmp_path / "p.pdf").exists()
    ok = CliRunner().invoke(cli, ["report", "audit-pack", "--framework", "iso27001", "-o", str(tmp_path / "p.pdf"),
                                  "--allow-broken"])
    assert ok.exit_code == 0 and (tmp_path / "p.pdf").exists()


def test_an_approval_needs_its_instant_and_cannot_follow_the_generation():
    from datetime import UTC, datetime

    import pytest

    from compliance.core.errors import ValidationError
    from compliance.reports.service import management_assertion

    when = datetime(2026, 4, 1, tzinfo=UTC)
    with pytest.raises(ValidationError, match="instant of the approval"):
        management_assertion(prepared_by="A", approved_by="B", approved_at=None, generated_at=when)
    with pytest.raises(ValidationError, match="after the pack was generated"):
        management_assertion(prepared_by="A", approved_by="B", approved_at=datetime(2026, 4, 2, tzinfo=UTC),
                             generated_at=when)
    ok = management_assertion(prepared_by=" A ", approved_by="B", approved_at=datetime(2026, 3, 31, tzinfo=UTC),
                              generated_at=when)
    assert (ok.prepared_by, ok.prepared_at, ok.approved_by) == ("A", when, "B")
