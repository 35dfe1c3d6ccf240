"""Finds the built-in `controls/` and `reports/` folders, in a checkout or an installed wheel."""

from __future__ import annotations

from pathlib import Path

_PACKAGE = Path(__file__).resolve().parent.parent


def builtin_dir(name: str) -> Path:
    """Returns the built-in folder `name` ('controls' or 'reports')."""
    installed = _PACKAGE / "_builtin" / name
    if installed.is_dir():
        return installed
    checkout = _PACKAGE.parent / name
    if checkout.is_dir():
        return checkout
    raise FileNotFoundError(f"built-in folder {name!r} not found (looked in {installed} and {checkout})")
