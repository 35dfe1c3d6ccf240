"""Programme documents in the chain of custody (issue 14 §2, CU-SVC-6, CU-PRG-1, CU-VER-3, CU-MOD-6): `collected` when
added, the same rules and commands as evidence, checked by verify, blobs re-hashed, the writer role appends but never
rewrites (PostgreSQL), and a store upgraded with documents already in it gets one honest back-filled event each."""

from __future__ import annotations

import json

import pytest
from alembic import command
from sqlalchemy import create_engine, text
from sqlalchemy.exc import DBAPIError, ProgrammingError

from compliance.core.exitcodes import ExitCode
from compliance.core.timeutil import utcnow
from compliance.custody.service import count_custody_events, get_custody_log, verify_custody
from compliance.db.store import alembic_config, init_store, open_store
from compliance.integrity.service import verify_store
from tests.conftest import at
from tests.custody.helpers import add_file, triggers_bypassed
from tests.custody.test_custody_roles import _as, pg_store, roles  # noqa: F401 (fixtures)


def _add_programme(store, tmp_path, content: bytes = b"business continuity plan v2\n") -> dict:
    from compliance.custody.programme import add_programme_evidence

    path = tmp_path / "bcp.pdf"
    path.write_bytes(content)
    return add_programme_evidence(store=store, kind="bcp", path=path, title="Continuity plan", approved_by="CISO",
                                  valid_from="2026-01-01", valid_until="2026-12-31", recorded_by="Dana Ruiz")


def _blob(store, sha: str):
    (path,) = [p for p in (store.evidence_dir / "blobs").rglob(sha) if p.is_file()]
    return path


def _log(store, ref: str | None = None) -> list[dict]:
    with store.session() as session:
        return get_custody_log(session=session, evidence_ref=ref)


def test_adding_a_programme_document_records_its_collected_event_with_its_sha256(store, tmp_path):
    data = _add_programme(store, tmp_path)
    assert data["custody_events"] == 1
    (event,) = _log(store, "PE-0001")
    assert (event["evidence"], event["action"], event["actor"], event["to"], event["sha256"]) == (
        "PE-0001", "collected", "Dana Ruiz", "Dana Ruiz", data["sha256"])
    assert event["at"] == data["recorded_at"]
    result = verify_store(store=store)
    assert result.intact, str(result.first_break)
    assert "1 custody events and 1 blobs (0 evidence items, 1 programme documents) verified" in result.summary()


def test_custody_commands_work_on_a_programme_document_with_the_evidence_rules(store, make_incident, tmp_path, cli_run):
    ref = make_incident()
    add_file(store, ref, tmp_path, b"proxy log", collected_by="Alice")
    _add_programme(store, tmp_path)
    assert cli_run(["custody", "transfer", "PE-0001", "--from", "dana ruiz", "--to", "Records office",
                    "--reason", "archived copy"]).exit_code == 0
    assert cli_run(["custody", "record", "pe-1", "--action", "sealed", "--actor", "Records office",
                    "--reason", "legal hold"]).exit_code == 0
    refused = cli_run(["custody", "record", "PE-0001", "--action", "analysed", "--actor", "a"])
    assert refused.exit_code == ExitCode.ERROR and "Traceback" not in refused.output
    assert refused.output.strip() == ("error: --action: PE-0001 is sealed: record 'released' with a reason before "
                                      "'analysed'")
    wrong_holder = cli_run(["custody", "transfer", "PE-0001", "--from", "Dana Ruiz", "--to", "b", "--reason", "r"])
    assert wrong_holder.exit_code != 0 and len(wrong_holder.output.strip().splitlines()) == 1
    collected = cli_run(["custody", "record", "PE-0001", "--action", "collected", "--actor", "a"])
    assert "by 'compliance programme add'" in collected.output and collected.exit_code == ExitCode.ERROR
    own = json.loads(cli_run(["custody", "log", "PE-0001", "--json"]).stdout)
    assert [(e["evidence"], e["action"]) for e in own] == [("PE-0001", "collected"), ("PE-0001", "transferred"),
                                                           ("PE-0001", "sealed")]
    assert [e["evidence"] for e in _log(store)] == ["EV-0001", "PE-0001", "PE-0001", "PE-0001"]
    assert [e["evidence"] for e in _log(store, "EV-0001")] == ["EV-0001"]
    assert json.loads(cli_run(["programme", "show", "PE-0001", "--json"]).stdout)["custody_events"] == 3
    result = verify_store(store=store)
    assert result.intact, str(result.first_break)
    assert (result.custody.events_checked, result.custody.evidence_checked, result.custody.programme_checked) == (4, 1, 1)


