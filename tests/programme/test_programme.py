"""Programme evidence on SQLite and PostgreSQL: add, list, show, freshness, blob store, bad input records nothing."""

from __future__ import annotations

import json
from datetime import date

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from sqlmodel import func, select

from compliance.core.exitcodes import ExitCode
from tests.conftest import at


def _count(store) -> int:
    from compliance.programme.models import ProgrammeEvidence

    with store.session() as session:
        return session.exec(select(func.count()).select_from(ProgrammeEvidence)).one()


def _custody_events(store) -> int:
    from compliance.custody.service import count_custody_events

    with store.session() as session:
        return count_custody_events(session=session)


def _blobs(store) -> list:
    root = store.evidence_dir / "blobs"
    return sorted(p for p in root.rglob("*") if p.is_file()) if root.exists() else []


@pytest.fixture
def plan(tmp_path):
    path = tmp_path / "ir-plan-v3.pdf"
    path.write_bytes(b"%PDF-1.7 incident response plan v3\n")
    return path


def test_add_stores_the_file_in_the_blob_store_and_records_hash_and_validity(cli_run, store, plan):
    import hashlib

    result = cli_run(["programme", "add", "ir_plan", str(plan), "--title", "Incident response plan", "--version", "3",
                      "--approved-by", "CISO", "--approved-at", "2026-01-02T09:00:00Z", "--valid-from", "2026-01-01",
                      "--valid-until", "2026-12-31", "--json"])
    assert result.exit_code == 0, result.output
    data = json.loads(result.stdout)
    digest = hashlib.sha256(plan.read_bytes()).hexdigest()
    assert data["ref"] == "PE-0001" and data["sha256"] == digest and data["size"] == plan.stat().st_size
    assert data["approved_by"] == "CISO" and data["valid_until"] == "2026-12-31" and data["recorded_by"] == "test-runner"
    assert [p.name for p in _blobs(store)] == [digest]
    from compliance.programme.service import verify_programme_evidence

    assert verify_programme_evidence(store=store) == []


def test_evidence_outside_its_validity_on_the_assessed_date_is_stale(cli_run, store, plan):
    cli_run(["programme", "add", "ir_plan", str(plan), "--title", "Plan", "--approved-by", "CISO",
             "--approved-at", "2025-12-01T00:00:00Z", "--valid-from", "2026-01-01", "--valid-until", "2026-06-30"])
    def state(when: str) -> bool:
        return json.loads(cli_run(["programme", "show", "PE-0001", "--as-of", when, "--json"]).stdout)["fresh"]
    assert [state("2025-12-31T23:59:59Z"), state("2026-01-01T00:00:00Z"), state("2026-06-30T23:59:59Z"),
            state("2026-07-01T00:00:00Z")] == [False, True, True, False]
    listed = cli_run(["programme", "list", "--as-of", "2026-07-01T00:00:00Z"]).stdout
    assert "stale" in listed and "PE-0001" in listed


@pytest.mark.parametrize("args, message", [
    (["policy"], "KIND: unknown kind 'policy' (known: ir_plan, roles,"),
    (["ir_plan", "--valid-until", "2025-12-31"], "--valid-until: 2025-12-31 is before --valid-from 2026-01-01"),
    (["ir_plan", "--missing-file"], "FILE: "),
    (["ir_plan", "--valid-from", "2026-02-30"], "--valid-from: '2026-02-30' is not an ISO 8601 date"),
    (["ir_plan", "--approved-by", " "], "--approved-by: must not be empty"),
])
def test_bad_input_is_one_line_and_records_nothing(cli_run, store, plan, tmp_path, args, message):
    kind, *rest = args
    path = str(tmp_path / "absent.pdf") if "--missing-file" in rest else str(plan)
    rest = [a for a in rest if a != "--missing-file"]
    options = {"--title": "Plan", "--approved-by": "CISO", "--valid-from": "2026-01-01", "--valid-until": "2026-12-31"}
    for flag, value in zip(rest[::2], rest[1::2], strict=True):
        options[flag] = value
    result = cli_run(["programme", "add", kind, path, *[x for kv in options.items() for x in kv]])
    assert result.exit_code == int(ExitCode.ERROR)
    assert len(result.stderr.strip().splitlines()) == 1 and message in result.stderr and "Traceback" not in result.output
    assert _count(store) == 0 and _blobs(store) == [] and _custody_events(store) == 0


def test_a_missing_blob_is_reported_by_verify(cli_run, store, plan):
    cli_run(["programme", "add", "roles", str(plan), "--title", "RACI", "--approved-by", "CISO",
             "--valid-from", "2026-01-01", "--valid-until", "2026-12-31"])
    from compliance.programme.service import verify_programme_evidence

    (blob,) = _blobs(store)
    blob.chmod(0o600)
    blob.unlink()
    assert verify_programme_evidence(store=store) == [f"PE-0001: blob {blob.name[:12]} is missing"]


