"""The scheduled deadline check: findings, their status and text, and the webhook message that reports them.

DL-CHECK-2  Status: critical when a deadline is missed, warning when one is due within the window or a
            clock start is unknown, ok otherwise (monitoring-plugin exit codes 2, 1, 0).
DL-CHECK-3  A check that cannot run (bad input, an instant or window past the calendar, no store) is
            UNKNOWN (exit 3), never a warning: the caller turns every failure into that code.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from datetime import datetime, timedelta
from typing import Any

from sqlmodel import Session

from compliance.core.errors import ValidationError
from compliance.core.monitoring import CheckResult, check_status
from compliance.core.timeutil import ensure_utc, format_timedelta, to_iso
from compliance.deadlines.service import get_check_findings


def finding_line(finding: dict[str, Any]) -> str:
    """Returns the one-line text of a deadline finding: incident, regime/stage, due, time left or overdue."""
    f = finding
    if f["status"] == "clock_unknown":
        return (f"{f['level'].upper()} {f['incident']} {f['regime']}/{f['stage']}: clock start unknown, "
                f"record {f['missing']} (compliance incident update {f['incident']} --{f['missing'].replace('_', '-')} …)")
    left = timedelta(seconds=f["seconds_left"])
    when = f"{format_timedelta(-left)} overdue" if f["seconds_left"] < 0 else f"{format_timedelta(left)} left"
    delayed = f" (delayed under {f['delayed_under']})" if f.get("delayed_under") else ""
    return (f"{f['level'].upper()} {f['incident']} {f['regime']}/{f['stage']} due {to_iso(f['due'])} ({f['due_local']})"
            f"{delayed}: {when}")


def check_summary(findings: list[dict[str, Any]], *, warn_within: str) -> str:
    """Returns the summary line: counts of missed, due soon and unknown-clock findings, or OK."""
    if not findings:
        return f"OK: no notification deadline missed or due within {warn_within}"
    status = check_status(f["level"] for f in findings)
    critical = sum(1 for f in findings if f["level"] == "critical")
    unknown = sum(1 for f in findings if f["status"] == "clock_unknown")
    return (f"{status.upper()}: {critical} missed, {len(findings) - critical - unknown} due within {warn_within}"
            + (f", {unknown} with an unknown clock start" if unknown else ""))


def get_deadline_check(*, session: Session, at: datetime, window: timedelta, warn_within: str | None = None,
                       tz: str | None = None) -> CheckResult:
    """Returns the check of pending obligations at `at`: missed (critical), due within `window` or clock unknown (warning)."""
    at = ensure_utc(at, field="--at")
    label = warn_within or format_timedelta(window)
    try:
        at + window
    except OverflowError:
        raise ValidationError(f"{to_iso(at)} plus {label} is past the year 9999", field="--warn-within") from None
    findings = get_check_findings(session=session, at=at, window=window, tz=tz)
    status = check_status(f["level"] for f in findings)
    return CheckResult(status=status, findings=findings, lines=[finding_line(f) for f in findings],
                       summary=check_summary(findings, warn_within=label), facts={"at": at, "warn_within": label})


def webhook_payload(result: CheckResult) -> dict[str, Any]:
    """Returns the webhook message of a deadline check: Slack-compatible `text`, status, instant and findings."""
    text = "\n".join([f"compliance deadlines check: {result.summary}", *result.lines])
    return {"text": text, "status": result.status, "at": to_iso(result.facts["at"]),
            "findings": [{**f, "due": to_iso(f["due"]), "clock_start": to_iso(f["clock_start"])} for f in result.findings]}


def _seconds(environ: Mapping[str, str], name: str, default: float) -> float:
    try:
        value = float(environ.get(name, default))
    except ValueError:
        return default
    return max(0.0, value) if value == value and value != float("inf") else default


def webhook_settings(environ: Mapping[str, str] | None = None) -> dict[str, float]:
    """Returns the delivery settings read from the environment: back-off (COMPLIANCE_WEBHOOK_BACKOFF, s) and
    the total deadline of the whole delivery, retries included (COMPLIANCE_WEBHOOK_TIMEOUT, s)."""
    environ = os.environ if environ is None else environ
    return {"backoff": _seconds(environ, "COMPLIANCE_WEBHOOK_BACKOFF", 1.0),
            "deadline": _seconds(environ, "COMPLIANCE_WEBHOOK_TIMEOUT", 30.0) or 30.0}


def deliver_check(url: str, result: CheckResult, *, environ: Mapping[str, str] | None = None) -> tuple[bool, str]:
    """POSTs the check's webhook message to `url` within the configured deadline; returns (delivered, detail)."""
    from compliance.deadlines.webhook import post_json

    return post_json(url, webhook_payload(result), **webhook_settings(environ))
