"""Every built-in regime and stage, with worked examples from the reference; regime files validated with lines."""

from __future__ import annotations

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import holidays
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from compliance.core.errors import DefinitionError, NotFoundError
from compliance.deadlines.regimes import collect_regime_errors, get_regime, known_regime_ids, load_regimes
from compliance.deadlines.service import compute_regime_deadlines
from tests.conftest import at

UTC = ZoneInfo("UTC")
BERLIN = ZoneInfo("Europe/Berlin")
NEW_YORK = ZoneInfo("America/New_York")
EXPECTED = {
    "gdpr": ["authority_notification", "data_subject_notification", "processor_to_controller"],
    "uk_gdpr": ["authority_notification"],
    "nis2": ["early_warning", "incident_notification", "final_report"],
    "dora": ["initial_notification", "intermediate_report", "final_report"],
    "sec_8k": ["form_8k"],
    "hipaa": ["individual_notice", "media_notice", "hhs_notice"],
    "cert_in": ["report"],
    "nydfs_500": ["authority_notification"],
    "us_bank_36h": ["authority_notification"],
    "circia": ["incident_report", "ransom_payment_report"],
    "sg_pdpa": ["authority_notification"],
    "au_ndb": ["assessment_complete"],
}


def due(regime, stage, start, *, zone=UTC, **kw):
    result = compute_regime_deadlines(regime=get_regime(regime), clock_start=at(start), stage=stage, zone=zone,
                                      as_of=at(start), **kw)
    return result["stages"][0]


def test_builtin_regimes_have_exactly_the_documented_stages():
    regimes = load_regimes()
    assert {rid: [s.id for s in r.stages] for rid, r in regimes.items()} == EXPECTED


def test_every_builtin_regime_file_is_valid():
    for regime in load_regimes().values():
        assert collect_regime_errors(regime.path) == []


@pytest.mark.parametrize("regime, stage, start, expected", [
    ("gdpr", "authority_notification", "2026-03-01T11:00:00Z", "2026-03-04T11:00:00Z"),
    ("uk_gdpr", "authority_notification", "2026-03-01T11:00:00Z", "2026-03-04T11:00:00Z"),
    ("nis2", "early_warning", "2026-03-06T18:00:00Z", "2026-03-07T18:00:00Z"),  # Friday evening: Saturday counts
    ("nis2", "incident_notification", "2026-03-06T18:00:00Z", "2026-03-09T18:00:00Z"),
    ("nis2", "final_report", "2026-01-31T09:00:00Z", "2026-02-28T09:00:00Z"),  # from the notification's submission
    ("dora", "intermediate_report", "2026-03-02T09:00:00Z", "2026-03-05T09:00:00Z"),
    ("dora", "final_report", "2026-01-31T09:00:00Z", "2026-03-02T12:00:00Z"),  # 28 Feb is a Saturday: relief to Monday noon
    ("cert_in", "report", "2026-03-01T22:00:00Z", "2026-03-02T04:00:00Z"),
    ("nydfs_500", "authority_notification", "2026-03-01T11:00:00Z", "2026-03-04T11:00:00Z"),
    ("us_bank_36h", "authority_notification", "2026-03-01T11:00:00Z", "2026-03-02T23:00:00Z"),
    ("circia", "incident_report", "2026-03-01T11:00:00Z", "2026-03-04T11:00:00Z"),
    ("circia", "ransom_payment_report", "2026-03-01T11:00:00Z", "2026-03-02T11:00:00Z"),
    ("sg_pdpa", "authority_notification", "2026-03-06T15:00:00Z", "2026-03-09T23:59:59Z"),
    ("au_ndb", "assessment_complete", "2026-03-01T11:00:00Z", "2026-03-31T23:59:59Z"),
    ("hipaa", "individual_notice", "2026-03-01T11:00:00Z", "2026-04-30T23:59:59Z"),
    ("hipaa", "media_notice", "2026-03-01T11:00:00Z", "2026-04-30T23:59:59Z"),
    ("hipaa", "hhs_notice", "2026-03-01T11:00:00Z", "2026-04-30T23:59:59Z"),
    ("sec_8k", "form_8k", "2026-11-25T15:00:00Z", "2026-12-02T17:30:00-05:00"),
])
def test_worked_example_of_every_stage(regime, stage, start, expected):
    assert due(regime, stage, start)["due"] == at(expected)


