"""The incident and timeline commands: JSON output, one-line errors, exit codes."""

from __future__ import annotations

import json

from click.testing import CliRunner

from compliance.cli import cli
from compliance.core.exitcodes import ExitCode


def test_open_prints_the_new_id_and_json_is_one_document(cli_run):
    plain = cli_run(["incident", "open", "--title", "Leaked API key", "--severity", "sev1",
                     "--detected-at", "2026-03-01T11:00:00Z"])
    assert plain.exit_code == 0 and plain.stdout.strip() == "INC-0001"
    as_json = cli_run(["incident", "open", "--title", "Credential stuffing", "--severity", "sev2",
                       "--detected-at", "2026-03-01T12:00:00+01:00", "--personal-data", "--regime", "gdpr",
                       "--service", "login", "--tag", "auth", "--json"])
    doc = json.loads(as_json.stdout)
    assert doc["id"] == "INC-0002"
    assert doc["detected_at"] == "2026-03-01T11:00:00Z"
    assert doc["personal_data"] is True and doc["regimes"] == ["gdpr"]


def test_naive_datetime_without_timezone_is_one_line_error(cli_run):
    result = cli_run(["incident", "open", "--title", "x", "--severity", "sev2", "--detected-at", "2026-03-01T11:00:00"])
    assert result.exit_code == ExitCode.ERROR
    assert result.stderr.strip().splitlines() == [
        "error: --detected-at: 2026-03-01T11:00:00 has no time zone: add an offset or Z, or give --timezone"]
    assert "Traceback" not in result.output


def test_naive_datetime_with_timezone_is_converted_to_utc(cli_run):
    result = cli_run(["incident", "open", "--title", "x", "--severity", "sev2", "--detected-at",
                      "2026-07-01T11:00:00", "--timezone", "Europe/Berlin", "--json"])
    assert json.loads(result.stdout)["detected_at"] == "2026-07-01T09:00:00Z"


def test_unknown_timezone_is_refused(cli_run):
    result = cli_run(["incident", "open", "--title", "x", "--severity", "sev2", "--detected-at",
                      "2026-07-01T11:00:00", "--timezone", "Mars/Olympus"])
    assert result.exit_code == ExitCode.ERROR and "--timezone: unknown time zone 'Mars/Olympus'" in result.stderr


def test_unknown_severity_is_a_usage_error(cli_run):
    result = cli_run(["incident", "open", "--title", "x", "--severity", "sev9", "--detected-at", "2026-03-01T11:00:00Z"])
    assert result.exit_code == ExitCode.USAGE and "sev9" in result.stderr


def test_unknown_incident_is_one_line_error(cli_run):
    result = cli_run(["incident", "show", "INC-0099"])
    assert result.exit_code == ExitCode.ERROR
    assert result.stderr.strip() == "error: INCIDENT: unknown incident 'INC-0099'"


def test_update_and_show_carry_the_audit_trail(cli_run):
    cli_run(["incident", "open", "--title", "x", "--severity", "sev3", "--detected-at", "2026-03-01T11:00:00Z"])
    upd = cli_run(["incident", "update", "INC-0001", "--status", "mitigated", "--mitigated-at",
                   "2026-03-01T12:00:00Z", "--by", "sam", "--json"])
    assert json.loads(upd.stdout)["changed"] == ["status", "mitigated_at"]
    shown = json.loads(cli_run(["incident", "show", "INC-0001", "--json"]).stdout)
    assert shown["status"] == "mitigated"
    assert [c["field"] for c in shown["changes"]] == ["status", "mitigated_at"]
    assert shown["changes"][0]["changed_by"] == "sam"


def test_list_filters_and_json(cli_run):
    for sev in ("sev1", "sev3"):
        cli_run(["incident", "open", "--title", sev, "--severity", sev, "--detected-at", "2026-03-01T11:00:00Z"])
    rows = json.loads(cli_run(["incident", "list", "--severity", "sev3", "--json"]).stdout)
    assert [r["id"] for r in rows] == ["INC-0002"]
    table = cli_run(["incident", "list"]).stdout
    assert "INC-0001" in table and "INC-0002" in table


def test_timeline_add_and_show(cli_run):
    cli_run(["incident", "open", "--title", "x", "--severity", "sev3", "--detected-at", "2026-03-01T11:00:00Z"])
    cli_run(["timeline", "add", "INC-0001", "--at", "2026-03-01T11:05:00Z", "--kind", "escalation",
             "--text", "Paged security on-call", "--actor", "on-call SRE", "--source", "pager"])
    rows = json.loads(cli_run(["timeline", "show", "INC-0001", "--json"]).stdout)
    assert rows == [{"at": "2026-03-01T11:05:00Z", "kind": "escalation", "text": "Paged security on-call",
                     "source": "pager", "actor": "on-call SRE", "original_time": None, "customer_visible": False}]


def test_commands_on_a_missing_store_say_run_init(tmp_path):
    db = tmp_path / "nothing.db"
    result = CliRunner().invoke(cli, ["incident", "list", "--db", f"sqlite:///{db}"], catch_exceptions=False)
    assert result.exit_code == ExitCode.ERROR
    assert result.stderr.strip() == f"error: no store at sqlite:///{db}: run 'compliance init'"
    assert not db.exists()


def test_init_creates_the_store(tmp_path):
    db = tmp_path / "new.db"
    args = ["init", "--db", f"sqlite:///{db}", "--evidence-dir", str(tmp_path / "ev"), "--json"]
    first = json.loads(CliRunner().invoke(cli, args, catch_exceptions=False).stdout)
    second = json.loads(CliRunner().invoke(cli, args, catch_exceptions=False).stdout)
    assert (first["action"], second["action"]) == ("created", "unchanged")


def test_open_records_personal_data_counts(cli_run):
    result = cli_run(["incident", "open", "--title", "x", "--severity", "sev2", "--detected-at", "2026-03-01T11:00:00Z",
                      "--personal-data", "--data-category", "email", "--data-subjects", "1200", "--records", "5000", "--json"])
    doc = json.loads(result.stdout)
    assert (doc["data_categories"], doc["data_subjects_approx"], doc["records_approx"]) == (["email"], 1200, 5000)
