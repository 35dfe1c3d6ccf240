"""The pack's population: the in-scope rule at both period bounds, open periods, the reconciliation."""

from __future__ import annotations

from datetime import UTC, date, datetime
from zoneinfo import ZoneInfo

import pytest

from compliance.core.errors import ValidationError
from compliance.reports.scope import ACTIVE, ACTIVITY, Period, resolve_period, scope_reason
from tests.conftest import at

PERIOD = Period(start=at("2026-04-01T00:00:00Z"), stop=at("2026-07-01T00:00:00Z"), zone="UTC")
GENERATED = at("2026-11-25T12:00:00Z")


def _doc(detected, closed=None, obligations=(), actions=()):
    return {"incident": {"detected_at": at(detected), "closed_at": at(closed) if closed else None},
            "obligations": list(obligations), "action_items": list(actions)}


@pytest.mark.parametrize(("document", "expected"), [
    (_doc("2026-03-20T10:00:00Z", closed="2026-04-02T09:00:00Z"), ACTIVE),  # straddles the start
    (_doc("2026-03-20T10:00:00Z"), ACTIVE),  # detected before, never closed
    (_doc("2026-06-30T23:59:59Z"), ACTIVE),  # last second of the period
    (_doc("2026-06-30T23:00:00Z", closed="2026-08-01T00:00:00Z"), ACTIVE),  # straddles the end
    (_doc("2026-03-01T10:00:00Z", closed="2026-03-31T23:59:59Z"), None),  # closed just before the start
    (_doc("2026-07-01T00:00:00Z"), None),  # detected at the exclusive end
    (_doc("2026-03-01T10:00:00Z", closed="2026-03-05T00:00:00Z",
          obligations=[{"clock_start": at("2026-03-02T00:00:00Z"), "due": at("2026-03-05T00:00:00Z"),
                        "notified_at": at("2026-04-03T08:00:00Z")}]), ACTIVITY),  # late filing in the period
    (_doc("2026-03-01T10:00:00Z", closed="2026-03-05T00:00:00Z",
          actions=[{"due": date(2026, 5, 1), "completed_at": None}]), ACTIVITY),  # action due in the period
    (_doc("2026-03-01T10:00:00Z", closed="2026-03-05T00:00:00Z",
          actions=[{"due": "2026-03-20", "completed_at": at("2026-07-01T00:00:00Z")}]), None),  # completed after
])
def test_an_incident_is_in_scope_when_active_in_the_period_or_when_its_obligations_filings_or_actions_fall_in_it(
        document, expected):
    assert scope_reason(document, PERIOD) == expected


def test_dates_are_read_in_the_organisation_zone_and_the_last_instant_is_exact():
    period = resolve_period(period_from=date(2026, 1, 1), period_to=date(2026, 3, 31), zone=ZoneInfo("Europe/Berlin"),
                            zone_name="Europe/Berlin", generated_at=GENERATED, allow_open_period=False)
    assert period.start == datetime(2025, 12, 31, 23, tzinfo=UTC)
    assert period.last_instant == datetime(2026, 3, 31, 21, 59, 59, 999999, tzinfo=UTC)  # CEST from 29 March


def test_a_period_ending_after_generation_is_refused_as_still_open_unless_allowed():
    with pytest.raises(ValidationError, match="still open") as caught:
        resolve_period(period_from=None, period_to=date(2026, 12, 31), zone=UTC, zone_name="UTC",
                       generated_at=GENERATED, allow_open_period=False)
    assert caught.value.field == "--to"
    period = resolve_period(period_from=None, period_to=date(2026, 12, 31), zone=UTC, zone_name="UTC",
                            generated_at=GENERATED, allow_open_period=True)
    assert period.still_open


def test_the_pack_population_reconciles_with_the_store_at_both_bounds(store, make_incident, tmp_path):
    from compliance.incidents.service import get_incident, update_incident
    from compliance.reports.gather import gather_pack_model

    before = make_incident(title="closed before", detected_at=at("2026-03-01T10:00:00Z"))
    straddle_start = make_incident(title="straddles start", detected_at=at("2026-03-25T10:00:00Z"))
    inside = make_incident(title="inside", detected_at=at("2026-05-10T10:00:00Z"))
    straddle_end = make_incident(title="straddles end", detected_at=at("2026-06-30T20:00:00Z"))
    after = make_incident(title="after", detected_at=at("2026-07-02T10:00:00Z"))
    restricted = make_incident(title="Secret", detected_at=at("2026-05-01T10:00:00Z"), restricted=True)
    closes = {before: "2026-03-10T00:00:00Z", straddle_start: "2026-04-03T00:00:00Z", straddle_end: "2026-07-05T00:00:00Z"}
    with store.session(immediate=True) as session:
        for ref, closed in closes.items():
            update_incident(session=session, incident=get_incident(session=session, ref=ref),
                            changes={"status": "closed", "closed_at": at(closed)}, changed_by="test",
                            now=at(closed))
    pack = gather_pack_model(store=store, frameworks=["gdpr"], period_from=date(2026, 4, 1), period_to=date(2026, 6, 30),
                             include_restricted=False, generated_at=GENERATED, title="t", organisation="o")
    refs = [inc.ref for inc in pack.incidents]
    assert refs == [straddle_start, inside, straddle_end, restricted]
    assert before not in refs and after not in refs
    p = pack.population
    assert (p.in_store, p.after_end, p.inactive, p.in_pack) == (6, 1, 1, 4)
    assert p.in_store - p.after_end - p.inactive == len(pack.incidents)
    assert p.first_instant == at("2026-04-01T00:00:00Z") and p.last_instant.isoformat().endswith("23:59:59.999999+00:00")


def test_the_cover_prints_the_exact_instants_the_rule_and_still_open_and_the_reconciliation_adds_up(sample_model,
                                                                                                     text_of):
    import dataclasses

    from compliance.reports.model import Population
    from compliance.reports.render import render_pack
    from compliance.reports.scope import RULE

    model = sample_model(3)
    population = Population(zone="Europe/Berlin", first_instant=datetime(2025, 12, 31, 23, tzinfo=UTC),
                            last_instant=datetime(2026, 12, 31, 22, 59, 59, 999999, tzinfo=UTC), still_open=True,
                            in_store=7, after_end=2, inactive=2, active=2, activity_only=1)
    model = dataclasses.replace(model, period_from=date(2026, 1, 1), period_to=date(2026, 12, 31), population=population)
    pages = [" ".join(page.split()) for page in text_of(render_pack(model))]
    cover = pages[0]
    assert "2026-01-01 00:00:00 Europe/Berlin (2025-12-31 23:00:00 UTC)" in cover
    assert "2026-12-31 23:59:59.999999 Europe/Berlin" in cover and "period still open" in cover
    assert " ".join(RULE.split()[:8]) in cover
    scope_page = next(p for p in pages[1:] if "Reconciliation" in p)
    assert "Incidents recorded in the store 7" in scope_page and "Incidents in this pack 3" in scope_page
