"""Cross-checks: each fires on its planted contradiction, naming both records, and stays silent on consistent ones."""

from __future__ import annotations

import copy
from datetime import UTC, datetime, timedelta

import pytest

from compliance.crosschecks.models import CODES
from compliance.crosschecks.service import get_crosscheck_findings

T0 = datetime(2026, 3, 1, 10, 0, tzinfo=UTC)


def _consistent() -> dict:
    aware = T0 + timedelta(hours=1)
    filing = {"notified_at": aware + timedelta(hours=20), "recipient": "DPA", "reference": "DPA-42", "correction": False,
              "recorded_by": "DPO", "recorded_at": aware + timedelta(hours=20, minutes=5)}
    return {
        "incident": {"ref": "INC-0001", "detected_at": T0, "aware_at": aware},
        "timeline": [{"at": T0, "kind": "detection", "text": "alert", "source": None, "customer_visible": True},
                     {"at": aware + timedelta(hours=20), "kind": "communication", "text": "Filed DPA-42 with the DPA",
                      "source": "portal", "customer_visible": False}],
        "postmortem": {"drafted_at": aware + timedelta(days=2)},
        "action_items": [{"ref": "INC-0001-A1", "status": "done", "completed_at": aware + timedelta(days=5)}],
        "evidence": [{"ref": "EV-0001"}],
        "obligations": [
            {"regime": "gdpr", "stage": "authority_notification", "filings": [filing], "waived": False,
             "waiver_reason": None, "delay_reason": "The forensic image EV-0001 was needed first"},
            {"regime": "gdpr", "stage": "data_subject_notification", "filings": [], "waived": True,
             "waiver_reason": "Art. 34(3)(a): data encrypted"},
        ],
    }


def _plant(code: str, doc: dict) -> None:
    aware = doc["incident"]["aware_at"]
    if code == "awareness-after-communication":
        doc["timeline"].append({"at": aware - timedelta(minutes=30), "kind": "communication",
                                "text": "Customers told", "source": None, "customer_visible": True})
    elif code == "awareness-after-filing":
        doc["obligations"][0]["filings"][0]["notified_at"] = aware - timedelta(minutes=10)
        doc["timeline"][1]["at"] = aware - timedelta(minutes=10)
        doc["timeline"][1]["kind"] = "other"
    elif code == "postmortem-before-awareness":
        doc["postmortem"]["drafted_at"] = aware - timedelta(minutes=1)
    elif code == "filing-disagrees-with-timeline":
        doc["timeline"][1]["at"] += timedelta(hours=3)
    elif code == "done-without-completion":
        doc["action_items"][0]["completed_at"] = None
    elif code == "waiver-contradicts-high-risk":
        doc["obligations"][0].update(waived=True, filings=[], delay_reason=None,
                                     waiver_reason="unlikely to result in a risk to the rights and freedoms")
        doc["obligations"][1].update(waived=False, filings=[{"notified_at": aware + timedelta(days=1)}])
        doc["timeline"].pop()
    elif code == "delay-reason-names-missing-evidence":
        doc["obligations"][0]["delay_reason"] = "Waited for EV-0007"


def test_a_consistent_incident_gives_no_finding():
    assert get_crosscheck_findings(document=_consistent()) == []


@pytest.mark.parametrize("code", sorted(CODES))
def test_each_crosscheck_fires_on_its_contradiction_naming_both_records(code):
    doc = copy.deepcopy(_consistent())
    _plant(code, doc)
    findings = get_crosscheck_findings(document=doc)
    assert [f.code for f in findings] == [code]
    assert findings[0].first and findings[0].second and findings[0].first != findings[0].second


def test_a_waiver_is_not_contradicted_by_another_regimes_communication_to_data_subjects():
    doc = copy.deepcopy(_consistent())
    _plant("waiver-contradicts-high-risk", doc)
    doc["obligations"][1]["regime"] = "uk_gdpr" if doc["obligations"][0]["regime"] != "uk_gdpr" else "gdpr"
    assert [f.code for f in get_crosscheck_findings(document=doc)] == []
