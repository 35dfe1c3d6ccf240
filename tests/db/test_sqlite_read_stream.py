"""stream_columns: the SQLite fast path of a verification reads exactly the values the ORM path reads."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone

import pytest
from hypothesis import HealthCheck, given, reject, settings
from hypothesis import strategies as st
from sqlalchemy import select, text
from sqlalchemy.exc import IntegrityError
from sqlmodel import Session

from compliance.custody.models import CustodyEvent
from compliance.custody.verify import chain_columns
from compliance.db.ledger.canonical import canonical_instant
from compliance.db.ledger.models import LedgerEntry
from compliance.db.sqlite_read import stream_columns
from tests.conftest import at
from tests.custody.helpers import add_file

TABLES = {"custody_event": (chain_columns, lambda: [CustodyEvent.__table__.c.seq]),
          "ledger_entry": (lambda: list(LedgerEntry.__table__.columns), lambda: [LedgerEntry.__table__.c.seq])}
STORED = st.one_of(
    st.none(), st.integers(min_value=-2**63, max_value=2**63 - 1), st.text(max_size=12),
    st.floats(allow_nan=False), st.binary(max_size=6),
    st.sampled_from(["2026-03-01 12:00:00.000000", "2026-03-01 12:00:00", "2026-03-01T12:00:00.123456",
                     "2026-03-01 12:00:00.000000+01:00", "2026-03-01", "2026-13-01 12:00:00.000000", "garbage", ""]))


@pytest.fixture
def filled(store, make_incident, tmp_path):
    """A store with two evidence items and a few custody events (and their ledger entries)."""
    from compliance.custody.service import record_custody_event

    ref = make_incident()
    add_file(store, ref, tmp_path, b"first", name="a.log")
    add_file(store, ref, tmp_path, b"second", name="b.log")
    record_custody_event(store=store, ref="EV-0001", action="accessed", actor="Eve", at=at("2026-03-02T09:00:00Z"))
    return store


def _read(rows) -> tuple:
    try:
        return "rows", [[(type(v), v) for v in row] for row in rows]
    except Exception as exc:  # noqa: BLE001 - both paths must fail the same way
        return "error", type(exc).__name__


def _both(session: Session, table: str) -> tuple[tuple, tuple]:
    columns, order = TABLES[table][0](), TABLES[table][1]()
    general = _read(session.execute(select(*columns).order_by(*order)))
    return general, _read(stream_columns(session, columns, order, batch=2))


@pytest.mark.parametrize("table", sorted(TABLES))
def test_stream_columns_reads_what_the_orm_reads(filled, table):
    with filled.session() as session:
        general, fast = _both(session, table)
    assert general[0] == "rows" and len(general[1]) >= 3
    assert fast == general


@pytest.mark.parametrize("store_url", ["sqlite"], indirect=True)  # the fast path is SQLite's (and so is the tamper)
@settings(max_examples=80, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(data=st.data())
def test_stream_columns_reads_any_tampered_cell_as_the_orm_does(filled, data):
    assert filled.dialect == "sqlite"
    table = data.draw(st.sampled_from(sorted(TABLES)))
    column = data.draw(st.sampled_from([c.name for c in TABLES[table][0]()]))
    value = data.draw(STORED)
    with filled.engine.connect() as conn:
        conn.begin()
        for (name,) in conn.execute(text("SELECT name FROM sqlite_master WHERE type = 'trigger'")).all():
            conn.execute(text(f'DROP TRIGGER "{name}"'))
        try:
            conn.execute(text(f'UPDATE {table} SET "{column}" = :v WHERE seq = (SELECT min(seq) + 1 FROM {table})'),
                         {"v": value})
        except IntegrityError:  # NOT NULL, CHECK or UNIQUE: no store can hold this cell
            conn.rollback()
            reject()
        session = Session(bind=conn)
        general, fast = _both(session, table)
        conn.rollback()  # triggers and the cell restored
    assert fast == general


@given(st.lists(st.sampled_from([datetime(2026, 3, 1, 12, 0, 0, 1, tzinfo=UTC),
                                 datetime(2026, 3, 1, 13, 0, 0, 1, tzinfo=timezone(timedelta(hours=1))),
                                 datetime(2026, 3, 1, 12, 0, 0, 2), datetime(2026, 3, 1, 12, 0, 0, 1, tzinfo=UTC)]),
                max_size=8))
def test_canonical_instant_remembering_the_last_instant_changes_no_result(instants):
    for value in instants:
        expected = value.replace(tzinfo=None) if value.tzinfo is None else value.astimezone(UTC).replace(tzinfo=None)
        assert canonical_instant(value) == expected.isoformat(timespec="microseconds") + "Z"
