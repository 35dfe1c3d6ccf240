"""`report verify OLD_PACK --store`: the pack's ledger head, the store and the stated statuses, on both engines."""

from __future__ import annotations

import json

import pytest
from sqlalchemy import text

from compliance.core.exitcodes import ExitCode
from tests.custody.helpers import triggers_bypassed

GENERATED = "2026-04-01T09:00:00Z"


@pytest.fixture
def old_pack(cli_run, recorded, tmp_path):
    pack = tmp_path / "pack.pdf"
    result = cli_run(["report", "audit-pack", "--framework", "gdpr", "-o", str(pack), "--generated-at", GENERATED])
    assert result.exit_code == ExitCode.OK, result.output
    return pack


def _verify(cli_run, pack):
    result = cli_run(["report", "verify", str(pack), "--store", "--json"])
    return result, {c["name"]: c for c in json.loads(result.stdout)["checks"]}


def test_a_fresh_pack_verifies_against_its_store_and_records_the_ledger_head(cli_run, store, old_pack, tmp_path):
    manifest = json.loads((tmp_path / "pack.manifest.json").read_text())
    fields = manifest["store"]
    assert fields["ledger"]["length"] > 10 and len(fields["ledger"]["head_hash"]) == 64
    assert {"incident": "INC-0001", "regime": "gdpr", "stage": "authority_notification", "status": "late"} \
        in fields["statuses"]["items"]
    result, checks = _verify(cli_run, old_pack)
    assert result.exit_code == ExitCode.OK, result.output
    assert [n for n, c in checks.items() if c["ok"]] == ["pack hash", "manifest", "ledger head", "store", "statuses",
                                                              "evidence"]


def test_later_legitimate_work_keeps_an_old_pack_valid(cli_run, store, old_pack):
    assert cli_run(["incident", "update", "INC-0001", "--title", "Renamed later"]).exit_code == ExitCode.OK
    result, _checks = _verify(cli_run, old_pack)
    assert result.exit_code == ExitCode.OK, result.output


def test_an_edited_incident_instant_fails_an_old_pack(cli_run, store, old_pack):
    with store.engine.begin() as conn:
        conn.execute(text("UPDATE incident SET aware_at = detected_at"))
    result, checks = _verify(cli_run, old_pack)
    assert result.exit_code == ExitCode.INTEGRITY and checks["store"]["ok"] is False
    assert "incident 1" in checks["store"]["detail"] and "aware_at" in checks["store"]["detail"]


def test_a_consistent_rewrite_of_history_fails_an_old_pack_at_its_head(cli_run, store, old_pack):
    """Re-hash the whole ledger with the late filing made on time and the row edited to match: only the old head sees it."""
    from tests.ledger.tamper_cases import rewrite_history_consistently, superuser_bypass

    with superuser_bypass(store) as conn:
        rewrite_history_consistently(conn)
    result, checks = _verify(cli_run, old_pack)
    assert result.exit_code == ExitCode.INTEGRITY
    assert checks["ledger head"]["ok"] is False and "no longer holds the pack's ledger head" in checks["ledger head"]["detail"]
    assert checks["statuses"]["ok"] is False and "authority_notification" in checks["statuses"]["detail"]


@pytest.mark.parametrize("cut", ["tail", "middle"])
def test_cutting_entries_fails_an_old_pack(cli_run, store, old_pack, cut):
    with store.engine.begin() as conn:
        length = conn.execute(text("SELECT seq FROM ledger_head")).scalar_one()
    with triggers_bypassed(store, "ledger_entry") as conn:
        seq = length if cut == "tail" else 2
        conn.execute(text("DELETE FROM ledger_entry WHERE seq = :s"), {"s": seq})
        if cut == "tail":
            last = conn.execute(text("SELECT seq, entry_hash FROM ledger_entry ORDER BY seq DESC LIMIT 1")).one()
            conn.execute(text("UPDATE ledger_head SET seq = :s, entry_hash = :h"), {"s": last[0], "h": last[1]})
    result, checks = _verify(cli_run, old_pack)
    assert result.exit_code == ExitCode.INTEGRITY and checks["ledger head"]["ok"] is False


def test_a_manifest_without_the_store_fields_fails_closed(cli_run, store, old_pack, tmp_path):
    path = tmp_path / "pack.manifest.json"
    manifest = json.loads(path.read_text())
    del manifest["store"]
    path.write_text(json.dumps(manifest))
    result, checks = _verify(cli_run, old_pack)
    assert result.exit_code == ExitCode.INTEGRITY and checks["ledger head"]["ok"] is False


def _status(manifest_path, incident, stage):
    items = json.loads(manifest_path.read_text())["store"]["statuses"]["items"]
    return next(s["status"] for s in items if s["incident"] == incident and s["stage"] == stage)


def test_a_setting_changed_after_the_pack_leaves_its_statuses_re_deriving_as_they_were(cli_run, store, recorded,
                                                                                       tmp_path):
    """The warning window decides due_soon: widened after the pack, the old pack still re-derives with the old one."""
    result = cli_run(["incident", "open", "--title", "Mailbox takeover", "--severity", "sev2", "--personal-data",
                      "--detected-at", "2026-03-30T15:00:00Z", "--aware-at", "2026-03-30T15:00:00Z",
                      "--data-subjects", "40", "--regime", "gdpr"])
    assert result.exit_code == ExitCode.OK, result.output
    old = tmp_path / "old.pdf"
    assert cli_run(["report", "audit-pack", "--framework", "gdpr", "-o", str(old), "--generated-at",
                    GENERATED]).exit_code == ExitCode.OK
    before = _status(tmp_path / "old.manifest.json", "INC-0002", "authority_notification")
    assert cli_run(["deadlines", "settings", "--warn-within", "48h"]).exit_code == ExitCode.OK
    new = tmp_path / "new.pdf"
    assert cli_run(["report", "audit-pack", "--framework", "gdpr", "-o", str(new), "--generated-at",
                    GENERATED]).exit_code == ExitCode.OK
    assert _status(tmp_path / "new.manifest.json", "INC-0002", "authority_notification") != before, \
        "the setting must matter for this test to mean anything"
    result, checks = _verify(cli_run, old)
    assert result.exit_code == ExitCode.OK, result.output
    assert checks["statuses"]["ok"] is True


def test_a_setting_edited_behind_the_applications_back_fails_an_old_pack(cli_run, store, old_pack):
    from tests.ledger.tamper_cases import edit_setting

    with store.engine.begin() as conn:
        edit_setting(conn)
    result, checks = _verify(cli_run, old_pack)
    assert result.exit_code == ExitCode.INTEGRITY and checks["store"]["ok"] is False
    assert "setting deadlines" in checks["store"]["detail"]
