"""`report verify OLD_PACK --store` re-derives the statuses the pack stated from the breach assessments as the ledger
held them at the pack's length: a later assessment (which makes Art. 34 not_required today) never changes what an
old pack is verified against, and an edited assessment row is named."""

from __future__ import annotations

import json

from sqlalchemy import text

from compliance.core.exitcodes import ExitCode

GENERATED = "2026-04-01T09:00:00Z"


def _ok(cli_run, *args):
    result = cli_run(list(args))
    assert result.exit_code == ExitCode.OK, result.output
    return result


def _breach_and_pack(cli_run, tmp_path, *, assess_first: bool):
    _ok(cli_run, "incident", "open", "--title", "Mailing list exported", "--severity", "sev3",
        "--detected-at", "2026-03-01T11:00:00Z", "--aware-at", "2026-03-01T12:00:00Z", "--personal-data",
        "--regime", "gdpr")
    if assess_first:
        _assess(cli_run, "high")
    pack = tmp_path / "pack.pdf"
    _ok(cli_run, "report", "audit-pack", "--framework", "gdpr", "-o", str(pack), "--generated-at", GENERATED)
    return pack


def _assess(cli_run, level):
    _ok(cli_run, "decision", "assess", "INC-0001", "--regime", "gdpr", "--likelihood", "low", "--severity", "low",
        "--level", level, "--rationale", "names and e-mail addresses only", "--decided-by", "DPO",
        "--at", "2026-03-02T10:00:00Z")


def _stated(tmp_path) -> dict:
    manifest = json.loads((tmp_path / "pack.manifest.json").read_text())
    return {(s["regime"], s["stage"]): s["status"] for s in manifest["store"]["statuses"]["items"]}


def _verify(cli_run, pack):
    result = cli_run(["report", "verify", str(pack), "--store", "--json"])
    return result, {c["name"]: c for c in json.loads(result.stdout)["checks"]}


def test_a_later_assessment_does_not_change_what_an_old_pack_is_verified_against(cli_run, store, tmp_path):
    pack = _breach_and_pack(cli_run, tmp_path, assess_first=False)
    assert _stated(tmp_path)[("gdpr", "data_subject_notification")] == "undue_delay"
    _assess(cli_run, "risk")  # today the communication is not required; the pack said it was owed
    listed = json.loads(_ok(cli_run, "deadlines", "list", "--json", "--at", GENERATED).stdout)
    assert any(r["stage"] == "data_subject_notification" and r["status"] == "not_required" for r in listed)
    result, checks = _verify(cli_run, pack)
    assert result.exit_code == ExitCode.OK, result.output
    assert checks["statuses"]["ok"] is True


def test_a_pack_stating_not_required_re_derives_from_the_assessment_as_recorded(cli_run, store, tmp_path):
    _ok(cli_run, "incident", "open", "--title", "Mailing list exported", "--severity", "sev3",
        "--detected-at", "2026-03-01T11:00:00Z", "--aware-at", "2026-03-01T12:00:00Z", "--personal-data",
        "--regime", "gdpr")
    _assess(cli_run, "risk")
    pack = tmp_path / "pack.pdf"
    _ok(cli_run, "report", "audit-pack", "--framework", "gdpr", "-o", str(pack), "--generated-at", GENERATED)
    assert _stated(tmp_path)[("gdpr", "data_subject_notification")] == "not_required"
    _ok(cli_run, "decision", "assess", "INC-0001", "--regime", "gdpr", "--likelihood", "high", "--severity", "high",
        "--level", "high", "--rationale", "passwords were in the export after all", "--decided-by", "DPO",
        "--at", "2026-03-03T10:00:00Z")
    result, checks = _verify(cli_run, pack)
    assert result.exit_code == ExitCode.OK, result.output


def test_an_edited_assessment_row_is_named(cli_run, store, tmp_path):
    pack = _breach_and_pack(cli_run, tmp_path, assess_first=True)
    with store.engine.begin() as conn:
        conn.execute(text("UPDATE breach_assessment SET level = 'none'"))
    result, checks = _verify(cli_run, pack)
    assert result.exit_code == ExitCode.INTEGRITY
    assert checks["store"]["ok"] is False
    assert "breach_assessment" in checks["store"]["detail"] and "level" in checks["store"]["detail"]
