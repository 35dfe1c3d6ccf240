"""Tampering behind the application's back, as superuser (triggers bypassed), on SQLite and PostgreSQL:
`compliance verify` (and `custody verify`) names every case."""

from __future__ import annotations

import hashlib
import json

import pytest
from sqlalchemy import text

from compliance.core.exitcodes import ExitCode
from compliance.db.ledger.canonical import canonical_state, jcs
from compliance.db.ledger.chain import entry_hash
from compliance.integrity.service import verify_store
from tests.custody.helpers import triggers_bypassed


def _problems(store) -> list[str]:
    result = verify_store(store=store)
    assert not result.intact, "tampering went unnoticed"
    return [str(p) for p in result.problems]


def _named(store, *fragments: str) -> str:
    problems = _problems(store)
    for problem in problems:
        if all(f in problem for f in fragments):
            assert "\n" not in problem
            return problem
    raise AssertionError(f"no problem names {fragments}: {problems}")


def test_an_untouched_store_verifies_and_the_cli_says_what_the_ledger_covers(store, recorded, cli_run):
    result = verify_store(store=store)
    assert result.intact, [str(p) for p in result.problems]
    assert result.counts == {"incident": 1, "incident_change": 2, "timeline_entry": 2, "action_item": 1,
                             "evidence": 1, "custody_event": 3, "notification": 1, "notification_waiver": 1,
                             "setting": 2}
    out = cli_run(["verify"])
    assert out.exit_code == ExitCode.OK and "ledger intact" in out.output and "1 notification_waiver" in out.output


def test_editing_an_incident_instant_in_the_table_is_named_with_the_field(store, recorded, cli_run):
    with store.engine.begin() as conn:
        conn.execute(text("UPDATE incident SET aware_at = detected_at"))
    assert "aware_at" in _named(store, "incident 1", "edited behind the application's back")
    for command in (["verify"], ["custody", "verify"]):
        out = cli_run(command)
        assert out.exit_code == ExitCode.INTEGRITY and "incident 1" in out.output


def test_a_filing_made_on_time_in_the_table_is_named(store, recorded):
    with triggers_bypassed(store, "notification") as conn:
        conn.execute(text("UPDATE notification SET late = false"))
    assert "late=" in _named(store, "notification 1", "edited behind")


def test_an_edited_waiver_is_named(store, recorded):
    with triggers_bypassed(store, "notification_waiver") as conn:
        conn.execute(text("UPDATE notification_waiver SET reason = 'because'"))
    _named(store, "notification_waiver 1", "edited behind")


def test_deleting_the_audit_trail_is_named(store, recorded):
    with triggers_bypassed(store, "incident_change") as conn:
        conn.execute(text("DELETE FROM incident_change"))
    _named(store, "incident_change", "gone (deleted behind")


def test_a_row_inserted_without_the_ledger_is_named(store, recorded):
    with store.engine.begin() as conn:
        conn.execute(text("INSERT INTO timeline_entry (incident_id, at, kind, text, customer_visible, created_at) "
                          "VALUES (1, '2026-03-01 09:00:00', 'other', 'planted', false, '2026-03-01 09:00:00')"))
    _named(store, "timeline_entry", "not in the ledger")


def _entries(conn) -> list[dict]:
    rows = conn.execute(text("SELECT seq, kind, entity_key, state, prev_hash, recorded_at, db_role, entry_hash "
                             "FROM ledger_entry ORDER BY seq")).mappings().all()
    return [dict(r) for r in rows]


def test_editing_a_ledger_entry_is_named(store, recorded):
    with triggers_bypassed(store, "ledger_entry") as conn:
        conn.execute(text("UPDATE ledger_entry SET state = replace(state, 'Dana Ruiz', 'Mallory') "
                          "WHERE kind = 'evidence'"))
    _named(store, "ledger entry", "entry_hash does not match")


def test_deleting_a_ledger_entry_in_the_middle_is_named(store, recorded):
    with triggers_bypassed(store, "ledger_entry") as conn:
        conn.execute(text("DELETE FROM ledger_entry WHERE seq = 3"))
    _named(store, "ledger entry 3", "missing")


def test_reordering_ledger_entries_is_named(store, recorded):
    with triggers_bypassed(store, "ledger_entry") as conn:
        conn.execute(text("UPDATE ledger_entry SET seq = -2 WHERE seq = 2"))
        conn.execute(text("UPDATE ledger_entry SET seq = 2 WHERE seq = 3"))
        conn.execute(text("UPDATE ledger_entry SET seq = 3 WHERE seq = -2"))
    _named(store, "ledger entry 2")


