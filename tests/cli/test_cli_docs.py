"""Every command has help text and appears in README's command reference."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from compliance.cli import cli
from compliance.cli.reference import iter_commands

README = Path(__file__).resolve().parents[2] / "README.md"
COMMANDS = list(iter_commands(cli))


def _reference_block() -> str:
    text = README.read_text(encoding="utf-8")
    match = re.search(r"<!-- commands:start -->(.*?)<!-- commands:end -->", text, re.S)
    assert match, "README.md lacks the command reference markers"
    return match.group(1)


@pytest.mark.parametrize("path, command", COMMANDS, ids=[p for p, _ in COMMANDS])
def test_every_command_has_help_text(path, command):
    assert command.help and command.help.strip(), f"{path} has no help text"
    for param in command.params:
        if param.param_type_name == "option" and not getattr(param, "hidden", False):
            assert param.help, f"{path} option {param.opts[0]} has no help text"


@pytest.mark.parametrize("path, command", COMMANDS, ids=[p for p, _ in COMMANDS])
def test_every_command_is_in_the_readme_reference(path, command):
    assert f"`{path}`" in _reference_block(), f"{path} is missing from README's command reference"
