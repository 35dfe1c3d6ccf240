"""Obligations on incidents (SQLite and PostgreSQL): kept in step, filed, waived, checked."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlmodel import select

from compliance.core.errors import ConflictError, NotFoundError, ValidationError
from compliance.deadlines.incidents import update_incident_with_obligations as update_incident
from compliance.deadlines.models import Obligation
from compliance.deadlines.service import (
    get_awareness_gap,
    get_check_findings,
    get_incident_obligation_documents,
    record_notification,
    set_deadline_settings,
    waive_obligation,
)
from compliance.incidents.service import get_incident, get_incident_changes
from tests.conftest import at

CONTRACT_KEYS = {"regime", "stage", "stage_title", "citation", "recipient", "clock_start", "due", "due_local",
                 "notified_at", "status", "delay_reason", "waived", "waiver_reason", "decided_by", "reference"}
NOW = at("2026-03-10T00:00:00Z")


def _docs(store, ref, as_of=NOW):
    with store.session() as session:
        incident = get_incident(session=session, ref=ref)
        return {(d["regime"], d["stage"]): d for d in
                get_incident_obligation_documents(session=session, incident=incident, as_of=as_of)}


def _record(store, ref, regime, stage, when, **kw):
    with store.session(immediate=True) as session:
        incident = get_incident(session=session, ref=ref)
        return record_notification(session=session, incident=incident, regime=regime, stage=stage, at=at(when),
                                   recorded_by="privacy officer", now=NOW, **kw)


def test_gdpr_clock_counts_from_awareness_not_detection(store, make_incident):
    ref = make_incident(detected_at=at("2026-03-01T11:00:00Z"), aware_at=at("2026-03-01T15:00:00Z"), regimes=["gdpr"])
    doc = _docs(store, ref)[("gdpr", "authority_notification")]
    assert doc["clock_start"] == at("2026-03-01T15:00:00Z")
    assert doc["due"] == at("2026-03-04T15:00:00Z")
    assert set(doc) >= CONTRACT_KEYS
    assert doc["status"] == "late_open"


def test_obligation_documents_carry_the_contract_and_undue_delay_age(store, make_incident):
    ref = make_incident(aware_at=at("2026-03-01T12:00:00Z"), regimes=["gdpr"])
    docs = _docs(store, ref, as_of=at("2026-03-02T12:00:00Z"))
    assert set(docs) == {("gdpr", "authority_notification"), ("gdpr", "data_subject_notification")}
    subjects = docs[("gdpr", "data_subject_notification")]
    assert subjects["status"] == "undue_delay" and subjects["age_hours"] == 24.0 and subjects["due"] is None
    assert docs[("gdpr", "authority_notification")]["status"] == "open"


def test_unknown_trigger_instant_gives_an_open_obligation_without_due(store, make_incident):
    ref = make_incident(regimes=["gdpr"])  # aware_at not yet recorded
    doc = _docs(store, ref)[("gdpr", "authority_notification")]
    assert doc["clock_start"] is None and doc["due"] is None and doc["status"] == "open"


def test_filing_at_the_due_instant_is_on_time(store, make_incident):
    ref = make_incident(aware_at=at("2026-03-01T12:00:00Z"), regimes=["gdpr"])
    result = _record(store, ref, "gdpr", "authority_notification", "2026-03-04T12:00:00Z")
    assert result["late"] is False
    assert _docs(store, ref)[("gdpr", "authority_notification")]["status"] == "on_time"


def test_late_gdpr_filing_without_delay_reason_is_refused_and_nothing_is_written(store, make_incident):
    ref = make_incident(aware_at=at("2026-03-01T12:00:00Z"), regimes=["gdpr"])
    with pytest.raises(ValidationError, match=r"--delay-reason: notified 1m after the due .*requires the reasons"):
        _record(store, ref, "gdpr", "authority_notification", "2026-03-04T12:01:00Z")
    doc = _docs(store, ref)[("gdpr", "authority_notification")]
    assert doc["notified_at"] is None and doc["status"] == "late_open"


def test_late_filing_with_delay_reason_is_recorded_as_late(store, make_incident):
    ref = make_incident(aware_at=at("2026-03-01T12:00:00Z"), regimes=["gdpr"])
    _record(store, ref, "gdpr", "authority_notification", "2026-03-05T09:00:00Z",
            delay_reason="Forensics needed to scope the affected records")
    doc = _docs(store, ref)[("gdpr", "authority_notification")]
    assert doc["status"] == "late" and doc["delay_reason"].startswith("Forensics")


def test_late_filing_is_accepted_without_reason_where_the_regime_does_not_require_one(store, make_incident):
    ref = make_incident(detected_at=at("2026-03-01T11:00:00Z"), regimes=["cert_in"])
    assert _record(store, ref, "cert_in", "report", "2026-03-01T18:00:00Z")["late"] is True


def test_lateness_is_frozen_at_the_first_filing(store, make_incident):
    ref = make_incident(aware_at=at("2026-03-01T12:00:00Z"), regimes=["gdpr"])
    _record(store, ref, "gdpr", "authority_notification", "2026-03-05T09:00:00Z", delay_reason="scoping")
    correction = _record(store, ref, "gdpr", "authority_notification", "2026-03-03T09:00:00Z", reference="amended")
    assert correction["correction"] is True and correction["late"] is True
    assert _docs(store, ref)[("gdpr", "authority_notification")]["status"] == "late"


def test_moving_awareness_later_never_turns_a_late_filing_on_time(store, make_incident):
    ref = make_incident(aware_at=at("2026-03-01T12:00:00Z"), regimes=["gdpr"])
    _record(store, ref, "gdpr", "authority_notification", "2026-03-05T09:00:00Z", delay_reason="scoping")
    with store.session() as session:
        incident = get_incident(session=session, ref=ref)
        update_incident(session=session, incident=incident, changes={"aware_at": at("2026-03-03T12:00:00Z")},
                        changed_by="dpo", reason="awareness re-assessed")
    assert _docs(store, ref)[("gdpr", "authority_notification")]["status"] == "late"


def test_notification_before_the_clock_start_is_warned_not_refused(store, make_incident):
    ref = make_incident(aware_at=at("2026-03-01T12:00:00Z"), regimes=["gdpr"])
    result = _record(store, ref, "gdpr", "authority_notification", "2026-03-01T11:30:00Z")
    assert any("before the clock start" in w for w in result["warnings"])
    assert _docs(store, ref)[("gdpr", "authority_notification")]["status"] == "on_time"


def test_notification_in_the_future_is_refused(store, make_incident):
    ref = make_incident(aware_at=at("2026-03-01T12:00:00Z"), regimes=["gdpr"])
    with pytest.raises(ValidationError, match="--at: .* is in the future"):
        _record(store, ref, "gdpr", "authority_notification", "2026-03-11T00:00:00Z")


def test_notification_for_a_regime_the_incident_does_not_carry_is_refused(store, make_incident):
    ref = make_incident(aware_at=at("2026-03-01T12:00:00Z"), regimes=["gdpr"])
    with pytest.raises(ValidationError, match=r"--regime: INC-0001 does not carry regime 'nis2' \(its regimes: gdpr\)"):
        _record(store, ref, "nis2", "early_warning", "2026-03-01T13:00:00Z")


def test_waived_stage_records_the_decision_and_stops_being_checked(store, make_incident):
    ref = make_incident(aware_at=at("2026-03-01T12:00:00Z"), regimes=["gdpr"])
    with store.session() as session:
        assert [f["stage"] for f in get_check_findings(session=session, at=NOW, window=timedelta(hours=24))] == \
            ["authority_notification"]
    with store.session(immediate=True) as session:
        waive_obligation(session=session, incident=get_incident(session=session, ref=ref), regime="gdpr",
                         stage="authority_notification", reason="Encrypted device; key not compromised: no risk",
                         decided_by="DPO", now=NOW)
    doc = _docs(store, ref)[("gdpr", "authority_notification")]
    assert (doc["status"], doc["waived"], doc["decided_by"]) == ("waived", True, "DPO")
    assert doc["waiver_reason"].startswith("Encrypted device")
    with store.session() as session:
        assert get_check_findings(session=session, at=NOW, window=timedelta(hours=24)) == []


def test_waiver_needs_a_reason_and_cannot_follow_a_filing(store, make_incident):
    ref = make_incident(aware_at=at("2026-03-01T12:00:00Z"), regimes=["gdpr", "sec_8k"],
                        materiality_determined_at=at("2026-03-02T12:00:00Z"))
    with store.session() as session:
        incident = get_incident(session=session, ref=ref)
        with pytest.raises(ValidationError, match="--reason: must give the reasoning"):
            waive_obligation(session=session, incident=incident, regime="gdpr", stage="authority_notification",
                             reason=" ", decided_by="DPO")
        with pytest.raises(ValidationError, match="sec_8k/form_8k cannot be closed as not required"):
            waive_obligation(session=session, incident=incident, regime="sec_8k", stage="form_8k",
                             reason="immaterial", decided_by="GC")
    _record(store, ref, "gdpr", "authority_notification", "2026-03-02T09:00:00Z")
    with store.session() as session:
        with pytest.raises(ConflictError, match="was already notified"):
            waive_obligation(session=session, incident=get_incident(session=session, ref=ref), regime="gdpr",
                             stage="authority_notification", reason="no risk", decided_by="DPO")


def test_later_stage_clock_starts_at_the_submission_of_the_previous_stage(store, make_incident):
    ref = make_incident(detected_at=at("2026-01-28T08:00:00Z"), aware_at=at("2026-01-28T09:00:00Z"), regimes=["nis2"],
                        entity_type="essential")
    assert _docs(store, ref)[("nis2", "final_report")]["clock_start"] is None
    _record(store, ref, "nis2", "incident_notification", "2026-01-31T08:00:00Z")
    final = _docs(store, ref)[("nis2", "final_report")]
    assert final["clock_start"] == at("2026-01-31T08:00:00Z") and final["due"] == at("2026-02-28T08:00:00Z")


def test_obligations_follow_changes_of_regimes_and_clock_instants_with_an_audit_trail(store, make_incident):
    ref = make_incident(aware_at=at("2026-03-01T12:00:00Z"), regimes=["gdpr"])
    with store.session() as session:
        incident = get_incident(session=session, ref=ref)
        with pytest.raises(ValidationError, match="needs a reason"):
            update_incident(session=session, incident=incident, changes={"aware_at": at("2026-03-01T14:00:00Z")},
                            changed_by="dpo")
        update_incident(session=session, incident=incident, changes={"aware_at": at("2026-03-01T14:00:00Z"),
                                                                     "regimes": ["gdpr", "cert_in"]},
                        changed_by="dpo", reason="log review moved awareness")
        changes = get_incident_changes(session=session, incident=incident)
        rows = session.exec(select(Obligation).where(Obligation.incident_id == incident.id)).all()
    assert {(c.field, c.changed_by, c.reason) for c in changes} >= {("aware_at", "dpo", "log review moved awareness")}
    by_stage = {(o.regime, o.stage): o for o in rows}
    assert by_stage[("gdpr", "authority_notification")].due == at("2026-03-04T14:00:00Z")
    assert by_stage[("cert_in", "report")].due == at("2026-03-01T17:00:00Z")


def test_check_findings_levels_follow_the_at_instant(store, make_incident):
    make_incident(aware_at=at("2026-03-01T12:00:00Z"), regimes=["gdpr"])
    with store.session() as session:
        def levels(when):
            return [f["level"] for f in get_check_findings(session=session, at=at(when), window=timedelta(hours=24))]
        assert levels("2026-03-02T12:00:00Z") == []
        assert levels("2026-03-03T12:00:00Z") == ["warning"]
        assert levels("2026-03-04T12:00:00Z") == ["warning"]
        assert levels("2026-03-04T12:01:00Z") == ["critical"]


def test_org_timezone_setting_moves_calendar_day_dues_and_local_display(store, make_incident):
    ref = make_incident(detected_at=at("2026-03-06T22:00:00Z"), assessed_at=at("2026-03-06T23:30:00Z"),
                        regimes=["sg_pdpa"])
    assert _docs(store, ref)[("sg_pdpa", "authority_notification")]["due"] == at("2026-03-09T23:59:59Z")
    with store.session() as session:
        set_deadline_settings(session=session, timezone="Asia/Singapore")
    doc = _docs(store, ref)[("sg_pdpa", "authority_notification")]
    assert doc["due_local"] == "2026-03-10T23:59:59+08:00"
    with store.session() as session:
        row = session.exec(select(Obligation).where(Obligation.stage == "authority_notification")).one()
    assert row.due == at("2026-03-10T15:59:59Z")


def test_awareness_gap_beyond_the_threshold_asks_for_a_justification(store, make_incident):
    ref = make_incident(detected_at=at("2026-03-01T11:00:00Z"), aware_at=at("2026-03-05T11:00:00Z"), regimes=["gdpr"])
    with store.session() as session:
        gap = get_awareness_gap(session=session, incident=get_incident(session=session, ref=ref))
    assert gap == {"gap_hours": 96.0, "threshold_hours": 24, "justification": None, "justified": False}
    ref2 = make_incident(detected_at=at("2026-03-01T11:00:00Z"), aware_at=at("2026-03-01T20:00:00Z"))
    with store.session() as session:
        assert get_awareness_gap(session=session, incident=get_incident(session=session, ref=ref2)) is None


def test_ransom_payment_stage_appears_only_once_a_ransom_is_paid(store, make_incident):
    ref = make_incident(aware_at=at("2026-03-01T12:00:00Z"), regimes=["circia"])
    assert ("circia", "ransom_payment_report") not in _docs(store, ref)
    with store.session() as session:
        update_incident(session=session, incident=get_incident(session=session, ref=ref),
                        changes={"ransom_paid_at": at("2026-03-03T12:00:00Z")}, changed_by="cfo")
    assert _docs(store, ref)[("circia", "ransom_payment_report")]["due"] == at("2026-03-04T12:00:00Z")


def test_recording_against_an_unjustified_late_awareness_warns(store, make_incident):
    ref = make_incident(detected_at=at("2026-03-01T11:00:00Z"), aware_at=at("2026-03-05T11:00:00Z"), regimes=["gdpr"])
    result = _record(store, ref, "gdpr", "authority_notification", "2026-03-06T11:00:00Z")
    assert any("no justification is recorded" in w for w in result["warnings"])


def test_removing_a_regime_removes_its_obligations(store, make_incident):
    ref = make_incident(aware_at=at("2026-03-01T12:00:00Z"), regimes=["gdpr", "uk_gdpr"])
    with store.session() as session:
        incident = get_incident(session=session, ref=ref)
        update_incident(session=session, incident=incident, changes={"regimes": ["uk_gdpr"]}, changed_by="dpo")
        rows = session.exec(select(Obligation).where(Obligation.incident_id == incident.id)).all()
    assert sorted((o.regime, o.stage) for o in rows) == [("uk_gdpr", "authority_notification"),
                                                         ("uk_gdpr", "data_subject_notification")]


def test_contractual_hours_give_the_processor_stage_a_due(store, make_incident):
    ref = make_incident(aware_at=at("2026-03-01T12:00:00Z"), regimes=["gdpr"], entity_type="processor")
    assert _docs(store, ref)[("gdpr", "processor_to_controller")]["status"] == "undue_delay"
    with store.session() as session:
        set_deadline_settings(session=session, stage_hours={"gdpr/processor_to_controller": 24})
    doc = _docs(store, ref)[("gdpr", "processor_to_controller")]
    assert doc["due"] == at("2026-03-02T12:00:00Z") and doc["status"] == "late_open"
    with store.session() as session:
        with pytest.raises(NotFoundError, match=r"^--stage-hours: unknown stage 'nope' of regime 'gdpr' \(valid: "
                                                r"authority_notification, data_subject_notification, processor_to_controller\)$"):
            set_deadline_settings(session=session, stage_hours={"gdpr/nope": 24})


def test_settings_changed_in_a_session_are_read_back_in_that_session_and_the_next(store):
    from compliance.deadlines.service import get_deadline_settings, set_deadline_settings

    with store.session() as session:
        assert get_deadline_settings(session=session)["timezone"] == "UTC"
        set_deadline_settings(session=session, timezone="Europe/Berlin")
        assert get_deadline_settings(session=session)["timezone"] == "Europe/Berlin"
        get_deadline_settings(session=session)["timezone"] = "mutated by a caller"
        assert get_deadline_settings(session=session)["timezone"] == "Europe/Berlin"
    with store.session() as session:
        assert get_deadline_settings(session=session)["timezone"] == "Europe/Berlin"


def test_bulk_obligation_documents_equal_the_per_incident_documents(store, make_incident):
    from compliance.deadlines.service import get_incident_obligation_documents, get_obligation_documents_by_incident

    filed = make_incident(aware_at=at("2026-03-01T12:00:00Z"), regimes=["gdpr", "nis2"])
    waived = make_incident(aware_at=at("2026-03-01T12:00:00Z"), regimes=["gdpr"])
    plain = make_incident()
    with store.session(immediate=True) as session:
        record_notification(session=session, incident=get_incident(session=session, ref=filed), regime="gdpr",
                            stage="authority_notification", at=at("2026-03-05T12:00:00Z"), recorded_by="DPO",
                            delay_reason="Scope unclear until forensics finished", now=NOW)
        waive_obligation(session=session, incident=get_incident(session=session, ref=waived), regime="gdpr",
                         stage="authority_notification", reason="Encrypted device: no risk", decided_by="DPO", now=NOW)
    with store.session() as session:
        incidents = [get_incident(session=session, ref=r) for r in (filed, waived, plain)]
        bulk = get_obligation_documents_by_incident(session=session, incidents=incidents, as_of=NOW, chunk=2)
        single = {i.id: get_incident_obligation_documents(session=session, incident=i, as_of=NOW) for i in incidents}
    assert bulk == single
    statuses = {(d["regime"], d["stage"]): d["status"] for d in bulk[incidents[0].id]}
    assert statuses[("gdpr", "authority_notification")] == "late" and bulk[incidents[2].id] == []
    assert bulk[incidents[1].id][0]["status"] == "waived"
