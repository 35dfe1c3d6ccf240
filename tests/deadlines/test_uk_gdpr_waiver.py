"""UK GDPR Art. 33(1) keeps the "unlikely to result in a risk" exemption (ICO: keep a record of decisions not to
report): the ICO notification can be closed as not required, and the control accepts the waiver only on the
uk_gdpr breach assessment of no risk."""

from __future__ import annotations

from datetime import timedelta

from compliance.controls.engine import assess_requirement
from compliance.controls.loader import load_frameworks
from compliance.deadlines.service import get_check_findings, get_incident_obligation_documents, waive_obligation
from compliance.decisions.service import record_breach_assessment
from compliance.documents.service import build_incident_document
from compliance.incidents.service import get_incident
from tests.conftest import at

NOW = at("2026-03-10T00:00:00Z")
ART33_1 = next(r for r in load_frameworks()["gdpr"].requirements if r.id == "Art.33(1)")


def _waive_and_assess(store, ref: str, *, assessed: str, level: str) -> None:
    with store.session(immediate=True) as session:
        incident = get_incident(session=session, ref=ref)
        record_breach_assessment(session=session, incident=incident, regime=assessed, likelihood="low",
                                 severity="low", level=level, rationale="encrypted laptop, key safe",
                                 decided_by="DPO", decided_at=at("2026-03-01T14:00:00Z"), now=NOW)
        waive_obligation(session=session, incident=incident, regime="uk_gdpr", stage="authority_notification",
                         reason="Unlikely to result in a risk: disk encrypted", decided_by="DPO",
                         decided_at=at("2026-03-01T15:00:00Z"), now=NOW)


def _art33_1(store, ref: str):
    with store.session() as session:
        document = build_incident_document(session=session, incident=get_incident(session=session, ref=ref), as_of=NOW)
    return assess_requirement(document, ART33_1)


def test_the_ico_notification_can_be_closed_as_not_required_and_stops_being_checked(store, make_incident):
    ref = make_incident(aware_at=at("2026-03-01T12:00:00Z"), regimes=["uk_gdpr"], personal_data=True)
    _waive_and_assess(store, ref, assessed="uk_gdpr", level="none")
    with store.session() as session:
        incident = get_incident(session=session, ref=ref)
        doc = next(d for d in get_incident_obligation_documents(session=session, incident=incident, as_of=NOW)
                   if d["stage"] == "authority_notification")
        assert (doc["status"], doc["decided_by"]) == ("waived", "DPO")
        assert get_check_findings(session=session, at=NOW, window=timedelta(hours=24)) == []


def test_a_uk_gdpr_waiver_resting_on_the_uk_gdpr_no_risk_assessment_satisfies_art33_1(store, make_incident):
    ref = make_incident(aware_at=at("2026-03-01T12:00:00Z"), detected_at=at("2026-03-01T11:00:00Z"),
                        regimes=["uk_gdpr"], personal_data=True)
    _waive_and_assess(store, ref, assessed="uk_gdpr", level="none")
    result = _art33_1(store, ref)
    assert result.status == "satisfied", result.reason


def test_a_uk_gdpr_waiver_against_a_risk_assessment_is_not_satisfied(store, make_incident):
    ref = make_incident(aware_at=at("2026-03-01T12:00:00Z"), detected_at=at("2026-03-01T11:00:00Z"),
                        regimes=["uk_gdpr"], personal_data=True)
    _waive_and_assess(store, ref, assessed="uk_gdpr", level="risk")
    result = _art33_1(store, ref)
    assert result.status == "missing"
    assert "uk_gdpr: " in result.reason and "breach_assessment.level is 'risk', expected 'none'" in result.reason


def test_a_uk_gdpr_waiver_cannot_rest_on_the_gdpr_no_risk_assessment(store, make_incident):
    ref = make_incident(aware_at=at("2026-03-01T12:00:00Z"), detected_at=at("2026-03-01T11:00:00Z"),
                        regimes=["gdpr", "uk_gdpr"], personal_data=True)
    _waive_and_assess(store, ref, assessed="gdpr", level="none")
    result = _art33_1(store, ref)
    assert result.status == "missing"
    assert "uk_gdpr: " in result.reason and "breach_assessment.level is not recorded" in result.reason
