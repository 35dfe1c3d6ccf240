"""The incident document (the store's contract) becomes a pack section without loss."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from compliance.reports.adapt import section_from_document
from compliance.reports.model import AuditPack, Framework
from compliance.reports.render import render_pack

AS_OF = datetime(2026, 4, 2, 9, 30, tzinfo=UTC)


def _document():
    return {
        "incident": {"ref": "INC-0007", "title": "Lost laptop", "severity": "sev2", "status": "resolved",
                     "detected_at": "2026-03-01T10:00:00Z", "aware_at": datetime(2026, 3, 1, 11, tzinfo=UTC),
                     "resolved_at": "2026-03-02T10:00:00Z", "personal_data": True, "regimes": ["gdpr"],
                     "tags": ["device-loss"], "restricted": False, "affected_services": ["crm"],
                     "data_categories": ["contact data"]},
        "timeline": [{"at": "2026-03-01T10:05:00Z", "kind": "detection", "text": "Reported by employee",
                      "source": "ticket", "actor": "service desk", "customer_visible": False}],
        "postmortem": {"status": "published", "summary": "Laptop left on a train.", "impact_text": "None known",
                       "contributors": ["No disk encryption check"], "mitigators": [], "risks": [],
                       "root_cause": [{"number": "1", "text": "Encryption not enforced"}],
                       "lessons": [{"number": 1, "text": "Enforce FDE", "category": "technical"}],
                       "reviewer": "Dana Kim", "published_at": "2026-03-09T10:00:00Z"},
        "action_items": [{"ref": "INC-0007-A1", "number": 1, "description": "Enforce FDE", "owner": "Dana Kim",
                          "due": "2026-03-20", "priority": "high", "success_criteria": None, "lessons": [],
                          "status": "open", "completed_at": None, "link": None}],
        "evidence": [{"ref": "EV-0009", "sha256": "a" * 64, "size": 1234, "filename": "ticket.pdf",
                      "collected_by": "Dana Kim", "collected_at": "2026-03-01T12:00:00Z", "custody_events": 2,
                      "custody_verified": True}],
        "obligations": [{"regime": "gdpr", "stage": "authority", "clock_start": "2026-03-01T11:00:00Z",
                         "due": "2026-03-04T11:00:00Z", "notified_at": "2026-03-05T09:00:00Z", "status": "late",
                         "delay_reason": "Waited for device tracking", "waived": False, "waiver_reason": None}],
        "review_findings": [{"code": "PM-001", "severity": "warning", "message": "No customer impact stated"}],
    }


def test_incident_document_becomes_a_section_and_register_rows():
    section, rows = section_from_document(_document(), as_of=AS_OF)
    assert section.ref == "INC-0007" and section.aware_at == datetime(2026, 3, 1, 11, tzinfo=UTC)
    assert section.timeline[0].actor_role == "service desk"
    assert section.actions[0].overdue is True
    assert section.evidence[0].sha256 == "a" * 64 and section.evidence[0].incident_ref == "INC-0007"
    assert section.postmortem.root_cause[0].text == "Encryption not enforced"
    assert section.postmortem.findings[0].code == "PM-001"
    assert rows[0].status == "late" and rows[0].incident_title == "Lost laptop"
    assert section.evidence[0].custody_verified is True


@pytest.mark.parametrize("flag", [None, False, "true", 1])
def test_evidence_without_a_true_verification_result_is_unverified(flag):
    document = _document()
    if flag is None:
        del document["evidence"][0]["custody_verified"]
    else:
        document["evidence"][0]["custody_verified"] = flag
    section, _ = section_from_document(document, as_of=AS_OF)
    assert section.evidence[0].custody_verified is False


def test_adapted_document_renders_with_its_facts_in_the_text_layer(text_of):
    section, rows = section_from_document(_document(), as_of=AS_OF)
    pack = AuditPack(title="T", organisation="O", generated_at=AS_OF, frameworks=[Framework("gdpr", "GDPR")],
                     incidents=[section], notifications=rows)
    text = " ".join(" ".join(text_of(render_pack(pack))).split())
    for fragment in ("INC-0007 — Lost laptop", "Waited for device tracking", "a" * 64, "open (overdue)"):
        assert fragment in text


def test_evidence_without_a_custody_verified_flag_is_shown_unverified():
    document = _document()
    del document["evidence"][0]["custody_verified"]
    section, _rows = section_from_document(document, as_of=AS_OF)
    assert section.evidence[0].custody_verified is False
    document["evidence"][0]["custody_verified"] = "yes"
    section, _rows = section_from_document(document, as_of=AS_OF)
    assert section.evidence[0].custody_verified is False, "only True means verified"
