"""Layers: custody builds on the lower evidence modules only; the evidence workflows sit above custody."""

from __future__ import annotations

import ast
import importlib
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2] / "compliance"
LOWER_EVIDENCE = {"compliance.evidence.models", "compliance.evidence.blobs", "compliance.evidence.lookup"}


def _imports(path: Path) -> set[str]:
    names = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.ImportFrom) and node.module:
            names.add(node.module)
        elif isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names)
    return names


@pytest.mark.parametrize("module", sorted(p.name for p in (ROOT / "custody").glob("*.py")))
def test_custody_imports_only_the_lower_evidence_modules_even_inside_functions(module):
    evidence = {m for m in _imports(ROOT / "custody" / module) if m.startswith("compliance.evidence")}
    assert evidence <= LOWER_EVIDENCE, f"custody/{module} reaches up into {sorted(evidence - LOWER_EVIDENCE)}"


@pytest.mark.parametrize("module", sorted(LOWER_EVIDENCE | {"compliance.db.ledger.service", "compliance.db.ledger.chain"}))
def test_lower_modules_never_import_custody_or_the_evidence_workflows(module):
    path = ROOT.parent / (module.replace(".", "/") + ".py")
    bad = {m for m in _imports(path) if m.startswith(("compliance.custody", "compliance.custody.evidence"))}
    assert not bad, f"{module} imports {sorted(bad)}"


@pytest.mark.parametrize("package", ["compliance.custody.evidence", "compliance.custody.service", "compliance.db.ledger"])
def test_each_package_imports_alone_in_a_fresh_interpreter(package):
    done = subprocess.run([sys.executable, "-c", f"import {package}"], capture_output=True, text=True)
    assert done.returncode == 0, done.stderr
    importlib.import_module(package)


def test_one_line_check_is_one_function():
    from compliance.core.text import one_line

    for module in ("compliance.custody.service", "compliance.custody.evidence"):
        mod = importlib.import_module(module)
        assert not hasattr(mod, "_one_line") and not hasattr(mod, "_text")
        assert mod.one_line is one_line