def test_gdpr_72_hours_across_a_weekend_and_a_public_holiday_are_not_extended():
    # Aware Thursday 24 Dec 2026 10:00 UTC: Christmas Day and the weekend all count.
    assert due("gdpr", "authority_notification", "2026-12-24T10:00:00Z", zone=BERLIN)["due"] == at("2026-12-27T10:00:00Z")


def test_gdpr_72_hours_across_the_berlin_dst_change_shows_the_moved_local_time():
    row = due("gdpr", "authority_notification", "2026-03-27T10:00:00Z", zone=BERLIN)
    assert row["due"] == at("2026-03-30T10:00:00Z")
    assert row["due_local"] == "2026-03-30T12:00:00+02:00"


def test_gdpr_one_minute_before_the_due_is_on_time_and_one_minute_after_is_late():
    regime = get_regime("gdpr")
    kwargs = dict(regime=regime, clock_start=at("2026-03-01T11:00:00Z"), stage="authority_notification", zone=UTC,
                  as_of=at("2026-03-05T00:00:00Z"))
    before = compute_regime_deadlines(notified_at=at("2026-03-04T10:59:00Z"), **kwargs)["stages"][0]
    exactly = compute_regime_deadlines(notified_at=at("2026-03-04T11:00:00Z"), **kwargs)["stages"][0]
    after = compute_regime_deadlines(notified_at=at("2026-03-04T11:01:00Z"), **kwargs)["stages"][0]
    assert (before["status"], exactly["status"], after["status"]) == ("on_time", "on_time", "late")


def test_open_obligation_becomes_due_soon_then_late_open_as_time_passes():
    regime = get_regime("gdpr")
    def status(now):
        return compute_regime_deadlines(regime=regime, clock_start=at("2026-03-01T11:00:00Z"),
                                        stage="authority_notification", zone=UTC, as_of=at(now))["stages"][0]["status"]
    assert status("2026-03-02T11:00:00Z") == "open"
    assert status("2026-03-03T11:01:00Z") == "due_soon"
    assert status("2026-03-04T11:00:00Z") == "due_soon"
    assert status("2026-03-04T11:01:00Z") == "late_open"


def test_gdpr_data_subject_notification_has_no_fixed_due_and_reports_its_age():
    regime = get_regime("gdpr")
    row = compute_regime_deadlines(regime=regime, clock_start=at("2026-03-01T11:00:00Z"),
                                   stage="data_subject_notification", zone=UTC,
                                   as_of=at("2026-03-02T17:00:00Z"))["stages"][0]
    assert row["due"] is None and row["status"] == "undue_delay" and row["age_hours"] == 30.0


def test_gdpr_processor_stage_takes_a_contractual_number_of_hours():
    row = due("gdpr", "processor_to_controller", "2026-03-01T11:00:00Z",
              stage_hours={"gdpr/processor_to_controller": 24})
    assert row["due"] == at("2026-03-02T11:00:00Z")
    assert due("gdpr", "processor_to_controller", "2026-03-01T11:00:00Z")["due"] is None


def test_processor_stage_is_listed_only_for_processors():
    regime = get_regime("gdpr")
    plain = compute_regime_deadlines(regime=regime, clock_start=at("2026-03-01T11:00:00Z"), zone=UTC,
                                     as_of=at("2026-03-01T11:00:00Z"))
    processor = compute_regime_deadlines(regime=regime, clock_start=at("2026-03-01T11:00:00Z"), zone=UTC,
                                         as_of=at("2026-03-01T11:00:00Z"), entity_type="processor")
    assert "processor_to_controller" not in [s["stage"] for s in plain["stages"]]
    assert "processor_to_controller" in [s["stage"] for s in processor["stages"]]


