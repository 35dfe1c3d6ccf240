"""`compliance deadlines …` and `compliance notify …` end to end, the scheduled check's exit codes and webhook."""

from __future__ import annotations

import json
import threading
from http.server import BaseHTTPRequestHandler, HTTPServer

import pytest
from click.testing import CliRunner

from compliance.cli import cli
from compliance.core.exitcodes import ExitCode


def run(args, env=None):
    return CliRunner().invoke(cli, list(args), env={"COMPLIANCE_TIMEZONE": None, **(env or {})},
                              catch_exceptions=False)


def test_compute_prints_one_json_document_with_utc_and_local_due():
    result = run(["deadlines", "compute", "--regime", "gdpr", "--clock-start", "2026-03-01T11:00:00Z",
                  "--stage", "authority_notification", "--timezone", "Europe/Berlin",
                  "--at", "2026-03-02T11:00:00Z", "--json"])
    assert result.exit_code == 0, result.output
    data = json.loads(result.stdout)
    stage = data["stages"][0]
    assert data["regime"] == "gdpr"
    assert (stage["stage"], stage["due"], stage["due_local"], stage["status"]) == (
        "authority_notification", "2026-03-04T11:00:00Z", "2026-03-04T12:00:00+01:00", "open")


def test_compute_accepts_a_naive_clock_start_with_timezone():
    result = run(["deadlines", "compute", "--regime", "cert_in", "--clock-start", "2026-03-01T10:00:00",
                  "--timezone", "Asia/Kolkata", "--json"])
    assert json.loads(result.stdout)["stages"][0]["due"] == "2026-03-01T10:30:00Z"


@pytest.mark.parametrize("args, message", [
    (["--regime", "nope", "--clock-start", "2026-03-01T11:00:00Z"], "error: --regime: unknown regime 'nope' (valid: au_ndb,"),
    (["--regime", "nis2", "--stage", "late_report", "--clock-start", "2026-03-01T11:00:00Z"],
     "error: --stage: unknown stage 'late_report' of regime 'nis2' (valid: early_warning, incident_notification, "
     "final_report, intermediate_report, final_report_after_handling)"),
    (["--regime", "gdpr", "--clock-start", "2026-03-01T11:00:00"], "error: --clock-start: 2026-03-01T11:00:00 has no time zone"),
    (["--regime", "gdpr", "--clock-start", "yesterday"], "error: --clock-start: 'yesterday' is not an ISO 8601 date-time"),
    (["--regime", "gdpr", "--clock-start", "2026-03-01T11:00:00Z", "--timezone", "Mars/Olympus"],
     "error: --timezone: unknown time zone 'Mars/Olympus'"),
    (["--regime", "nis2", "--clock-start", "2026-03-01T11:00:00Z", "--notified-at", "2026-03-02T11:00:00Z"],
     "error: --notified-at: --notified-at needs --stage"),
])
def test_compute_bad_input_is_one_line_and_exit_1(args, message):
    result = run(["deadlines", "compute", *args])
    assert result.exit_code == 1
    assert result.stderr.startswith(message) and result.stderr.count("\n") == 1
    assert result.stdout == ""


def test_compute_warns_when_notified_before_the_clock_start():
    result = run(["deadlines", "compute", "--regime", "gdpr", "--stage", "authority_notification",
                  "--clock-start", "2026-03-01T11:00:00Z", "--notified-at", "2026-03-01T10:00:00Z", "--json"])
    assert result.exit_code == 0 and "warning: --notified-at is before --clock-start" in result.stderr
    assert json.loads(result.stdout)["stages"][0]["status"] == "on_time"


def test_malformed_regime_file_in_controls_dir_names_file_and_line(tmp_path):
    (tmp_path / "regimes").mkdir()
    bad = tmp_path / "regimes" / "broken.yaml"
    bad.write_text("id: broken\nname: x\njurisdiction: x\ncitation: x\nstages:\n  - id: s\n    title: t\n"
                   "    citation: c\n    recipient: r\n    trigger: aware_at\n    clock: {weeks: 2}\n", encoding="utf-8")
    result = run(["deadlines", "compute", "--regime", "gdpr", "--clock-start", "2026-03-01T11:00:00Z",
                  "--controls-dir", str(tmp_path)])
    assert result.exit_code == 1
    assert result.stderr.startswith(f"error: {bad}:11: stage 's' clock: unknown key 'weeks'")


def _incident(cli_run, *extra):
    result = cli_run(["incident", "open", "--title", "Exposed bucket", "--severity", "sev2",
                      "--detected-at", "2026-03-01T11:00:00Z", "--aware-at", "2026-03-01T12:00:00Z",
                      "--personal-data", "--regime", "gdpr", *extra])
    assert result.exit_code == 0, result.output
    return result.stdout.strip()


