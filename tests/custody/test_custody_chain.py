"""The hash chain as pure functions (property-based): any chain verifies; any single change is named."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone

from hypothesis import given, settings
from hypothesis import strategies as st

from compliance.custody.chain import GENESIS, build_chain, canonical_event, compute_event_hash, verify_events

UTC = UTC
ACTIONS = ["collected", "transferred", "accessed", "analysed", "exported", "sealed", "released", "disposed"]
text_ = st.one_of(st.none(), st.text(max_size=20))
events = st.lists(st.fixed_dictionaries({
    "evidence_ref": st.sampled_from(["EV-0001", "EV-0002", "EV-0003"]),
    "action": st.sampled_from(ACTIONS),
    "at": st.datetimes(min_value=datetime(2000, 1, 1), max_value=datetime(2100, 1, 1), timezones=st.just(UTC)),
    "actor": st.text(min_size=1, max_size=20),
    "db_role": text_, "from_holder": text_, "to_holder": text_, "location": text_, "reason": text_,
    "sha256": st.text(alphabet="0123456789abcdef", min_size=64, max_size=64),
}), min_size=1, max_size=12)


def _verify(chain):
    last = chain[-1] if chain else None
    return verify_events(chain, head_seq=last["seq"] if last else 0, head_hash=last["event_hash"] if last else None)


@settings(max_examples=60, deadline=None)
@given(events)
def test_any_chain_built_by_the_rules_verifies(items):
    chain = build_chain(items)
    assert chain[0]["prev_hash"] == GENESIS
    assert _verify(chain) is None


@settings(max_examples=60, deadline=None)
@given(events, st.data())
def test_any_single_field_change_is_detected_and_names_the_event(items, data):
    chain = build_chain(items)
    index = data.draw(st.integers(0, len(chain) - 1))
    key = data.draw(st.sampled_from(["evidence_ref", "action", "at", "actor", "db_role", "from_holder",
                                     "to_holder", "location", "reason", "sha256"]))
    original = chain[index][key]
    if key == "at":
        changed = original + timedelta(microseconds=1)
    else:
        changed = data.draw(st.text(min_size=1, max_size=20).filter(lambda v: v != original))
    chain[index] = dict(chain[index], **{key: changed})
    brk = _verify(chain)
    assert brk is not None and brk.item == f"event {index + 1}"
    assert "event_hash does not match" in str(brk)


@settings(max_examples=60, deadline=None)
@given(events.filter(lambda e: len(e) >= 2), st.data())
def test_deleting_any_event_is_detected_even_the_last(items, data):
    chain = build_chain(items)
    head_seq, head_hash = chain[-1]["seq"], chain[-1]["event_hash"]
    index = data.draw(st.integers(0, len(chain) - 1))
    del chain[index]
    brk = verify_events(chain, head_seq=head_seq, head_hash=head_hash)
    assert brk is not None
    if index < len(chain):
        assert brk.item == f"event {index + 1}" and "missing" in brk.problem
    else:
        assert brk.item == "chain head"


@settings(max_examples=60, deadline=None)
@given(events.filter(lambda e: len(e) >= 2), st.data())
def test_swapping_two_events_is_detected_at_the_first_swapped_position(items, data):
    chain = build_chain(items)
    i = data.draw(st.integers(0, len(chain) - 2))
    j = data.draw(st.integers(i + 1, len(chain) - 1))
    chain[i], chain[j] = chain[j], chain[i]
    brk = _verify(chain)
    assert brk is not None and brk.item == f"event {i + 1}"


@settings(max_examples=30, deadline=None)
@given(events, st.data())
def test_rehashing_an_edited_event_still_breaks_the_link_to_the_next(items, data):
    chain = build_chain(items)
    if len(chain) < 2:
        chain = build_chain(items + items)
    index = data.draw(st.integers(0, len(chain) - 2))
    edited = dict(chain[index], actor=chain[index]["actor"] + "x")
    edited["event_hash"] = compute_event_hash(edited)
    chain[index] = edited
    brk = _verify(chain)
    assert brk is not None and brk.item == f"event {index + 2}" and "prev_hash" in brk.problem


def test_canonical_form_is_sorted_compact_json_with_utc_microsecond_instants():
    event = {"seq": 1, "evidence_ref": "EV-0001", "action": "collected",
             "at": datetime(2026, 3, 1, 13, 0, tzinfo=timezone(timedelta(hours=1))), "actor": "Dana",
             "db_role": None, "from_holder": None, "to_holder": "Dana", "location": None, "reason": "ü",
             "sha256": "a" * 64, "prev_hash": GENESIS}
    assert canonical_event(event) == (
        '{"action":"collected","actor":"Dana","at":"2026-03-01T12:00:00.000000Z","db_role":null,'
        '"evidence":"EV-0001","from":null,"location":null,"prev_hash":"' + GENESIS + '","reason":"ü",'
        '"seq":1,"sha256":"' + "a" * 64 + '","to":"Dana"}').encode("utf-8")


@settings(max_examples=200, deadline=None)
@given(events)
def test_fast_canonical_form_is_byte_identical_to_the_json_dumps_definition(items):
    from compliance.custody.chain import canonical_event_reference

    for event in build_chain(items):
        assert canonical_event(event) == canonical_event_reference(event)
