"""`incident list` prints byte-identical output through the sqlite3 read path and the ORM path, on any store."""

from __future__ import annotations

import shutil
import tempfile
from contextlib import contextmanager, nullcontext
from datetime import UTC, datetime, timedelta, timezone
from pathlib import Path
from unittest import mock

import pytest
from click.testing import CliRunner
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from compliance.cli import cli
from compliance.core.timeutil import EARLIEST, LATEST
from compliance.db.store import init_store, open_store
from compliance.incidents.enums import SEVERITIES, STATUSES
from compliance.incidents.listing import (
    get_incident_rows,
    get_listing_conditions,
    get_orm_incident_rows,
    get_sqlite_incident_rows,
)
from compliance.incidents.models import Incident

ZONES = st.sampled_from([UTC, timezone(timedelta(hours=14)), timezone(-timedelta(hours=12)),
                         timezone(timedelta(hours=5, minutes=30))])
INSTANTS = st.one_of(
    st.sampled_from([EARLIEST, EARLIEST + timedelta(microseconds=1), LATEST - timedelta(microseconds=1),
                     datetime(2026, 3, 29, 1, 0, tzinfo=UTC), datetime(2026, 3, 29, 0, 59, 59, 999999, tzinfo=UTC)]),
    st.datetimes(min_value=datetime(1970, 1, 2), max_value=datetime(2199, 12, 30), timezones=ZONES),
)
TEXT = st.text(st.characters(codec="utf-8", exclude_categories=("Cs",)), max_size=70)
WORDS = st.lists(st.text(st.characters(codec="utf-8", exclude_categories=("Cs",)), max_size=12), max_size=3)
JSON = st.recursive(st.none() | st.booleans() | st.integers(-(2**53), 2**53) | st.text(max_size=8),
                    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=5), inner, max_size=3),
                    max_leaves=8)
CLOCKS = [c for c in Incident.model_fields if c.endswith("_at") and c not in ("detected_at", "created_at", "updated_at")]

incidents = st.lists(st.fixed_dictionaries(
    {"title": TEXT.filter(str.strip), "severity": st.sampled_from(SEVERITIES), "status": st.sampled_from(STATUSES),
     "detected_at": INSTANTS, "created_at": INSTANTS, "updated_at": INSTANTS, "restricted": st.booleans(),
     "personal_data": st.booleans(), "description": st.none() | TEXT, "awareness_justification": st.none() | TEXT,
     "affected_services": WORDS, "data_categories": WORDS, "regimes": WORDS, "tags": WORDS,
     "affected_by_state": st.dictionaries(st.sampled_from(["CA", "NY", "TX", "DE-BY"]), st.integers(0, 10**9), max_size=3),
     "extra": st.dictionaries(st.text(max_size=6), JSON, max_size=3),
     "data_subjects_approx": st.none() | st.integers(0, 2**63 - 1), "records_approx": st.none() | st.integers(0, 2**31),
     "entity_type": st.none() | st.text(max_size=20)},
    optional={clock: st.none() | INSTANTS for clock in CLOCKS},
), max_size=8)
FILTERS = st.fixed_dictionaries({}, optional={
    "--status": st.sampled_from(STATUSES).map(lambda s: s.upper() if len(s) % 2 else s),
    "--severity": st.sampled_from(SEVERITIES), "--since": INSTANTS.map(datetime.isoformat)})


@pytest.fixture(scope="module")
def template(tmp_path_factory):
    """A store at the head schema, copied for each generated example (migrating one takes seconds)."""
    folder = tmp_path_factory.mktemp("template")
    init_store(url=f"sqlite:///{folder / 'c.db'}", evidence_dir=folder / "evidence")[0].close()
    return folder


