"""Programme evidence and custody (issue 14 §3, CU-SVC-6): its blobs are re-hashed by `custody verify`, a PE id is
refused by the custody commands in one line with nothing recorded, and the writer role can add programme evidence
but never rewrite it (PostgreSQL)."""

from __future__ import annotations

import json

import pytest
from sqlalchemy import text
from sqlalchemy.exc import ProgrammingError

from compliance.core.exitcodes import ExitCode
from compliance.custody.service import count_custody_events, verify_custody
from compliance.db.store import open_store
from tests.conftest import at
from tests.custody.helpers import add_file
from tests.custody.test_custody_roles import _as, pg_store, roles  # noqa: F401 (fixtures)


def _add_programme(store, tmp_path, content: bytes = b"business continuity plan v2\n") -> dict:
    from compliance.programme.service import add_programme_evidence

    path = tmp_path / "bcp.pdf"
    path.write_bytes(content)
    return add_programme_evidence(store=store, kind="bcp", path=path, title="Continuity plan", approved_by="CISO",
                                  valid_from="2026-01-01", valid_until="2026-12-31", recorded_by="CISO")


def _blob(store, sha: str):
    (path,) = [p for p in (store.evidence_dir / "blobs").rglob(sha) if p.is_file()]
    return path


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


@pytest.mark.parametrize("args", [["custody", "record", "PE-0001", "--action", "accessed", "--actor", "a"],
                                  ["custody", "transfer", "PE-0001", "--from", "a", "--to", "b", "--reason", "r"],
                                  ["custody", "log", "PE-0001"], ["custody", "record", "pe-1", "--action", "sealed",
                                                                  "--actor", "a", "--reason", "hold"]])
def test_a_programme_evidence_id_is_refused_by_custody_commands_in_one_line_recording_nothing(store, tmp_path,
                                                                                               cli_run, args):
    _add_programme(store, tmp_path)
    result = cli_run(args)
    assert result.exit_code == ExitCode.ERROR and "Traceback" not in result.output
    assert len(result.output.strip().splitlines()) == 1
    assert "is programme evidence, which has no custody events" in result.output
    with store.session() as session:
        assert count_custody_events(session=session) == 0


def test_evidence_custody_still_works_beside_programme_evidence(store, make_incident, tmp_path, cli_run):
    ref = make_incident()
    _add_programme(store, tmp_path)
    add_file(store, ref, tmp_path, b"proxy log", collected_by="Alice")
    assert cli_run(["custody", "record", "EV-0001", "--action", "accessed", "--actor", "a",
                    "--at", "2026-03-02T10:00:00Z"]).exit_code == 0
    result = verify_custody(store=store)
    assert result.intact and (result.events_checked, result.evidence_checked, result.programme_checked) == (2, 1, 1)
    assert result.blobs_checked == 2


def test_the_writer_adds_programme_evidence_but_can_never_rewrite_it(pg_store, roles, tmp_path):  # noqa: F811
    store, names = pg_store, roles
    alice_store = open_store(url=_as(store, names["alice"]), evidence_dir=store.evidence_dir)
    try:
        data = _add_programme(alice_store, tmp_path)
        assert data["ref"] == "PE-0001"
        for statement in ("UPDATE programme_evidence SET valid_until = '2030-12-31'", "DELETE FROM programme_evidence"):
            with pytest.raises(ProgrammingError, match="permission denied"):
                with alice_store.engine.begin() as conn:
                    conn.execute(text(statement))
        result = verify_custody(store=alice_store)
        assert result.intact and result.programme_checked == 1
        from compliance.integrity.service import verify_store

        assert verify_store(store=alice_store).intact
    finally:
        alice_store.close()
    assert at("2026-01-01T00:00:00Z")  # keeps the shared helper import honest on SQLite-only runs
