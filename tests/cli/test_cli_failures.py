"""Scheduled checks that cannot run exit UNKNOWN (3) with one line; a closed pipe ends a command quietly."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest
from click.testing import CliRunner

from compliance.cli import cli
from compliance.core.exitcodes import ExitCode

ROOT = Path(__file__).resolve().parents[2]


def _one_line_unknown(result):
    assert result.exit_code == ExitCode.CHECK_UNKNOWN, (result.exit_code, result.output)
    assert result.stderr.startswith("error: ") and result.stderr.count("\n") == 1, result.stderr
    assert "Traceback" not in result.output


@pytest.fixture
def pending_obligation(cli_run):
    cli_run(["incident", "open", "--title", "x", "--severity", "sev2", "--detected-at", "2026-03-01T11:00:00Z",
             "--aware-at", "2026-03-01T12:00:00Z", "--personal-data", "--regime", "gdpr"])


@pytest.mark.parametrize("args", [
    ["--warn-within", "99999999999h"],
    ["--at", "9999-12-31T23:59:59Z"],
    ["--at", "9999-12-31T23:59:59Z", "--warn-within", "1h"],
    ["--warn-within", "P99999999999D"],
])
def test_deadline_check_that_cannot_compute_its_window_is_unknown_not_a_warning(cli_run, pending_obligation, args):
    _one_line_unknown(cli_run(["deadlines", "check", *args]))


@pytest.mark.parametrize("args", [
    ["--warn-within", "99999999999h"],
    ["--as-of", "9999-12-31", "--warn-within", "2d"],
])
def test_action_check_that_cannot_compute_its_window_is_unknown(cli_run, args):
    _one_line_unknown(cli_run(["actions", "check", *args]))


@pytest.mark.parametrize("command", [["deadlines", "check"], ["actions", "check"]])
def test_check_on_an_unreachable_store_is_unknown(command):
    result = CliRunner().invoke(cli, [*command, "--db", "postgresql+psycopg://nobody@127.0.0.1:1/none"],
                                env={"COMPLIANCE_TIMEZONE": None}, catch_exceptions=False)
    _one_line_unknown(result)


@pytest.mark.parametrize("command", [["deadlines", "check"], ["actions", "check"]])
def test_check_on_an_unparsable_store_url_is_unknown(command):
    result = CliRunner().invoke(cli, [*command, "--db", "postgresql://[::1"], catch_exceptions=False)
    _one_line_unknown(result)


def test_unexpected_failure_inside_a_check_is_unknown(cli_run, monkeypatch):
    import compliance.deadlines.check as check

    def broken(**_):
        raise RuntimeError("disk controller on fire")

    monkeypatch.setattr(check, "get_check_findings", broken)
    result = cli_run(["deadlines", "check"])
    _one_line_unknown(result)
    assert "disk controller on fire" in result.stderr


def _env(store) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("COMPLIANCE_")}
    return env | {"COMPLIANCE_DB": store.url, "COMPLIANCE_EVIDENCE": str(store.evidence_dir)}


@pytest.fixture
def sqlite_store(tmp_path):
    from datetime import UTC, datetime, timedelta

    from compliance.db.store import init_store
    from compliance.incidents.service import open_incident

    store, _, _ = init_store(url=f"sqlite:///{tmp_path / 'c.db'}", evidence_dir=tmp_path / "evidence")
    with store.session(immediate=True) as session:
        for n in range(300):
            open_incident(session=session, title=f"Incident number {n} with a reasonably long title", severity="sev3",
                          detected_at=datetime(2026, 1, 1, tzinfo=UTC) + timedelta(hours=n))
    yield store
    store.close()


@pytest.mark.parametrize("args", [["incident", "list"], ["incident", "list", "--json"]])
def test_a_reader_closing_the_pipe_ends_the_command_quietly(sqlite_store, args):
    process = subprocess.Popen([sys.executable, "-c", "from compliance.cli import main; main()", *args], cwd=ROOT,
                               env=_env(sqlite_store), stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    process.stdout.close()  # the reader is gone before the first line is written
    _, err = process.communicate(timeout=120)
    assert err.decode() == ""
    assert process.returncode != 0  # the output was not delivered


def test_piping_to_head_prints_nothing_on_stderr(sqlite_store):
    done = subprocess.run(["bash", "-c", f"'{sys.executable}' -c 'from compliance.cli import main; main()' incident list --json"
                                         " | head -c 10"], cwd=ROOT, env=_env(sqlite_store), capture_output=True, timeout=120)
    assert done.stdout.startswith(b"[") and done.stderr == b""
