"""Recurrence links: an incident recurring an earlier one after an action addressing it was completed."""

from __future__ import annotations

from datetime import date

from hypothesis import given
from hypothesis import strategies as st

from compliance.metrics.definitions import recurrence, recurring_tags
from tests.conftest import at

GENERATED = at("2026-11-25T12:00:00Z")


def _action(store, ref, *, completed_at=None):
    from compliance.actions.service import action_ref, add_action, complete_action
    from compliance.incidents.service import get_incident

    with store.session(immediate=True) as session:
        incident = get_incident(session=session, ref=ref)
        action = add_action(session=session, incident=incident, description="rotate keys", owner="SRE", due="2026-04-30")
        if completed_at:
            complete_action(session=session, action=action, at=at(completed_at))
        return action_ref(action, incident)


def _pack(store):
    from compliance.reports.gather import gather_pack_model

    return gather_pack_model(store=store, frameworks=["gdpr"], period_from=date(2026, 4, 1), period_to=date(2026, 6, 30),
                             include_restricted=False, generated_at=GENERATED, title="t", organisation="o")


@given(st.integers(min_value=-200, max_value=200), st.sets(st.sampled_from("abc")), st.sets(st.sampled_from("abc")))
def test_the_pairwise_rule_agrees_with_the_recurrence_metric(days, tags, earlier_tags):
    from datetime import timedelta

    later = at("2026-06-01T00:00:00Z")
    earlier = later - timedelta(days=days)
    pair = recurring_tags(detected_at=later, tags=tags, earlier_detected_at=earlier, earlier_tags=earlier_tags)
    rate, _ = recurrence([("b", later, sorted(tags))], [("a", earlier, sorted(earlier_tags))])
    assert bool(pair) == (rate == 1.0)


def test_a_planted_recurrence_after_a_completed_action_is_linked_on_the_page_and_counted(store, make_incident, text_of):
    from compliance.reports.render import render_pack
    from tests.reports.conftest import squash

    earlier = make_incident(title="first", detected_at=at("2026-04-02T10:00:00Z"), tags=["credential-stuffing"])
    action = _action(store, earlier, completed_at="2026-04-20T09:00:00Z")
    later = make_incident(title="again", detected_at=at("2026-05-10T10:00:00Z"), tags=["credential-stuffing", "eu"])
    pack = _pack(store)
    links = {i.ref: i.recurrences for i in pack.incidents}
    assert links[earlier] == []
    [link] = links[later]
    assert (link.earlier_ref, link.action_ref, link.completed_at, link.tag) == (
        earlier, action, at("2026-04-20T09:00:00Z"), "credential-stuffing")
    text = "".join(squash(p) for p in text_of(render_pack(pack.with_restricted_redacted())))
    assert squash(f"recurs {earlier} (theme: credential-stuffing) after action {action} was completed on "
                  "2026-04-20 09:00 UTC") in text
    assert squash("Recurrences after a completed action (1)") in text


def test_no_link_when_the_earlier_action_is_not_done_or_done_after_or_the_themes_differ(store, make_incident):
    open_action = make_incident(title="a", detected_at=at("2026-04-02T10:00:00Z"), tags=["phish"])
    _action(store, open_action)
    done_later = make_incident(title="b", detected_at=at("2026-04-03T10:00:00Z"), tags=["ddos"])
    _action(store, done_later, completed_at="2026-05-20T00:00:00Z")
    other_theme = make_incident(title="c", detected_at=at("2026-04-04T10:00:00Z"), tags=["malware"])
    _action(store, other_theme, completed_at="2026-04-05T00:00:00Z")
    make_incident(title="d", detected_at=at("2026-05-10T10:00:00Z"), tags=["phish", "ddos", "ransomware"])
    assert all(i.recurrences == [] for i in _pack(store).incidents)


def test_a_restricted_recurrences_theme_is_withheld_but_still_counted(store, make_incident):
    earlier = make_incident(title="first", detected_at=at("2026-04-02T10:00:00Z"), tags=["insider"])
    _action(store, earlier, completed_at="2026-04-20T09:00:00Z")
    later = make_incident(title="secret", detected_at=at("2026-05-10T10:00:00Z"), tags=["insider"], restricted=True)
    pack = _pack(store).with_restricted_redacted()
    [link] = next(i for i in pack.incidents if i.ref == later).recurrences
    assert link.tag == "(restricted: withheld)" and link.earlier_ref == earlier


def test_an_event_dismissed_as_not_an_incident_is_never_the_earlier_incident(store, make_incident):
    from compliance.decisions.service import record_declaration
    from compliance.incidents.service import get_incident

    event = make_incident(title="false alarm", detected_at=at("2026-04-02T10:00:00Z"), tags=["phish"])
    _action(store, event, completed_at="2026-04-03T09:00:00Z")
    with store.session(immediate=True) as session:
        record_declaration(session=session, incident=get_incident(session=session, ref=event), outcome="not_incident",
                           incident_type="phishing", rubric="R-1", decided_by="SOC", decided_at=at("2026-04-02T12:00:00Z"))
    later = make_incident(title="real", detected_at=at("2026-05-10T10:00:00Z"), tags=["phish"])
    pack = _pack(store)
    assert [i.ref for i in pack.incidents] == [later] and pack.incidents[0].recurrences == []


def test_a_recurring_theme_links_only_the_latest_earlier_incident_each_linking_back_in_turn(store, make_incident):
    first = make_incident(title="1", detected_at=at("2026-04-02T10:00:00Z"), tags=["phish"])
    _action(store, first, completed_at="2026-04-03T00:00:00Z")
    second = make_incident(title="2", detected_at=at("2026-04-10T10:00:00Z"), tags=["phish"])
    _action(store, second, completed_at="2026-04-11T00:00:00Z")
    third = make_incident(title="3", detected_at=at("2026-04-20T10:00:00Z"), tags=["phish", "ddos"])
    links = {i.ref: [(r.earlier_ref, r.tag) for r in i.recurrences] for i in _pack(store).incidents}
    assert links == {first: [], second: [(first, "phish")], third: [(second, "phish")]}