def test_nis2_trust_service_provider_incident_notification_is_24_hours():
    row = due("nis2", "incident_notification", "2026-03-01T11:00:00Z", entity_type="trust_service_provider")
    assert row["due"] == at("2026-03-02T11:00:00Z")


def test_dora_initial_is_4_hours_from_classification_capped_at_24_hours_from_awareness():
    kw = dict(entity_type="credit_institution")  # no weekend relief for the initial notification
    early = due("dora", "initial_notification", "2026-03-02T09:00:00Z", aware_at=at("2026-03-02T08:00:00Z"), **kw)
    assert early["due"] == at("2026-03-02T13:00:00Z")
    capped = due("dora", "initial_notification", "2026-03-03T06:00:00Z", aware_at=at("2026-03-02T08:00:00Z"), **kw)
    assert capped["due"] == at("2026-03-03T08:00:00Z")
    late_class = due("dora", "initial_notification", "2026-03-04T06:00:00Z", aware_at=at("2026-03-02T08:00:00Z"), **kw)
    assert late_class["due"] == at("2026-03-04T10:00:00Z")  # RTS Art. 5(2): 4 h from the later classification


def test_dora_weekend_relief_moves_to_noon_of_the_next_working_day_in_the_member_state():
    # Classified Friday 3 April 2026 (Good Friday in Germany) 09:00 Berlin; due 13:00 Good Friday.
    row = due("dora", "initial_notification", "2026-04-03T07:00:00Z", zone=BERLIN, member_state="DE",
              aware_at=at("2026-04-03T06:00:00Z"))
    assert row["due"] == datetime(2026, 4, 7, 12, 0, tzinfo=BERLIN)  # Easter Monday is a holiday too
    excluded = due("dora", "initial_notification", "2026-04-03T07:00:00Z", zone=BERLIN, member_state="DE",
                   aware_at=at("2026-04-03T06:00:00Z"), entity_type="credit_institution")
    assert excluded["due"] == at("2026-04-03T11:00:00Z")


def test_sec_8k_business_days_span_the_observed_fourth_of_july():
    row = due("sec_8k", "form_8k", "2026-07-02T15:00:00Z")
    assert row["due"] == datetime(2026, 7, 9, 17, 30, tzinfo=NEW_YORK)


def test_sec_8k_skips_executive_order_closures():
    # 9 January 2025 (President Carter's funeral) was an EO closure: not a business day.
    row = due("sec_8k", "form_8k", "2025-01-07T15:00:00Z")  # Tuesday: Wed 8, (Thu 9 closed), Fri 10, Mon 13, Tue 14
    assert row["due"] == datetime(2025, 1, 14, 17, 30, tzinfo=NEW_YORK)


def test_hipaa_small_breach_reports_to_hhs_within_60_days_after_the_year_end():
    row = due("hipaa", "hhs_notice", "2027-06-01T11:00:00Z", affected=120)
    assert row["due"] == at("2028-02-29T23:59:59Z")  # 2028 is a leap year
    assert due("hipaa", "hhs_notice", "2026-06-01T11:00:00Z", affected=500)["due"] == at("2026-07-31T23:59:59Z")


def test_hipaa_media_notice_only_when_more_than_500_are_affected():
    regime = get_regime("hipaa")
    def stages(n):
        return [s["stage"] for s in compute_regime_deadlines(regime=regime, clock_start=at("2026-03-01T11:00:00Z"),
                                                             zone=UTC, as_of=at("2026-03-01T11:00:00Z"),
                                                             affected=n)["stages"]]
    assert "media_notice" in stages(501)
    assert "media_notice" not in stages(500)


def test_calendar_day_clock_ends_at_the_end_of_day_in_the_org_zone():
    row = due("sg_pdpa", "authority_notification", "2026-03-06T23:30:00Z", zone=BERLIN)  # 7 March in Berlin
    assert row["due_local"] == "2026-03-10T23:59:59+01:00"


