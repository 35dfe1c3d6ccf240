"""The deadline check in the library: status, lines, summary, webhook message and its environment settings."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from compliance.core.errors import ValidationError
from compliance.core.exitcodes import ExitCode
from compliance.core.monitoring import check_status
from compliance.deadlines.check import check_summary, get_deadline_check, webhook_payload, webhook_settings


@pytest.mark.parametrize("levels, status", [([], "ok"), (["warning"], "warning"), (["warning", "critical"], "critical")])
def test_status_is_the_worst_finding_level(levels, status):
    assert check_status(levels) == status


def _finding(level, status="due_soon"):
    return {"level": level, "status": status}


def test_summary_counts_missed_due_soon_and_unknown_clock_starts():
    findings = [_finding("critical", "late_open"), _finding("warning"), _finding("warning", "clock_unknown")]
    assert check_summary(findings, warn_within="24h") == (
        "CRITICAL: 1 missed, 1 due within 24h, 1 with an unknown clock start")
    assert check_summary([], warn_within="2d") == "OK: no notification deadline missed or due within 2d"


@pytest.fixture
def gdpr_incident(store, make_incident):
    return make_incident(aware_at=datetime(2026, 3, 1, 12, 0, tzinfo=UTC), personal_data=True, regimes=["gdpr"])


def test_check_result_has_lines_summary_and_exit_code(store, gdpr_incident):
    with store.session() as session:
        result = get_deadline_check(session=session, at=datetime(2026, 3, 4, 13, 0, tzinfo=UTC),
                                    window=timedelta(hours=24), warn_within="24h")
    assert result.exit_code == ExitCode.CHECK_CRITICAL
    assert result.lines == ["CRITICAL INC-0001 gdpr/authority_notification due 2026-03-04T12:00:00Z "
                            "(2026-03-04T12:00:00+00:00): 1h overdue"]
    assert result.summary == "CRITICAL: 1 missed, 0 due within 24h"
    assert list(result.to_dict()) == ["status", "at", "warn_within", "findings"]


def test_webhook_payload_is_slack_compatible_text_with_iso_instants(store, gdpr_incident):
    with store.session() as session:
        result = get_deadline_check(session=session, at=datetime(2026, 3, 4, 13, 0, tzinfo=UTC),
                                    window=timedelta(hours=24), warn_within="24h")
    payload = webhook_payload(result)
    assert payload["text"].splitlines() == ["compliance deadlines check: CRITICAL: 1 missed, 0 due within 24h",
                                            result.lines[0]]
    assert (payload["status"], payload["at"]) == ("critical", "2026-03-04T13:00:00Z")
    assert payload["findings"][0]["due"] == "2026-03-04T12:00:00Z"
    assert payload["findings"][0]["clock_start"] == "2026-03-01T12:00:00Z"


def test_a_window_past_the_calendar_is_refused_naming_the_field(store):
    with store.session() as session, pytest.raises(ValidationError, match="--warn-within: .* past the year 9999"):
        get_deadline_check(session=session, at=datetime(2199, 12, 31, 23, 0, tzinfo=UTC), window=timedelta(days=3_000_000))


def test_an_instant_past_the_accepted_range_is_refused_naming_the_field(store):
    with store.session() as session, pytest.raises(ValidationError, match="--at: .* outside the accepted range"):
        get_deadline_check(session=session, at=datetime(9999, 12, 31, 23, 0, tzinfo=UTC), window=timedelta(hours=2))


@pytest.mark.parametrize("environ, expected", [
    ({}, {"backoff": 1.0, "deadline": 30.0}),
    ({"COMPLIANCE_WEBHOOK_BACKOFF": "0.5", "COMPLIANCE_WEBHOOK_TIMEOUT": "5"}, {"backoff": 0.5, "deadline": 5.0}),
    ({"COMPLIANCE_WEBHOOK_BACKOFF": "soon", "COMPLIANCE_WEBHOOK_TIMEOUT": "nan"}, {"backoff": 1.0, "deadline": 30.0}),
    ({"COMPLIANCE_WEBHOOK_BACKOFF": "-3", "COMPLIANCE_WEBHOOK_TIMEOUT": "inf"}, {"backoff": 0.0, "deadline": 30.0}),
])
def test_webhook_settings_are_read_from_the_environment_with_safe_defaults(environ, expected):
    assert webhook_settings(environ) == expected
