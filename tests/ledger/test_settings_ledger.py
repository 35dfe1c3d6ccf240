"""Store settings in the ledger (ST-LED-1, 2): every change recorded, back-filled by migration 0011, replayed as they
were, on SQLite and PostgreSQL, as the store owner and as the writer role."""

from __future__ import annotations

import json

from alembic import command
from hypothesis import given
from hypothesis import strategies as st
from sqlalchemy import create_engine, text

from compliance.core.exitcodes import ExitCode
from compliance.db.ledger.canonical import jcs
from compliance.db.settings import SINCE_KEY, SettingsHistory, get_settings_as_recorded
from compliance.db.store import alembic_config, init_store
from compliance.integrity.service import verify_store
from tests.conftest import at


def _setting_entries(store) -> list[tuple]:
    with store.engine.connect() as conn:
        return conn.execute(text("SELECT seq, entity_key, state, db_role FROM ledger_entry WHERE kind = 'setting' "
                                 "ORDER BY seq")).all()


def test_a_store_upgraded_to_0011_has_its_settings_back_filled_after_a_marker_and_verifies(store_url, evidence_dir):
    engine = create_engine(store_url)
    try:
        with engine.begin() as conn:
            cfg = alembic_config()
            cfg.attributes["connection"] = conn
            command.upgrade(cfg, "0001_incident_register")  # as the first release left it: records, a setting
            conn.execute(text(
                "INSERT INTO incident (number, ref, title, severity, status, detected_at, affected_services, "
                "personal_data, data_categories, regimes, restricted, tags, extra, created_at, updated_at) VALUES "
                "(1, 'INC-0001', 'Old incident', 'sev2', 'open', :t, '[]', false, '[]', '[]', false, '[]', '{}', :t, :t)"),
                {"t": at("2026-01-05T10:00:00Z")})
            conn.execute(text("INSERT INTO setting (key, value) VALUES ('deadlines', :v)"),
                         {"v": json.dumps({"timezone": "Europe/Berlin"})})
    finally:
        engine.dispose()
    store, _, _ = init_store(url=store_url, evidence_dir=evidence_dir)
    try:
        entries = _setting_entries(store)
        assert entries[0][1] == SINCE_KEY, "the marker comes first: older records replay with the back-filled values"
        assert entries[0][0] > 1, "after the records the store already held"
        assert {key: json.loads(state) for _seq, key, state, _role in entries}["deadlines"] == {
            "key": "deadlines", "value": {"timezone": "Europe/Berlin"}}
        result = verify_store(store=store)
        assert result.intact, str(result.first_break)
        # the marker and deadlines (back-filled); the evidence folder's path is machine-local
        assert result.counts == {"incident": 1, "setting": 2}
    finally:
        store.close()


def test_the_evidence_folders_path_is_machine_local_neither_recorded_nor_compared(store):
    """Two copies of one store (or two demo stores) differ in it and have the same ledger (LG-REG-3)."""
    from compliance.db.ledger.registry import LOCAL_ROWS
    from compliance.db.store import EVIDENCE_DIR_KEY

    assert EVIDENCE_DIR_KEY in LOCAL_ROWS["setting"]
    with store.engine.connect() as conn:
        assert conn.execute(text("SELECT count(*) FROM setting WHERE key = :k"), {"k": EVIDENCE_DIR_KEY}).scalar_one()
    assert all(key != EVIDENCE_DIR_KEY for _seq, key, _state, _role in _setting_entries(store))
    assert verify_store(store=store).intact


def test_every_setting_change_is_a_ledger_entry_and_old_values_stay_readable(store, cli_run):
    for zone in ("Europe/Berlin", "America/New_York"):
        assert cli_run(["deadlines", "settings", "--org-timezone", zone]).exit_code == ExitCode.OK
    rows = [r for r in _setting_entries(store) if r[1] == "deadlines"]
    assert [json.loads(r[2])["value"]["timezone"] for r in rows] == ["Europe/Berlin", "America/New_York"]
    with store.session() as session:
        history = get_settings_as_recorded(session=session)
    assert history.value_before("deadlines", rows[0][0]) == {}
    assert history.value_before("deadlines", rows[1][0])["timezone"] == "Europe/Berlin"
    assert history.value_before("deadlines", rows[1][0] + 1)["timezone"] == "America/New_York"
    assert verify_store(store=store).intact


