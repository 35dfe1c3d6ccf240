"""Checking YAML definition files with every error kept, each as 'file:line: what is wrong'."""

from __future__ import annotations

from typing import Any

from compliance.core.yamlload import LineDict, LineList


class _Errors:
    """The errors of one file, each 'file:line: message'."""

    def __init__(self, path: str, *, deep: bool = False) -> None:
        self.path = path
        self.items: list[str] = []
        self.deep = deep  # also build each holiday calendar (validation), not only check its codes (loading)

    def add(self, line: int, message: str) -> None:
        self.items.append(f"{self.path}:{line}: {message}")


def _line(node: Any, key: str | int | None = None) -> int:
    if isinstance(node, LineDict) and isinstance(key, str):
        return node.line_of(key)
    if isinstance(node, LineList) and isinstance(key, int):
        return node.line_of(key)
    return getattr(node, "line", 0) or 1


def _keys(node: LineDict, allowed: set[str], where: str, errors: _Errors) -> None:
    for key in node:
        if key not in allowed:
            errors.add(node.line_of(key), f"{where}: unknown key {key!r} (allowed: {', '.join(sorted(allowed))})")


def _text(node: LineDict, key: str, where: str, errors: _Errors, *, required: bool = True) -> str | None:
    value = node.get(key)
    if value is None:
        if required:
            errors.add(node.line, f"{where}: missing {key!r}")
        return None
    if not isinstance(value, str) or not value.strip():
        errors.add(node.line_of(key), f"{where}: {key!r} must be non-empty text")
        return None
    return value.strip()


def _positive_int(node: LineDict, key: str, where: str, errors: _Errors) -> int | None:
    value = node.get(key)
    if isinstance(value, bool) or not isinstance(value, int) or value <= 0:
        errors.add(node.line_of(key), f"{where}: {key!r} must be a positive whole number, not {value!r}")
        return None
    return value
