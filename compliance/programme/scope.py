"""Audit scope: the optional criteria the audit covers (SOC 2 Availability and Privacy), a store setting.

Rules (ids used in tests and notes):
- SC-1 the SOC 2 availability (A1) and privacy (P1-P8) criteria are out of scope unless the store says they are in
  scope: a SOC 2 report always covers Security (the common criteria) and the other categories only when chosen.
- SC-2 every incident document, and the organisation document, carries the scope as its `audit_scope` part
  (`audit_scope.soc2_privacy`, `audit_scope.soc2_availability`), so `applies_when` can read it.
"""

from __future__ import annotations

from typing import Any

from sqlmodel import Session

from compliance.db.settings import get_setting, set_setting

AUDIT_SCOPE_KEY = "audit_scope"
DEFAULT_AUDIT_SCOPE = {"soc2_availability": False, "soc2_privacy": False}


def get_audit_scope(*, session: Session) -> dict[str, Any]:
    """Returns the store's audit scope (SC-1): which optional criteria are in scope."""
    scope = {**DEFAULT_AUDIT_SCOPE, **get_setting(session=session, key=AUDIT_SCOPE_KEY)}
    return {key: scope[key] is True for key in DEFAULT_AUDIT_SCOPE}


def set_audit_scope(*, session: Session, soc2_availability: bool | None = None,
                    soc2_privacy: bool | None = None) -> dict[str, Any]:
    """Changes the audit scope; None leaves a setting as it is. Returns the scope now in force."""
    scope = get_audit_scope(session=session)
    for key, value in (("soc2_availability", soc2_availability), ("soc2_privacy", soc2_privacy)):
        if value is not None:
            scope[key] = bool(value)
    set_setting(session=session, key=AUDIT_SCOPE_KEY, value=scope)
    return scope


def describe_audit_scope(scope: dict[str, Any]) -> str:
    """Returns the scope in one sentence (for the CLI and the methodology)."""
    def state(key: str, criteria: str) -> str:
        return "in scope" if scope.get(key) else f"out of scope ({criteria} not applicable)"

    return (f"SOC 2 availability criteria: {state('soc2_availability', 'A1')}; "
            f"privacy criteria: {state('soc2_privacy', 'P1-P8')}.")