@pytest.mark.parametrize("args", [["custody", "record", "PE-0009", "--action", "accessed", "--actor", "a"],
                                  ["custody", "log", "PE-0009"], ["custody", "log", "PE-x"]])
def test_an_unknown_programme_document_is_refused_in_one_line_recording_nothing(store, tmp_path, cli_run, args):
    _add_programme(store, tmp_path)
    result = cli_run(args)
    assert result.exit_code != 0 and "Traceback" not in result.output
    assert len(result.output.strip().splitlines()) == 1 and result.output.startswith("error: PE: ")
    with store.session() as session:
        assert count_custody_events(session=session) == 1


def test_evidence_commands_still_refuse_a_programme_id_in_one_line(store, tmp_path, cli_run):
    _add_programme(store, tmp_path)
    result = cli_run(["evidence", "show", "PE-0001"])
    assert result.exit_code == ExitCode.ERROR and len(result.output.strip().splitlines()) == 1
    assert "is programme evidence, not an evidence item" in result.output


def test_custody_verify_counts_programme_documents_and_their_blobs(store, tmp_path):
    _add_programme(store, tmp_path)
    result = verify_custody(store=store)
    assert result.intact and result.programme_checked == 1 and result.blobs_checked == 1
    assert "(0 evidence items, 1 programme documents) verified" in result.summary()


@pytest.mark.parametrize("damage", ["altered", "missing"])
def test_custody_verify_names_a_programme_document_whose_blob_was_altered_or_removed(store, tmp_path, cli_run, damage):
    data = _add_programme(store, tmp_path)
    blob = _blob(store, data["sha256"])
    blob.chmod(0o600)
    if damage == "altered":
        blob.write_bytes(b"a quietly edited plan\n")
    else:
        blob.unlink()
    result = verify_custody(store=store)
    assert not result.intact and result.first_break.item == "PE-0001"
    assert result.first_break.problem == ("blob content changed" if damage == "altered" else "blob missing")
    cli = cli_run(["custody", "verify", "--json"])
    assert cli.exit_code == ExitCode.INTEGRITY
    assert json.loads(cli.stdout)["first_break"]["item"] == "PE-0001"


def _insert_document_behind_the_back(conn, number: int, sha: str) -> None:
    conn.execute(text(
        "INSERT INTO programme_evidence (number, ref, kind, title, filename, size, sha256, approved_by, approved_at, "
        "valid_from, valid_until, recorded_by, recorded_at) VALUES (:n, :ref, 'bcp', 'Plan', 'p.pdf', 3, :sha, 'CISO', "
        ":t, '2026-01-01', '2026-12-31', 'Eve', :t)"), {"n": number, "ref": f"PE-{number:04d}", "sha": sha,
                                                        "t": at("2026-01-02T00:00:00Z")})


def test_verify_names_a_programme_document_without_custody_events(store, tmp_path, cli_run):
    data = _add_programme(store, tmp_path)
    with store.engine.begin() as conn:
        _insert_document_behind_the_back(conn, 2, data["sha256"])
    result = verify_custody(store=store)
    assert str(result.first_break) == ("PE-0002: custody log does not start with 'collected': expected collected, "
                                       "found no events")
    cli = cli_run(["verify", "--json"])
    assert cli.exit_code == ExitCode.INTEGRITY
    assert "PE-0002: custody log does not start with 'collected'" in "\n".join(json.loads(cli.stdout)["problems"])