def test_chained_stages_without_stage_assume_the_previous_stage_filed_at_its_due():
    regime = get_regime("nis2")
    result = compute_regime_deadlines(regime=regime, clock_start=at("2026-01-28T09:00:00Z"), zone=UTC,
                                      as_of=at("2026-01-28T09:00:00Z"))
    final = result["stages"][-1]
    assert final["clock_start"] == at("2026-01-31T09:00:00Z") and final["due"] == at("2026-02-28T09:00:00Z")


def test_unknown_regime_lists_the_valid_ones():
    with pytest.raises(NotFoundError, match=r"unknown regime 'nope' \(valid: au_ndb, cert_in, .*us_bank_36h\)"):
        get_regime("nope")


def test_unknown_stage_lists_the_valid_ones():
    with pytest.raises(NotFoundError, match=r"unknown stage 'x' of regime 'nis2' \(valid: early_warning, "
                                            r"incident_notification, final_report\)"):
        get_regime("nis2").stage("x")


GOOD = """\
id: state_law
name: Example State breach law
jurisdiction: US-XX
citation: Example Code 1.2
stages:
  - id: attorney_general
    title: Notify the Attorney General
    citation: Example Code 1.2(b)
    recipient: Attorney General
    trigger: aware_at
    clock: {hours: 24}
"""


def test_an_organisation_adds_a_regime_by_adding_a_yaml_file(tmp_path, monkeypatch):
    (tmp_path / "regimes").mkdir()
    (tmp_path / "regimes" / "state_law.yaml").write_text(GOOD, encoding="utf-8")
    assert "state_law" not in known_regime_ids()
    assert "state_law" in known_regime_ids(extra_dirs=[tmp_path])
    monkeypatch.setenv("COMPLIANCE_CONTROLS", str(tmp_path))
    assert "state_law" in known_regime_ids()
    assert due("state_law", "attorney_general", "2026-03-01T11:00:00Z")["due"] == at("2026-03-02T11:00:00Z")


@pytest.mark.parametrize("text, line, message", [
    (GOOD.replace("clock: {hours: 24}", "clock: {hours: -3}"), 11, "'hours' must be a positive whole number"),
    (GOOD.replace("trigger: aware_at", "trigger: noticed_at"), 10, "unknown trigger 'noticed_at'"),
    (GOOD.replace("clock: {hours: 24}", "clock: {hours: 24, days: 2}"), 11, "unknown key 'days'"),
    (GOOD.replace("    recipient: Attorney General\n", ""), 6, "missing 'recipient'"),
    (GOOD.replace("stages:", "stages: []\nextra:").split("  - id")[0], 5, "'stages' must be a non-empty list"),
    (GOOD + "  - id: attorney_general\n    title: t\n    citation: c\n    recipient: r\n    trigger: aware_at\n"
            "    clock: {hours: 1}\n", 12, "duplicate stage id"),
    (GOOD.replace("clock: {hours: 24}", "clock: {business_days: 4}"), 11, "business_days needs a 'calendar'"),
    (GOOD.replace("id: state_law", "id: State Law"), 1, "'id' must be lower_snake_case"),
    (GOOD.replace("clock: {hours: 24}", "clock: {hours: 24\n"), 13, "expected ',' or '}'"),
])
def test_malformed_regime_yaml_is_reported_with_file_and_line(tmp_path, text, line, message):
    path = tmp_path / "regimes" / "bad.yaml"
    path.parent.mkdir()
    path.write_text(text, encoding="utf-8")
    errors = collect_regime_errors(path)
    assert errors and any(e.startswith(f"{path}:{line}: ") and message in e for e in errors), errors
    with pytest.raises(DefinitionError, match=rf"^{path}:\d+: "):
        load_regimes(extra_dirs=[tmp_path])


