"""README's newcomer commands stay runnable: CI runs the README's test command verbatim."""

from __future__ import annotations

import re
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def _command_after(marker: str) -> str:
    text = (ROOT / "README.md").read_text(encoding="utf-8")
    match = re.search(rf"<!-- {marker} -->\s*```sh\n(.+?)\n```", text, re.S)
    assert match, f"README.md lacks the {marker} block"
    return match.group(1).strip()


def test_ci_runs_exactly_the_readme_test_command():
    ci = (ROOT / ".ci" / "run").read_text(encoding="utf-8")
    assert _command_after("test-command") in ci.splitlines()


def test_readme_main_command_is_one_line_that_installs_and_runs():
    command = _command_after("main-command")
    assert "\n" not in command and "pip install" in command and "compliance" in command


def _walkthrough() -> list[str]:
    text = (ROOT / "README.md").read_text(encoding="utf-8")
    block = re.search(r"## Five-minute walkthrough\s*```sh\n(.+?)\n```", text, re.S).group(1)
    return [re.sub(r"\s+#.*$", "", line).strip() for line in block.replace("\\\n", " ").splitlines()]


def test_readme_walkthrough_imports_the_real_looking_postmortem_with_undated_follow_ups(cli_run, monkeypatch):
    import json
    import shlex

    monkeypatch.chdir(ROOT)
    lines = [line for line in _walkthrough() if line.startswith(("compliance postmortem", "compliance timeline export"))
             and "INC-0001" not in line]
    fixture = ROOT / "tests" / "postmortems" / "fixtures" / "real-world-database-failover.md"
    assert any(str(fixture.relative_to(ROOT)) in line for line in lines)
    cli_run(["incident", "open", "--title", "walkthrough", "--severity", "sev2", "--detected-at", "2026-03-01T11:00:00Z"])
    for line in lines:
        args = shlex.split(line.split(" > ")[0])[1:]
        result = cli_run(args)
        assert result.exit_code == (1 if args[:2] == ["postmortem", "lint"] else 0), (line, result.output)
    review = json.loads(cli_run(["postmortem", "lint", "INC-0002", "--json"]).stdout)
    assert {"PM007", "PM006", "PM005"} <= {f["code"] for f in review["findings"]}
    shown = json.loads(cli_run(["postmortem", "show", "INC-0002", "--json"]).stdout)
    assert [a["due"] for a in shown["action_items"]].count(None) == 3
