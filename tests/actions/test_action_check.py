"""The action-item check in the library: overdue is critical, due within the window a warning, hours kept."""

from __future__ import annotations

import json
from datetime import UTC, date, datetime, time, timedelta

import pytest
from hypothesis import given
from hypothesis import strategies as st

from compliance.actions.check import classify_action_due, get_action_check
from compliance.core.exitcodes import ExitCode

AT = datetime(2026, 3, 18, 15, 0, tzinfo=UTC)


def test_a_36_hour_window_keeps_its_hours():
    # From 18 March 15:00, 36 h reach 20 March 03:00: an item due on the 20th is due within the window.
    assert classify_action_due(due=date(2026, 3, 20), at=AT, window=timedelta(hours=36)) == "warning"
    assert classify_action_due(due=date(2026, 3, 21), at=AT, window=timedelta(hours=36)) is None


def test_a_12_hour_window_late_in_the_day_reaches_tomorrow():
    assert classify_action_due(due=date(2026, 3, 19), at=AT, window=timedelta(hours=12)) == "warning"
    morning = datetime(2026, 3, 18, 8, 0, tzinfo=UTC)
    assert classify_action_due(due=date(2026, 3, 19), at=morning, window=timedelta(hours=12)) is None


def test_an_item_due_before_the_check_day_is_overdue_and_one_due_today_is_not():
    assert classify_action_due(due=date(2026, 3, 17), at=AT, window=timedelta(0)) == "critical"
    assert classify_action_due(due=date(2026, 3, 18), at=AT, window=timedelta(0)) == "warning"


@given(due_offset=st.integers(-30, 30), days=st.integers(0, 30),
       clock=st.times(), today=st.dates(min_value=date(2000, 1, 1), max_value=date(2100, 1, 1)))
def test_whole_day_windows_classify_as_the_date_arithmetic_did_at_any_time_of_day(due_offset, days, clock, today):
    at = datetime.combine(today, clock, tzinfo=UTC)
    due = today + timedelta(days=due_offset)
    before = "critical" if due < today else "warning" if due <= today + timedelta(days=days) else None
    assert classify_action_due(due=due, at=at, window=timedelta(days=days)) == before


def test_an_item_without_a_due_date_is_never_a_finding():
    assert classify_action_due(due=None, at=AT, window=timedelta(days=365)) is None


@pytest.fixture
def actions(store, make_incident):
    from compliance.actions.service import add_action, complete_action, get_action
    from compliance.incidents.service import get_incident

    ref = make_incident()
    with store.session(immediate=True) as session:
        incident = get_incident(session=session, ref=ref)
        for due in ("2026-03-10", "2026-03-20", "2026-03-21", "2026-04-30", "2026-03-01"):
            add_action(session=session, incident=incident, description=f"due {due}", owner="Dana",
                       due=date.fromisoformat(due), priority="medium")
        action, _ = get_action(session=session, ref=f"{ref}-A5")
        complete_action(session=session, action=action, link=None, status="done")


def test_action_check_lists_overdue_first_and_exits_critical(store, actions):
    with store.session() as session:
        result = get_action_check(session=session, at=AT, window=timedelta(hours=36), warn_within="36h")
    assert [(f["ref"], f["level"], f["days_left"]) for f in result.findings] == [
        ("INC-0001-A1", "critical", -8), ("INC-0001-A2", "warning", 2)]
    assert result.status == "critical" and result.exit_code == ExitCode.CHECK_CRITICAL
    assert result.lines[0] == "CRITICAL INC-0001-A1 owner=Dana due=2026-03-10 (8d overdue): due 2026-03-10"
    assert result.to_dict()["as_of"] == date(2026, 3, 18)


def test_action_check_with_nothing_due_is_ok_with_one_summary_line(store, actions):
    with store.session() as session:
        result = get_action_check(session=session, at=datetime(2026, 2, 1, tzinfo=UTC), window=timedelta(days=7),
                                  warn_within="7d")
    assert result.findings == [] and result.exit_code == ExitCode.CHECK_OK
    assert result.summary == "OK: no action items overdue or due within 7d"


def test_actions_check_cli_keeps_the_hours_of_its_window(cli_run, actions):
    late = cli_run(["actions", "check", "--as-of", "2026-03-18T15:00:00Z", "--warn-within", "36h", "--json"])
    early = cli_run(["actions", "check", "--as-of", "2026-03-18T08:00:00Z", "--warn-within", "12h", "--json"])
    assert [f["ref"] for f in json.loads(late.stdout)["findings"]] == ["INC-0001-A1", "INC-0001-A2"]
    assert [f["ref"] for f in json.loads(early.stdout)["findings"]] == ["INC-0001-A1"]
    assert late.exit_code == early.exit_code == ExitCode.CHECK_CRITICAL


def test_start_of_day_is_midnight_utc():
    from compliance.actions.check import start_of_day

    assert start_of_day(date(2026, 3, 18)) == datetime.combine(date(2026, 3, 18), time(0), tzinfo=UTC)