def test_truncating_the_tail_is_caught_by_the_head(store, recorded):
    with store.engine.begin() as conn:
        length = conn.execute(text("SELECT seq FROM ledger_head")).scalar_one()
    with triggers_bypassed(store, "ledger_entry") as conn:
        conn.execute(text("DELETE FROM ledger_entry WHERE seq = :s"), {"s": length})
    _named(store, "ledger head", f"entry {length}")


def test_cutting_the_tail_and_fixing_the_head_unseals_nothing_unnoticed(store, recorded):
    with store.engine.begin() as conn:
        sealed = conn.execute(text("SELECT seq FROM ledger_entry WHERE kind = 'custody_event' "
                                   "ORDER BY seq DESC LIMIT 1")).scalar_one()
    with triggers_bypassed(store, "ledger_entry", "custody_event", "custody_head") as conn:
        conn.execute(text("DELETE FROM ledger_entry WHERE seq >= :s"), {"s": sealed})
        last = conn.execute(text("SELECT seq, entry_hash FROM ledger_entry ORDER BY seq DESC LIMIT 1")).one()
        conn.execute(text("UPDATE ledger_head SET seq = :s, entry_hash = :h"), {"s": last[0], "h": last[1]})
    problems = _problems(store)
    assert any("custody_event 3" in p and "not in the ledger" in p for p in problems), problems


def test_a_consistent_rehash_of_the_whole_ledger_is_caught_by_the_rows(store, recorded):
    """Rewriting a state and re-hashing everything after it keeps the chain valid; the rows no longer match."""
    with triggers_bypassed(store, "ledger_entry") as conn:
        entries = _entries(conn)
        conn.execute(text("DELETE FROM ledger_entry"))
        prev = "0" * 64
        for e in entries:
            if e["kind"] == "incident":
                state = json.loads(e["state"])
                state["aware_at"] = state["detected_at"]
                e["state"] = jcs(state)
            e["prev_hash"] = prev
            e["entry_hash"] = entry_hash(seq=e["seq"], kind=e["kind"], key=e["entity_key"], state=e["state"],
                                         prev_hash=prev, recorded_at=e["recorded_at"], db_role=e["db_role"])
            prev = e["entry_hash"]
            conn.execute(text("INSERT INTO ledger_entry (seq, kind, entity_key, format, state, prev_hash, entry_hash, "
                              "recorded_at, db_role) VALUES (:seq, :kind, :entity_key, 1, :state, :prev_hash, "
                              ":entry_hash, :recorded_at, :db_role)"), e)
        conn.execute(text("UPDATE ledger_head SET entry_hash = :h"), {"h": prev})
    assert "aware_at" in _named(store, "incident 1", "differs from its latest ledger entry")


def _forge_custody(store, conn, *, action, at, from_holder=None, to_holder=None, db_role="postgres"):
    """Appends a custody event with a correct custody hash and a correct ledger entry, as a superuser could."""
    from compliance.custody.chain import compute_event_hash
    from compliance.db.ledger.service import append_states
    from compliance.db.metadata import get_metadata

    last = conn.execute(text("SELECT seq, event_hash, evidence_id, evidence_ref, sha256 FROM custody_event "
                             "ORDER BY seq DESC LIMIT 1")).one()
    event = {"id": last[0] + 100, "seq": last[0] + 1, "evidence_id": last[2], "evidence_ref": last[3], "action": action,
             "at": at, "actor": "Mallory", "db_role": db_role, "from_holder": from_holder, "to_holder": to_holder,
             "location": None, "reason": "forged", "sha256": last[4], "prev_hash": last[1]}
    event["event_hash"] = compute_event_hash(event)
    conn.execute(get_metadata().tables["custody_event"].insert(), event)
    conn.execute(text("UPDATE custody_head SET seq = :s, event_hash = :h"), {"s": event["seq"], "h": event["event_hash"]})
    columns = [c.name for c in get_metadata().tables["custody_event"].columns]
    append_states(conn, [("custody_event", str(event["id"]), canonical_state({c: event[c] for c in columns}))],
                  server=False)


