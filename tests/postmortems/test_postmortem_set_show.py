"""Post-mortem content from YAML, status moving forward only, and the one shape `show --json` returns."""

from __future__ import annotations

import json

import pytest

from compliance.core.exitcodes import ExitCode

YAML = """
status: in_review
summary: Credential stuffing against the EU login service; 1,200 accounts locked.
impact_users: 1200
impact_duration_minutes: 95
contributors: [No rate limit per source network]
mitigators: [Anomaly alert fired within 4 minutes]
risks: [Same login stack in the US region]
root_cause:
  - {number: "1", text: "Attack traffic was not throttled"}
  - {number: "1.1", text: "Rate limits were per account, not per source"}
lessons:
  - {number: 1, text: "Per-source throttling is a prerequisite for public login", category: technical}
reviewer: Security review board
"""


@pytest.fixture
def incident(cli_run, tmp_path):
    cli_run(["incident", "open", "--title", "Credential stuffing", "--severity", "sev2",
             "--detected-at", "2026-03-01T11:00:00Z", "--tag", "auth"])
    return "INC-0001"


def test_show_json_has_one_shape_with_every_list(cli_run, incident, tmp_path):
    path = tmp_path / "pm.yaml"
    path.write_text(YAML)
    assert cli_run(["postmortem", "set", incident, str(path)]).exit_code == 0
    doc = json.loads(cli_run(["postmortem", "show", incident, "--json"]).stdout)
    for key in ("timeline", "contributors", "mitigators", "risks", "root_cause", "lessons", "action_items", "theme_tags"):
        assert isinstance(doc[key], list), key
    assert doc["status"] == "in_review" and doc["in_review_at"] and doc["drafted_at"]
    assert doc["root_cause"][1] == {"number": "1.1", "text": "Rate limits were per account, not per source"}
    assert doc["theme_tags"] == ["auth"]


def test_unknown_postmortem_field_is_refused_and_nothing_is_written(cli_run, incident, tmp_path):
    path = tmp_path / "pm.yaml"
    path.write_text("summary: ok\nblame: Bob\n")
    result = cli_run(["postmortem", "set", incident, str(path)])
    assert result.exit_code == ExitCode.ERROR and "unknown post-mortem field(s): blame" in result.stderr
    assert json.loads(cli_run(["postmortem", "show", incident, "--json"]).stdout)["exists"] is False


def test_malformed_yaml_names_file_and_line(cli_run, incident, tmp_path):
    path = tmp_path / "pm.yaml"
    path.write_text("summary: ok\nlessons: [\n")
    result = cli_run(["postmortem", "set", incident, str(path)])
    assert result.exit_code == ExitCode.ERROR and f"{path}:3" in result.stderr


def test_status_never_moves_backwards(cli_run, incident, tmp_path):
    path = tmp_path / "pm.yaml"
    path.write_text("status: published\n")
    cli_run(["postmortem", "set", incident, str(path)])
    path.write_text("status: draft\n")
    result = cli_run(["postmortem", "set", incident, str(path)])
    assert result.exit_code == ExitCode.ERROR and "cannot move a post-mortem back from published to draft" in result.stderr


def test_missing_file_is_one_line_error(cli_run, incident, tmp_path):
    result = cli_run(["postmortem", "set", incident, str(tmp_path / "absent.yaml")])
    assert result.exit_code != 0 and "absent.yaml" in result.stderr and "Traceback" not in result.output
