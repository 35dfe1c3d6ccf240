"""Incident register rules, on both engines."""

from __future__ import annotations

from datetime import datetime

import pytest

from compliance.core.errors import NotFoundError, ValidationError
from compliance.incidents.service import (
    add_timeline_entry,
    get_incident,
    get_incident_changes,
    get_timeline,
    list_incidents,
    update_incident,
)
from tests.conftest import at


def test_incident_ids_are_sequential_per_store(make_incident):
    assert [make_incident(), make_incident(), make_incident()] == ["INC-0001", "INC-0002", "INC-0003"]


def test_unknown_severity_is_refused_naming_the_field(make_incident):
    with pytest.raises(ValidationError, match=r"^--severity: 'sev9' is not one of sev1, sev2, sev3, sev4"):
        make_incident(severity="sev9")


def test_detection_before_first_trigger_is_refused(make_incident):
    with pytest.raises(ValidationError, match="--detected-at: detected_at is before started_at"):
        make_incident(started_at=at("2026-03-01T12:00:00Z"), detected_at=at("2026-03-01T11:00:00Z"))


def test_awareness_before_detection_is_refused(make_incident):
    with pytest.raises(ValidationError, match="aware_at is before detected_at"):
        make_incident(aware_at=at("2026-03-01T10:00:00Z"))


def test_naive_datetime_is_refused_by_the_library(make_incident):
    with pytest.raises(ValidationError, match="naive datetime refused"):
        make_incident(detected_at=datetime(2026, 3, 1, 11, 0))


def test_unknown_incident_id_is_not_found(session):
    with pytest.raises(NotFoundError, match="unknown incident 'INC-0042'"):
        get_incident(session=session, ref="INC-0042")


def test_incident_ids_are_read_leniently(make_incident, session):
    make_incident()
    assert get_incident(session=session, ref="inc-1").ref == "INC-0001"
    assert get_incident(session=session, ref="1").ref == "INC-0001"


def test_every_change_is_kept_in_the_audit_trail(store, make_incident):
    ref = make_incident()
    with store.session() as session:
        incident = get_incident(session=session, ref=ref)
        update_incident(session=session, incident=incident, changes={"status": "resolved"}, changed_by="alex",
                        now=at("2026-03-01T15:00:00Z"))
    with store.session() as session:
        incident = get_incident(session=session, ref=ref)
        changes = get_incident_changes(session=session, incident=incident)
    assert incident.status == "resolved" and incident.resolved_at == at("2026-03-01T15:00:00Z")
    assert {(c.field, c.new_value, c.changed_by) for c in changes} == {
        ("status", "resolved", "alex"), ("resolved_at", "2026-03-01T15:00:00Z", "alex")}


def test_rewriting_a_recorded_clock_instant_needs_a_reason(store, make_incident):
    ref = make_incident(aware_at=at("2026-03-01T12:00:00Z"))
    with store.session() as session:
        incident = get_incident(session=session, ref=ref)
        with pytest.raises(ValidationError, match="--reason: changing aware_at after it was recorded needs a reason"):
            update_incident(session=session, incident=incident,
                            changes={"aware_at": at("2026-03-02T12:00:00Z")}, changed_by="alex")
    with store.session() as session:
        incident = get_incident(session=session, ref=ref)
        assert incident.aware_at == at("2026-03-01T12:00:00Z")
        update_incident(session=session, incident=incident, changes={"aware_at": at("2026-03-02T12:00:00Z")},
                        changed_by="alex", reason="legal confirmed breach on 2 March")
        change = get_incident_changes(session=session, incident=incident)[-1]
    assert (change.old_value, change.new_value, change.reason) == (
        "2026-03-01T12:00:00Z", "2026-03-02T12:00:00Z", "legal confirmed breach on 2 March")


def test_timeline_is_returned_in_time_order(store, make_incident):
    ref = make_incident()
    with store.session() as session:
        incident = get_incident(session=session, ref=ref)
        add_timeline_entry(session=session, incident=incident, at=at("2026-03-01T11:30:00Z"), kind="mitigation", text="b")
        add_timeline_entry(session=session, incident=incident, at=at("2026-03-01T10:55:00Z"), kind="trigger", text="a")
    with store.session() as session:
        texts = [e.text for e in get_timeline(session=session, incident=get_incident(session=session, ref=ref))]
    assert texts == ["a", "b"]


def test_unknown_timeline_kind_is_refused(store, make_incident):
    ref = make_incident()
    with store.session() as session:
        incident = get_incident(session=session, ref=ref)
        with pytest.raises(ValidationError, match="--kind: 'rumour' is not one of"):
            add_timeline_entry(session=session, incident=incident, at=at("2026-03-01T11:30:00Z"), kind="rumour", text="x")


def test_restricted_incidents_can_be_left_out_of_listings(store, make_incident):
    make_incident()
    make_incident(restricted=True)
    with store.session() as session:
        assert [i.ref for i in list_incidents(session=session, include_restricted=False)] == ["INC-0001"]
        assert len(list_incidents(session=session)) == 2