def _forge_event(conn, **fields) -> None:
    from compliance.custody.chain import compute_event_hash

    seq, prev = conn.execute(text("SELECT seq, event_hash FROM custody_event ORDER BY seq DESC LIMIT 1")).one()
    event = {"seq": seq + 1, "evidence_id": None, "action": "accessed", "at": at("2026-11-01T00:00:00Z"),
             "actor": "Eve", "db_role": None, "from_holder": None, "to_holder": None, "location": None,
             "reason": None, "prev_hash": prev, **fields}
    event["event_hash"] = compute_event_hash(event)
    conn.execute(text("INSERT INTO custody_event (seq, evidence_id, evidence_ref, action, at, actor, db_role, "
                      "from_holder, to_holder, location, reason, sha256, prev_hash, event_hash) VALUES (:seq, "
                      ":evidence_id, :evidence_ref, :action, :at, :actor, :db_role, :from_holder, :to_holder, "
                      ":location, :reason, :sha256, :prev_hash, :event_hash)"), event)
    conn.execute(text("UPDATE custody_head SET seq = :s, event_hash = :h"), {"s": event["seq"], "h": event["event_hash"]})


def test_the_database_refuses_an_event_for_no_programme_document_and_verify_names_one(store, tmp_path):
    data = _add_programme(store, tmp_path)
    ghost = {"evidence_ref": "PE-0009", "sha256": data["sha256"]}
    with pytest.raises(DBAPIError, match="programme"):
        with store.engine.begin() as conn:
            _forge_event(conn, **ghost)
    with triggers_bypassed(store, "custody_event") as conn:
        _forge_event(conn, **ghost)
    result = verify_custody(store=store)
    assert str(result.first_break).startswith("event 2: recorded for a programme document that does not exist")


@pytest.mark.parametrize("fields", [{"evidence_ref": "EV-0001", "evidence_id": None},
                                    {"evidence_ref": "PE-0001", "evidence_id": 1}])
def test_an_event_has_exactly_one_owner_kind(store, make_incident, tmp_path, fields):
    add_file(store, make_incident(), tmp_path, b"proxy log")
    data = _add_programme(store, tmp_path)
    with pytest.raises(DBAPIError, match="(?i)check|ck_custody_event_one_owner|constraint"):
        with triggers_bypassed(store, "custody_event") as conn:
            _forge_event(conn, sha256=data["sha256"], **fields)


def test_the_writer_adds_and_moves_programme_evidence_but_can_never_rewrite_it(pg_store, roles, tmp_path):  # noqa: F811
    from compliance.custody.service import record_custody_event

    store, names = pg_store, roles
    alice_store = open_store(url=_as(store, names["alice"]), evidence_dir=store.evidence_dir)
    bob_store = open_store(url=_as(store, names["bob"]), evidence_dir=store.evidence_dir)
    try:
        data = _add_programme(alice_store, tmp_path)
        assert data["ref"] == "PE-0001"
        moved = record_custody_event(store=alice_store, ref="PE-0001", action="transferred", actor="Dana Ruiz",
                                     from_holder="Dana Ruiz", to_holder="Records office", reason="archive")
        assert moved["db_role"] == names["alice"]
        assert [e["db_role"] for e in _log(alice_store, "PE-0001")] == [names["alice"]] * 2
        for statement in ("UPDATE programme_evidence SET valid_until = '2030-12-31'", "DELETE FROM programme_evidence",
                          "UPDATE custody_event SET actor = 'x' WHERE evidence_id IS NULL",
                          "DELETE FROM custody_event WHERE evidence_id IS NULL", "TRUNCATE custody_event"):
            with pytest.raises(ProgrammingError, match="permission denied"):
                with alice_store.engine.begin() as conn:
                    conn.execute(text(statement))
        # the database replays the document's own events too: a second `collected` is refused at the ledger append
        state = json.dumps({"id": 999, "evidence_id": None, "evidence_ref": "PE-0001", "action": "collected",
                            "at": utcnow().isoformat(), "db_role": names["alice"], "to_holder": "Mallory"})
        with pytest.raises(DBAPIError, match="PE-0001 must start with collected, once"):
            with alice_store.engine.begin() as conn:
                conn.execute(text("SELECT * FROM compliance_ledger_append('custody_event', '999', :s)"), {"s": state})
        with pytest.raises(ProgrammingError, match="permission denied"):
            record_custody_event(store=bob_store, ref="PE-0001", action="accessed", actor="Bob")
        result = verify_store(store=alice_store)
        assert result.intact, str(result.first_break)
        assert result.custody.programme_checked == 1 and result.custody.events_checked == 2
    finally:
        alice_store.close()
        bob_store.close()


