"""`compliance db roles`: least-privilege PostgreSQL roles, proven by connecting as each (SQLite: a clear refusal)."""

from __future__ import annotations

import uuid

import pytest
from sqlalchemy import text
from sqlalchemy.engine import make_url
from sqlalchemy.exc import ProgrammingError

from compliance.core.exitcodes import ExitCode
from compliance.custody.service import record_custody_event
from compliance.db.store import open_store
from tests.conftest import at
from tests.custody.helpers import add_file
from tests.pg_roles import least_privilege_roles


def _as(store, user: str):
    return make_url(store.url).set(username=user).render_as_string(hide_password=False)


@pytest.fixture
def pg_store(pg_schema_url, tmp_path):
    """An initialised store on PostgreSQL only (roles exist only there)."""
    from compliance.db.store import init_store

    store, _, _ = init_store(url=pg_schema_url, evidence_dir=tmp_path / "evidence")
    yield store
    store.close()


@pytest.fixture
def roles(pg_store):
    """Creates uniquely named writer/auditor roles and one login per role; drops them afterwards."""
    with least_privilege_roles(pg_store, "c", {"alice": "writer", "bob": "auditor"}) as names:
        yield names


def _refused(engine, statement: str) -> None:
    with pytest.raises(ProgrammingError, match="permission denied"):
        with engine.begin() as conn:
            conn.execute(text(statement))


def test_db_roles_is_one_line_refusal_on_sqlite_and_for_a_bad_role_name_on_postgresql(store, cli_run):
    if store.dialect == "postgresql":
        result = cli_run(["db", "roles", "--writer", "Robert'); DROP TABLE x;--"])
        assert result.exit_code == ExitCode.ERROR and result.output.startswith("error: --writer: ")
        return
    result = cli_run(["db", "roles"])
    assert result.exit_code == ExitCode.ERROR
    assert result.output == ("error: --db: roles need PostgreSQL; a SQLite store is protected by its "
                             "owner-only file permissions\n")


def test_print_sql_shows_the_grants_without_creating_roles_and_is_refused_on_sqlite(store, cli_run):
    if store.dialect == "sqlite":
        assert cli_run(["db", "roles", "--print-sql"]).exit_code == ExitCode.ERROR
        return
    name = "cw_" + uuid.uuid4().hex[:8]
    result = cli_run(["db", "roles", "--print-sql", "--writer", name])
    assert result.exit_code == 0
    assert "GRANT SELECT, INSERT ON " in result.output and ".custody_event TO " + name in result.output
    assert "UPDATE" not in [line for line in result.output.splitlines() if ".custody_event TO" in line][0]
    with store.engine.connect() as conn:
        assert conn.execute(text("SELECT 1 FROM pg_roles WHERE rolname = :r"), {"r": name}).first() is None


def test_writer_appends_but_can_never_rewrite_and_auditor_only_reads(pg_store, roles, tmp_path):
    from compliance.incidents.service import open_incident

    store, names = pg_store, roles
    with store.session(immediate=True) as session:
        ref = open_incident(session=session, title="Proxy abuse", severity="sev3",
                            detected_at=at("2026-03-01T11:00:00Z")).ref
    alice_store = open_store(url=_as(store, names["alice"]), evidence_dir=store.evidence_dir)
    bob_store = open_store(url=_as(store, names["bob"]), evidence_dir=store.evidence_dir)
    try:
        add_file(alice_store, ref, tmp_path, b"proxy log", collected_by="Alice")
        event = record_custody_event(store=alice_store, ref="EV-0001", action="accessed",
                                     actor="Bob (claimed)", at=at("2026-03-02T10:00:00Z"))
        assert event["db_role"] == names["alice"], "the authenticated login is recorded, whatever the stated actor"
        for statement in ("UPDATE custody_event SET actor = 'x'", "DELETE FROM custody_event",
                          "TRUNCATE custody_event", "UPDATE evidence SET size = 1", "DELETE FROM evidence"):
            _refused(alice_store.engine, statement)
        with alice_store.engine.begin() as conn:  # ordinary work stays possible
            conn.execute(text("UPDATE incident SET title = 'Renamed' WHERE ref = :r"), {"r": ref})
        with bob_store.engine.connect() as conn:
            assert conn.execute(text("SELECT count(*) FROM custody_event")).scalar_one() == 2
        for statement in ("UPDATE incident SET title = 'x'", "DELETE FROM custody_event",
                          "INSERT INTO custody_head (id, seq) VALUES (2, 0)"):
            _refused(bob_store.engine, statement)
        with pytest.raises(ProgrammingError, match="permission denied"):
            record_custody_event(store=bob_store, ref="EV-0001", action="accessed", actor="Bob",
                                 at=at("2026-03-02T11:00:00Z"))
    finally:
        alice_store.close()
        bob_store.close()


