"""NIS2 Art. 21(2)(b) with Implementing Regulation (EU) 2024/2690 Annex 3, on hand-built documents."""

from __future__ import annotations

import pytest

from compliance.controls.engine import assess_document
from compliance.controls.loader import load_frameworks
from tests.controls.docs import full_document

NIS2 = load_frameworks()["nis2-art21"]
PER_INCIDENT = ("Annex-3.2", "Annex-3.3", "Annex-3.4", "Annex-3.5", "Annex-3.6")


def _results(document: dict) -> dict:
    return {r.requirement_id: r for r in assess_document(document, NIS2)}


def test_each_annex_3_point_is_a_requirement_cited_by_its_number():
    assert [r.id for r in NIS2.requirements] == ["Annex-3.1", *PER_INCIDENT]
    for requirement in NIS2.requirements:
        point = requirement.id.removeprefix("Annex-")
        assert f"2024/2690 Annex point {point}" in requirement.citation and "Art. 21(2)(b)" in requirement.citation


def test_a_documented_nis2_incident_satisfies_every_point():
    assert {r.status for r in _results(full_document()).values()} == {"satisfied"}


def test_incidents_outside_the_nis2_regime_are_not_judged():
    document = full_document()
    document["incident"]["regimes"] = ["gdpr"]
    results = _results(document)
    assert all(results[r].status == "not_applicable" for r in PER_INCIDENT)
    assert results["Annex-3.1"].status == "satisfied"  # the policy is the organisation's, not the incident's


@pytest.mark.parametrize("kind", ["ir_plan", "roles", "classification_rubric", "authority_contacts", "exercise"])  # 3.1.3: tested
def test_the_policy_fails_without_each_document_it_must_contain(kind):
    document = full_document()
    document["programme"] = [p for p in document["programme"] if p["kind"] != kind]
    assert _results(document)["Annex-3.1"].status == "missing"


def test_logs_not_preserved_with_verified_custody_fail_monitoring_and_logging():
    document = full_document()
    document["evidence"][0]["custody_verified"] = False
    results = _results(document)
    assert results["Annex-3.2"].status == "missing" and "logs preserved" in results["Annex-3.2"].reason


def test_event_reporting_needs_the_reporting_mechanism_in_force():
    document = full_document()
    for item in document["programme"]:
        if item["kind"] == "reporting_channels":
            item["fresh"] = False
    assert _results(document)["Annex-3.3"].status == "missing"


def test_a_decision_without_predetermined_criteria_is_not_an_assessment():
    document = full_document()
    document["declaration"]["rubric"] = " "
    result = _results(document)["Annex-3.4"]
    assert result.status == "missing" and "declaration.rubric is empty" in result.reason
    document["declaration"] = None
    assert _results(document)["Annex-3.4"].status == "missing"


def test_response_without_eradication_or_a_late_csirt_notification_fails_and_recovery_pending_is_partial():
    document = full_document()
    document["timeline"] = [e for e in document["timeline"] if e["kind"] != "eradication"]
    assert _results(document)["Annex-3.5"].status == "missing"
    document = full_document()
    early = next(o for o in document["obligations"] if o["stage"] == "early_warning")
    early["status"] = "late"
    result = _results(document)["Annex-3.5"]
    assert result.status == "missing" and "CSIRT or authority notified as required" in result.reason
    document = full_document()
    document["incident"]["resolved_at"] = None
    assert _results(document)["Annex-3.5"].status == "partial"


def test_post_incident_review_needs_a_root_cause_and_only_applies_after_recovery():
    document = full_document()
    document["postmortem"]["root_cause"] = []
    assert _results(document)["Annex-3.6"].status == "missing"
    document["incident"]["status"] = "mitigated"
    assert _results(document)["Annex-3.6"].status == "not_applicable"
    document = full_document()
    document["incident"]["significant"] = False
    assert _results(document)["Annex-3.6"].status == "not_applicable"
