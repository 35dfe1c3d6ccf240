"""Tampering for real, behind the triggers' back, on SQLite and PostgreSQL: verify names the first broken item."""

from __future__ import annotations

import json

import pytest
from sqlalchemy import text

from compliance.core.exitcodes import ExitCode
from compliance.custody.evidence import get_blob_store
from compliance.custody.service import record_custody_event, verify_custody
from tests.conftest import at
from tests.custody.helpers import add_file, triggers_bypassed


@pytest.fixture
def chain(store, make_incident, tmp_path):
    """Four events: 1 collected EV-0001, 2 collected EV-0002, 3 accessed EV-0001, 4 transferred EV-0001."""
    ref = make_incident()
    one = add_file(store, ref, tmp_path, b"auth log excerpt\n", name="auth.log")
    two = add_file(store, ref, tmp_path, b"chat transcript\n", name="chat.txt")
    record_custody_event(store=store, ref="EV-0001", action="accessed", actor="Eve", at=at("2026-03-02T09:00:00Z"))
    record_custody_event(store=store, ref="EV-0001", action="transferred", actor="Dana Ruiz", from_holder="Dana Ruiz",
                         to_holder="Forensics Ltd", reason="imaging", at=at("2026-03-02T10:00:00Z"))
    assert verify_custody(store=store).first_break is None
    return {"EV-0001": one["sha256"], "EV-0002": two["sha256"]}


def _break(store):
    brk = verify_custody(store=store).first_break
    assert brk is not None, "tampering went unnoticed"
    assert "\n" not in str(brk)
    return brk


def test_editing_an_event_with_raw_sql_is_named(store, chain):
    with triggers_bypassed(store, "custody_event") as conn:
        conn.execute(text("UPDATE custody_event SET actor = 'Mallory' WHERE seq = 3"))
    brk = _break(store)
    assert brk.item == "event 3" and "event_hash does not match" in brk.problem


def test_deleting_an_event_in_the_middle_is_named(store, chain):
    with triggers_bypassed(store, "custody_event") as conn:
        conn.execute(text("DELETE FROM custody_event WHERE seq = 2"))
    brk = _break(store)
    assert brk.item == "event 2" and "missing" in brk.problem and brk.found == "seq 3"


def test_deleting_the_last_event_is_caught_by_the_chain_head(store, chain):
    with triggers_bypassed(store, "custody_event") as conn:
        conn.execute(text("DELETE FROM custody_event WHERE seq = 4"))
    brk = _break(store)
    assert brk.item == "chain head" and brk.expected.startswith("event 4") and brk.found.startswith("event 3")


def test_swapping_two_events_is_named(store, chain):
    with triggers_bypassed(store, "custody_event") as conn:
        conn.execute(text("UPDATE custody_event SET seq = -2 WHERE seq = 2"))
        conn.execute(text("UPDATE custody_event SET seq = 2 WHERE seq = 3"))
        conn.execute(text("UPDATE custody_event SET seq = 3 WHERE seq = -2"))
    brk = _break(store)
    assert brk.item == "event 2"


def test_rewriting_an_evidence_rows_hash_is_named(store, chain):
    with triggers_bypassed(store, "evidence") as conn:
        conn.execute(text("UPDATE evidence SET sha256 = :sha WHERE ref = 'EV-0001'"), {"sha": chain["EV-0002"]})
    brk = _break(store)
    assert brk.item == "EV-0001" and "differs from its 'collected' event" in brk.problem


def test_flipping_one_byte_of_a_blob_is_named(store, chain):
    blob = get_blob_store(store=store).path_of(chain["EV-0002"])
    blob.chmod(0o600)
    data = bytearray(blob.read_bytes())
    data[5] ^= 0x01
    blob.write_bytes(bytes(data))
    brk = _break(store)
    assert brk.item == "EV-0002" and brk.problem == "blob content changed"
    assert brk.expected == f"sha256 {chain['EV-0002'][:16]}…"


def test_deleting_a_blob_is_named(store, chain):
    get_blob_store(store=store).path_of(chain["EV-0001"]).unlink()
    brk = _break(store)
    assert brk.item == "EV-0001" and brk.problem == "blob missing"


def test_cli_verify_exits_4_with_the_first_broken_item_on_one_line(store, chain, cli_run):
    ok = cli_run(["custody", "verify"])
    assert ok.exit_code == 0 and ok.output.startswith("intact: 4 custody events and 2 blobs")
    get_blob_store(store=store).path_of(chain["EV-0001"]).unlink()
    result = cli_run(["custody", "verify"])
    assert result.exit_code == ExitCode.INTEGRITY
    assert result.output == "error: EV-0001: blob missing: expected blob " + chain["EV-0001"][:16] + "…, found no file\n"
    as_json = cli_run(["custody", "verify", "--json"])
    assert as_json.exit_code == ExitCode.INTEGRITY
    doc = json.loads(as_json.stdout)
    assert doc["intact"] is False and doc["first_break"]["item"] == "EV-0001" and doc["events_checked"] == 4


def test_moving_an_event_to_another_evidence_item_is_named(store, chain):
    with triggers_bypassed(store, "custody_event") as conn:
        conn.execute(text("UPDATE custody_event SET evidence_id = (SELECT id FROM evidence WHERE ref = 'EV-0002') "
                          "WHERE seq = 3"))
    brk = _break(store)
    assert brk.item == "event 3" and brk.problem == "recorded for another evidence item"


def test_adding_content_whose_stored_blob_was_altered_is_refused(store, chain, tmp_path):
    from compliance.core.errors import IntegrityError
    from compliance.custody.evidence import list_evidence

    blob = get_blob_store(store=store).path_of(chain["EV-0001"])
    blob.chmod(0o600)
    blob.write_bytes(b"not the original")
    with pytest.raises(IntegrityError, match="the stored blob .* for this content is altered"):
        add_file(store, "INC-0001", tmp_path, b"auth log excerpt\n", name="again.log")
    with store.session() as session:
        assert len(list_evidence(session=session)) == 2


@pytest.mark.parametrize("tamper", [
    "UPDATE custody_event SET actor = 'Mallory' WHERE seq = 3",  # hash no longer recomputes
    "DELETE FROM custody_event WHERE seq = 1",  # first event is no longer `collected`
])
def test_a_tampered_custody_event_makes_the_evidence_document_unverified(store, chain, tamper):
    from compliance.custody.evidence import get_incident_evidence_documents

    with triggers_bypassed(store, "custody_event") as conn:
        conn.execute(text(tamper))
    with store.session() as session:
        verified = {d["ref"]: d["custody_verified"] for d in get_incident_evidence_documents(session=session,
                                                                                           incident="INC-0001")}
    assert verified == {"EV-0001": False, "EV-0002": True}
