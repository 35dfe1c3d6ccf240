"""The result of a scheduled check in the monitoring-plugin convention (OK, WARNING, CRITICAL; UNKNOWN if it cannot run)."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from compliance.core.exitcodes import ExitCode

_CODES = {"ok": ExitCode.CHECK_OK, "warning": ExitCode.CHECK_WARNING, "critical": ExitCode.CHECK_CRITICAL}


def check_status(levels: Iterable[str]) -> str:
    """Returns 'critical' if any finding is critical, 'warning' if there is any finding, else 'ok'."""
    levels = list(levels)
    return "critical" if "critical" in levels else "warning" if levels else "ok"


@dataclass(frozen=True)
class CheckResult:
    """What a scheduled check found: its status, one finding per dict, one line per finding and a summary."""

    status: str
    findings: list[dict[str, Any]]
    lines: list[str]
    summary: str
    facts: dict[str, Any] = field(default_factory=dict)

    @property
    def exit_code(self) -> ExitCode:
        """Returns the monitoring-plugin exit code of the status (0 OK, 1 WARNING, 2 CRITICAL)."""
        return _CODES[self.status]

    def to_dict(self) -> dict[str, Any]:
        """Returns the JSON document of the check: status, the facts it was run with, findings."""
        return {"status": self.status, **self.facts, "findings": self.findings}
