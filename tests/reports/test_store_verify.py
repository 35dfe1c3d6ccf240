"""The audit pack gathered from a real store (SQLite and PostgreSQL), and `report verify --store` against it."""

from __future__ import annotations

import json
import os
import stat

from compliance.core.exitcodes import ExitCode
from tests.worked_breach import DELAY

GENERATED = "2026-04-01T09:00:00Z"


def test_pack_from_the_store_shows_evidence_custody_notifications_and_assessment(cli_run, store, recorded, tmp_path,
                                                                                  text_of):
    pack = tmp_path / "pack.pdf"
    result = cli_run(["report", "audit-pack", "--framework", "iso27001-2022", "--framework", "gdpr",
                      "-o", str(pack), "--generated-at", GENERATED, "--json"])
    assert result.exit_code == ExitCode.OK, result.output
    text = "".join("".join(text_of(pack.read_bytes())).split())
    for expected in ("INC-0001", recorded["id"], recorded["sha256"], "A.5.28", "Art.33(1)", "authority_notification",
                     "ForensicsLtd", "Nojustificationrecorded", "".join(DELAY.split())):
        assert expected in text, expected
    manifest = json.loads((tmp_path / "pack.manifest.json").read_text())
    assert [e["sha256"] for e in manifest["evidence"]] == [recorded["sha256"]]
    verify = cli_run(["report", "verify", str(pack), "--store", "--json"])
    assert verify.exit_code == ExitCode.OK, verify.output
    assert [c["name"] for c in json.loads(verify.stdout)["checks"] if c["ok"]] == ["pack hash", "manifest", "ledger head",
                                                                                 "store", "statuses", "evidence"]


def test_report_verify_with_store_exits_4_when_stored_evidence_changed(cli_run, store, recorded, tmp_path):
    pack = tmp_path / "pack.pdf"
    assert cli_run(["report", "audit-pack", "--framework", "gdpr", "-o", str(pack)]).exit_code == ExitCode.OK
    sha = recorded["sha256"]
    blob = store.blobs_dir / sha[:2] / sha[2:4] / sha
    os.chmod(blob, stat.S_IRUSR | stat.S_IWUSR)
    blob.write_bytes(b"edited\n")
    result = cli_run(["report", "verify", str(pack), "--store"])
    assert result.exit_code == ExitCode.INTEGRITY
    assert f"FAIL evidence: {recorded['id']}: sha256 is" in result.output
    refused = cli_run(["report", "audit-pack", "--framework", "gdpr", "-o", str(tmp_path / "again.pdf")])
    assert refused.exit_code == ExitCode.INTEGRITY and recorded["id"] in refused.output
    assert not (tmp_path / "again.pdf").exists()


def test_report_verify_names_evidence_the_store_does_not_hold(cli_run, store, recorded, tmp_path):
    pack = tmp_path / "pack.pdf"
    assert cli_run(["report", "audit-pack", "--framework", "gdpr", "-o", str(pack)]).exit_code == ExitCode.OK
    manifest_path = tmp_path / "pack.manifest.json"
    manifest = json.loads(manifest_path.read_text())
    manifest["evidence"][0]["ref"] = "EV-0042"
    manifest_path.write_text(json.dumps(manifest))
    result = cli_run(["report", "verify", str(pack), "--store"])
    assert result.exit_code == ExitCode.INTEGRITY
    assert "EV-0042: no such evidence in this store" in result.output


def test_a_public_pack_from_the_store_names_no_person_anywhere(cli_run, store, recorded, tmp_path, text_of):
    assert cli_run(["timeline", "add", "INC-0001", "--at", "2026-03-01T11:30:00Z", "--kind", "decision",
                    "--text", "Dana Ruiz (dana.ruiz@example.com, +44 20 7946 0958) declared the breach",
                    "--actor", "Dana Ruiz"]).exit_code == ExitCode.OK
    internal, public = tmp_path / "internal.pdf", tmp_path / "public.pdf"
    for path, extra in ((internal, []), (public, ["--public"])):
        result = cli_run(["report", "audit-pack", "--framework", "gdpr", "-o", str(path), "--generated-at",
                          GENERATED, *extra])
        assert result.exit_code == ExitCode.OK, result.output
    squash = "".join
    assert "DanaRuiz" in squash("".join(text_of(internal.read_bytes())).split()), "the internal pack keeps names"
    text = squash("".join(text_of(public.read_bytes())).split())
    for leak in ("DanaRuiz", "dana.ruiz", "7946"):
        assert leak not in text, leak
    assert "ForensicsLtd" in text and "[redacted]" in text


