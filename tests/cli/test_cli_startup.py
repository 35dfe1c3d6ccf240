"""Start-up: each command imports only what it needs (lazy command loading), and the command tree stays whole."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest
from click.testing import CliRunner

from compliance.cli import cli
from compliance.cli.reference import iter_commands

ROOT = Path(__file__).resolve().parents[2]
HEAVY = ("sqlalchemy", "sqlmodel", "alembic", "reportlab", "pyhanko", "compliance.controls.loader")


def imported_modules(*args: str, env: dict | None = None) -> tuple[set[str], subprocess.CompletedProcess]:
    """Runs `compliance ARGS` in a fresh interpreter with -X importtime; returns the modules it imported."""
    full_env = {k: v for k, v in os.environ.items() if not k.startswith("COMPLIANCE_")} | (env or {})
    done = subprocess.run([sys.executable, "-X", "importtime", "-c", "from compliance.cli import main; main()", *args],
                          cwd=ROOT, env=full_env, capture_output=True, text=True, timeout=120)
    modules = {line.rsplit("|", 1)[1].strip() for line in done.stderr.splitlines() if line.startswith("import time:")}
    return modules, done


def _loaded(modules: set[str], prefix: str) -> list[str]:
    return sorted(m for m in modules if m == prefix or m.startswith(prefix + "."))


@pytest.mark.parametrize("args", [["--help"], ["--version"]], ids=["help", "version"])
def test_help_and_version_import_no_database_pdf_signing_or_controls_code(args):
    modules, done = imported_modules(*args)
    assert done.returncode == 0, done.stderr[-2000:]
    assert "click" in modules  # the probe sees imports at all
    for heavy in HEAVY:
        assert not _loaded(modules, heavy), f"compliance {' '.join(args)} imported {_loaded(modules, heavy)[:3]}"


def test_help_loads_no_command_module_beyond_the_cli_package():
    modules, _ = imported_modules("--help")
    library = sorted(m for m in modules if m.startswith("compliance.") and not m.startswith(("compliance.cli", "compliance.core"))
                     and not m.endswith(".enums") and m not in ("compliance.incidents", "compliance.actions"))
    assert library == []


def test_deadlines_compute_imports_no_reportlab_nor_database_layer_nor_unused_holiday_calendars():
    modules, done = imported_modules("deadlines", "compute", "--regime", "gdpr", "--clock-start", "2026-03-01T11:00:00Z")
    assert done.returncode == 0, done.stderr[-2000:]
    assert "compliance.deadlines.calculator" in modules
    for heavy in ("reportlab", "pyhanko", "sqlalchemy", "sqlmodel", "alembic", "holidays.countries"):
        assert not _loaded(modules, heavy), f"deadlines compute imported {_loaded(modules, heavy)[:3]}"


def test_incident_list_imports_no_pdf_or_signing_code(tmp_path):
    from compliance.db.store import init_store

    url = f"sqlite:///{tmp_path / 'c.db'}"
    init_store(url=url, evidence_dir=tmp_path / "evidence")[0].close()
    modules, done = imported_modules("incident", "list", "--db", url, "--evidence-dir", str(tmp_path / "evidence"))
    assert done.returncode == 0 and done.stdout.strip() == "no incidents", done.stderr[-2000:]
    for heavy in ("reportlab", "pyhanko", "alembic", "compliance.controls.loader"):
        assert not _loaded(modules, heavy)


@pytest.mark.parametrize("args", [
    [], ["--json"], ["--status", "open", "--severity", "sev2", "--since", "2026-03-01T12:00+01:00"]],
                         ids=["text", "json", "filters"])
def test_incident_list_on_sqlite_imports_no_sqlalchemy_sqlmodel_nor_pydantic(tmp_path, args):
    from datetime import UTC, datetime

    from compliance.db.store import init_store
    from compliance.incidents.service import open_incident

    url = f"sqlite:///{tmp_path / 'c.db'}"
    store = init_store(url=url, evidence_dir=tmp_path / "evidence")[0]
    with store.session(immediate=True) as session:
        open_incident(session=session, title="Login failures", severity="sev2", detected_at=datetime(2026, 3, 1, 11, tzinfo=UTC))
    store.close()
    modules, done = imported_modules("incident", "list", "--db", url, "--evidence-dir", str(tmp_path / "evidence"), *args)
    assert done.returncode == 0 and "INC-0001" in done.stdout, done.stderr[-2000:]
    assert "compliance.db.sqlite_read" in modules  # the probe sees the read path
    for heavy in ("sqlalchemy", "sqlmodel", "pydantic", "alembic", "compliance.db.store", "compliance.incidents.models"):
        assert not _loaded(modules, heavy), f"incident list imported {_loaded(modules, heavy)[:3]}"


GROUPS = [(path, command) for path, command in
          [("compliance", cli)] + [(f"compliance {name}", cli.get_command(None, name)) for name in cli.list_commands(None)]
          if hasattr(command, "list_commands")]


@pytest.mark.parametrize("path, group", GROUPS, ids=[p for p, _ in GROUPS])
def test_every_group_lists_all_its_commands(path, group):
    result = CliRunner().invoke(cli, [*path.split()[1:], "--help"], catch_exceptions=False)
    assert result.exit_code == 0
    listed = result.stdout.split("Commands:", 1)[1]
    names = group.list_commands(None)
    assert names and all(f"  {name} " in listed or listed.rstrip().endswith(f"  {name}") for name in names)


COMMANDS = list(iter_commands(cli))


def test_the_lazy_tree_has_exactly_the_commands_of_the_readme_reference():
    import re

    block = re.search(r"<!-- commands:start -->(.*?)<!-- commands:end -->", (ROOT / "README.md").read_text(), re.S).group(1)
    documented = set(re.findall(r"^- `(compliance[^`]*)`", block, re.M))
    assert {p for p, _ in COMMANDS} == documented


@pytest.mark.parametrize("path", [p for p, _ in COMMANDS])
def test_every_command_help_works(path):
    result = CliRunner().invoke(cli, [*path.split()[1:], "--help"], catch_exceptions=False)
    assert result.exit_code == 0 and "Usage: " in result.stdout


@pytest.mark.parametrize("words, cword, expected", [
    ("compliance inc", 1, {"incident"}),
    ("compliance deadlines c", 2, {"check", "compute"}),
    ("compliance postmortem ", 2, {"export", "import", "lint", "rules", "set", "show"}),
])
def test_shell_completion_completes_lazy_commands(words, cword, expected):
    env = {k: v for k, v in os.environ.items() if not k.startswith("COMPLIANCE_")}
    env |= {"_COMPLIANCE_COMPLETE": "bash_complete", "COMP_WORDS": words, "COMP_CWORD": str(cword)}
    done = subprocess.run([sys.executable, "-c", "from compliance.cli import main; main()"], cwd=ROOT, env=env,
                          capture_output=True, text=True, timeout=120)
    completions = {line.split(",", 1)[1] for line in done.stdout.splitlines() if "," in line}
    assert done.returncode == 0 and completions >= expected and completions <= expected | {"check", "compute", "list", "settings"}


CLI_DIR = ROOT / "compliance" / "cli"


@pytest.mark.parametrize("module", sorted(p.name for p in CLI_DIR.glob("*.py")))
def test_cli_modules_share_helpers_only_through_base_and_options(module):
    import ast

    tree = ast.parse((CLI_DIR / module).read_text(encoding="utf-8"))
    imported = {node.module for node in ast.walk(tree) if isinstance(node, ast.ImportFrom) and node.module}
    imported |= {alias.name for node in ast.walk(tree) if isinstance(node, ast.Import) for alias in node.names}
    siblings = {m for m in imported if m.startswith("compliance.cli.")}
    allowed = {"compliance.cli.base", "compliance.cli.options"}
    assert siblings <= allowed, f"{module} imports {sorted(siblings - allowed)}"