def test_collect_regime_errors_returns_every_error_of_a_file(tmp_path):
    path = tmp_path / "bad.yaml"
    path.write_text(GOOD.replace("trigger: aware_at", "trigger: noticed_at").replace("hours: 24", "hours: 0"),
                    encoding="utf-8")
    errors = collect_regime_errors(path)
    assert len(errors) == 2
    assert [e.split(":")[1] for e in errors] == ["10", "11"]


def test_a_regime_id_defined_twice_is_refused(tmp_path):
    (tmp_path / "regimes").mkdir()
    (tmp_path / "regimes" / "mine.yaml").write_text(GOOD.replace("id: state_law", "id: gdpr"), encoding="utf-8")
    with pytest.raises(DefinitionError, match="regime id 'gdpr' is already defined"):
        load_regimes(extra_dirs=[tmp_path])


def test_regime_file_with_unsafe_tag_is_refused(tmp_path):
    path = tmp_path / "evil.yaml"
    path.write_text("id: !!python/object/apply:os.system ['true']\n", encoding="utf-8")
    assert "unsafe or unknown YAML tag refused" in collect_regime_errors(path)[0]

_instants = st.datetimes(min_value=datetime(2018, 1, 1), max_value=datetime(2035, 12, 31), timezones=st.just(UTC))


@settings(max_examples=100, deadline=None)
@given(start=_instants)
def test_sec_8k_due_is_never_a_weekend_holiday_or_executive_order_closure(start):
    regime = get_regime("sec_8k")
    row = compute_regime_deadlines(regime=regime, clock_start=start, stage="form_8k", zone=UTC, as_of=start)["stages"][0]
    local = row["due"].astimezone(NEW_YORK)
    closed = set(holidays.country_holidays("US", years=[local.year])) | set(regime.stages[0].clock.calendar.extra_closed)
    assert local.weekday() < 5 and local.date() not in closed
    assert (local.hour, local.minute) == (17, 30)
    assert timedelta(days=3) <= row["due"] - start <= timedelta(days=12)  # a Sunday-evening start counts from Monday


@settings(max_examples=100, deadline=None)
@given(start=_instants)
def test_dora_relieved_due_never_falls_on_a_german_weekend_or_holiday(start):
    regime = get_regime("dora")
    row = compute_regime_deadlines(regime=regime, clock_start=start, stage="final_report", zone=BERLIN, as_of=start,
                                   member_state="DE")["stages"][0]
    local = row["due"].astimezone(BERLIN)
    assert local.weekday() < 5 and local.date() not in holidays.country_holidays("DE", years=[local.year])


def test_sec_8k_cutoff_is_17_30_new_york_time_across_the_autumn_dst_change():
    # Determined Friday 30 Oct 2026 (EDT); due Thursday 5 Nov 17:30 EST = 22:30 UTC, not 21:30.
    row = due("sec_8k", "form_8k", "2026-10-30T14:00:00Z")
    assert row["due"] == at("2026-11-05T22:30:00Z")


_STAGES = [(r.id, s.id) for r in load_regimes().values() for s in r.stages
           if s.clock.kind != "undue_delay" and not (s.relief and not s.relief.not_for_entity_types)]


@settings(max_examples=150, deadline=None)
@given(pair=st.sampled_from(_STAGES), a=_instants, b=_instants, affected=st.integers(0, 2000),
       zone=st.sampled_from([UTC, BERLIN, NEW_YORK]))
def test_every_stage_due_is_monotonic_in_the_clock_start(pair, a, b, affected, zone):
    # Relief is left out (credit institutions have none for these stages): moving a Saturday due to Monday
    # noon can overtake a Monday-morning due, as the RTS text implies; noted in notes/deadlines.md.
    regime = get_regime(pair[0])
    early, late = min(a, b), max(a, b)

    def due_at(start):
        return compute_regime_deadlines(regime=regime, clock_start=start, stage=pair[1], zone=zone, as_of=start,
                                        affected=affected, aware_at=min(a, b),
                                        entity_type="credit_institution" if "credit_institution" in regime.entity_types
                                        else None)["stages"][0]["due"]
    assert due_at(early) <= due_at(late)
