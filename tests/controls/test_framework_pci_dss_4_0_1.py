"""PCI DSS v4.0.1 Requirement 12.10 on hand-built documents: CDE scope, plan-level evidence, per-incident proof."""

from __future__ import annotations

from datetime import timedelta

import pytest

from compliance.controls.engine import assess_document
from compliance.controls.loader import load_frameworks
from tests.controls.docs import at, full_document

PCI = load_frameworks()["pci-dss-4.0.1"]
PER_INCIDENT = ("12.10.5", "12.10.6", "12.10.7")


def _status(document: dict) -> dict[str, str]:
    return {r.requirement_id: r.status for r in assess_document(document, PCI)}


def _reason(document: dict, requirement: str) -> str:
    return next(r.reason for r in assess_document(document, PCI) if r.requirement_id == requirement) or ""


def _out_of_cde(document: dict) -> dict:
    document["incident"]["data_categories"] = ["email"]
    document["incident"]["tags"] = ["auth"]
    return document


def test_the_framework_holds_every_point_of_requirement_12_10():
    assert [r.id for r in PCI.requirements] == ["12.10.1", "12.10.2", "12.10.3", "12.10.4", "12.10.4.1", "12.10.5",
                                                "12.10.6", "12.10.7"]
    assert {r.id for r in PCI.requirements if r.scope == "organisation"} == {
        "12.10.1", "12.10.2", "12.10.3", "12.10.4", "12.10.4.1"}


def test_a_documented_cde_incident_with_a_current_programme_satisfies_every_point():
    assert set(_status(full_document()).values()) == {"satisfied"}


def test_an_incident_outside_the_cde_is_not_judged_per_incident():
    statuses = _status(_out_of_cde(full_document()))
    assert all(statuses[r] == "not_applicable" for r in PER_INCIDENT)


@pytest.mark.parametrize("field, value", [("data_categories", ["payment_card"]), ("tags", ["pci_cde"])])
def test_card_data_or_the_cde_tag_brings_the_incident_into_scope(field, value):
    document = _out_of_cde(full_document())
    document["incident"][field] = value
    assert _status(document)["12.10.5"] == "satisfied"


@pytest.mark.parametrize("kind, requirement", [
    ("ir_plan", "12.10.1"), ("exercise", "12.10.2"), ("oncall_rota", "12.10.3"), ("training_records", "12.10.4"),
    ("targeted_risk_analysis", "12.10.4.1"),
])
def test_plan_level_points_fail_on_stale_or_absent_programme_evidence(kind, requirement):
    stale = full_document()
    for item in stale["programme"]:
        if item["kind"] == kind:
            item["fresh"] = False
    assert _status(stale)[requirement] == "missing"
    absent = full_document()
    absent["programme"] = [p for p in absent["programme"] if p["kind"] != kind]
    assert _status(absent)[requirement] == "missing"
    assert f"no {kind} programme evidence" in _reason(absent, requirement)


def test_an_alert_without_its_source_or_a_response_does_not_show_monitoring_is_covered():
    document = full_document()
    for entry in document["timeline"]:
        if entry["kind"] == "detection":
            entry["source"] = None
    assert _status(document)["12.10.5"] == "missing"
    document = full_document()
    document["timeline"] = [e for e in document["timeline"] if e["kind"] != "escalation"]
    assert "responders engaged" in _reason(document, "12.10.5")


def test_a_plan_not_updated_after_the_incident_is_partial_for_90_days_then_missing():
    document = full_document()
    for item in document["programme"]:
        if item["kind"] == "ir_plan":
            item["approved_at"] = document["incident"]["resolved_at"] - timedelta(days=10)
    document["as_of"] = document["incident"]["resolved_at"] + timedelta(days=30)
    assert _status(document)["12.10.6"] == "partial"
    document["as_of"] = document["incident"]["resolved_at"] + timedelta(days=91)
    assert _status(document)["12.10.6"] == "missing"


def test_lessons_are_required_before_the_plan_can_be_said_to_evolve():
    document = full_document()
    document["postmortem"]["lessons"] = []
    assert _status(document)["12.10.6"] == "missing"
    document["incident"]["status"] = "open"
    assert _status(document)["12.10.6"] == "not_applicable"


def test_pan_found_where_not_expected_needs_retrieval_origin_and_remediation():
    document = full_document()
    document["timeline"] = [e for e in document["timeline"] if e["kind"] != "eradication"]
    assert _status(document)["12.10.7"] == "missing"
    assert "PAN retrieved, deleted or migrated" in _reason(document, "12.10.7")
    document = full_document()
    document["postmortem"]["root_cause"] = []
    assert "origin established" in _reason(document, "12.10.7")
    document = full_document()
    document["incident"]["tags"] = ["auth"]
    assert _status(document)["12.10.7"] == "not_applicable"


def test_the_plan_updated_at_any_time_after_resolution_counts():
    document = full_document()
    document["as_of"] = at("2027-01-01T00:00:00Z")
    assert _status(document)["12.10.6"] == "satisfied"


@pytest.mark.parametrize("spec, message", [
    ({"contains": {"path": "incident.tags", "value": ["a", "b"]}}, "contains value must be a single value"),
    ({"contains": {"path": "incident.tagz", "value": "pci_cde"}}, "unknown field 'tagz' in incident"),
    ({"contains": {"path": "incident.tags"}}, "contains is missing 'value'"),
])
def test_the_contains_check_used_for_cde_scope_refuses_bad_arguments(spec, message):
    from compliance.controls.builder import ErrorList, parse_check

    errors = ErrorList("f.yaml")
    assert parse_check(spec, errors, 1) is None
    assert any(message in e for e in errors.items), errors.items


@pytest.mark.parametrize("value, passes", [
    (["payment_card"], True), (["email", "payment_card"], True), (["payment card"], False), ([], False),
    ("payment_card", False), (None, False), ([True], False),
])
def test_contains_matches_a_whole_item_of_a_list_only(value, passes):
    from compliance.controls.builder import ErrorList, parse_check
    from compliance.controls.checks import PASS

    check = parse_check({"contains": {"path": "incident.data_categories", "value": "payment_card"}}, ErrorList("f"), 1)
    assert (check.run({"incident": {"data_categories": value}}).state == PASS) is passes
    negated = parse_check({"not": {"contains": {"path": "incident.data_categories", "value": "payment_card"}}},
                          ErrorList("f"), 1)
    assert (negated.run({"incident": {"data_categories": value}}).state == PASS) is not passes
