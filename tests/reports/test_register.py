"""The notification register: recipient, reference, recorded by/at, back-filled filings, waivers, Art. 34 basis."""

from __future__ import annotations

import csv
import io
from datetime import date, timedelta

import pytest
from hypothesis import given
from hypothesis import strategies as st

from compliance.reports.model import REDACTED
from compliance.reports.registers import BACKFILL_HOURS, backfilled
from tests.conftest import at

GENERATED = at("2026-06-30T12:00:00Z")


def _gdpr_incident(make_incident, **kw):
    values = {"detected_at": at("2026-03-01T10:00:00Z"), "aware_at": at("2026-03-01T11:00:00Z"), "regimes": ["gdpr"],
              "personal_data": True}
    return make_incident(**{**values, **kw})


def _pack(store, **kw):
    from compliance.reports.gather import gather_pack_model

    return gather_pack_model(store=store, frameworks=["gdpr"], period_from=date(2026, 1, 1),
                             period_to=date(2026, 6, 29), include_restricted=False, generated_at=GENERATED,
                             title="t", organisation="o", **kw)


def _file(store, ref, *, filed, recorded, stage="authority_notification", **kw):
    from compliance.deadlines.service import record_notification
    from compliance.incidents.service import get_incident

    with store.session(immediate=True) as session:
        record_notification(session=session, incident=get_incident(session=session, ref=ref), regime="gdpr", stage=stage,
                            at=at(filed), recorded_by="Dana DPO", now=at(recorded), **kw)


@given(st.integers(min_value=-10_000, max_value=10_000))
def test_a_filing_is_back_filled_exactly_when_recorded_more_than_the_threshold_after_it(minutes):
    filed = at("2026-03-02T09:00:00Z")
    recorded = filed + timedelta(hours=BACKFILL_HOURS, minutes=minutes)
    assert backfilled(notified_at=filed, recorded_at=recorded) is (minutes > 0)


def test_the_register_row_carries_recipient_reference_and_who_recorded_it_when(store, make_incident):
    ref = _gdpr_incident(make_incident)
    _file(store, ref, filed="2026-03-02T09:00:00Z", recorded="2026-03-05T09:00:00Z", recipient="BfDI portal",
          reference="DE-2026-0042")
    row = next(n for n in _pack(store).notifications if n.stage == "authority_notification")
    assert (row.recipient, row.reference, row.recorded_by) == ("BfDI portal", "DE-2026-0042", "Dana DPO")
    assert row.recorded_at == at("2026-03-05T09:00:00Z")
    assert backfilled(notified_at=row.notified_at, recorded_at=row.recorded_at)


def test_the_methodology_states_the_back_filled_threshold_the_register_applies(store, make_incident):
    pack = _pack(store)
    rule = dict(pack.methodology.thresholds)["Filing recorded long after its instant (back-filled)"]
    assert f"{BACKFILL_HOURS} h" in rule


def test_the_methodology_states_the_significance_rule_and_audit_scope_the_verdicts_used(store, make_incident):
    from compliance.decisions.service import set_significance_rule
    from compliance.programme.scope import set_audit_scope

    before = dict(_pack(store).methodology.thresholds)
    assert "severity sev2 or worse" in before["Significant incident (ISO A.5.27, SOC 2 CC7.5 reviews)"]
    assert "availability criteria: out of scope" in before["Audit scope (optional SOC 2 criteria)"]
    with store.session(immediate=True) as session:
        set_significance_rule(session=session, severity_at_least="sev1", personal_data=False, regimes=[])
        set_audit_scope(session=session, soc2_availability=True)
    after = dict(_pack(store).methodology.thresholds)
    assert after["Significant incident (ISO A.5.27, SOC 2 CC7.5 reviews)"].startswith(
        "An incident is significant when: severity sev1 or worse.")
    assert "availability criteria: in scope" in after["Audit scope (optional SOC 2 criteria)"]


def test_the_rendered_register_flags_a_back_filled_filing_and_shows_recipient_reference_and_recorder(
        store, make_incident, text_of):
    from compliance.reports.render import render_pack
    from tests.reports.conftest import squash

    late_record = _gdpr_incident(make_incident, title="late record")
    prompt_record = _gdpr_incident(make_incident, title="prompt record")
    _file(store, late_record, filed="2026-03-02T09:00:00Z", recorded="2026-03-04T09:00:01Z", recipient="BfDI portal",
          reference="DE-2026-0042")
    _file(store, prompt_record, filed="2026-03-02T09:00:00Z", recorded="2026-03-02T10:00:00Z", recipient="CNIL",
          reference="FR-77")
    pages = [squash(p) for p in text_of(render_pack(_pack(store).with_restricted_redacted()))]
    register = "".join(p for p in pages if squash("Filed (UTC), to, reference") in p)
    assert squash("ref: DE-2026-0042") in register and squash("to: BfDI portal") in register
    assert "DanaDPO" in register
    assert register.count("BACK-FILLED") == 1 + register.count("filing(s)BACK-FILLED")
    assert squash("1 filing(s) BACK-FILLED") in register


def test_a_waiver_row_shows_who_decided_when_and_why(store, make_incident, text_of):
    from compliance.deadlines.service import waive_obligation
    from compliance.incidents.service import get_incident
    from compliance.reports.render import render_pack
    from tests.reports.conftest import squash

    ref = _gdpr_incident(make_incident)
    with store.session(immediate=True) as session:
        waive_obligation(session=session, incident=get_incident(session=session, ref=ref), regime="gdpr",
                         stage="authority_notification", reason="Encrypted laptop, key safe", decided_by="Dana DPO",
                         decided_at=at("2026-03-02T08:00:00Z"))
    pack = _pack(store)
    row = next(n for n in pack.notifications if n.stage == "authority_notification")
    assert (row.waived, row.decided_by, row.decided_at) == (True, "Dana DPO", at("2026-03-02T08:00:00Z"))
    text = "".join(squash(p) for p in text_of(render_pack(pack.with_restricted_redacted())))
    assert squash("waived by Dana DPO at 2026-03-02 08:00: Encrypted laptop, key safe") in text


