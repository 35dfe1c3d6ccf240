"""Custody events on SQLite and PostgreSQL: rules, sealing, the append-only triggers, authenticated role, log rows."""

from __future__ import annotations

from datetime import datetime

import pytest
from sqlalchemy import text
from sqlalchemy.exc import DatabaseError

from compliance.core.errors import ConflictError, IntegrityError, ValidationError
from compliance.custody.evidence import get_blob_store
from compliance.custody.service import get_custody_log, get_custody_log_rows, record_custody_event, verify_custody
from tests.conftest import at
from tests.custody.helpers import add_file


@pytest.fixture
def ev(store, make_incident, tmp_path):
    """One evidence item EV-0001 collected by Dana Ruiz at 2026-03-01T12:00Z."""
    return add_file(store, make_incident(), tmp_path, b"firewall export\n")


def _record(store, action, **kwargs):
    kwargs.setdefault("actor", "Dana Ruiz")
    kwargs.setdefault("at", at("2026-03-02T10:00:00Z"))
    return record_custody_event(store=store, ref="EV-0001", action=action, **kwargs)


def test_transfer_moves_the_holder_and_the_next_transfer_must_start_from_the_new_holder(store, ev):
    _record(store, "transferred", from_holder="Dana Ruiz", to_holder="Forensics Ltd", reason="imaging",
            location="Forensics Ltd safe")
    with pytest.raises(ConflictError, match="--from: EV-0001 is held by 'Forensics Ltd', not 'Dana Ruiz'"):
        _record(store, "transferred", from_holder="Dana Ruiz", to_holder="Eve", reason="back")
    _record(store, "transferred", from_holder="Forensics Ltd", to_holder="Dana Ruiz", reason="returned")
    with store.session() as session:
        rows = get_custody_log_rows(session=session, evidence_ref="EV-0001")
    assert [r["action"] for r in rows] == ["collected", "transferred", "transferred"]
    assert rows[1]["note"] == "imaging; from Dana Ruiz to Forensics Ltd; Forensics Ltd safe"
    assert set(rows[0]) == {"seq", "at", "action", "actor", "actor_role", "note", "entry_hash"}
    assert rows[0]["actor_role"] is None and rows[1]["at"] == at("2026-03-02T10:00:00Z")


def test_sealed_evidence_refuses_transfer_and_analysis_until_released_with_a_reason(store, ev):
    _record(store, "sealed", reason="legal hold")
    for action, extra in (("analysed", {}), ("transferred", {"from_holder": "Dana Ruiz", "to_holder": "Eve", "reason": "x"})):
        with pytest.raises(ConflictError, match=f"EV-0001 is sealed: record 'released' with a reason before '{action}'"):
            _record(store, action, **extra)
    _record(store, "accessed")  # looking at sealed evidence is allowed and recorded
    with pytest.raises(ValidationError, match="--reason: a reason is required for 'released'"):
        _record(store, "released")
    _record(store, "released", reason="hold lifted by counsel")
    _record(store, "analysed", reason="timeline reconstruction")
    with store.session() as session:
        assert [e["action"] for e in get_custody_log(session=session, evidence_ref="EV-0001")] == [
            "collected", "sealed", "accessed", "released", "analysed"]


def test_sealing_twice_releasing_unsealed_and_anything_after_disposal_are_refused(store, ev):
    with pytest.raises(ConflictError, match="EV-0001 is not sealed"):
        _record(store, "released", reason="x")
    _record(store, "sealed")
    with pytest.raises(ConflictError, match="already sealed"):
        _record(store, "sealed")
    for action in ("disposed", "exported", "transferred", "analysed"):  # nothing but release (or a look) after a seal
        with pytest.raises(ConflictError, match=f"EV-0001 is sealed: record 'released' with a reason before '{action}'"):
            _record(store, action, reason="x", from_holder="Dana Ruiz", to_holder="Forensics Ltd")
    _record(store, "released", reason="hold lifted")
    _record(store, "disposed", reason="retention period ended")
    with pytest.raises(ConflictError, match="EV-0001 was disposed of"):
        _record(store, "accessed")


