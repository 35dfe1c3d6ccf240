"""Action items: numbering, duplicates, completion, overdue, and the scheduled check's exit codes."""

from __future__ import annotations

import json

import pytest

from compliance.core.exitcodes import ExitCode


@pytest.fixture
def incident(cli_run):
    cli_run(["incident", "open", "--title", "x", "--severity", "sev2", "--detected-at", "2026-03-01T11:00:00Z"])
    return "INC-0001"


def test_actions_are_numbered_within_their_incident(cli_run, incident):
    ids = [cli_run(["action", "add", incident, "--text", f"t{i}", "--owner", "Dana", "--due", "2026-03-20"]).stdout.strip()
           for i in range(2)]
    assert ids == ["INC-0001-A1", "INC-0001-A2"]


def test_duplicate_action_number_is_refused(cli_run, incident):
    cli_run(["action", "add", incident, "--text", "a", "--owner", "Dana", "--due", "2026-03-20", "--number", "3"])
    result = cli_run(["action", "add", incident, "--text", "b", "--owner", "Dana", "--due", "2026-03-20", "--number", "3"])
    assert result.exit_code == ExitCode.ERROR
    assert result.stderr.strip() == "error: --number: action INC-0001-A3 already exists"


def test_bad_due_date_names_the_field(cli_run, incident):
    result = cli_run(["action", "add", incident, "--text", "a", "--owner", "Dana", "--due", "next week"])
    assert result.exit_code == ExitCode.ERROR and "--due: 'next week' is not an ISO 8601 date" in result.stderr


def test_done_records_completion_and_link(cli_run, incident):
    cli_run(["action", "add", incident, "--text", "a", "--owner", "Dana", "--due", "2026-03-20"])
    data = json.loads(cli_run(["action", "done", "INC-0001-A1", "--link", "https://t/1", "--json"]).stdout)
    assert data["status"] == "done" and data["link"] == "https://t/1" and data["completed_at"]
    again = cli_run(["action", "done", "INC-0001-A1"])
    assert again.exit_code == ExitCode.ERROR and "already done" in again.stderr


def test_overdue_lists_only_open_items_past_due(cli_run, incident):
    for due in ("2026-03-10", "2026-03-30"):
        cli_run(["action", "add", incident, "--text", due, "--owner", "Dana", "--due", due])
    rows = json.loads(cli_run(["action", "list", "--overdue", "--as-of", "2026-03-15", "--json"]).stdout)
    assert [r["ref"] for r in rows] == ["INC-0001-A1"] and rows[0]["overdue"] is True


@pytest.mark.parametrize("as_of, expected", [
    ("2026-03-01", ExitCode.CHECK_OK),
    ("2026-03-15", ExitCode.CHECK_WARNING),
    ("2026-03-21", ExitCode.CHECK_CRITICAL),
])
def test_actions_check_exit_codes_follow_the_monitoring_convention(cli_run, incident, as_of, expected):
    cli_run(["action", "add", incident, "--text", "a", "--owner", "Dana", "--due", "2026-03-20"])
    result = cli_run(["actions", "check", "--as-of", as_of, "--warn-within", "7d"])
    assert result.exit_code == expected


def test_actions_check_that_cannot_run_exits_3(cli_run, incident):
    assert cli_run(["actions", "check", "--as-of", "yesterday"]).exit_code == ExitCode.CHECK_UNKNOWN
    assert cli_run(["actions", "check", "--no-such-flag"]).exit_code == ExitCode.CHECK_UNKNOWN
