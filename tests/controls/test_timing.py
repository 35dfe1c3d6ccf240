"""The check vocabulary added for issue 14 §3: `ordered` (one consistent clock) and `timeline_has_kind` with
`before` / `after` (an entry of a kind before the first, or after the last, entry of another kind)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from hypothesis import given
from hypothesis import strategies as st

from compliance.controls.builder import ErrorList, parse_check
from compliance.controls.checks import PASS

PATHS = ["incident.started_at", "incident.detected_at", "incident.mitigated_at", "incident.resolved_at"]
BASE = datetime(2026, 3, 1, tzinfo=UTC)


def _check(node: dict):
    errors = ErrorList("f.yaml")
    check = parse_check(node, errors, 1)
    assert check is not None, errors.items
    return check


@given(st.lists(st.one_of(st.none(), st.integers(min_value=0, max_value=10_000)), min_size=4, max_size=4))
def test_ordered_passes_exactly_when_the_recorded_instants_never_go_backwards(minutes):
    check = _check({"ordered": PATHS})
    incident = {p.split(".")[1]: None if m is None else BASE + timedelta(minutes=m) for p, m in zip(PATHS, minutes,
                                                                                                    strict=True)}
    recorded = [m for m in minutes if m is not None]
    assert (check.run({"incident": incident}).state == PASS) == (recorded == sorted(recorded))


def _timeline(*entries: tuple[str, int]) -> dict:
    return {"timeline": [{"kind": k, "at": BASE + timedelta(minutes=m)} for k, m in entries]}


@given(st.integers(0, 100), st.lists(st.integers(0, 100), min_size=1, max_size=4))
def test_before_passes_exactly_when_an_entry_is_at_or_before_the_first_anchor(verified, restores):
    check = _check({"timeline_has_kind": {"kind": "verification", "before": "recovery"}})
    doc = _timeline(("verification", verified), *(("recovery", m) for m in restores))
    assert (check.run(doc).state == PASS) == (verified <= min(restores))


@given(st.integers(0, 100), st.lists(st.integers(0, 100), min_size=1, max_size=4))
def test_after_passes_exactly_when_an_entry_is_at_or_after_the_last_anchor(verified, restores):
    check = _check({"timeline_has_kind": {"kind": "verification", "after": "recovery"}})
    doc = _timeline(("verification", verified), *(("recovery", m) for m in restores))
    assert (check.run(doc).state == PASS) == (verified >= max(restores))


def test_before_without_any_anchor_entry_fails_naming_the_missing_kind():
    check = _check({"timeline_has_kind": {"kind": "verification", "before": "recovery"}})
    outcome = check.run(_timeline(("verification", 5)))
    assert outcome.state == "fail" and "no 'recovery' entry" in outcome.detail


@pytest.mark.parametrize(("node", "message"), [
    ({"ordered": ["incident.started_at"]}, "ordered needs a list of at least two instant paths"),
    ({"ordered": "incident.started_at"}, "ordered needs a list of at least two instant paths"),
    ({"ordered": ["incident.started_at", "incident.nope"]}, "unknown field 'nope' in incident"),
    ({"timeline_has_kind": {"kind": "verification", "before": "restore"}}, "unknown timeline kind 'restore' in before"),
    ({"timeline_has_kind": {"kind": "verification", "before": "recovery", "after": "recovery"}}, "before or after"),
    ({"timeline_has_kind": {"kind": "verification", "until": "recovery"}}, "unknown field 'until'"),
])
def test_bad_order_checks_are_refused_with_one_line_naming_what_is_wrong(node, message):
    errors = ErrorList("f.yaml")
    assert parse_check(node, errors, 7) is None
    assert len(errors.items) == 1 and errors.items[0].startswith("f.yaml:") and message in errors.items[0]


def test_timeline_has_kind_can_now_be_a_condition():
    from compliance.controls.builder import CONDITION_TYPES

    assert "timeline_has_kind" in CONDITION_TYPES and "ordered" not in CONDITION_TYPES