def test_the_assessment_reads_programme_evidence_and_coverage_shows_organisation_level_once(cli_run, store, plan,
                                                                                           make_incident):
    from compliance.controls.loader import load_frameworks
    from compliance.controls.service import get_coverage

    for _ in range(3):
        make_incident()
    frameworks = load_frameworks()

    def coverage(as_of: str) -> dict:
        with store.session() as session:
            data = get_coverage(session=session, frameworks=[frameworks["soc2-2017"]], period_from=None, period_to=None,
                                as_of=at(as_of), include_restricted=False)
        return data["frameworks"][0]

    before = coverage("2026-04-01T00:00:00Z")
    assert [(o["requirement"], o["status"]) for o in before["organisation"]] == [
        ("CC7.1", "missing"), ("A1.2", "not_applicable"), ("A1.3", "not_applicable")]
    assert all("CC7.1" not in row["cells"] for row in before["incidents"]) and len(before["incidents"]) == 3
    assert next(r for r in before["requirements"] if r["id"] == "CC7.1")["totals"]["missing"] == 1
    for kind in ("configuration_baseline", "vulnerability_scans"):
        cli_run(["programme", "add", kind, str(plan), "--title", kind, "--approved-by", "CISO",
                 "--valid-from", "2026-01-01", "--valid-until", "2026-06-30"])
    assert [o["status"] for o in coverage("2026-04-01T00:00:00Z")["organisation"]][:1] == ["satisfied"]
    stale = coverage("2026-07-01T00:00:00Z")["organisation"][0]
    assert stale["status"] == "missing" and "stale" in stale["reason"]


@settings(max_examples=60, deadline=None)
@given(st.dates(min_value=date(2024, 1, 1), max_value=date(2028, 12, 31)),
       st.integers(min_value=0, max_value=800), st.integers(min_value=-5, max_value=900))
def test_fresh_exactly_within_the_inclusive_validity(start, length, offset):
    from datetime import timedelta

    from compliance.programme.service import is_fresh

    row = {"valid_from": start, "valid_until": start + timedelta(days=length)}
    on = start + timedelta(days=offset)
    assert is_fresh(row, on) == (0 <= offset <= length)


def test_new_kinds_are_accepted_and_an_unknown_kind_lists_them(cli_run, store, plan):
    for kind in ("bcp", "recovery_test", "backup_test", "logging_policy", "monitoring_runbook", "time_sync_config",
                 "communication_plan"):
        result = cli_run(["programme", "add", kind, str(plan), "--title", kind, "--approved-by", "CISO",
                          "--valid-from", "2026-01-01", "--valid-until", "2026-12-31"])
        assert result.exit_code == 0, result.output
    result = cli_run(["programme", "add", "backups", str(plan), "--title", "t", "--approved-by", "CISO",
                      "--valid-from", "2026-01-01", "--valid-until", "2026-12-31"])
    assert result.exit_code != 0 and "backup_test" in result.output and "Traceback" not in result.output
    assert _count(store) == 7


def test_the_audit_scope_is_off_by_default_and_switching_it_on_makes_the_soc2_categories_apply(cli_run, store, plan,
                                                                                              make_incident):
    from compliance.controls.loader import load_frameworks
    from compliance.controls.service import get_coverage

    make_incident(personal_data=True, regimes=["gdpr"])
    soc2 = load_frameworks()["soc2-2017"]

    def statuses() -> dict:
        with store.session() as session:
            data = get_coverage(session=session, frameworks=[soc2], period_from=None, period_to=None,
                                as_of=at("2026-04-01T00:00:00Z"), include_restricted=True)["frameworks"][0]
        cells = data["incidents"][0]["cells"]
        return {**{o["requirement"]: o["status"] for o in data["organisation"]}, "P6.3": cells["P6.3"],
                "P6.6": cells["P6.6"]}

    shown = cli_run(["programme", "scope", "--json"])
    assert shown.exit_code == 0 and json.loads(shown.stdout)["soc2_privacy"] is False
    assert {k: statuses()[k] for k in ("A1.2", "A1.3", "P6.3", "P6.6")} == dict.fromkeys(
        ("A1.2", "A1.3", "P6.3", "P6.6"), "not_applicable")
    result = cli_run(["programme", "scope", "--soc2-availability", "--soc2-privacy"])
    assert result.exit_code == 0 and "availability criteria: in scope" in result.output
    now = statuses()
    assert now["A1.2"] == now["A1.3"] == "missing"  # in scope, no backup or recovery test recorded
    assert now["P6.3"] != "not_applicable" and now["P6.6"] != "not_applicable"
    for kind in ("bcp", "backup_test", "recovery_test"):
        cli_run(["programme", "add", kind, str(plan), "--title", kind, "--approved-by", "CISO",
                 "--valid-from", "2026-01-01", "--valid-until", "2026-12-31"])
    assert statuses()["A1.2"] == statuses()["A1.3"] == "satisfied"
    cli_run(["programme", "scope", "--no-soc2-privacy"])
    with store.session() as session:
        from compliance.programme.scope import get_audit_scope

        assert get_audit_scope(session=session) == {"soc2_availability": True, "soc2_privacy": False}