@contextmanager
def store_holding(template: Path, rows: list[dict], numbers: list[int]):
    """Yields (url, evidence folder) of a copy of the template store holding the incidents, inserted in a shuffled order."""
    with tempfile.TemporaryDirectory() as tmp:
        shutil.copy(template / "c.db", Path(tmp) / "c.db")
        url, evidence = f"sqlite:///{Path(tmp) / 'c.db'}", template / "evidence"
        store = open_store(url=url, evidence_dir=evidence)
        with store.session(immediate=True) as session:
            for number, row in zip(numbers, rows, strict=False):
                session.add(Incident(number=number, ref=f"INC-{number:04d}", **row))
        store.close()
        yield url, evidence


def run_list(url: str, evidence: Path, args: list[str], *, orm: bool):
    """Runs `incident list ARGS` in-process, through the ORM path when `orm` (as for a non-SQLite store)."""
    with mock.patch("compliance.db.opening.get_plain_sqlite_path", lambda url: None) if orm else nullcontext():
        result = CliRunner().invoke(cli, ["incident", "list", "--db", url, "--evidence-dir", str(evidence), *args],
                                    env={"COMPLIANCE_TIMEZONE": None})
    return result.exit_code, result.stdout_bytes, result.stderr_bytes


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])
@given(rows=incidents, numbers=st.lists(st.integers(1, 10**6), min_size=8, max_size=8, unique=True), filters=FILTERS,
       as_json=st.booleans())
def test_incident_list_prints_the_same_bytes_through_sqlite3_and_the_orm(template, rows, numbers, filters, as_json):
    with store_holding(template, rows, numbers) as (url, evidence):
        for args in ([], [a for option, value in filters.items() for a in (option, value)]):
            args = [*args, "--json"] if as_json else args
            fast, orm = run_list(url, evidence, args, orm=False), run_list(url, evidence, args, orm=True)
            assert fast[0] == 0, fast[2]
            assert fast == orm


@settings(max_examples=15, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])
@given(rows=incidents, numbers=st.lists(st.integers(1, 10**6), min_size=8, max_size=8, unique=True),
       period=st.lists(INSTANTS, min_size=2, max_size=2).map(sorted), include_restricted=st.booleans())
def test_rs1_and_period_filters_select_the_same_rows_through_both_paths(template, rows, numbers, period, include_restricted):
    import sqlite3

    conditions = get_listing_conditions(period_from=period[0], period_to=period[1], include_restricted=include_restricted)
    with store_holding(template, rows, numbers) as (url, evidence):
        with sqlite3.connect(url.removeprefix("sqlite:///")) as conn:
            fast = get_sqlite_incident_rows(conn=conn, conditions=conditions)
        conn.close()
        orm = get_orm_incident_rows(url=url, evidence_dir=evidence, conditions=conditions)
    assert fast == orm
    if not include_restricted:
        assert not any(row["restricted"] for row in fast)


def test_listing_rows_are_the_same_on_sqlite_and_postgresql(make_incident, store, tmp_path):
    for n, severity in enumerate(SEVERITIES):
        make_incident(title=f"incident {n} «é»", severity=severity, restricted=n % 2 == 1, regimes=["gdpr"],
                      detected_at=datetime(2026, 3, 1, 11, n, 0, 123456, tzinfo=timezone(timedelta(hours=2))))
    rows = get_incident_rows(url=store.url, evidence_dir=store.evidence_dir, since=datetime(2026, 3, 1, 9, 1, tzinfo=UTC))
    assert [r["id"] for r in rows] == ["INC-0002", "INC-0003", "INC-0004"]
    assert rows[0]["detected_at"] == datetime(2026, 3, 1, 9, 1, 0, 123456, tzinfo=UTC) and rows[0]["restricted"] is True
    assert list(rows[0]) == [c for c in Incident.model_fields if c != "id"] + ["id"]


def _sql(path: Path, *statements: str) -> None:
    import sqlite3

    conn = sqlite3.connect(path)
    with conn:
        for statement in statements:
            conn.execute(statement)
    conn.close()