def test_the_writer_appends_to_the_ledger_only_through_the_database_function(pg_store, roles, tmp_path):
    from sqlalchemy.exc import DBAPIError

    from compliance.incidents.service import open_incident
    from compliance.integrity.service import verify_store

    store, names = pg_store, roles
    alice_store = open_store(url=_as(store, names["alice"]), evidence_dir=store.evidence_dir)
    bob_store = open_store(url=_as(store, names["bob"]), evidence_dir=store.evidence_dir)
    try:
        with alice_store.session(immediate=True) as session:
            ref = open_incident(session=session, title="Proxy abuse", severity="sev3",
                                detected_at=at("2026-03-01T11:00:00Z")).ref
        add_file(alice_store, ref, tmp_path, b"proxy log", collected_by="Alice")
        record_custody_event(store=alice_store, ref="EV-0001", action="sealed", actor="Alice", reason="hold",
                             at=at("2026-03-02T10:00:00Z"))
        with alice_store.engine.begin() as conn:
            roles_seen = {r[0] for r in conn.execute(text("SELECT DISTINCT db_role FROM ledger_entry "
                                                          "WHERE kind <> 'incident' OR seq > 1"))}
        assert roles_seen == {names["alice"]}, "session_user is filled by the database, not the client"
        for statement in ("INSERT INTO ledger_entry (seq, kind, entity_key, format, state, prev_hash, entry_hash, "
                          "recorded_at) VALUES (99, 'incident', '1', 1, 'null', 'x', 'y', 'z')",
                          "UPDATE ledger_entry SET state = 'null'", "DELETE FROM ledger_entry", "TRUNCATE ledger_entry",
                          "UPDATE ledger_head SET seq = 0", "SELECT * FROM ledger_head FOR UPDATE",
                          "DELETE FROM incident_change", "UPDATE notification SET late = false",
                          "UPDATE notification_waiver SET reason = 'x'", "TRUNCATE incident_change",
                          "UPDATE notification_delay SET requested_by = 'x'", "DELETE FROM notification_delay",
                          "UPDATE programme_evidence SET title = 'x'"):
            _refused(alice_store.engine, statement)
        with pytest.raises(DBAPIError, match="is sealed: transferred refused"):  # the function replays the rules
            with alice_store.engine.begin() as conn:
                conn.execute(text("SELECT compliance_ledger_append('custody_event', '999', :s)"),
                             {"s": '{"action":"transferred","at":"2026-03-01T00:00:00.000000Z","db_role":"'
                                   + names["alice"] + '","evidence_id":1,"evidence_ref":"EV-0001",'
                                   '"from_holder":"Alice","id":999,"to_holder":"Mallory"}'})
        with alice_store.engine.begin() as conn:  # a raw insert the ledger never saw, claiming to be postgres
            conn.execute(text("INSERT INTO custody_event (seq, evidence_id, evidence_ref, action, at, actor, db_role, "
                              "sha256, prev_hash, event_hash) SELECT 99, 1, 'EV-0001', 'transferred', "
                              "'2026-03-01T00:00:00Z', 'Mallory', 'postgres', sha256, 'x', 'forged' FROM evidence"))
        problems = [str(p) for p in verify_store(store=store).problems]
        assert any("custody_event" in p and "not in the ledger" in p for p in problems), problems
        for statement in ("SELECT compliance_ledger_lock()", "SELECT * FROM compliance_ledger_append('incident', '1', 'null')",
                          "SELECT * FROM ledger_head FOR UPDATE", "SELECT pg_catalog.now() FROM custody_head FOR UPDATE"):
            _refused(bob_store.engine, statement)
    finally:
        alice_store.close()
        bob_store.close()


def test_a_held_ledger_lock_makes_a_writer_fail_fast_not_hang(pg_store, roles):
    import time

    from sqlalchemy.exc import OperationalError

    from compliance.incidents.service import open_incident

    holder = pg_store.engine.connect()
    trans = holder.begin()
    holder.execute(text("SELECT compliance_ledger_lock()"))
    alice_store = open_store(url=_as(pg_store, roles["alice"]), evidence_dir=pg_store.evidence_dir)
    try:
        started = time.monotonic()
        with pytest.raises(OperationalError, match="lock timeout"):
            with alice_store.session(immediate=True) as session:
                open_incident(session=session, title="Blocked", severity="sev3", detected_at=at("2026-03-01T11:00:00Z"))
        assert time.monotonic() - started < 30
    finally:
        trans.rollback()
        holder.close()
        alice_store.close()
