"""Random strings, numbers and instants fed to every command's options (hypothesis, click's test runner).

Properties: the exit code is one of ExitCode's; no traceback; a failing command writes nothing (the store's
full dump is the same before and after). Both engines; a few examples per command on every run, many more
in the slow run.
"""

from __future__ import annotations

import os
from datetime import datetime
from pathlib import Path

import click
import pytest
from click.testing import CliRunner
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from compliance.cli import cli
from compliance.cli.base import CheckCommand
from compliance.core.exitcodes import ExitCode
from tests.store_dump import dump_store

# Options that reach outside the store under test (another database, the network) or only print help.
SKIPPED_PARAMS = {"db_url", "evidence_dir", "webhook", "help", "version", "print_sql"}
# Commands that build whole new stores or PDFs: too slow for a property run (tested by their own suites).
SKIPPED_COMMANDS = {"demo", "report audit-pack", "db roles"}
CODES = {int(code) for code in ExitCode}

NASTY = st.sampled_from(["", " ", "\x00", "a\x00b", "\udcff", "x\udc80y", "\x1b]0;owned\x07", "\x1b[2J", "a\rb",
                         "line\nbreak", "\u202eevil", "'; DROP TABLE incident;--", "%s%n", "../../etc/passwd", "-",
                         "INC-0001", "INC-0001-A1", "EV-0001", "INC-99999999999999999999", "gdpr",
                         "authority_notification", "sev1", "other", "accessed", "gdpr/authority_notification=24"])
NUMBERS = st.one_of(st.integers(min_value=-(2**70), max_value=2**70).map(str),
                    st.floats(allow_nan=True, allow_infinity=True).map(repr),
                    st.sampled_from(["nan", "inf", "-inf", "1e400", "2147483648", "-1", "0", "99999999999h", "PT72H",
                                     "24h", "1e9d"]))
OFFSETS = st.sampled_from(["Z", "+00:00", "-05:00", "+14:00", "+23:59", "-23:59", ""])
INSTANTS = st.builds(lambda dt, off: dt.isoformat() + off,
                     st.datetimes(min_value=datetime(1, 1, 1), max_value=datetime(9999, 12, 31, 23, 59, 59)), OFFSETS)
DATES = st.dates().map(lambda d: d.isoformat())
VALUES = st.one_of(NASTY, NUMBERS, INSTANTS, DATES, st.text(max_size=30))


def _commands(group: click.Group = cli, prefix: tuple[str, ...] = ()) -> list[tuple[tuple[str, ...], click.Command]]:
    found = []
    ctx = click.Context(group)  # lazy groups load their commands when looked up, whatever ran before
    for name, command in ((n, group.get_command(ctx, n)) for n in group.list_commands(ctx)):
        if isinstance(command, click.Group):
            found += _commands(command, prefix + (name,))
        elif " ".join(prefix + (name,)) not in SKIPPED_COMMANDS:
            found.append((prefix + (name,), command))
    return found


COMMANDS = _commands()


def _value(param: click.Parameter, tmp: Path):
    if isinstance(param.type, click.Choice):
        valid = st.sampled_from(list(param.type.choices))
        return st.one_of(valid, valid, valid, VALUES)
    if isinstance(param.type, (click.Path, click.File)):
        return st.sampled_from([str(tmp / "absent"), str(tmp / "sample.yaml"), str(tmp / "sample.md"), str(tmp)])
    return VALUES


def _argv(draw, path: tuple[str, ...], command: click.Command, tmp: Path) -> list[str]:
    args: list[str] = list(path)
    positional: list[str] = []
    for param in command.params:
        if param.name in SKIPPED_PARAMS:
            continue
        if isinstance(param, click.Argument):
            count = 1 if param.nargs == 1 else draw(st.integers(min_value=1, max_value=2))
            ids = st.sampled_from(["INC-0001", "INC-0001-A1", "EV-0001"])  # mostly ids that exist: go deeper
            value = _value(param, tmp) if isinstance(param.type, click.Path) else st.one_of(ids, ids, VALUES)
            positional += [draw(value) for _ in range(count)]
            continue
        if not param.required and not draw(st.booleans()):
            continue
        flag = max(param.opts, key=len)
        if param.is_flag:
            args.append(flag if not param.secondary_opts or draw(st.booleans()) else param.secondary_opts[0])
        else:
            for _ in range(draw(st.integers(min_value=1, max_value=2)) if param.multiple else 1):
                args += [flag, draw(_value(param, tmp))]
    return args + ["--"] + positional if positional else args


