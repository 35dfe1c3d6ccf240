"""Bad input on both engines: one line naming the field, the documented exit code, no traceback, nothing written."""

from __future__ import annotations

import pytest
from click.testing import CliRunner
from sqlmodel import select

from compliance.cli import cli
from compliance.core.exitcodes import ExitCode
from compliance.incidents.models import TimelineEntry
from compliance.incidents.service import get_incident
from tests.store_dump import dump_store

OPEN = ["incident", "open", "--title", "Login failures", "--severity", "sev2", "--detected-at", "2026-03-01T11:00:00Z"]


def _refused(cli_run, store, args, field, code=ExitCode.ERROR):
    before = dump_store(store)
    result = cli_run(args)
    assert result.exit_code == code, result.output
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith(f"error: {field}: "), result.stderr
    assert "Traceback" not in result.output
    assert dump_store(store) == before


@pytest.mark.parametrize("args, field", [
    (OPEN[:-1] + ["0001-01-01T00:00:00Z"], "--detected-at"),
    (OPEN[:-1] + ["9999-12-31T23:59:59-05:00"], "--detected-at"),
    (OPEN[:-1] + ["2200-01-01T00:00:00Z"], "--detected-at"),
    (OPEN + ["--data-subjects", "99999999999999999999999"], "--data-subjects"),
    (OPEN + ["--records", "2147483648"], "--records"),
    (["incident", "open", "--title", "a\x00b", "--severity", "sev2", "--detected-at", "2026-03-01T11:00:00Z"], "--title"),
    (["incident", "open", "--title", "a\udcffb", "--severity", "sev2", "--detected-at", "2026-03-01T11:00:00Z"], "--title"),
    (["incident", "open", "--title", "a\rb", "--severity", "sev2", "--detected-at", "2026-03-01T11:00:00Z"], "--title"),
    (OPEN + ["--tag", "x\x1b[31m"], "--tag"),
    (["incident", "list", "--db", "postgresql://u@h:notaport/db"], "--db"),
    (["incident", "list", "--db", "::::"], "--db"),
])
def test_out_of_range_or_malformed_input_is_one_line_and_writes_nothing(store, cli_run, args, field):
    cli_run(OPEN)
    _refused(cli_run, store, args, field)


@pytest.mark.parametrize("args, field", [
    (["action", "add", "INC-0001", "--text", "fix", "--owner", "sam", "--due", "9999-12-31"], "--due"),
    (["action", "add", "INC-0001", "--text", "fix", "--owner", "sam", "--due", "2026-04-01", "--number", "99999999999"],
     "--number"),
    (["action", "add", "INC-0001", "--text", "fix", "--owner", "s\x1bam", "--due", "2026-04-01"], "--owner"),
    (["timeline", "add", "INC-0001", "--at", "2026-03-01T11:00:00Z", "--kind", "other", "--text", "a\x1b]0;x\x07b"],
     "--text"),
    (["incident", "update", "INC-0001", "--resolved-at", "10000-01-01T00:00:00Z"], "--resolved-at"),
    (["deadlines", "settings", "--warn-within", "99999999999h"], "--warn-within"),
])
def test_bad_values_for_changes_of_an_incident_are_refused(store, cli_run, args, field):
    cli_run(OPEN)
    _refused(cli_run, store, args, field)


@pytest.mark.parametrize("args, field", [
    (["deadlines", "check", "--warn-within", "99999999999h"], "--warn-within"),
    (["deadlines", "check", "--at", "9999-12-31T23:59:59Z"], "--at"),
])
def test_a_check_given_out_of_range_values_is_unknown_not_a_traceback(store, cli_run, args, field):
    _refused(cli_run, store, args, field, code=ExitCode.CHECK_UNKNOWN)


@pytest.mark.parametrize("amount", [".nan", ".inf", "-.inf", "1e400"])
def test_non_finite_money_is_refused(store, cli_run, tmp_path, amount):
    cli_run(OPEN)
    path = tmp_path / "pm.yaml"
    path.write_text(f"summary: Login outage\nimpact_money: {amount}\n", encoding="utf-8")
    _refused(cli_run, store, ["postmortem", "set", "INC-0001", str(path)], "impact_money")


def test_stored_control_characters_are_shown_inert(store, cli_run):
    cli_run(OPEN)
    with store.session() as session:  # text written before input was checked, or by another tool
        incident = get_incident(session=session, ref="INC-0001")
        session.add(TimelineEntry(incident_id=incident.id, at=incident.detected_at, kind="other",
                                  text="paged \x1b]0;owned\x07 the \x1b[2Jteam\rX"))
    with store.session() as session:
        assert session.exec(select(TimelineEntry)).one().text.startswith("paged \x1b]")
    env = {"COMPLIANCE_DB": store.url, "COMPLIANCE_EVIDENCE": str(store.evidence_dir)}
    shown = CliRunner().invoke(cli, ["timeline", "show", "INC-0001"], env=env, color=True).stdout  # as on a terminal
    assert "\x1b" not in shown and "\r" not in shown and "\x07" not in shown
    assert "paged \\x1b]0;owned\\x07 the \\x1b[2Jteam\\x0dX" in shown


@pytest.mark.parametrize("args", [
    ["decision", "show", "9223372036854775808"],
    ["incident", "show", "INC-99999999999"],
    ["evidence", "show", "EV-2147483648"],
    ["programme", "show", "PE-9223372036854775808"],
])
def test_an_id_beyond_any_stored_number_is_a_one_line_error_not_an_overflow(cli_run, args):
    result = cli_run(args)
    assert result.exit_code == ExitCode.ERROR, result.output
    assert result.stderr.startswith("error: ") and result.stderr.count("\n") == 1 and "is not" in result.stderr
