"""The progress bar of long commands: on a terminal's stderr after a second, silent anywhere else."""

from __future__ import annotations

import io

from hypothesis import given
from hypothesis import strategies as st

from compliance.cli.base import ProgressBar


class Terminal(io.StringIO):
    def isatty(self) -> bool:
        return True


class Clock:
    def __init__(self) -> None:
        self.now = 0.0

    def __call__(self) -> float:
        return self.now


def test_on_a_terminal_the_bar_shows_sections_done_of_total_once_the_work_took_over_a_second():
    stream, clock = Terminal(), Clock()
    bar = ProgressBar("rendering", stream=stream, clock=clock)
    bar(1, 10)
    assert stream.getvalue() == ""  # a pack done within a second prints nothing
    clock.now = 1.5
    bar(5, 10)
    bar(10, 10)
    bar.close()
    out = stream.getvalue()
    assert "5/10 sections" in out and "10/10 sections" in out and out.endswith("\n")
    assert "[" + "#" * 30 + "]" in out


def test_off_a_terminal_the_bar_is_silent():
    stream, clock = io.StringIO(), Clock()
    bar = ProgressBar("rendering", stream=stream, clock=clock)
    clock.now = 60
    for done in range(11):
        bar(done, 10)
    bar.close()
    assert stream.getvalue() == ""


@given(st.lists(st.tuples(st.integers(-5, 500), st.integers(-5, 500)), max_size=30))
def test_no_count_makes_the_bar_fail_or_overflow_its_width(calls):
    stream, clock = Terminal(), Clock()
    bar = ProgressBar("r", stream=stream, clock=clock, delay=0)
    for done, total in calls:
        bar(max(done, 0), total)
    for line in stream.getvalue().split("\r"):
        if line:
            assert len(line.split("[", 1)[1].split("]", 1)[0]) == 30


def test_audit_pack_writes_no_bar_when_stderr_is_not_a_terminal(tmp_path):
    from click.testing import CliRunner

    from compliance.cli import cli

    folder = tmp_path / "demo"
    result = CliRunner().invoke(cli, ["demo", "--dir", str(folder), "--incidents", "2", "--seed", "3",
                                      "--as-of", "2026-11-25T12:00:00Z", "-o", str(tmp_path / "d.pdf")],
                                env={"COMPLIANCE_CONTROLS": None})
    assert result.exit_code == 0, result.output
    env = {"COMPLIANCE_DB": f"sqlite:///{folder / 'compliance.db'}", "COMPLIANCE_EVIDENCE": str(folder / "evidence"),
           "COMPLIANCE_CONTROLS": None}
    pack = CliRunner().invoke(cli, ["report", "audit-pack", "--framework", "gdpr", "-o", str(tmp_path / "p.pdf"),
                                    "--generated-at", "2026-11-25T12:00:00Z"], env=env)
    assert pack.exit_code == 0, pack.output
    assert "sections" not in pack.stderr and "\r" not in pack.output
