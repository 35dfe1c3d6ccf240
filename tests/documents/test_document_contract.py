"""The incident document's shape is written once (compliance.documents.types): the domains produce exactly it."""

from __future__ import annotations

from datetime import date
from typing import get_type_hints

from compliance.documents.types import (
    MAPPING_PARTS,
    IncidentDocument,
    ObligationDoc,
    item_keys,
    list_parts,
    mapping_keys,
)
from tests.conftest import at
from tests.controls.test_store import AS_OF, _document_incident
from tests.custody.helpers import add_file


def _required(typed: type) -> frozenset[str]:
    return frozenset(typed.__required_keys__)


def test_every_part_the_services_produce_has_exactly_the_typed_keys(store, make_incident, tmp_path):
    from compliance.custody.programme import add_programme_evidence
    from compliance.deadlines.service import record_notification
    from compliance.decisions.service import record_breach_assessment, record_classification, record_declaration
    from compliance.documents.service import build_incident_document, build_incident_documents
    from compliance.incidents.service import get_incident

    ref = make_incident(personal_data=True, regimes=["gdpr", "dora"], entity_type="credit_institution",
                        aware_at=at("2026-03-01T13:00:00Z"))
    _document_incident(store, ref)
    add_file(store, ref, tmp_path, b"waf export")
    with store.session(immediate=True) as session:
        record_notification(session=session, incident=get_incident(session=session, ref=ref), regime="gdpr",
                            stage="authority_notification", at=at("2026-03-03T09:30:00Z"), recipient="BfDI",
                            reference="DE-1", recorded_by="test")
    with store.session(immediate=True) as session:
        incident = get_incident(session=session, ref=ref)
        record_declaration(session=session, incident=incident, outcome="incident", incident_type="unauthorised_access",
                           rubric="IR policy 3.2", rationale="account takeovers confirmed", decided_by="duty manager",
                           decided_at=at("2026-03-01T11:10:00Z"))
        record_breach_assessment(session=session, incident=incident, regime="gdpr", likelihood="medium",
                                 severity="low", level="risk", rationale="credentials of 14 customers used",
                                 decided_by="DPO", decided_at=at("2026-03-01T13:00:00Z"))
        record_classification(session=session, incident=incident, criteria="critical_services,clients,duration",
                              rationale="payments down 3 h for 12% of clients", decided_by="duty manager",
                              decided_at=at("2026-03-01T14:00:00Z"))
    plan = tmp_path / "ir-plan.pdf"
    plan.write_bytes(b"incident response plan v3")
    add_programme_evidence(store=store, kind="ir_plan", path=plan, title="IR plan", approved_by="CISO",
                           valid_from=date(2026, 1, 1), valid_until=date(2026, 12, 31), recorded_by="test")
    with store.session() as session:
        incident = get_incident(session=session, ref=ref)
        single = build_incident_document(session=session, incident=incident, as_of=at(AS_OF))
        (bulk,) = build_incident_documents(session=session, incidents=[incident], as_of=at(AS_OF))

    hints = get_type_hints(IncidentDocument)
    for document in (single, bulk):
        assert set(document) == set(hints)
        for part in MAPPING_PARTS:
            assert set(document[part]) == mapping_keys(part), part
        for part, keys in list_parts().items():
            if part == "recurrences":  # needs a second incident; its keys are proven by the decisions tests
                continue
            assert document[part], f"the fixture must populate {part} for the contract to be tested"
            item_type = hints[part].__args__[0]
            for item in document[part]:
                assert _required(item_type) <= set(item) <= keys, (part, set(item) ^ keys)
        filing_keys = item_keys(get_type_hints(ObligationDoc)["filings"].__args__[0])
        filed = [o for o in document["obligations"] if o["filings"]]
        assert filed and all(set(f) == filing_keys for o in filed for f in o["filings"])


def test_the_checks_know_exactly_the_documented_paths():
    from compliance.controls.builder import LIST_ITEM_KEYS, ROOTS

    assert LIST_ITEM_KEYS == list_parts()
    assert ROOTS == {*MAPPING_PARTS, "as_of", *list_parts()}
    assert "custody_verified" in LIST_ITEM_KEYS["evidence"] and "filings" in LIST_ITEM_KEYS["obligations"]