def _store_at_0011_with_evidence_custody_and_two_documents(store_url, evidence_dir, tmp_path) -> None:
    """A first-release store migrated to 0011 (the revision before 0016), holding an evidence item with three custody
    events, recorded by the application, and two programme documents with their ledger entries but no custody."""
    from compliance.custody.service import record_custody_event
    from compliance.db.ledger.canonical import canonical_state
    from compliance.db.ledger.service import append_states
    from compliance.db.metadata import get_metadata
    from compliance.db.store import Store, _make_engine
    from compliance.incidents.service import open_incident

    engine = _make_engine(store_url)
    try:
        with engine.begin() as conn:
            cfg = alembic_config()
            cfg.attributes["connection"] = conn
            command.upgrade(cfg, "0001_incident_register")  # as the first release left it, then every migration
            command.upgrade(cfg, "0011_settings_ledger")
        old = Store(url=store_url, engine=engine, evidence_dir=evidence_dir)  # the 0011 columns are today's
        with old.session(immediate=True) as session:
            ref = open_incident(session=session, title="Proxy abuse", severity="sev3",
                                detected_at=at("2026-03-01T11:00:00Z")).ref
        add_file(old, ref, tmp_path, b"proxy log")
        record_custody_event(store=old, ref="EV-0001", action="transferred", actor="Dana Ruiz", from_holder="Dana Ruiz",
                             to_holder="Forensics Ltd", reason="analysis", at=at("2026-03-02T10:00:00Z"))
        record_custody_event(store=old, ref="EV-0001", action="sealed", actor="Forensics Ltd", reason="legal hold",
                             at=at("2026-03-02T11:00:00Z"))
        with engine.begin() as conn:
            for number in (1, 2):
                _insert_document_behind_the_back(conn, number, f"{number:064x}")
            table = get_metadata().tables["programme_evidence"]
            rows = conn.execute(table.select().order_by(table.c.id)).mappings().all()
            append_states(conn, [("programme_evidence", str(r["id"]), canonical_state(dict(r))) for r in rows],
                          server=False)  # recorded as the application recorded them then
    finally:
        engine.dispose()


def test_a_store_upgraded_with_programme_documents_gets_one_honest_collected_event_each(store_url, evidence_dir,
                                                                                        tmp_path):
    """Documents recorded before 0016 had no custody: each gets a `collected` event saying it was made at the upgrade;
    the evidence item's events come through the table rebuild unchanged and still refuse UPDATE and DELETE."""
    _store_at_0011_with_evidence_custody_and_two_documents(store_url, evidence_dir, tmp_path)
    engine = create_engine(store_url)
    try:
        with engine.connect() as conn:
            before = conn.execute(text("SELECT * FROM custody_event ORDER BY seq")).mappings().all()
    finally:
        engine.dispose()
    store, old, _ = init_store(url=store_url, evidence_dir=evidence_dir)
    try:
        assert old == "0011_settings_ledger"
        log = _log(store)
        assert [(e["seq"], e["evidence"], e["action"], e["to"]) for e in log[3:]] == [
            (4, "PE-0001", "collected", "Eve"), (5, "PE-0002", "collected", "Eve")]
        assert log[3]["actor"] == "compliance init (schema upgrade 0016_programme_custody)"
        assert log[3]["reason"].startswith("recorded at upgrade: document added at 2026-01-02T00:00:00.000000Z by Eve")
        assert log[4]["sha256"] == f"{2:064x}" and log[3]["prev_hash"] == log[2]["event_hash"]
        with store.engine.connect() as conn:
            assert conn.execute(text("SELECT * FROM custody_event WHERE seq <= 3 ORDER BY seq")).mappings().all() == before
        for statement in ("UPDATE custody_event SET actor = 'x'", "DELETE FROM custody_event"):
            with pytest.raises(DBAPIError, match="append-only"):
                with store.engine.begin() as conn:
                    conn.execute(text(statement))
        # the programme blobs were never stored (only their records were): the blob check would name them
        result = verify_store(store=store, check_blobs=False)
        assert result.intact, str(result.first_break)
        assert result.counts["custody_event"] == 5 and result.custody.programme_checked == 2
    finally:
        store.close()