def test_notify_record_late_without_delay_reason_is_refused(cli_run):
    ref = _incident(cli_run)
    result = cli_run(["notify", "record", ref, "--regime", "gdpr", "--stage", "authority_notification",
                      "--at", "2026-03-05T12:00:00Z"])
    assert result.exit_code == 1
    assert result.stderr.startswith("error: --delay-reason: notified 1d after the due 2026-03-04T12:00:00Z")
    ok = cli_run(["notify", "record", ref, "--regime", "gdpr", "--stage", "authority_notification",
                  "--at", "2026-03-05T12:00:00Z", "--delay-reason", "Scope unclear until forensics finished",
                  "--recipient", "BfDI", "--reference", "DE-42", "--json"])
    assert ok.exit_code == 0 and json.loads(ok.stdout)["late"] is True


def test_notify_record_unknown_stage_lists_the_valid_ones(cli_run):
    ref = _incident(cli_run)
    result = cli_run(["notify", "record", ref, "--regime", "gdpr", "--stage", "dpa", "--at", "2026-03-02T12:00:00Z"])
    assert result.exit_code == 1
    assert "valid: authority_notification, data_subject_notification, processor_to_controller" in result.stderr


def test_notify_record_before_clock_start_warns_on_stderr(cli_run):
    ref = _incident(cli_run)
    result = cli_run(["notify", "record", ref, "--regime", "gdpr", "--stage", "authority_notification",
                      "--at", "2026-03-01T11:30:00Z"])
    assert result.exit_code == 0 and "before the clock start" in result.stderr


def test_notify_waive_then_list_shows_the_decision(cli_run):
    ref = _incident(cli_run)
    waived = cli_run(["notify", "waive", ref, "--regime", "gdpr", "--stage", "data_subject_notification",
                      "--reason", "Data encrypted; Art. 34(3)(a)", "--decided-by", "DPO"])
    assert waived.exit_code == 0, waived.output
    listing = cli_run(["deadlines", "list", "--json", "--at", "2026-03-02T00:00:00Z"])
    rows = {r["stage"]: r for r in json.loads(listing.stdout)}
    assert rows["data_subject_notification"]["status"] == "waived"
    assert rows["data_subject_notification"]["decided_by"] == "DPO"
    assert rows["authority_notification"]["status"] == "open"
    pending = json.loads(cli_run(["deadlines", "list", "--open", "--json"]).stdout)
    assert [r["stage"] for r in pending] == ["authority_notification"]


@pytest.mark.parametrize("when, code, first_line", [
    ("2026-03-02T12:00:00Z", 0, "OK: no notification deadline missed or due within 24h"),
    ("2026-03-03T13:00:00Z", 1, "WARNING INC-0001 gdpr/authority_notification due 2026-03-04T12:00:00Z"),
    ("2026-03-04T12:00:00Z", 1, "WARNING INC-0001 gdpr/authority_notification due 2026-03-04T12:00:00Z"),
    ("2026-03-04T12:01:00Z", 2, "CRITICAL INC-0001 gdpr/authority_notification due 2026-03-04T12:00:00Z"),
])
def test_check_exit_codes_are_driven_by_at(cli_run, when, code, first_line):
    _incident(cli_run)
    result = cli_run(["deadlines", "check", "--at", when])
    assert result.exit_code == code
    assert result.stdout.splitlines()[0].startswith(first_line)


def test_check_line_says_how_long_overdue(cli_run):
    _incident(cli_run)
    result = cli_run(["deadlines", "check", "--at", "2026-03-05T14:30:00Z"])
    assert "): 1d 2h overdue" in result.stdout.splitlines()[0]


def test_check_after_filing_is_ok(cli_run):
    ref = _incident(cli_run)
    cli_run(["notify", "record", ref, "--regime", "gdpr", "--stage", "authority_notification", "--at", "2026-03-02T09:00:00Z"])
    assert cli_run(["deadlines", "check", "--at", "2026-03-06T00:00:00Z"]).exit_code == 0


@pytest.mark.parametrize("args", [["--at", "not-a-time"], ["--warn-within", "soon"], ["--bogus"],
                                  ["--webhook", "file:///etc/passwd"]])
def test_check_that_cannot_run_exits_3(cli_run, args):
    assert cli_run(["deadlines", "check", *args]).exit_code == 3


def test_check_on_a_missing_store_exits_3(tmp_path):
    result = run(["deadlines", "check", "--db", f"sqlite:///{tmp_path / 'none.db'}"])
    assert result.exit_code == 3 and "run 'compliance init'" in result.stderr


class _Recorder(BaseHTTPRequestHandler):
    received: list = []
    status = 200

    def do_POST(self):  # noqa: N802 - http.server API
        body = self.rfile.read(int(self.headers["Content-Length"]))
        type(self).received.append((self.headers["Content-Type"], json.loads(body)))
        self.send_response(type(self).status)
        self.end_headers()

    def log_message(self, *args):
        pass


@pytest.fixture
def http_server():
    servers = []

    def start(status):
        handler = type("Handler", (_Recorder,), {"received": [], "status": status})
        server = HTTPServer(("127.0.0.1", 0), handler)
        threading.Thread(target=server.serve_forever, daemon=True).start()
        servers.append(server)
        return f"http://127.0.0.1:{server.server_port}/hook", handler

    yield start
    for server in servers:
        server.shutdown()
        server.server_close()


