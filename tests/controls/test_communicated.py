"""Issue 13 §2: filings count as communications. A requirement about telling stakeholders is met by a
communication on the timeline or by a notification filed with an authority or the people a stage names; with
neither it is not met."""

from __future__ import annotations

import pytest

from compliance.controls.builder import ErrorList, parse_check
from compliance.controls.engine import assess_document
from compliance.controls.loader import load_frameworks
from tests.controls.docs import full_document

FRAMEWORKS = load_frameworks()
COMMUNICATION_REQUIREMENTS = ["soc2-2017:CC7.4", "nist-sp800-61r3:RS.CO-02", "nist-sp800-61r3:RS.CO-03"]


def _result(document: dict, key: str):
    framework, _, requirement = key.partition(":")
    return next(r for r in assess_document(document, FRAMEWORKS[framework]) if r.requirement_id == requirement)


def _without_timeline_communications(document: dict) -> dict:
    document["timeline"] = [e for e in document["timeline"] if e["kind"] != "communication"]
    return document


@pytest.mark.parametrize("key", COMMUNICATION_REQUIREMENTS)
def test_filed_notifications_are_communications_when_the_timeline_has_none(key):
    document = _without_timeline_communications(full_document())
    assert any(o["filings"] for o in document["obligations"])
    result = _result(document, key)
    assert result.status == "satisfied", result.reason


@pytest.mark.parametrize("key", COMMUNICATION_REQUIREMENTS)
def test_neither_a_timeline_communication_nor_a_filing_is_not_communicated(key):
    document = _without_timeline_communications(full_document())
    document["incident"]["regimes"] = []
    document["obligations"] = []
    result = _result(document, key)
    assert result.status != "satisfied"
    assert "no notification was filed" in result.reason


def test_an_internal_briefing_is_a_communication_but_not_an_external_one():
    document = _without_timeline_communications(full_document())
    document["incident"]["regimes"], document["obligations"] = [], []
    document["timeline"].append({"at": document["incident"]["detected_at"], "kind": "communication",
                                 "text": "Briefed the DPO", "source": None, "actor": "lead",
                                 "customer_visible": False})
    assert _check({"communicated": True}).evaluate(document).state == "pass"
    outcome = _check({"communicated": {"external": True}}).evaluate(document)
    assert outcome.state == "fail" and "customer-visible" in outcome.detail


def test_a_waived_stage_is_not_a_filing():
    document = _without_timeline_communications(full_document())
    for obligation in document["obligations"]:
        obligation.update(filings=[], notified_at=None, waived=True, status="waived")
    assert _check({"communicated": True}).evaluate(document).state == "fail"


@pytest.mark.parametrize("arg", [{"external": "yes"}, {"visible": True}, "always", False])
def test_bad_communicated_arguments_are_refused_with_their_line(arg):
    errors = ErrorList("f.yaml")
    assert parse_check({"communicated": arg}, errors, 7) is None
    assert errors.items and all(item.startswith("f.yaml:7:") for item in errors.items), errors.items


def _check(arg):
    errors = ErrorList("f.yaml")
    check = parse_check(arg, errors, 1)
    assert check is not None, errors.items
    return check
