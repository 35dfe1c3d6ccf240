"""Chain of custody: append-only, hash-chained events (one chain per store) and the chain head."""

from __future__ import annotations

from datetime import datetime
from enum import Enum

from sqlalchemy import CheckConstraint
from sqlmodel import Field, SQLModel

from compliance.db.base import InstantField


class CustodyAction(str, Enum):
    COLLECTED = "collected"
    TRANSFERRED = "transferred"
    ACCESSED = "accessed"
    ANALYSED = "analysed"
    EXPORTED = "exported"
    SEALED = "sealed"
    RELEASED = "released"
    DISPOSED = "disposed"


# CU-MOD-6: exactly one owner. A programme document's events carry its ref (PE-0001) and no evidence id.
OWNER_CHECK = "(evidence_id IS NULL) = (evidence_ref LIKE 'PE-%')"


class CustodyEvent(SQLModel, table=True):
    """One custody event; `event_hash` covers its canonical form and `prev_hash` (the previous event's hash).

    CU-MOD-1  Append-only: database triggers refuse UPDATE, DELETE and TRUNCATE.
    CU-MOD-2  `seq` is the position in the store-wide chain (1, 2, 3, … with no gaps).
    CU-MOD-3  `sha256` is the evidence's content hash re-read from the blob when the event was recorded.
    CU-MOD-4  `db_role` is the authenticated database role (PostgreSQL session_user); None on SQLite.
    CU-MOD-6  An event belongs to an evidence item (`evidence_id` set, `evidence_ref` EV-0001) or to a programme
              document (`evidence_id` NULL, `evidence_ref` PE-0001, which must name an existing document: a
              database trigger refuses anything else); a CHECK constraint allows nothing in between.
    """

    __tablename__ = "custody_event"
    __table_args__ = (CheckConstraint(OWNER_CHECK, name="ck_custody_event_one_owner"),)

    id: int | None = Field(default=None, primary_key=True)
    seq: int = Field(unique=True, index=True)
    evidence_id: int | None = Field(default=None, foreign_key="evidence.id", index=True)
    evidence_ref: str = Field(max_length=32, index=True)
    action: str = Field(max_length=16)
    at: datetime = InstantField(nullable=False)
    actor: str
    db_role: str | None = Field(default=None, max_length=128)
    from_holder: str | None = None
    to_holder: str | None = None
    location: str | None = None
    reason: str | None = None
    sha256: str = Field(max_length=64)
    prev_hash: str = Field(max_length=64)
    event_hash: str = Field(unique=True, max_length=64)


class CustodyHead(SQLModel, table=True):
    """The chain head (one row, id 1): the last event's seq and hash, so a removed tail is detected.

    CU-MOD-5  Appenders lock this row (SELECT … FOR UPDATE on PostgreSQL) and move it in the same
              transaction as the insert, so concurrent appenders form one linear chain.
    """

    __tablename__ = "custody_head"

    id: int = Field(default=1, primary_key=True)
    seq: int = 0
    event_hash: str | None = Field(default=None, max_length=64)