def test_the_writer_role_changes_settings_through_the_ledger_and_is_recorded_by_name(store, writer_url, cli_run):
    result = cli_run(["deadlines", "settings", "--org-timezone", "Asia/Tokyo"], extra_env={"COMPLIANCE_DB": writer_url})
    assert result.exit_code == ExitCode.OK, result.output
    last = _setting_entries(store)[-1]
    assert last[1] == "deadlines" and json.loads(last[2])["value"]["timezone"] == "Asia/Tokyo"
    if store.dialect == "postgresql":
        from sqlalchemy.engine import make_url

        assert last[3] == make_url(writer_url).username, "session_user is recorded by the database"
    assert verify_store(store=store).intact


def test_a_filing_replays_with_the_settings_it_was_recorded_under(store, cli_run):
    """HIPAA's 60 days end at midnight in the organisation's zone: a filing on time in UTC stays on time after the
    zone is moved to UTC+14 (where it would be late), because the rules replay the zone recorded then (IN-RUL-3)."""
    def ok(*args):
        result = cli_run(list(args))
        assert result.exit_code == ExitCode.OK, result.output

    ok("incident", "open", "--title", "Patient portal exposure", "--severity", "sev2", "--detected-at",
       "2026-03-02T09:00:00Z", "--discovered-at", "2026-03-02T09:00:00Z", "--regime", "hipaa")
    ok("notify", "record", "INC-0001", "--regime", "hipaa", "--stage", "individual_notice",
       "--at", "2026-05-01T20:00:00Z", "--recipient", "Affected individuals")
    with store.engine.connect() as conn:
        assert conn.execute(text("SELECT late FROM notification")).scalar_one() in (False, 0)
    ok("deadlines", "settings", "--org-timezone", "Pacific/Kiritimati")
    with store.session() as session:
        from compliance.integrity.rules import deadline_settings_before

        history = get_settings_as_recorded(session=session)
        assert deadline_settings_before(history, 10 ** 9)[0]["timezone"] == "Pacific/Kiritimati"
    result = verify_store(store=store)
    assert result.intact, str(result.first_break)


FIRST = 4  # the marker's seq in an upgraded store: entries 1..3 are records older than settings in the ledger


def _model(changes: list[tuple[str, dict | None]], upgraded: bool):
    """(seq, key, state) entries of a sequence of changes numbered after FIRST, after the marker when `upgraded`."""
    marker = [(FIRST, SINCE_KEY, jcs({"key": SINCE_KEY, "value": {}}))] if upgraded else []
    return marker + [(seq, key, "null" if value is None else jcs({"key": key, "value": value}))
                     for seq, (key, value) in enumerate(changes, start=FIRST + 1)]


@given(st.lists(st.tuples(st.sampled_from(["deadlines", "review", "significance"]),
                          st.none() | st.dictionaries(st.sampled_from(["a", "b"]), st.integers(0, 3), max_size=2)),
                max_size=12),
       st.integers(1, 18), st.booleans())
def test_value_before_is_the_last_value_recorded_before_the_entry(changes, seq, upgraded):
    history = SettingsHistory(_model(changes, upgraded))
    for key in ("deadlines", "review", "significance"):
        earlier = [value for n, (k, value) in enumerate(changes, start=FIRST + 1) if k == key and n < seq]
        later = [value for n, (k, value) in enumerate(changes, start=FIRST + 1) if k == key]
        if earlier:
            expected = earlier[-1] or {}
        elif later and upgraded and seq < FIRST:  # older than the marker: the back-filled value stands in
            expected = later[0] or {}
        else:
            expected = {}
        assert history.value_before(key, seq) == expected


def test_a_record_older_than_the_marker_replays_with_the_back_filled_value():
    marker = (4, SINCE_KEY, jcs({"key": SINCE_KEY, "value": {"revision": "0011_settings_ledger"}}))
    entries = [(5, "deadlines", jcs({"key": "deadlines", "value": {"timezone": "UTC"}})),
               (9, "deadlines", jcs({"key": "deadlines", "value": {"timezone": "Asia/Tokyo"}}))]
    upgraded, new = SettingsHistory([marker, *entries]), SettingsHistory(entries)
    assert upgraded.value_before("deadlines", 3) == {"timezone": "UTC"}, "older than the marker: back-filled value"
    assert new.value_before("deadlines", 3) == {}, "a new store: unset before its first entry"
    for history in (upgraded, new):
        assert history.value_before("deadlines", 7) == {"timezone": "UTC"}
        assert history.value_before("deadlines", 10) == {"timezone": "Asia/Tokyo"}
        assert history.value_before("review", 10) == {}