def test_the_cover_fingerprint_is_the_ledger_head_and_the_integrity_page_counts_what_it_covers(cli_run, store, recorded,
                                                                                               tmp_path, text_of):
    from compliance.db.ledger.service import get_ledger_fingerprint

    pack = tmp_path / "pack.pdf"
    assert cli_run(["report", "audit-pack", "--framework", "gdpr", "-o", str(pack), "--generated-at",
                    GENERATED]).exit_code == ExitCode.OK
    with store.session() as session:
        fingerprint = get_ledger_fingerprint(session=session, with_items=False)
    pages = text_of(pack.read_bytes())
    cover = "".join(pages[0].split())
    assert fingerprint.head_hash in cover and f"ledgerof{fingerprint.length}entries" in cover
    text = "".join("".join(pages).split())
    assert "Recordscoveredbytheledger" in text
    for kind, label in (("incident", "incidents"), ("notification", "notificationfilings"),
                        ("custody_event", "custodyevents")):
        assert f"{label}{fingerprint.counts[kind]}" in text, kind


def test_the_pack_lists_programme_evidence_fresh_or_stale_at_its_generation(cli_run, store, recorded, tmp_path,
                                                                               text_of):
    from datetime import date

    from compliance.custody.programme import add_programme_evidence

    plan, scan = tmp_path / "ir-plan.pdf", tmp_path / "scan.pdf"
    plan.write_bytes(b"incident response plan v3")
    scan.write_bytes(b"vulnerability scan report")
    fresh = add_programme_evidence(store=store, kind="ir_plan", path=plan, title="IR plan", approved_by="CISO",
                                   valid_from=date(2026, 1, 1), valid_until=date(2026, 12, 31), recorded_by="test")
    stale = add_programme_evidence(store=store, kind="vulnerability_scans", path=scan, title="Quarterly scan",
                                   approved_by="CISO", valid_from=date(2025, 10, 1), valid_until=date(2026, 1, 31),
                                   recorded_by="test")
    assert cli_run(["custody", "record", fresh["ref"], "--action", "accessed", "--actor", "auditor"]).exit_code == 0
    pack = tmp_path / "pack.pdf"
    assert cli_run(["report", "audit-pack", "--framework", "iso27001-2022", "-o", str(pack), "--generated-at",
                    GENERATED]).exit_code == ExitCode.OK
    text = "".join("".join(text_of(pack.read_bytes())).split())
    section = text[text.index("Programmeevidence", text.index("Trends")):]
    assert fresh["ref"] in section and stale["ref"] in section
    assert fresh["sha256"] in section and stale["sha256"] in section
    assert "fresh" in section and "STALE" in section
    # each document's own chain of custody: collected when added, then the auditor's access
    assert section.index("custodylog:2events") < section.index(stale["ref"]) < section.index("custodylog:1event")


def test_residents_per_state_are_shown_on_the_incident_page_and_the_register_has_one_media_notice_per_state(
        cli_run, tmp_path, text_of):
    assert cli_run(["incident", "open", "--title", "Patient portal exposure", "--severity", "sev2",
                    "--detected-at", "2026-03-02T09:00:00Z", "--discovered-at", "2026-03-02T09:00:00Z",
                    "--regime", "hipaa", "--affected-in", "CA=501", "--affected-in", "TX=50"]).exit_code == ExitCode.OK
    pack = tmp_path / "pack.pdf"
    assert cli_run(["report", "audit-pack", "--framework", "gdpr", "-o", str(pack), "--generated-at",
                    GENERATED]).exit_code == ExitCode.OK
    text = "".join("".join(text_of(pack.read_bytes())).split())
    assert "ResidentsperStateCA501,TX50" in text
    assert "media_notice_ca" in text and "media_notice_tx" not in text