BAD_INPUT = [
    ("collected", {}, "--action: 'collected' is recorded once"),
    ("stolen", {}, "--action: 'stolen' is not one of"),
    ("accessed", {"actor": " "}, "--actor: must not be empty"),
    ("accessed", {"at": datetime(2026, 3, 2, 10)}, "--at: naive datetime refused"),
    ("accessed", {"at": at("2026-02-01T00:00:00Z")}, "--at: .* is before EV-0001 was collected"),
    ("accessed", {"at": at("2099-01-01T00:00:00Z")}, "--at: 2099-01-01T00:00:00\\+00:00 is in the future"),
    ("transferred", {"to_holder": "Eve", "reason": "x"}, "--from: a transfer needs the current holder"),
    ("transferred", {"from_holder": "Dana Ruiz", "reason": "x"}, "--to: a transfer needs the new holder"),
    ("transferred", {"from_holder": "Dana Ruiz", "to_holder": "Eve"}, "--reason: a reason is required"),
    ("accessed", {"reason": "two\nlines"}, "--reason: must be one line"),
]


def test_bad_custody_input_is_refused_with_the_field_named_and_nothing_appended(store, ev):
    for action, kwargs, message in BAD_INPUT:
        with pytest.raises(ValidationError, match=message):
            _record(store, action, **kwargs)
    with store.session() as session:
        assert len(get_custody_log(session=session)) == 1


def test_an_event_is_refused_when_the_blob_is_missing_or_altered(store, ev):
    blob = get_blob_store(store=store).path_of(ev["sha256"])
    blob.chmod(0o600)
    blob.write_bytes(b"edited")
    with pytest.raises(IntegrityError, match="EV-0001: blob sha256 is .* expected .* event not recorded"):
        _record(store, "accessed")
    blob.unlink()
    with pytest.raises(IntegrityError, match="EV-0001: blob missing: event not recorded"):
        _record(store, "accessed")


def test_each_event_stores_the_session_user_on_postgresql_and_no_role_on_sqlite(store, ev):
    event = _record(store, "accessed", actor="someone else entirely")
    with store.engine.connect() as conn:
        expected = conn.execute(text("SELECT session_user")).scalar_one() if store.dialect == "postgresql" else None
    assert event["db_role"] == expected and event["actor"] == "someone else entirely"
    if store.dialect == "postgresql":
        assert expected  # the role is really recorded, not None


REWRITES = [
    "UPDATE custody_event SET actor = 'Mallory'",
    "UPDATE custody_event SET sha256 = '" + "0" * 64 + "'",
    "DELETE FROM custody_event",
    "UPDATE evidence SET sha256 = '" + "0" * 64 + "'",
    "UPDATE evidence SET size = 1",
    "DELETE FROM evidence",
    "DELETE FROM custody_head",
]


def test_append_only_triggers_refuse_rewriting_history(store, ev):
    for statement in REWRITES:
        with pytest.raises(DatabaseError, match="append-only|immutable|chain head"):
            with store.engine.begin() as conn:
                conn.execute(text(statement))
    assert verify_custody(store=store).first_break is None


def test_truncate_of_the_custody_table_is_refused_on_postgresql_and_unsupported_on_sqlite(store, ev):
    # SQLite has no TRUNCATE (its DELETE is refused in test_append_only_triggers_refuse_rewriting_history).
    match = "append-only" if store.dialect == "postgresql" else 'near "TRUNCATE": syntax error'
    with pytest.raises(DatabaseError, match=match):
        with store.engine.begin() as conn:
            conn.execute(text("TRUNCATE custody_event"))
    assert verify_custody(store=store).events_checked == 1


def test_verify_of_an_intact_store_gives_counts_and_the_chain_head(store, ev):
    last = _record(store, "accessed")
    result = verify_custody(store=store)
    assert (result.events_checked, result.blobs_checked, result.head_hash, result.first_break) == (
        2, 1, last["event_hash"], None)
    assert result.summary() == (f"intact: 2 custody events and 1 blobs (1 evidence items) verified; "
                                f"chain head {last['event_hash']}")