def _check(store, tmp: Path, argv: list[str], command: click.Command) -> None:
    before = dump_store(store)
    env = {"COMPLIANCE_DB": store.url, "COMPLIANCE_EVIDENCE": str(store.evidence_dir), "COMPLIANCE_ACTOR": "fuzz",
           "COMPLIANCE_TIMEZONE": None, "COMPLIANCE_CONTROLS": None, "COMPLIANCE_WEBHOOK": None}
    cwd = os.getcwd()
    os.chdir(tmp)
    try:
        result = CliRunner().invoke(cli, argv, env=env)
    finally:
        os.chdir(cwd)
    shown = f"{argv!r}\nexit {result.exit_code}\n{result.output}"
    assert result.exception is None or isinstance(result.exception, SystemExit), \
        f"{shown}\nraised {result.exception!r}"
    assert "Traceback" not in result.output, shown
    assert result.exit_code in CODES, shown
    findings = isinstance(command, CheckCommand) and result.exit_code in (ExitCode.CHECK_WARNING, ExitCode.CHECK_CRITICAL)
    if result.exit_code != 0 and not findings:
        assert dump_store(store) == before, f"a failing command wrote to the store: {shown}"
    if result.exit_code != 0:
        assert len(result.stderr.strip().splitlines()) <= 12, shown


@pytest.fixture
def seeded(store, cli_run, tmp_path):
    """A store with one incident under GDPR, an action, a timeline entry and a file to add as evidence."""
    cli_run(["incident", "open", "--title", "Login failures", "--severity", "sev2", "--detected-at",
             "2026-03-01T11:00:00Z", "--aware-at", "2026-03-01T12:00:00Z", "--regime", "gdpr"])
    cli_run(["action", "add", "INC-0001", "--text", "rotate keys", "--owner", "sam", "--due", "2026-04-01"])
    (tmp_path / "sample.yaml").write_text("summary: s\nimpact_money: 10\n", encoding="utf-8")
    (tmp_path / "sample.md").write_text("# INC-0001 Login failures\n", encoding="utf-8")
    cli_run(["evidence", "add", "INC-0001", str(tmp_path / "sample.yaml")])
    return store, tmp_path


def _property(seeded, examples: int) -> None:
    store, tmp = seeded

    # Derandomized, so CI is repeatable; COMPLIANCE_FUZZ_RANDOM=1 explores new inputs on each run (run it before a
    # release: it found the id-overflow bug of the decision commands).
    explore = os.environ.get("COMPLIANCE_FUZZ_RANDOM") == "1"
    @settings(max_examples=examples, deadline=None, database=None, derandomize=not explore,
              suppress_health_check=list(HealthCheck))
    @given(data=st.data(), index=st.integers(min_value=0, max_value=len(COMMANDS) - 1))
    def run(data, index):
        path, command = COMMANDS[index]
        _check(store, tmp, _argv(data.draw, path, command, tmp), command)

    run()


def test_every_command_is_covered():
    names = {" ".join(path) for path, _ in COMMANDS}
    assert {"incident update", "action add", "timeline add", "notify record", "deadlines check", "evidence add",
            "postmortem set", "custody record"} <= names
    assert len(names) >= 35


def test_random_options_give_a_documented_exit_code_no_traceback_and_write_nothing_on_failure(seeded):
    _property(seeded, examples=40)


@pytest.mark.slow
def test_many_random_options_give_a_documented_exit_code_no_traceback_and_write_nothing_on_failure(seeded):
    _property(seeded, examples=250)