def test_a_hash_valid_transfer_of_a_sealed_item_back_dated_and_claiming_postgres_is_named(store, recorded):
    from tests.conftest import at

    with store.engine.begin() as conn:
        _forge_custody(store, conn, action="transferred", at=at("2026-03-01T00:00:00Z"), from_holder="Forensics Ltd",
                       to_holder="Mallory")
    custody = verify_store(store=store).custody
    assert custody.first_break is None, "the custody chain alone is fooled: the rules are what catch it"
    problem = _named(store, "custody event 4", "breaks the custody rules")
    assert "sealed" in problem


def test_a_back_dated_event_is_named(store, recorded):
    from tests.conftest import at

    with store.engine.begin() as conn:
        _forge_custody(store, conn, action="released", at=at("2026-03-02T09:30:00Z"))
    assert "before the previous custody event" in _named(store, "custody event 4", "breaks the custody rules")


def test_an_event_far_after_its_recording_is_named(store, recorded):
    from tests.conftest import at

    with store.engine.begin() as conn:
        _forge_custody(store, conn, action="released", at=at("2099-01-01T00:00:00Z"))
    _named(store, "custody event 4", "later than its recording")


def test_an_evidence_row_that_disagrees_with_its_collected_event_is_named(store, recorded):
    with triggers_bypassed(store, "evidence") as conn:
        conn.execute(text("UPDATE evidence SET collected_by = 'Mallory'"))
    _named(store, "EV-0001", "differs from its 'collected' event (actor)")


def test_a_late_flag_forged_consistently_in_row_and_ledger_is_caught_by_the_deadline_rules(store, recorded):
    with triggers_bypassed(store, "notification", "ledger_entry") as conn:
        conn.execute(text("UPDATE notification SET late = false"))
        entries = _entries(conn)
        conn.execute(text("DELETE FROM ledger_entry"))
        prev = "0" * 64
        for e in entries:
            if e["kind"] == "notification":
                state = json.loads(e["state"])
                state["late"] = False
                e["state"] = jcs(state)
            e["prev_hash"] = prev
            e["entry_hash"] = entry_hash(seq=e["seq"], kind=e["kind"], key=e["entity_key"], state=e["state"],
                                         prev_hash=prev, recorded_at=e["recorded_at"], db_role=e["db_role"])
            prev = e["entry_hash"]
            conn.execute(text("INSERT INTO ledger_entry (seq, kind, entity_key, format, state, prev_hash, entry_hash, "
                              "recorded_at, db_role) VALUES (:seq, :kind, :entity_key, 1, :state, :prev_hash, "
                              ":entry_hash, :recorded_at, :db_role)"), e)
        conn.execute(text("UPDATE ledger_head SET entry_hash = :h"), {"h": prev})
    problem = _named(store, "notification 1", "late flag differs from the deadline rules")
    assert "late=True" in problem and "late=False" in problem


@pytest.mark.parametrize("kind", ["fifo", "symlink"])
def test_a_blob_replaced_by_a_fifo_or_a_symlink_to_dev_zero_is_a_named_failure_not_a_hang(store, recorded, kind,
                                                                                           cli_run, tmp_path):
    import os

    from compliance.evidence.lookup import get_blob_store

    blob = get_blob_store(store=store).path_of(recorded["sha256"])
    blob.unlink()
    if kind == "fifo":
        os.mkfifo(blob)
    else:
        blob.symlink_to("/dev/zero")
    what = "a FIFO" if kind == "fifo" else "a symbolic link"
    out = cli_run(["custody", "verify"])
    assert out.exit_code == ExitCode.INTEGRITY and f"EV-0001: blob is {what}" in out.output
    out = cli_run(["custody", "record", "EV-0001", "--action", "accessed", "--actor", "Eve"])
    assert out.exit_code == ExitCode.INTEGRITY and f"blob is {what}" in out.output
    out = cli_run(["evidence", "export", "EV-0001", str(tmp_path / "copy.bin"), "--by", "Eve"])
    assert out.exit_code != ExitCode.OK and not (tmp_path / "copy.bin").exists()


def test_entry_hash_is_sha256_of_the_rfc8785_form_any_library_recomputes(store, recorded):
    import rfc8785

    with store.engine.begin() as conn:
        for e in _entries(conn):
            doc = {"db_role": e["db_role"], "format": 1, "key": e["entity_key"], "kind": e["kind"],
                   "prev_hash": e["prev_hash"], "recorded_at": e["recorded_at"], "seq": e["seq"],
                   "state": json.loads(e["state"])}
            assert hashlib.sha256(rfc8785.dumps(doc)).hexdigest() == e["entry_hash"]