def test_verify_of_an_empty_store_is_intact_with_no_head(store):
    result = verify_custody(store=store)
    assert (result.events_checked, result.blobs_checked, result.head_hash, result.first_break) == (0, 0, None, None)


def test_a_busy_store_is_retried_a_bounded_number_of_times(store, monkeypatch):
    import sqlite3

    from sqlalchemy.exc import OperationalError

    from compliance.custody import service
    from compliance.db import retry

    monkeypatch.setattr(retry.time, "sleep", lambda _s: None)
    calls = []

    def _busy_then_ok(session):
        calls.append(1)
        if len(calls) < 3:
            raise OperationalError("BEGIN IMMEDIATE", {}, sqlite3.OperationalError("database is locked"))
        return "appended"

    assert service.run_with_retry(store, _busy_then_ok) == "appended" and len(calls) == 3

    def _always_busy(session):
        calls.append(1)
        raise OperationalError("BEGIN IMMEDIATE", {}, sqlite3.OperationalError("database is locked"))

    calls.clear()
    with pytest.raises(OperationalError):
        service.run_with_retry(store, _always_busy, attempts=4)
    assert len(calls) == 4

    def _other_error(session):
        calls.append(1)
        raise OperationalError("SELECT", {}, sqlite3.OperationalError("no such table: x"))

    calls.clear()
    with pytest.raises(OperationalError):
        service.run_with_retry(store, _other_error)
    assert len(calls) == 1, "only a busy store is retried"


@pytest.mark.slow
def test_an_append_waiting_on_a_lock_held_by_another_connection_is_retried_on_postgresql(pg_schema_url, tmp_path,
                                                                                          monkeypatch):
    """The busy branch on PostgreSQL for real: the ledger lock's timeout (10 s, LG-PG-1) expires with 55P03 while
    another connection holds the ledger head, and the append is retried once the other writer is done."""
    import threading

    from sqlalchemy import create_engine

    from compliance.db import retry
    from compliance.db.store import init_store, open_store
    from compliance.incidents.service import open_incident

    store, _, _ = init_store(url=pg_schema_url, evidence_dir=tmp_path / "evidence")
    with store.session(immediate=True) as session:
        ref = open_incident(session=session, title="Lock test", severity="sev3", detected_at=at("2026-03-01T11:00:00Z")).ref
    add_file(store, ref, tmp_path, b"auth log\n")
    store.close()
    impatient = open_store(url=pg_schema_url, evidence_dir=tmp_path / "evidence")
    busy = []
    real_is_busy = retry.is_busy
    monkeypatch.setattr(retry, "is_busy", lambda exc: busy.append(exc) or real_is_busy(exc))
    holder = create_engine(pg_schema_url)
    try:
        with holder.connect() as conn:
            conn.execute(text("SELECT seq FROM ledger_head WHERE id = 1 FOR UPDATE"))
            threading.Timer(10.5, conn.rollback).start()  # the other writer finishes after one lock timeout
            event = record_custody_event(store=impatient, ref="EV-0001", action="accessed", actor="Eve",
                                         at=at("2026-03-02T09:00:00Z"))
    finally:
        holder.dispose()
        impatient.close()
    assert busy and all(getattr(exc.orig, "sqlstate", None) == "55P03" for exc in busy)
    assert event["seq"] == 2


def test_an_event_earlier_than_the_previous_event_of_the_item_is_refused(store, ev):
    _record(store, "accessed", at=at("2026-03-03T10:00:00Z"))
    with pytest.raises(ValidationError, match="--at: .* is before the previous custody event of EV-0001"):
        _record(store, "accessed", at=at("2026-03-02T10:00:00Z"))
    _record(store, "accessed", at=at("2026-03-03T10:00:00Z"))  # the same instant is not earlier
