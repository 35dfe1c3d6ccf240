"""Tampering behind the application's back, on SQLite and PostgreSQL, from one table (tests/ledger/tamper_cases.py):
as a superuser with the guard triggers off every case is named by `compliance verify` or, for a consistent rewrite,
by `report verify OLD_PACK --store`; as the writer role every case is refused by the database or named the same way."""

from __future__ import annotations

import contextlib
import hashlib
import json

import pytest
from sqlalchemy import create_engine
from sqlalchemy.exc import DBAPIError

from compliance.core.exitcodes import ExitCode
from compliance.integrity.service import verify_store
from tests.ledger.tamper_cases import CASES, entries, superuser_bypass

GENERATED = "2026-04-01T09:00:00Z"
VERIFY_CASES = [c for c in CASES if c.via == "verify"]
PACK_CASES = [c for c in CASES if c.via == "old pack"]
# How the database refuses the writer: the append-only and immutability triggers, and (PostgreSQL) the grants.
GUARDS = ("is append-only", "rows are immutable", "permission denied")


def _named(cli_run, fragments: tuple[str, ...]) -> str:
    """Runs `compliance verify --json`: it must fail (exit 4) with one one-line problem naming every fragment."""
    result = cli_run(["verify", "--json"])
    assert result.exit_code == ExitCode.INTEGRITY, f"tampering went unnoticed: {result.output}"
    problems = json.loads(result.stdout)["problems"]
    for problem in problems:
        if all(f in problem for f in fragments):
            assert "\n" not in problem
            return problem
    raise AssertionError(f"no problem names {fragments}: {problems}")


def _make_pack(cli_run, tmp_path):
    pack = tmp_path / "old-pack.pdf"
    result = cli_run(["report", "audit-pack", "--framework", "gdpr", "-o", str(pack), "--generated-at", GENERATED])
    assert result.exit_code == ExitCode.OK, result.output
    return pack


def _named_by_old_pack(cli_run, pack, check: str, fragments: tuple[str, ...]) -> str:
    """Runs `report verify OLD_PACK --store --json`: the named check must fail with every fragment in its detail."""
    result = cli_run(["report", "verify", str(pack), "--store", "--json"])
    assert result.exit_code == ExitCode.INTEGRITY, f"the old pack still verifies: {result.output}"
    checks = {c["name"]: c for c in json.loads(result.stdout)["checks"]}
    assert checks[check]["ok"] is False and all(f in checks[check]["detail"] for f in fragments), checks[check]
    return checks[check]["detail"]


@contextlib.contextmanager
def _as_writer(url):
    engine = create_engine(url)
    try:
        with engine.begin() as conn:
            yield conn
    finally:
        engine.dispose()


@pytest.mark.parametrize("case", VERIFY_CASES, ids=lambda c: c.name)
def test_superuser_tampering_with_triggers_off_is_named_by_verify(store, recorded, cli_run, case):
    with superuser_bypass(store) as conn:
        case.tamper(conn)
    _named(cli_run, case.expect)


@pytest.mark.parametrize("case", PACK_CASES, ids=lambda c: c.name)
def test_a_consistent_superuser_rewrite_is_named_by_an_old_packs_ledger_head(store, recorded, cli_run, tmp_path, case):
    pack = _make_pack(cli_run, tmp_path)
    with superuser_bypass(store) as conn:
        case.tamper(conn)
    assert verify_store(store=store).intact, "the rewrite is consistent: only a head held outside the store sees it"
    _named_by_old_pack(cli_run, pack, case.check, case.expect)


@pytest.mark.parametrize("case", CASES, ids=lambda c: c.name)
def test_the_writer_role_is_refused_by_the_database_or_named(store, recorded, cli_run, tmp_path, writer_url, case):
    pack = _make_pack(cli_run, tmp_path) if case.via == "old pack" else None
    try:
        with _as_writer(writer_url) as conn:
            case.tamper(conn)
    except DBAPIError as exc:
        assert any(guard in str(exc.orig) for guard in GUARDS), f"refused for another reason: {exc.orig}"
        result = verify_store(store=store)
        assert result.intact, f"refused, yet something was written: {result.first_break}"
        return
    if pack is None:
        _named(cli_run, case.expect)
    else:
        _named_by_old_pack(cli_run, pack, case.check, case.expect)


def test_every_case_of_the_table_has_a_distinct_name_and_a_failure_to_name():
    assert len({c.name for c in CASES}) == len(CASES)
    assert all(c.expect and all(c.expect) for c in CASES)
    assert all(c.check for c in PACK_CASES)


def test_an_untouched_store_verifies_and_the_cli_says_what_the_ledger_covers(store, recorded, cli_run):
    result = verify_store(store=store)
    assert result.intact, [str(p) for p in result.problems]
    assert result.counts == {"incident": 1, "incident_change": 2, "timeline_entry": 2, "action_item": 1,
                             "evidence": 1, "custody_event": 3, "notification": 1, "notification_waiver": 1,
                             "setting": 1}
    out = cli_run(["verify"])
    assert out.exit_code == ExitCode.OK and "ledger intact" in out.output and "1 notification_waiver" in out.output


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
        for e in entries(conn):
            doc = {"db_role": e["db_role"], "format": 1, "key": e["entity_key"], "kind": e["kind"],
                   "prev_hash": e["prev_hash"], "recorded_at": e["recorded_at"], "seq": e["seq"],
                   "state": json.loads(e["state"])}
            assert hashlib.sha256(rfc8785.dumps(doc)).hexdigest() == e["entry_hash"]
