"""The incident document's shape is written once (compliance.documents.types): the domains produce exactly it."""

from __future__ import annotations

from typing import get_type_hints

from compliance.documents.types import (
    IncidentDocument,
    ObligationDoc,
    incident_keys,
    item_keys,
    list_parts,
    postmortem_keys,
)
from tests.conftest import at
from tests.controls.test_store import AS_OF, _document_incident
from tests.custody.helpers import add_file


def _required(typed: type) -> frozenset[str]:
    return frozenset(typed.__required_keys__)


def test_every_part_the_services_produce_has_exactly_the_typed_keys(store, make_incident, tmp_path):
    from compliance.deadlines.service import record_notification
    from compliance.documents.service import build_incident_document, build_incident_documents
    from compliance.incidents.service import get_incident

    ref = make_incident(personal_data=True, regimes=["gdpr"], aware_at=at("2026-03-01T13:00:00Z"))
    _document_incident(store, ref)
    add_file(store, ref, tmp_path, b"waf export")
    with store.session(immediate=True) as session:
        record_notification(session=session, incident=get_incident(session=session, ref=ref), regime="gdpr",
                            stage="authority_notification", at=at("2026-03-03T09:30:00Z"), recipient="BfDI",
                            reference="DE-1", recorded_by="test")
    with store.session() as session:
        incident = get_incident(session=session, ref=ref)
        single = build_incident_document(session=session, incident=incident, as_of=at(AS_OF))
        (bulk,) = build_incident_documents(session=session, incidents=[incident], as_of=at(AS_OF))

    hints = get_type_hints(IncidentDocument)
    for document in (single, bulk):
        assert set(document) == set(hints)
        assert set(document["incident"]) == incident_keys()
        assert set(document["postmortem"]) == postmortem_keys()
        for part, keys in list_parts().items():
            assert document[part], f"the fixture must populate {part} for the contract to be tested"
            item_type = hints[part].__args__[0]
            for item in document[part]:
                assert _required(item_type) <= set(item) <= keys, (part, set(item) ^ keys)
        filing_keys = item_keys(get_type_hints(ObligationDoc)["filings"].__args__[0])
        filed = [o for o in document["obligations"] if o["filings"]]
        assert filed and all(set(f) == filing_keys for o in filed for f in o["filings"])


def test_the_checks_know_exactly_the_documented_paths():
    from compliance.controls.checks import LIST_ITEM_KEYS, ROOTS

    assert LIST_ITEM_KEYS == list_parts()
    assert ROOTS == {"incident", "postmortem", "as_of", *list_parts()}
    assert "custody_verified" in LIST_ITEM_KEYS["evidence"] and "filings" in LIST_ITEM_KEYS["obligations"]
