"""The scheduled check over action items: overdue ones are critical, those due within the window a warning.

AC-CHECK-1  An open item due before the check's day is overdue (critical).
AC-CHECK-2  An open item is due soon (warning) when the start of its due day (UTC) falls within the
            window counted from the check instant: the window keeps its hours (36h is a day and a half,
            never truncated to one day).
"""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from typing import Any

from sqlmodel import Session

from compliance.actions.service import action_to_dict, list_actions
from compliance.core.errors import ValidationError
from compliance.core.monitoring import CheckResult, check_status
from compliance.core.timeutil import ensure_utc


def start_of_day(day: date) -> datetime:
    """Returns 00:00 UTC of `day`."""
    return datetime.combine(day, time(0), tzinfo=UTC)


def classify_action_due(*, due: date | None, at: datetime, window: timedelta) -> str | None:
    """Returns 'critical' (overdue), 'warning' (due within `window` of `at`) or None for an open item due on `due`."""
    if due is None:
        return None
    if due < at.date():
        return "critical"
    if start_of_day(due) <= at + window:
        return "warning"
    return None


def finding_line(finding: dict[str, Any]) -> str:
    """Returns the one-line text of an action-item finding."""
    days = finding["days_left"]
    when = f"{-days}d overdue" if days < 0 else f"due in {days}d"
    return (f"{finding['level'].upper()} {finding['ref']} owner={finding['owner'] or '-'} due={finding['due']} "
            f"({when}): {finding['description']}")


def get_action_check(*, session: Session, at: datetime, window: timedelta, warn_within: str | None = None) -> CheckResult:
    """Returns the check of every open action item at instant `at`: overdue (critical) and due within `window` (warning)."""
    at = ensure_utc(at, field="--as-of")
    if window < timedelta(0):
        raise ValidationError("the window must not be negative", field="--warn-within")
    try:
        at + window
    except OverflowError:
        raise ValidationError(f"{warn_within or window} reaches past the year 9999", field="--warn-within") from None
    today = at.date()
    findings = []
    for action, incident in list_actions(session=session, status="open"):
        level = classify_action_due(due=action.due, at=at, window=window)
        if level is None:
            continue
        row = action_to_dict(action, incident, as_of=today)
        row["level"] = level
        row["days_left"] = (action.due - today).days
        findings.append(row)
    findings.sort(key=lambda r: (r["level"] != "critical", r["due"]))
    status = check_status(f["level"] for f in findings)
    label = warn_within or str(window)
    summary = "" if findings else f"OK: no action items overdue or due within {label}"
    return CheckResult(status=status, findings=findings, lines=[finding_line(f) for f in findings], summary=summary,
                       facts={"as_of": today})
