"""Events assessed as not incidents: out of every headline figure, in the event register when assessed in the period."""

from __future__ import annotations

from datetime import date

from tests.conftest import at

GENERATED = at("2026-11-25T12:00:00Z")


def _declare(store, ref, *, outcome, decided_at, by="Sam SOC lead"):
    from compliance.decisions.service import record_declaration
    from compliance.incidents.service import get_incident

    with store.session(immediate=True) as session:
        record_declaration(session=session, incident=get_incident(session=session, ref=ref), outcome=outcome,
                           incident_type="phishing", rubric="IR-RUBRIC-2 v3", rationale="spam, no click",
                           decided_by=by, decided_at=at(decided_at))


def _pack(store):
    from compliance.reports.gather import gather_pack_model

    return gather_pack_model(store=store, frameworks=["gdpr"], period_from=date(2026, 4, 1), period_to=date(2026, 6, 30),
                             include_restricted=False, generated_at=GENERATED, title="t", organisation="o")


def test_an_event_dismissed_in_the_period_is_in_the_event_register_and_in_no_headline_figure(store, make_incident):
    incident = make_incident(title="real one", detected_at=at("2026-05-01T10:00:00Z"), severity="sev2")
    event = make_incident(title="suspicious mail", detected_at=at("2026-05-02T10:00:00Z"), severity="sev4")
    _declare(store, incident, outcome="incident", decided_at="2026-05-01T12:00:00Z")
    _declare(store, event, outcome="not_incident", decided_at="2026-05-02T12:00:00Z")
    pack = _pack(store)
    assert [i.ref for i in pack.incidents] == [incident]
    assert pack.severity_counts() == {"sev2": 1}
    assert [e.ref for e in pack.events] == [event]
    e = pack.events[0]
    assert (e.decided_by, e.rubric, e.rationale, e.decided_at) == ("Sam SOC lead", "IR-RUBRIC-2 v3", "spam, no click",
                                                                    at("2026-05-02T12:00:00Z"))
    assert pack.assessed_incidents == 1
    p = pack.population
    assert p.not_incident == 1 and p.in_store - p.after_end - p.not_incident - p.inactive == p.in_pack == 1


def test_the_in_scope_rule_for_events_is_the_assessment_instant_at_both_bounds(store, make_incident):
    # detected before the period, assessed on its first instant: in; detected inside, assessed after the end: out
    straddles_start = make_incident(title="a", detected_at=at("2026-03-31T23:00:00Z"))
    straddles_end = make_incident(title="b", detected_at=at("2026-06-30T23:00:00Z"))
    last_instant = make_incident(title="c", detected_at=at("2026-06-30T10:00:00Z"))
    before = make_incident(title="d", detected_at=at("2026-03-01T10:00:00Z"))
    _declare(store, straddles_start, outcome="not_incident", decided_at="2026-04-01T00:00:00Z")
    _declare(store, straddles_end, outcome="not_incident", decided_at="2026-07-01T00:00:00Z")
    _declare(store, last_instant, outcome="not_incident", decided_at="2026-06-30T23:59:59Z")
    _declare(store, before, outcome="not_incident", decided_at="2026-03-31T23:59:59Z")
    pack = _pack(store)
    assert [e.ref for e in pack.events] == [straddles_start, last_instant]
    assert pack.incidents == []
    assert pack.population.not_incident == 4


def test_the_latest_declaration_counts_a_reversed_dismissal_is_an_incident_again(store, make_incident):
    ref = make_incident(title="reopened", detected_at=at("2026-05-01T10:00:00Z"))
    _declare(store, ref, outcome="not_incident", decided_at="2026-05-01T11:00:00Z")
    _declare(store, ref, outcome="incident", decided_at="2026-05-03T11:00:00Z")
    pack = _pack(store)
    assert [i.ref for i in pack.incidents] == [ref] and pack.events == []


def test_the_reconciliation_and_event_register_are_printed_and_a_restricted_event_is_redacted(store, make_incident,
                                                                                               text_of):
    from compliance.reports.render import render_pack
    from tests.reports.conftest import squash

    event = make_incident(title="Board member mailbox", detected_at=at("2026-05-02T10:00:00Z"), restricted=True)
    _declare(store, event, outcome="not_incident", decided_at="2026-05-02T12:00:00Z")
    pack = _pack(store).with_restricted_redacted()
    assert pack.events[0].redacted and pack.events[0].decided_by is None
    pages = [squash(p) for p in text_of(render_pack(pack))]
    text = "".join(pages)
    assert squash("less: assessed as not an incident 1") in text
    assert squash("0 'incident', 1 'not an incident'") in text
    assert event in "".join(p for p in pages if "Eventregister" in p)
    assert "Boardmember" not in text and "SamSOClead" not in text


def test_the_manifest_lists_the_events_the_register_shows(sample_model):
    import dataclasses

    from compliance.reports.manifest import build_manifest
    from compliance.reports.registers import EventRow

    event = EventRow(ref="INC-0009", title="spam", detected_at=at("2026-05-01T10:00:00Z"),
                     decided_at=at("2026-05-01T11:00:00Z"), decided_by="SOC", rubric="R-1")
    pack = dataclasses.replace(sample_model(1), events=[event])
    manifest = build_manifest(pack=pack, pdf=b"%PDF", pdf_name="p.pdf", pages=1, public=False, signer=None)
    assert manifest["events"] == [{"ref": "INC-0009", "outcome": "not_incident",
                                   "detected_at": "2026-05-01T10:00:00Z", "decided_at": "2026-05-01T11:00:00Z"}]
