"""Deadline arithmetic: elapsed hours, calendar days, months and business days (section 6 of the reference)."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import holidays
from hypothesis import given, settings
from hypothesis import strategies as st

from compliance.deadlines import clock
from tests.conftest import at

UTC = UTC
BERLIN = ZoneInfo("Europe/Berlin")
NEW_YORK = ZoneInfo("America/New_York")


def _us_closed(years):
    return set(holidays.country_holidays("US", years=years, observed=True).keys())


def test_hours_clock_crossing_the_berlin_spring_dst_change_is_72_real_hours():
    start = at("2026-03-27T10:00:00Z")  # Friday 11:00 CET; clocks go forward on Sunday 29 March
    due = clock.add_hours(start, 72)
    assert due == at("2026-03-30T10:00:00Z")
    assert due.astimezone(BERLIN).hour == 12  # the local wall clock moved by one hour, the instant did not


def test_hours_clock_crossing_the_new_york_autumn_dst_change_is_72_real_hours():
    start = at("2026-10-30T16:00:00Z")  # 12:00 EDT; clocks go back on Sunday 1 November
    due = clock.add_hours(start, 72)
    assert due - start == timedelta(hours=72)
    assert due.astimezone(NEW_YORK).hour == 11


def test_calendar_days_end_at_the_end_of_day_in_the_org_zone():
    start = at("2026-03-01T23:30:00Z")  # already 2 March in Berlin
    due = clock.add_calendar_days(start, 3, BERLIN)
    assert due.astimezone(BERLIN) == datetime(2026, 3, 5, 23, 59, 59, tzinfo=BERLIN)


def test_calendar_days_do_not_skip_weekends_or_holidays():
    start = at("2026-12-23T12:00:00Z")
    assert clock.add_calendar_days(start, 3, UTC) == at("2026-12-26T23:59:59Z")


def test_31_january_plus_one_month_is_the_last_day_of_february():
    assert clock.add_months(at("2026-01-31T09:15:00Z"), 1, UTC) == at("2026-02-28T09:15:00Z")
    assert clock.add_months(at("2028-01-31T09:15:00Z"), 1, UTC) == at("2028-02-29T09:15:00Z")


def test_month_clock_keeps_the_local_clock_time_across_dst():
    start = datetime(2026, 3, 10, 14, 0, tzinfo=BERLIN)  # CET
    due = clock.add_months(start, 1, BERLIN)
    assert due.astimezone(BERLIN).replace(tzinfo=None) == datetime(2026, 4, 10, 14, 0)  # CEST, same wall time


def test_month_clock_end_of_day_reading():
    due = clock.add_months(at("2026-01-31T09:15:00Z"), 1, UTC, end_of_day=True)
    assert due == at("2026-02-28T23:59:59Z")


def test_business_days_span_thanksgiving():
    # Determination Wednesday 25 Nov 2026; Thursday 26 is Thanksgiving; Friday 27 is an SEC business day.
    due = clock.add_business_days(at("2026-11-25T15:00:00Z"), 4, NEW_YORK, _us_closed, cutoff=time(17, 30))
    assert due.astimezone(NEW_YORK) == datetime(2026, 12, 2, 17, 30, tzinfo=NEW_YORK)


def test_business_days_skip_the_observed_fourth_of_july():
    # 4 July 2026 is a Saturday: observed on Friday 3 July.
    due = clock.add_business_days(at("2026-07-02T15:00:00Z"), 4, NEW_YORK, _us_closed, cutoff=time(17, 30))
    assert due.astimezone(NEW_YORK).date() == date(2026, 7, 9)


def test_business_days_from_a_saturday_trigger_start_on_monday():
    due = clock.add_business_days(at("2026-03-07T15:00:00Z"), 4, NEW_YORK, _us_closed, cutoff=time(17, 30))
    assert due.astimezone(NEW_YORK).date() == date(2026, 3, 12)  # Mon, Tue, Wed, Thu


def test_relief_moves_a_weekend_due_to_noon_of_the_next_working_day():
    moved = clock.next_working_day_at(at("2026-03-07T00:00:00Z"), BERLIN, lambda years: set(), time(12))
    assert moved == datetime(2026, 3, 9, 12, 0, tzinfo=BERLIN)
    assert clock.next_working_day_at(at("2026-03-09T09:00:00Z"), BERLIN, lambda years: set(), time(12)) is None


def test_relief_skips_a_member_state_holiday():
    closed = lambda years: set(holidays.country_holidays("DE", years=years).keys())  # noqa: E731
    moved = clock.next_working_day_at(at("2026-04-03T10:00:00Z"), BERLIN, closed, time(12))  # Good Friday
    assert moved == datetime(2026, 4, 7, 12, 0, tzinfo=BERLIN)  # Easter Monday is a holiday too


instants = st.datetimes(min_value=datetime(2000, 1, 1), max_value=datetime(2090, 12, 31),
                        timezones=st.just(UTC))
zones = st.sampled_from([UTC, BERLIN, NEW_YORK, ZoneInfo("Asia/Kolkata"), ZoneInfo("Australia/Sydney")])


@settings(max_examples=150, deadline=None)
@given(start=instants, hours=st.integers(1, 24 * 90), zone=zones)
def test_hours_clocks_are_exactly_n_times_3600_seconds_whatever_the_zone(start, hours, zone):
    due = clock.add_hours(start.astimezone(zone), hours)
    assert (due - start).total_seconds() == hours * 3600


@settings(max_examples=150, deadline=None)
@given(a=instants, b=instants, days=st.integers(1, 90), months=st.integers(1, 12), zone=zones)
def test_every_clock_is_monotonic_in_the_clock_start(a, b, days, months, zone):
    early, late = min(a, b), max(a, b)
    assert clock.add_calendar_days(early, days, zone) <= clock.add_calendar_days(late, days, zone)
    assert clock.add_months(early, months, zone) <= clock.add_months(late, months, zone) + timedelta(hours=1)
    assert clock.add_business_days(early, 4, NEW_YORK, _us_closed) <= clock.add_business_days(late, 4, NEW_YORK, _us_closed)


@settings(max_examples=150, deadline=None)
@given(start=instants, days=st.integers(1, 20))
def test_business_day_due_is_never_a_weekend_or_holiday(start, days):
    due = clock.add_business_days(start, days, NEW_YORK, _us_closed, cutoff=time(17, 30))
    local = due.astimezone(NEW_YORK).date()
    assert local.weekday() < 5 and local not in _us_closed([local.year])


@settings(max_examples=200, deadline=None)
@given(start=instants, months=st.integers(1, 24), zone=zones)
def test_month_add_never_overflows_into_the_following_month(start, months, zone):
    local = start.astimezone(zone)
    due = clock.add_months(start, months, zone).astimezone(zone)
    expected_month = (local.month - 1 + months) % 12 + 1
    assert due.date().month == expected_month
