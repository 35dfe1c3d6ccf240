"""The ledger: one append-only, hash-chained log of every change to every tracked row, and its head."""

from __future__ import annotations

from sqlalchemy import BigInteger, Column, Text
from sqlmodel import Field, SQLModel


class LedgerEntry(SQLModel, table=True):
    """One recorded state of one tracked row (see LG-CHN-1); an update is a new entry that supersedes.

    LG-MOD-1  Append-only: database triggers refuse UPDATE, DELETE and TRUNCATE; on PostgreSQL the
              writer role appends only through compliance_ledger_append() (LG-PG-1).
    LG-MOD-2  `kind` is the table name and `entity_key` the primary key of the row; `state` its
              canonical JSON (or null for a deletion); `db_role` the authenticated role (session_user) on
              PostgreSQL, None on SQLite; `recorded_at` ISO 8601 UTC text as hashed.
    """

    __tablename__ = "ledger_entry"

    seq: int = Field(sa_column=Column(BigInteger(), primary_key=True, autoincrement=False))
    kind: str = Field(max_length=64, index=True)
    entity_key: str = Field(max_length=128)
    format: int = 1
    state: str = Field(sa_column=Column(Text(), nullable=False))
    prev_hash: str = Field(max_length=64)
    entry_hash: str = Field(unique=True, max_length=64)
    recorded_at: str = Field(max_length=32)
    db_role: str | None = Field(default=None, max_length=128)


class LedgerHead(SQLModel, table=True):
    """The ledger head (one row, id 1): the last entry's seq and hash; appenders lock this row."""

    __tablename__ = "ledger_head"

    id: int = Field(default=1, primary_key=True)
    seq: int = Field(default=0, sa_column=Column(BigInteger(), nullable=False, default=0))
    entry_hash: str | None = Field(default=None, max_length=64)