def test_webhook_receives_a_slack_compatible_message(cli_run, http_server):
    url, handler = http_server(200)
    _incident(cli_run)
    result = cli_run(["deadlines", "check", "--at", "2026-03-04T13:00:00Z", "--webhook", url])
    assert result.exit_code == 2 and result.stderr == ""
    (content_type, message), = handler.received
    assert content_type.startswith("application/json")
    assert message["status"] == "critical"
    assert message["text"].startswith("compliance deadlines check: CRITICAL: 1 missed")
    assert "INC-0001 gdpr/authority_notification due 2026-03-04T12:00:00Z" in message["text"]
    assert message["findings"][0]["due"] == "2026-03-04T12:00:00Z"


def test_refusing_webhook_is_retried_and_does_not_hide_the_exit_code(cli_run, http_server):
    url, handler = http_server(503)
    _incident(cli_run)
    result = cli_run(["deadlines", "check", "--at", "2026-03-03T13:00:00Z", "--webhook", url],
                     extra_env={"COMPLIANCE_WEBHOOK_BACKOFF": "0.01"})
    assert result.exit_code == 1
    assert "warning: webhook not delivered (HTTP 503)" in result.stderr
    assert len(handler.received) == 4  # first try and three retries


def test_unreachable_webhook_still_yields_the_check_exit_code(cli_run, http_server):
    url, _handler = http_server(200)
    closed = url.rsplit(":", 1)[0] + ":9/hook"  # discard port: nothing listens
    _incident(cli_run)
    result = cli_run(["deadlines", "check", "--at", "2026-03-05T00:00:00Z", "--webhook", closed],
                     extra_env={"COMPLIANCE_WEBHOOK_BACKOFF": "0"})
    assert result.exit_code == 2 and "webhook not delivered" in result.stderr


def test_settings_change_the_org_timezone_shown_by_check(cli_run):
    _incident(cli_run)
    assert cli_run(["deadlines", "settings", "--org-timezone", "Europe/Berlin"]).exit_code == 0
    result = cli_run(["deadlines", "check", "--at", "2026-03-04T13:00:00Z"])
    assert "(2026-03-04T13:00:00+01:00)" in result.stdout
    bad = cli_run(["deadlines", "settings", "--member-state", "XX"])
    assert bad.exit_code == 1 and "--member-state" in bad.stderr


def test_notify_record_naive_instant_without_timezone_is_refused(cli_run):
    ref = _incident(cli_run)
    result = cli_run(["notify", "record", ref, "--regime", "gdpr", "--stage", "authority_notification",
                      "--at", "2026-03-02T09:00:00"])
    assert result.exit_code == 1 and result.stderr.startswith("error: --at: 2026-03-02T09:00:00 has no time zone")
    ok = cli_run(["notify", "record", ref, "--regime", "gdpr", "--stage", "authority_notification",
                  "--at", "2026-03-02T09:00:00", "--timezone", "Europe/Berlin", "--json"])
    assert json.loads(ok.stdout)["notified_at"] == "2026-03-02T08:00:00Z"


def test_notify_record_unknown_incident_is_one_line(cli_run):
    result = cli_run(["notify", "record", "INC-0042", "--regime", "gdpr", "--stage", "authority_notification",
                      "--at", "2026-03-02T09:00:00Z"])
    assert result.exit_code == 1 and result.stderr == "error: INCIDENT: unknown incident 'INC-0042'\n"


def test_incident_open_with_unknown_regime_lists_the_valid_ones(cli_run):
    result = cli_run(["incident", "open", "--title", "x", "--severity", "sev3", "--detected-at",
                      "2026-03-01T11:00:00Z", "--regime", "gdpr2"])
    assert result.exit_code == 1
    assert "unknown regime 'gdpr2' (known: au_ndb, au_soci, br_lgpd, ca_pipeda, cert_in" in result.stderr


def test_check_warns_when_a_clock_start_is_not_recorded_and_not_for_stages_awaiting_a_filing(cli_run):
    opened = cli_run(["incident", "open", "--title", "Mailbox compromise", "--severity", "sev2",
                      "--detected-at", "2026-03-01T11:00:00Z", "--personal-data", "--regime", "gdpr",
                      "--regime", "nis2"])
    assert opened.exit_code == 0, opened.output
    result = cli_run(["deadlines", "check", "--at", "2026-03-02T00:00:00Z", "--json"])
    assert result.exit_code == ExitCode.CHECK_WARNING
    unknown = {(f["regime"], f["stage"]): f for f in json.loads(result.stdout)["findings"]}
    assert unknown[("gdpr", "authority_notification")]["missing"] == "aware_at"
    assert ("nis2", "final_report") not in unknown  # its clock is the incident notification's filing
    text = cli_run(["deadlines", "check", "--at", "2026-03-02T00:00:00Z"]).stdout
    assert "gdpr/authority_notification: clock start unknown, record aware_at" in text
    updated = cli_run(["incident", "update", "INC-0001", "--aware-at", "2026-03-01T12:00:00Z"])
    assert updated.exit_code == 0, updated.output
    assert cli_run(["deadlines", "check", "--at", "2026-03-09T00:00:00Z"]).exit_code == ExitCode.CHECK_CRITICAL
