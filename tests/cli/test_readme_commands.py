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
