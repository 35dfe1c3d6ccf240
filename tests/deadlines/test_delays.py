"""Recorded delays (SQLite and PostgreSQL): Form 8-K Item 1.05(c) and 45 CFR 164.412 worked by hand.

Worked cases (expected values computed by hand, not by the code under test):

SEC: materiality determined Monday 2026-03-02 15:00 EST (20:00Z). Form 8-K General Instruction B.1: four business
days, EDGAR cut-off 17:30 Eastern -> due Friday 2026-03-06 17:30 EST = 22:30Z. Item 1.05(c): the Attorney General's
written determination delays it up to 30 days following the date the disclosure was otherwise required ->
2026-04-05 17:30 EDT (DST began 2026-03-08) = 21:30Z; a further 30 days -> 2026-05-05 17:30 EDT = 21:30Z; in
extraordinary circumstances a final 60 days -> 2026-07-04 17:30 EDT = 21:30Z; beyond: Commission exemptive order.

HIPAA: discovered 2026-03-02 10:00Z, organisation in UTC. 45 CFR 164.404(b): 60 calendar days -> due
2026-05-01 23:59:59Z. 164.412(b): an oral statement of 2026-04-20 14:00Z delays no longer than 30 days from it ->
2026-05-20 14:00Z; 164.412(a): a written statement delays for the period it specifies.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from sqlalchemy import text
from sqlmodel import select

from compliance.core.errors import ConflictError, NotFoundError, ValidationError
from compliance.db.ledger.models import LedgerEntry
from compliance.deadlines.check import finding_line
from compliance.deadlines.delay_rules import DelayBasis, DelayForm, add_days, delay_limit, effective_delays
from compliance.deadlines.delays import list_delay_documents, record_delay
from compliance.deadlines.models import NotificationDelay
from compliance.deadlines.regimes import collect_regime_errors, get_regime
from compliance.deadlines.service import get_check_findings, get_incident_obligation_documents, record_notification
from compliance.documents.types import DelayDoc
from compliance.incidents.service import get_incident
from tests.conftest import at
from tests.deadlines.regime_files import STATE_LAW, write_regime

NOW = at("2026-08-01T00:00:00Z")
SEC_DUE = at("2026-03-06T22:30:00Z")


def _delay(store, ref, **kw):
    values = {"regime": "sec_8k", "stage": "form_8k", "basis": "attorney_general", "form": "written",
              "requested_by": "U.S. Attorney General", "recorded_by": "general counsel", "now": NOW}
    values.update(kw)
    with store.session(immediate=True) as session:
        return record_delay(session=session, incident=get_incident(session=session, ref=ref), **values)


def _doc(store, ref, regime, stage, as_of, tz=None):
    with store.session() as session:
        docs = get_incident_obligation_documents(session=session, incident=get_incident(session=session, ref=ref),
                                                 as_of=as_of, tz=tz)
    return next(d for d in docs if (d["regime"], d["stage"]) == (regime, stage))


@pytest.fixture
def sec_incident(make_incident):
    return make_incident(materiality_determined_at=at("2026-03-02T20:00:00Z"), regimes=["sec_8k"])


@pytest.fixture
def hipaa_incident(make_incident):
    return make_incident(discovered_at=at("2026-03-02T10:00:00Z"), regimes=["hipaa"])


def test_an_attorney_general_delay_moves_the_8k_due_30_days_after_the_due_it_was(store, sec_incident):
    before = _doc(store, sec_incident, "sec_8k", "form_8k", at("2026-03-07T00:00:00Z"))
    assert before["due"] == SEC_DUE and before["status"] == "late_open" and before["delayed"] is False
    delay = _delay(store, sec_incident, stated_at=at("2026-03-05T15:00:00Z"), reference="DOJ letter 2026-17")
    assert delay["until"] == at("2026-04-05T21:30:00Z") and delay["allowed_until"] == delay["until"]
    doc = _doc(store, sec_incident, "sec_8k", "form_8k", at("2026-03-07T00:00:00Z"), tz="America/New_York")
    assert doc["due"] == at("2026-04-05T21:30:00Z") and doc["due_local"] == "2026-04-05T17:30:00-04:00"
    assert doc["due_undelayed"] == SEC_DUE and doc["status"] == "open" and doc["delayed"] is True
    assert doc["status_reason"] == "delayed under Form 8-K Item 1.05(c) until 2026-04-05T21:30:00Z"
    assert doc["notes"][0].startswith(doc["status_reason"]) and "DOJ letter 2026-17" in doc["notes"][0]
    assert doc["delay"]["requested_by"] == "U.S. Attorney General" and doc["delay"]["form"] == "written"
    assert set(doc["delay"]) == set(DelayDoc.__annotations__)  # the incident document's typed shape


def test_the_check_judges_a_delayed_obligation_by_its_new_due(store, sec_incident):
    with store.session() as session:
        assert [f["level"] for f in get_check_findings(session=session, at=at("2026-03-07T00:00:00Z"),
                                                       window=timedelta(hours=24))] == ["critical"]
    _delay(store, sec_incident, stated_at=at("2026-03-05T15:00:00Z"))
    with store.session() as session:
        assert get_check_findings(session=session, at=at("2026-03-07T00:00:00Z"), window=timedelta(hours=24)) == []
        late = get_check_findings(session=session, at=at("2026-04-05T21:30:01Z"), window=timedelta(hours=24))
    assert [(f["level"], f["due"]) for f in late] == [("critical", at("2026-04-05T21:30:00Z"))]
    assert late[0]["delayed_under"] == "Form 8-K Item 1.05(c)"
    assert "(delayed under Form 8-K Item 1.05(c)): " in finding_line(late[0])


def test_extensions_are_new_records_of_30_then_60_days_and_a_fourth_is_refused(store, sec_incident):
    first = _delay(store, sec_incident, stated_at=at("2026-03-05T15:00:00Z"))
    second = _delay(store, sec_incident, stated_at=at("2026-04-01T14:00:00Z"))
    third = _delay(store, sec_incident, stated_at=at("2026-05-01T14:00:00Z"))
    assert [d["extension"] for d in (first, second, third)] == [0, 1, 2]
    assert second["until"] == at("2026-05-05T21:30:00Z") and third["until"] == at("2026-07-04T21:30:00Z")
    assert _doc(store, sec_incident, "sec_8k", "form_8k", NOW)["due"] == at("2026-07-04T21:30:00Z")
    with pytest.raises(ValidationError, match=r"allows 3 written delay period.*exemptive order"):
        _delay(store, sec_incident, stated_at=at("2026-07-01T14:00:00Z"))
    with store.session() as session:
        listed = list_delay_documents(session=session)
        kinds = [e.kind for e in session.exec(select(LedgerEntry).where(LedgerEntry.kind == "notification_delay"))]
    assert [d["until"] for d in listed] == [first["until"], second["until"], third["until"]]
    assert len(kinds) == 3  # every delay is a ledger entry


def test_a_delay_beyond_what_the_rule_allows_is_refused_in_one_line(store, sec_incident):
    with pytest.raises(ValidationError) as caught:
        _delay(store, sec_incident, stated_at=at("2026-03-05T15:00:00Z"), until=at("2026-04-06T00:00:00Z"))
    assert "at most 2026-04-05T21:30:00Z" in str(caught.value) and "\n" not in str(caught.value)
    assert caught.value.field == "--until"
    with store.session() as session:
        assert session.exec(select(NotificationDelay)).all() == []


@pytest.mark.parametrize("change, message", [
    ({"basis": "law_enforcement"}, "unknown delay basis 'law_enforcement' for regime 'sec_8k' (valid: attorney_general)"),
    ({"form": "oral"}, "allows only written requests"),
    ({"stage": "form_8k_amendment"}, "does not apply to stage 'form_8k_amendment' (it applies to: form_8k)"),
    ({"regime": "hipaa", "basis": "law_enforcement", "stage": "individual_notice"}, "does not carry regime 'hipaa'"),
    ({"stage": "form_9"}, "unknown stage 'form_9'"),
    ({"stated_at": at("2026-03-06T22:30:01Z")}, "after the due it would move"),
    ({"stated_at": NOW + timedelta(hours=1)}, "in the future"),
    ({"requested_by": " "}, "official or agency"),
    ({"form": None}, "--written or --oral"),
])
def test_a_delay_the_regime_does_not_allow_is_refused_with_the_valid_values(store, sec_incident, change, message):
    values = {"stated_at": at("2026-03-05T15:00:00Z"), **change}
    with pytest.raises((ValidationError, NotFoundError)) as caught:
        _delay(store, sec_incident, **values)
    assert message in str(caught.value)


def test_a_stage_already_filed_is_not_delayed_and_a_filing_within_the_delay_is_on_time(store, sec_incident):
    _delay(store, sec_incident, stated_at=at("2026-03-05T15:00:00Z"))
    with store.session(immediate=True) as session:
        result = record_notification(session=session, incident=get_incident(session=session, ref=sec_incident),
                                     regime="sec_8k", stage="form_8k", at=at("2026-04-02T15:00:00Z"),
                                     recorded_by="general counsel", now=NOW)
    assert result["late"] is False and result["due"] == at("2026-04-05T21:30:00Z")
    assert _doc(store, sec_incident, "sec_8k", "form_8k", NOW)["status"] == "on_time"
    with pytest.raises(ConflictError, match="already notified"):
        _delay(store, sec_incident, stated_at=at("2026-04-01T15:00:00Z"))


def test_an_oral_law_enforcement_statement_delays_hipaa_notice_30_days_from_the_statement(store, hipaa_incident):
    assert _doc(store, hipaa_incident, "hipaa", "individual_notice", NOW)["due"] == at("2026-05-01T23:59:59Z")
    oral = _delay(store, hipaa_incident, regime="hipaa", stage="individual_notice", basis="law_enforcement",
                  form="oral", requested_by="Det. J. Rivera, FBI Boston field office", stated_at=at("2026-04-20T14:00:00Z"))
    assert oral["until"] == at("2026-05-20T14:00:00Z")
    doc = _doc(store, hipaa_incident, "hipaa", "individual_notice", at("2026-05-10T00:00:00Z"))
    assert doc["due"] == at("2026-05-20T14:00:00Z") and doc["status"] == "open"
    assert doc["status_reason"] == "delayed under 45 CFR 164.412 until 2026-05-20T14:00:00Z"
    assert _doc(store, hipaa_incident, "hipaa", "hhs_notice", NOW)["delayed"] is False  # only the stage named
    with pytest.raises(ValidationError, match="allows 1 oral delay period"):
        _delay(store, hipaa_incident, regime="hipaa", stage="individual_notice", basis="law_enforcement",
               form="oral", requested_by="FBI", stated_at=at("2026-05-15T09:00:00Z"))
    with pytest.raises(ValidationError, match="statement sets the period of the delay: give --until"):
        _delay(store, hipaa_incident, regime="hipaa", stage="individual_notice", basis="law_enforcement",
               requested_by="FBI", stated_at=at("2026-05-15T09:00:00Z"))
    written = _delay(store, hipaa_incident, regime="hipaa", stage="individual_notice", basis="law_enforcement",
                     requested_by="FBI Boston field office", stated_at=at("2026-05-15T09:00:00Z"),
                     until=at("2026-06-30T00:00:00Z"), reference="FBI letter 77-B")
    assert written["allowed_until"] is None  # 164.412(a): the period the statement specifies
    assert _doc(store, hipaa_incident, "hipaa", "individual_notice", NOW)["due"] == at("2026-06-30T00:00:00Z")


def test_a_delay_ending_before_the_due_leaves_the_due_standing(store, hipaa_incident):
    _delay(store, hipaa_incident, regime="hipaa", stage="individual_notice", basis="law_enforcement", form="oral",
           requested_by="State police", stated_at=at("2026-03-05T10:00:00Z"))
    doc = _doc(store, hipaa_incident, "hipaa", "individual_notice", NOW)
    assert doc["due"] == at("2026-05-01T23:59:59Z") and any("before the due: the due stands" in n for n in doc["notes"])


def test_a_recorded_delay_can_be_neither_changed_nor_deleted(store, sec_incident):
    _delay(store, sec_incident, stated_at=at("2026-03-05T15:00:00Z"))
    for statement in ("UPDATE notification_delay SET until = until", "DELETE FROM notification_delay"):
        with pytest.raises(Exception, match="append-only|refused"), store.session() as session:
            session.exec(text(statement))


def test_the_cli_records_and_lists_a_delay(cli_run, sec_incident):
    result = cli_run(["deadlines", "delay", sec_incident, "--regime", "sec_8k", "--stage", "form_8k", "--basis",
                      "attorney_general", "--requested-by", "U.S. Attorney General", "--written",
                      "--from", "2026-03-05T10:00:00-05:00"])
    assert result.exit_code == 0, result.output
    assert "until 2026-04-05T21:30:00Z" in result.stdout
    bad = cli_run(["deadlines", "delay", sec_incident, "--regime", "sec_8k", "--stage", "form_8k", "--basis",
                   "attorney_general", "--requested-by", "AG", "--oral", "--from", "2026-03-05T10:00:00"])
    assert bad.exit_code != 0 and len(bad.stderr.strip().splitlines()) == 1 and "Traceback" not in bad.stderr
    listed = cli_run(["deadlines", "delays", "--incident", sec_incident])
    assert "attorney_general" in listed.stdout and "U.S. Attorney General" in listed.stdout


# --------------------------------------------------------------------------- the YAML rules and the arithmetic


DELAYS = "delays:\n  - id: police\n    title: T\n    citation: C\n    stages: [attorney_general]\n"


@pytest.mark.parametrize("forms, message", [
    ("    forms: {written: {counted_from: due}}\n", "'counted_from: due' needs 'periods_days'"),
    ("    forms: {written: {periods_days: [30, 0]}}\n", "entry 0 must be a positive whole number"),
    ("    forms: {fax: {}}\n", "unknown form 'fax' (valid: written, oral)"),
    ("    forms: {oral: {counted_from: later, periods_days: [5]}}\n", "'counted_from' must be one of due, statement"),
])
def test_a_bad_delay_rule_is_reported_with_its_line(tmp_path, forms, message):
    path = write_regime(tmp_path, STATE_LAW + DELAYS + forms)
    errors = collect_regime_errors(path)
    assert len(errors) == 1 and errors[0].startswith(f"{path}:17: ") and message in errors[0], errors


def test_a_delay_basis_naming_an_unknown_stage_is_reported_with_its_line(tmp_path):
    stages = "\n      - attorney_general\n      - nope"
    text = STATE_LAW + DELAYS.replace("[attorney_general]", stages) + "    forms: {oral: {}}\n"
    path = write_regime(tmp_path, text)
    assert collect_regime_errors(path) == [f"{path}:18: delay 'police': unknown stage 'nope' (stages: attorney_general)"]


def test_the_builtin_regimes_declare_item_1_05_c_and_164_412():
    sec, hipaa = get_regime("sec_8k").delay_basis("attorney_general"), get_regime("hipaa").delay_basis("law_enforcement")
    assert sec.form("written").periods_days == (30, 30, 60) and sec.form("oral") is None
    assert hipaa.form("oral").periods_days == (30,) and hipaa.form("written").periods_days is None


@settings(max_examples=200, deadline=None)
@given(due=st.datetimes(min_value=datetime(2000, 1, 1), max_value=datetime(2090, 1, 1), timezones=st.just(UTC)),
       asked=st.lists(st.integers(min_value=1, max_value=200 * 24), min_size=1, max_size=3),
       zone=st.sampled_from(["America/New_York", "UTC", "Australia/Lord_Howe", "Europe/Berlin"]))
def test_a_delay_chain_never_ends_beyond_its_periods(due, asked, zone):
    from compliance.core.timeutil import get_zone

    tz = get_zone(zone)
    form = DelayForm(form="written", counted_from="due", periods_days=(30, 30, 60))

    class Record:
        basis, form, requested_by, reference, extension = "ag", "written", "AG", None, 0

    records = []
    for hours in asked:
        r = Record()
        r.stated_at, r.until, r.due_before = due, due + timedelta(hours=hours), due
        records.append(r)
    basis = DelayBasis(id="ag", title="t", citation="c", stages=("s",), forms=(form,))
    ends = [end for _r, _limit, end in effective_delays((basis,), records, due=due, zone=tz)]
    limits = [add_days(due, 30, tz)]
    limits.append(add_days(ends[0], 30, tz))
    if len(ends) > 2:
        limits.append(add_days(ends[1], 60, tz))
    for end, limit in zip(ends, limits, strict=False):
        assert end <= limit
    assert ends[0] <= add_days(due, 30, tz) and ends[-1] <= add_days(due, 120, tz) + timedelta(hours=2)
    assert delay_limit(form, index=0, due=due, stated_at=due, previous_until=None, zone=tz) == limits[0]


def test_a_delay_whose_due_is_no_longer_known_moves_nothing_and_says_so(store, sec_incident):
    from compliance.deadlines.incidents import update_incident_with_obligations

    _delay(store, sec_incident, stated_at=at("2026-03-05T15:00:00Z"))
    with store.session(immediate=True) as session:
        update_incident_with_obligations(session=session, incident=get_incident(session=session, ref=sec_incident),
                                         changes={"materiality_determined_at": None}, changed_by="counsel",
                                         reason="determination withdrawn")
    doc = _doc(store, sec_incident, "sec_8k", "form_8k", NOW)
    assert doc["due"] is None and doc["delayed"] is False
    assert doc["notes"][0].startswith("a delay is recorded, but the due it would move is not known")


def test_a_due_moved_earlier_after_the_delay_caps_the_recorded_end_at_the_new_limit(store, sec_incident):
    from compliance.deadlines.incidents import update_incident_with_obligations

    _delay(store, sec_incident, stated_at=at("2026-03-05T15:00:00Z"))  # until 2026-04-05T21:30Z
    with store.session(immediate=True) as session:
        # Materiality now determined Friday 2026-02-27 15:00 EST: 4 business days -> Thursday 2026-03-05 17:30 EST
        # (22:30Z); 30 days later -> 2026-04-04 17:30 EDT = 21:30Z, earlier than the recorded end.
        update_incident_with_obligations(session=session, incident=get_incident(session=session, ref=sec_incident),
                                         changes={"materiality_determined_at": at("2026-02-27T20:00:00Z")},
                                         changed_by="counsel", reason="earlier determination found in minutes")
    doc = _doc(store, sec_incident, "sec_8k", "form_8k", NOW)
    assert doc["due_undelayed"] == at("2026-03-05T22:30:00Z") and doc["due"] == at("2026-04-04T21:30:00Z")
    assert any("beyond what Form 8-K Item 1.05(c) allows with the due as it is now" in n for n in doc["notes"])


def test_a_per_state_media_notice_is_delayed_on_its_own(store, make_incident):
    # 45 CFR 164.406: one media notice per State with more than 500 residents affected; 164.412 covers each notice.
    ref = make_incident(discovered_at=at("2026-03-02T10:00:00Z"), regimes=["hipaa"],
                        affected_by_state={"CA": 600, "NV": 700})
    _delay(store, ref, regime="hipaa", stage="media_notice_ca", basis="law_enforcement", form="oral",
           requested_by="California DOJ", stated_at=at("2026-04-20T14:00:00Z"))
    assert _doc(store, ref, "hipaa", "media_notice_ca", NOW)["due"] == at("2026-05-20T14:00:00Z")
    assert _doc(store, ref, "hipaa", "media_notice_nv", NOW)["due"] == at("2026-05-01T23:59:59Z")


def test_a_packs_statuses_rederived_from_the_ledger_count_a_delay_only_from_its_entry_on(store, sec_incident):
    from compliance.db.ledger.models import LedgerHead
    from compliance.integrity.pack import get_stated_statuses

    def head():
        with store.session() as session:
            return session.exec(select(LedgerHead.seq)).one()

    def status(upto):
        with store.session() as session:
            rows = get_stated_statuses(session=session, as_of=at("2026-03-07T00:00:00Z"), incident_refs=[sec_incident],
                                       upto=upto)
        return next(r["status"] for r in rows if r["stage"] == "form_8k")

    before = head()
    _delay(store, sec_incident, stated_at=at("2026-03-05T15:00:00Z"))
    assert status(before) == "late_open"  # a pack made before the delay keeps its statuses
    assert status(head()) == "open"
