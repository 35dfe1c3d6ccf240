"""The one reporting-period rule: inclusive calendar dates in the organisation's zone, half-open in UTC."""

from __future__ import annotations

from datetime import UTC, date, datetime
from zoneinfo import ZoneInfo

import pytest

from compliance.core.errors import ValidationError
from compliance.core.period import period_bounds


def test_dates_are_inclusive_days_turned_into_a_half_open_utc_range():
    start, stop = period_bounds(period_from=date(2026, 3, 1), period_to=date(2026, 3, 31))
    assert start == datetime(2026, 3, 1, tzinfo=UTC) and stop == datetime(2026, 4, 1, tzinfo=UTC)


def test_dates_in_a_zone_start_at_local_midnight():
    start, stop = period_bounds(period_from=date(2026, 1, 1), period_to=date(2026, 1, 1), tz=ZoneInfo("Europe/Berlin"))
    assert start == datetime(2025, 12, 31, 23, tzinfo=UTC) and stop == datetime(2026, 1, 1, 23, tzinfo=UTC)


def test_instants_are_used_as_given_and_open_ends_stay_open():
    at = datetime(2026, 5, 2, 10, 30, tzinfo=UTC)
    assert period_bounds(period_from=at, period_to=None) == (at, None)


def test_a_period_ending_before_it_starts_is_refused_naming_from():
    with pytest.raises(ValidationError) as caught:
        period_bounds(period_from=date(2026, 3, 2), period_to=date(2026, 3, 1))
    assert caught.value.field == "--from"