@pytest.mark.parametrize(("assessment", "expected"), [
    (None, "no breach risk assessment recorded"),
    ({"level": "risk", "likelihood": "medium", "severity": "medium"}, "no high risk (risk): breach assessment by Dana DPO"),
    ({"level": "high", "likelihood": "high", "severity": "high", "exemption": "a",
      "exemption_reason": "encrypted at rest"}, "exemption Art. 34(3)(a): encrypted at rest"),
    ({"level": "high", "likelihood": "high", "severity": "high"}, "high risk: breach assessment by Dana DPO"),
])
def test_an_art34_row_states_its_basis_from_the_latest_breach_assessment(store, make_incident, assessment, expected):
    from compliance.decisions.service import record_breach_assessment
    from compliance.incidents.service import get_incident

    ref = _gdpr_incident(make_incident)
    if assessment is not None:
        with store.session(immediate=True) as session:
            record_breach_assessment(session=session, incident=get_incident(session=session, ref=ref), regime="gdpr",
                                     rationale="assessed", decided_by="Dana DPO", decided_at=at("2026-03-02T08:00:00Z"),
                                     **assessment)
    rows = {n.stage: n for n in _pack(store).notifications}
    assert rows["data_subject_notification"].due is None
    assert rows["data_subject_notification"].basis.startswith(expected)
    assert rows["authority_notification"].basis is None


def test_a_restricted_incidents_register_rows_are_redacted_but_counted(store, make_incident, text_of):
    from compliance.reports.render import render_pack
    from tests.reports.conftest import squash

    ref = _gdpr_incident(make_incident, title="Secret merger leak", restricted=True)
    _file(store, ref, filed="2026-03-02T09:00:00Z", recorded="2026-03-02T10:00:00Z", recipient="BfDI portal",
          reference="DE-SECRET-1")
    pack = _pack(store).with_restricted_redacted()
    rows = [n for n in pack.notifications if n.incident_ref == ref]
    assert rows and all(n.reference in (None, "(restricted: withheld)") and n.recorded_by is None for n in rows)
    assert sum(t.on_time + t.late + t.open + t.waived for t in pack.notification_tallies()) == len(pack.notifications)
    text = "".join(squash(p) for p in text_of(render_pack(pack)))
    assert "DE-SECRET-1" not in text and "Secretmerger" not in text and "DanaDPO" not in text
    assert squash(f"{len(rows)} row(s) of restricted incidents redacted") in text


def test_a_recorded_delay_shows_in_the_register_and_the_csv_with_the_due_it_moved_and_is_withheld_when_restricted(
        store, make_incident):
    from compliance.deadlines.delays import record_delay
    from compliance.incidents.service import get_incident
    from compliance.reports.csvexport import population_csv

    sec = make_incident(materiality_determined_at=at("2026-03-02T20:00:00Z"), regimes=["sec_8k"])
    hidden = make_incident(materiality_determined_at=at("2026-03-02T20:00:00Z"), regimes=["sec_8k"], restricted=True)
    for ref in (sec, hidden):
        with store.session(immediate=True) as session:
            record_delay(session=session, incident=get_incident(session=session, ref=ref), regime="sec_8k",
                         stage="form_8k", basis="attorney_general", form="written", requested_by="U.S. Attorney General",
                         recorded_by="general counsel", stated_at=at("2026-03-05T15:00:00Z"),
                         now=at("2026-03-05T16:00:00Z"))
    pack = _pack(store)
    rows = {n.incident_ref: n for n in pack.with_restricted_redacted().notifications if n.stage == "form_8k"}
    shown = rows[sec].recorded_delay
    assert shown.startswith("delayed under") and "1.05(c)" in shown and "due without it: 2026-03-06 22:30 UTC" in shown
    assert rows[hidden].recorded_delay == REDACTED
    data, _count = population_csv(pack.with_restricted_redacted())["obligations.csv"]
    csv_rows = {r["incident_ref"]: r for r in csv.DictReader(io.StringIO(data.decode("utf-8-sig")))
                if r["stage"] == "form_8k"}
    assert csv_rows[sec]["recorded_delay"] == shown and csv_rows[hidden]["recorded_delay"] == REDACTED


def test_an_incident_under_gdpr_and_uk_gdpr_shows_each_regimes_own_art34_basis(store, make_incident):
    from compliance.decisions.service import record_breach_assessment
    from compliance.incidents.service import get_incident

    ref = _gdpr_incident(make_incident, regimes=["gdpr", "uk_gdpr"])
    for regime, level, hour in (("uk_gdpr", "high", "12"), ("gdpr", "risk", "13")):  # the GDPR one is the latest
        with store.session(immediate=True) as session:
            record_breach_assessment(session=session, incident=get_incident(session=session, ref=ref), regime=regime,
                                     likelihood="medium", severity="high" if level == "high" else "medium", level=level,
                                     rationale="r", decided_by=f"{regime} DPO", decided_at=at(f"2026-03-01T{hour}:00:00Z"),
                                     now=at("2026-03-01T14:00:00Z"))
    rows = {n.regime: n.basis for n in _pack(store).notifications if n.stage == "data_subject_notification"}
    assert rows["gdpr"].startswith("no high risk (risk): breach assessment by gdpr DPO")
    assert rows["uk_gdpr"].startswith("high risk: breach assessment by uk_gdpr DPO")
