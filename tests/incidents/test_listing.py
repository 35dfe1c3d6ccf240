"""The listing's one definition matches the ORM model, and the pure decoders agree with SQLAlchemy's on SQLite."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from sqlalchemy import JSON, Boolean
from sqlalchemy.dialects import sqlite
from sqlalchemy.engine import make_url

from compliance.core.errors import ValidationError
from compliance.core.timeutil import EARLIEST, LATEST
from compliance.db.codec import instant_to_storage, sqlite_instant_text, sqlite_instant_value, sqlite_json_value
from compliance.db.opening import get_plain_sqlite_path
from compliance.db.types import UTCDateTime
from compliance.incidents.listing import (
    BOOL_COLUMNS,
    COLUMNS,
    INSTANT_COLUMNS,
    JSON_COLUMNS,
    get_listing_conditions,
    get_sqlite_listing_sql,
)
from compliance.incidents.models import Incident

DIALECT = sqlite.dialect()
ZONES = st.sampled_from([UTC, timezone(timedelta(hours=14)), timezone(-timedelta(hours=12)),
                         timezone(timedelta(hours=5, minutes=45)), timezone(-timedelta(hours=3, minutes=30))])
INSTANTS = st.one_of(
    st.sampled_from([EARLIEST, LATEST - timedelta(microseconds=1), EARLIEST + timedelta(microseconds=1)]),
    st.datetimes(min_value=datetime(1970, 1, 2), max_value=datetime(2199, 12, 30), timezones=ZONES),
)


def test_listing_columns_are_the_incident_models_columns_in_its_order():
    assert COLUMNS == tuple(Incident.model_fields)
    assert COLUMNS == tuple(c.name for c in Incident.__table__.columns)


def test_listing_decodes_exactly_the_columns_the_model_stores_as_instants_json_and_booleans():
    table = Incident.__table__.columns
    assert INSTANT_COLUMNS == {c.name for c in table if isinstance(c.type, UTCDateTime)}
    assert JSON_COLUMNS == {c.name for c in table if isinstance(c.type, JSON)}
    assert BOOL_COLUMNS == {c.name for c in table if isinstance(c.type, Boolean)}


@settings(max_examples=200, deadline=None)
@given(INSTANTS)
def test_an_instant_is_stored_on_sqlite_as_the_text_sqlalchemy_writes(instant):
    bind = UTCDateTime().dialect_impl(DIALECT).bind_processor(DIALECT)
    assert sqlite_instant_text(instant) == bind(instant)


@settings(max_examples=200, deadline=None)
@given(INSTANTS)
def test_stored_instant_text_reads_back_as_the_orm_reads_it_aware_utc(instant):
    text = sqlite_instant_text(instant)
    result = UTCDateTime().dialect_impl(DIALECT).result_processor(DIALECT, None)
    decoded = sqlite_instant_value(text)
    assert decoded == result(text) == instant
    assert decoded.tzinfo is UTC


def test_a_naive_instant_is_refused_by_the_storage_rule_and_the_sqlite_text():
    with pytest.raises(ValueError, match="naive"):
        instant_to_storage(datetime(2026, 1, 1), naive_storage=True)
    with pytest.raises(ValueError, match="naive"):
        sqlite_instant_text(datetime(2026, 1, 1))


JSON_VALUES = st.recursive(st.none() | st.booleans() | st.integers(-(2**53), 2**53) | st.text(max_size=10),
                           lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=5), inner, max_size=3),
                           max_leaves=10)


@settings(max_examples=150, deadline=None)
@given(JSON_VALUES)
def test_json_text_reads_back_as_the_orm_reads_it(value):
    column = JSON().dialect_impl(DIALECT)
    text = column.bind_processor(DIALECT)(value)
    assert sqlite_json_value(text) == column.result_processor(DIALECT, None)(text)


PATHS = st.text(st.characters(codec="utf-8", exclude_categories=("Cs",)), min_size=1, max_size=30)


@settings(max_examples=300, deadline=None)
@given(st.sampled_from(["sqlite:///", "sqlite:////", "sqlite+pysqlite:///", "SQLITE:///", "sqlite://", "postgresql:///"]),
       PATHS)
def test_a_url_takes_the_sqlite3_path_only_when_sqlalchemy_reads_the_same_file_and_shows_the_url_unchanged(prefix, path):
    url = prefix + path
    found = get_plain_sqlite_path(url)
    if found is None:
        return
    parsed = make_url(url)
    assert parsed.drivername in ("sqlite", "sqlite+pysqlite")
    assert type(found)(parsed.database) == found  # the same file
    assert parsed.render_as_string(hide_password=True) == url


@pytest.mark.parametrize("url", ["sqlite:///:memory:", "sqlite://", "sqlite:///c.db?mode=ro", "sqlite:///%C3%A9.db",
                                 "postgresql:///test", "sqlite:///é.db"])
def test_urls_sqlite3_does_not_read_go_through_the_orm(url):
    assert get_plain_sqlite_path(url) is None


def test_unknown_filter_values_are_refused_naming_the_option():
    with pytest.raises(ValidationError, match=r"^--status: 'gone' is not one of open, "):
        get_listing_conditions(status="gone")
    with pytest.raises(ValidationError, match=r"^--severity: 'sev9' is not one of sev1, "):
        get_listing_conditions(severity="sev9")


def test_rs1_leaves_restricted_incidents_out_only_when_not_asked_for():
    assert ("restricted", "=", False) in get_listing_conditions(include_restricted=False)
    assert get_listing_conditions(include_restricted=True) == []


def test_sqlite_listing_sql_binds_every_value_and_refuses_an_unknown_column():
    sql, params = get_sqlite_listing_sql([("status", "=", "open"), ("restricted", "=", False),
                                          ("detected_at", ">=", datetime(2026, 1, 1, 1, tzinfo=timezone(timedelta(hours=1))))])
    assert sql.endswith('FROM incident WHERE "status" = ? AND "restricted" = ? AND "detected_at" >= ? ORDER BY "number"')
    assert params == ["open", 0, "2026-01-01 00:00:00.000000"]
    with pytest.raises(ValueError):
        get_sqlite_listing_sql([("title; DROP TABLE incident", "=", "x")])


def test_the_revision_chain_is_one_plain_tuple_of_strings_seen_by_both_paths():
    from compliance.db import revisions, store

    assert store.REVISIONS is revisions.REVISIONS
    assert type(revisions.REVISIONS) is tuple and all(type(r) is str for r in revisions.REVISIONS)
    assert store.get_head_revision() == revisions.REVISIONS[-1]