BROKEN_STORES = {
    "missing": lambda path: path.unlink(),
    "empty file": lambda path: path.write_bytes(b""),
    "not a database": lambda path: path.write_bytes(b"incident list is not a database " * 200),
    "another application's database": lambda path: (path.unlink(), _sql(path, "CREATE TABLE t (x)")),
    "older schema": lambda path: _sql(path, "UPDATE alembic_version SET version_num = '0001_incident_register'"),
    "newer schema": lambda path: _sql(path, "UPDATE alembic_version SET version_num = '9999_from_the_future'"),
    "several heads": lambda path: _sql(path, "INSERT INTO alembic_version VALUES ('0009_regimes')"),
    "no schema row": lambda path: _sql(path, "DELETE FROM alembic_version"),
    "no incident table": lambda path: _sql(path, "DROP TABLE incident"),
}


@pytest.mark.parametrize("damage", BROKEN_STORES.values(), ids=BROKEN_STORES.keys())
def test_the_sqlite3_path_refuses_what_the_orm_path_refuses_with_the_same_line_and_exit_code(template, tmp_path, damage):
    shutil.copy(template / "c.db", tmp_path / "c.db")
    damage(tmp_path / "c.db")
    url = f"sqlite:///{tmp_path / 'c.db'}"
    fast, orm = (run_list(url, template / "evidence", ["--json"], orm=orm) for orm in (False, True))
    assert fast == orm
    assert fast[0] != 0 and fast[1] == b"" and fast[2].startswith(b"error: ") and fast[2].count(b"\n") == 1


def test_the_sqlite3_path_refuses_another_evidence_folder_as_the_orm_path_does(template, tmp_path):
    fast, orm = (run_list(f"sqlite:///{template / 'c.db'}", tmp_path / "elsewhere", [], orm=orm) for orm in (False, True))
    assert fast == orm
    assert fast[0] != 0 and fast[2].startswith(b"error: --evidence-dir: ")
    assert b"is not the evidence folder of the store" in fast[2]


def test_reading_with_sqlite3_changes_no_store_file_and_leaves_only_owner_only_side_files(template, tmp_path):
    import hashlib
    import os
    import stat

    shutil.copy(template / "c.db", tmp_path / "c.db")
    os.chmod(tmp_path / "c.db", 0o600)
    before = hashlib.sha256((tmp_path / "c.db").read_bytes()).hexdigest()
    assert run_list(f"sqlite:///{tmp_path / 'c.db'}", template / "evidence", [], orm=False)[:2] == (0, b"no incidents\n")
    assert hashlib.sha256((tmp_path / "c.db").read_bytes()).hexdigest() == before
    for side in tmp_path.glob("c.db-*"):  # SQLite's WAL index of a read-only reader stays behind
        assert stat.S_IMODE(side.stat().st_mode) == 0o600, side.name


@pytest.mark.parametrize("folder", ["plain", "a b+c~d", "orm,path"], ids=["sqlite3", "sqlite3 uri-escaped", "orm"])
def test_incident_keys_come_in_the_models_order_in_a_fresh_process_on_either_path(tmp_path, folder):
    """Regression: through the ORM, a fresh process printed the keys in SQLAlchemy's load order (description first)."""
    import json
    import os
    import subprocess
    import sys

    from compliance.db.opening import get_plain_sqlite_path
    from compliance.incidents.service import open_incident

    (tmp_path / folder).mkdir()
    url = f"sqlite:///{tmp_path / folder / 'c.db'}"
    assert (get_plain_sqlite_path(url) is None) == (folder == "orm,path")
    store = init_store(url=url, evidence_dir=tmp_path / "evidence")[0]
    with store.session(immediate=True) as session:
        open_incident(session=session, title="Login failures", severity="sev2", detected_at=datetime(2026, 3, 1, 11, tzinfo=UTC))
    store.close()
    env = {k: v for k, v in os.environ.items() if not k.startswith("COMPLIANCE_")}
    done = subprocess.run([sys.executable, "-c", "from compliance.cli import main; main()", "incident", "list", "--json",
                           "--db", url, "--evidence-dir", str(tmp_path / "evidence")], env=env, capture_output=True, timeout=120)
    assert done.returncode == 0, done.stderr
    assert list(json.loads(done.stdout)[0]) == [c for c in Incident.model_fields if c != "id"] + ["id"]
