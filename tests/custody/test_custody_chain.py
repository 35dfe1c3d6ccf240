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


_OWNERS = st.lists(st.tuples(st.sampled_from(["EV", "PE"]), st.integers(1, 3),
                             st.sampled_from(["collected", "accessed", "sealed"])), min_size=0, max_size=12)


@settings(max_examples=150, deadline=None)
@given(_OWNERS, st.integers(0, 3), st.integers(0, 3))
def test_each_evidence_item_and_programme_document_must_start_its_log_with_collected_in_one_pass(events, n_ev, n_pe):
    """CU-VER-3: one pass over a chain mixing both kinds; intact exactly when every item's first event is `collected`
    carrying its SHA-256 and every event names an existing item (programme events carry no evidence id)."""
    from compliance.custody.chain import build_chain
    from compliance.custody.verify import CustodyChainPass, chain_columns
    from tests.conftest import at

    evidence_rows = [(i, f"EV-{i:04d}", f"{i:064x}", 1) for i in range(1, n_ev + 1)]
    programme_rows = [(i, f"PE-{i:04d}", f"{100 + i:064x}", 1) for i in range(1, n_pe + 1)]
    sha = {row[1]: row[2] for row in evidence_rows + programme_rows}
    chain = build_chain([{"evidence_ref": f"{kind}-{n:04d}", "evidence_id": n if kind == "EV" else None,
                          "action": action, "at": at("2026-03-01T12:00:00Z"), "actor": "a", "db_role": None,
                          "from_holder": None, "to_holder": None, "location": None, "reason": None,
                          "sha256": sha.get(f"{kind}-{n:04d}", "0" * 64)} for kind, n, action in events])
    names = [c.name for c in chain_columns()]
    check = CustodyChainPass(evidence_rows, programme_rows)
    for event in chain:
        check.feed(tuple({**event, "id": event["seq"]}.get(name) for name in names))
    result = check.finish((len(chain), chain[-1]["event_hash"] if chain else None))
    first: dict[str, str] = {}
    for kind, n, action in events:
        first.setdefault(f"{kind}-{n:04d}", action)
    expected = set(first) <= set(sha) and all(first.get(ref) == "collected" for ref in sha)
    assert result.intact == expected, str(result.first_break)
