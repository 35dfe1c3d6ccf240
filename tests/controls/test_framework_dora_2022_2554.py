"""DORA (EU) 2022/2554 Arts. 13, 17, 18, 19 on hand-built documents, and the classification read from the store."""

from __future__ import annotations

import json
from datetime import timedelta

from compliance.controls.engine import assess_document
from compliance.controls.loader import load_frameworks
from tests.conftest import at
from tests.controls.docs import full_document

DORA = load_frameworks()["dora-2022-2554"]
PER_INCIDENT = ("Art.17(2)", "Art.17(3)", "Art.18", "Art.19", "Art.13(2)")


def _results(document: dict) -> dict:
    return {r.requirement_id: r for r in assess_document(document, DORA)}


def test_the_framework_is_not_the_regime_and_covers_articles_13_17_18_19():
    assert DORA.id == "dora-2022-2554"
    assert [r.id for r in DORA.requirements] == ["Art.17(1)", *PER_INCIDENT[:4], "Art.13(2)"]
    assert "2024/1772" in next(r for r in DORA.requirements if r.id == "Art.18").citation


def test_a_documented_major_incident_satisfies_every_article():
    assert {r.status for r in _results(full_document()).values()} == {"satisfied"}


def test_incidents_outside_dora_are_not_judged_per_incident():
    document = full_document()
    document["incident"]["regimes"] = ["gdpr"]
    results = _results(document)
    assert all(results[r].status == "not_applicable" for r in PER_INCIDENT)


def test_an_unclassified_incident_misses_article_18_and_reporting_cannot_be_judged():
    document = full_document()
    document["dora_classification"] = None
    results = _results(document)
    assert results["Art.18"].status == "missing"
    assert "dora_classification.major is not recorded" in results["Art.18"].reason
    assert results["Art.19"].status == "not_applicable"


def test_a_classification_later_than_24_hours_after_awareness_fails():
    document = full_document()
    document["dora_classification"]["decided_at"] = document["incident"]["aware_at"] + timedelta(hours=25)
    result = _results(document)["Art.18"]
    assert result.status == "missing" and "classified within 24 h of awareness" in result.reason


def test_reporting_and_review_apply_only_to_a_major_incident():
    document = full_document()
    document["dora_classification"]["major"] = False
    results = _results(document)
    assert results["Art.19"].status == "not_applicable" and results["Art.13(2)"].status == "not_applicable"
    assert results["Art.18"].status == "satisfied"  # a not-major classification is still a classification


def test_a_major_incident_with_a_late_unexplained_report_or_no_report_fails_article_19():
    document = full_document()
    final = next(o for o in document["obligations"] if o["regime"] == "dora" and o["stage"] == "final_report")
    final["status"] = "late"
    assert _results(document)["Art.19"].status == "missing"
    document = full_document()
    document["obligations"] = [o for o in document["obligations"] if o["regime"] != "dora"]
    result = _results(document)["Art.19"]
    assert result.status == "missing" and "initial notification" in result.reason


def test_a_major_incident_without_root_cause_fails_the_post_incident_review():
    document = full_document()
    document["postmortem"]["root_cause"] = []
    results = _results(document)
    assert results["Art.13(2)"].status == "missing"
    assert results["Art.17(2)"].status == "partial"  # the root cause is still owed under Art. 17(2)


def test_without_escalation_the_incident_was_not_handled_by_the_process():
    document = full_document()
    document["timeline"] = [e for e in document["timeline"] if e["kind"] != "escalation"]
    assert _results(document)["Art.17(3)"].status == "missing"


def test_the_recorded_classification_is_what_the_framework_reads(cli_run, store, make_incident):
    ref = make_incident(regimes=["dora"], entity_type="credit_institution", aware_at=at("2026-03-01T11:00:00Z"))

    def assess() -> dict:
        result = cli_run(["controls", "assess", ref, "--framework", "dora-2022-2554", "--as-of",
                          "2026-03-02T00:00:00Z", "--json"])
        assert result.exit_code == 0, result.output
        return {r["requirement"]: r["status"] for r in json.loads(result.stdout)["frameworks"][0]["results"]}

    assert assess()["Art.18"] == "missing"
    recorded = cli_run(["decision", "classify", ref, "--criteria", "critical_services,economic", "--rationale",
                        "payments down 40 min; EUR 120 000 lost", "--decided-by", "IC", "--at", "2026-03-01T14:00:00Z"])
    assert recorded.exit_code == 0, recorded.output
    statuses = assess()
    assert statuses["Art.18"] == "satisfied" and statuses["Art.19"] == "not_applicable"  # one other criterion only
    cli_run(["decision", "classify", ref, "--criteria", "critical_services,malicious_access", "--rationale",
             "attacker in the customer database", "--decided-by", "IC", "--at", "2026-03-01T15:00:00Z"])
    assert assess()["Art.19"] != "not_applicable"  # now major: reporting is judged
