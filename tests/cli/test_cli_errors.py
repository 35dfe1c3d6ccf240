"""Failures below the library (disk full, unreachable store) still give one line and a non-zero exit."""

from __future__ import annotations

import errno

from compliance.core.exitcodes import ExitCode


def test_disk_full_is_one_line_and_nothing_is_recorded(cli_run, monkeypatch):
    import compliance.deadlines.incidents as incident_workflow

    real_open_incident = incident_workflow.open_incident_with_obligations

    def full(**kwargs):
        incident = real_open_incident(**kwargs)  # the incident is written in the transaction, then the disk fills
        assert incident.ref == "INC-0001"
        raise OSError(errno.ENOSPC, "No space left on device", "/var/lib/compliance/compliance.db")

    monkeypatch.setattr(incident_workflow, "open_incident_with_obligations", full)
    result = cli_run(["incident", "open", "--title", "x", "--severity", "sev2", "--detected-at", "2026-03-01T11:00:00Z"])
    assert result.exit_code == ExitCode.ERROR
    assert result.stderr.strip() == ("error: no space left on device writing /var/lib/compliance/compliance.db: "
                                     "nothing was recorded")
    monkeypatch.undo()
    assert cli_run(["incident", "list", "--json"]).stdout.strip() == "[]"


def test_unreachable_postgres_is_one_line_error(tmp_path):
    from click.testing import CliRunner

    from compliance.cli import cli

    result = CliRunner().invoke(cli, ["incident", "list", "--db", "postgresql+psycopg://nobody@127.0.0.1:1/none"],
                                catch_exceptions=False)
    assert result.exit_code == ExitCode.ERROR
    assert result.stderr.startswith("error: store error:") and len(result.stderr.strip().splitlines()) == 1
