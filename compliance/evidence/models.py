"""Evidence items: one row per collected file, pointing at a content-addressed blob by SHA-256."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import BigInteger, Column
from sqlmodel import Field, SQLModel

from compliance.db.base import InstantField


class Evidence(SQLModel, table=True):
    """An evidence file collected for an incident; `ref` (EV-0001) is sequential per store.

    EV-MOD-1  Rows are immutable once written: database triggers refuse UPDATE and DELETE, so the
              recorded SHA-256 and size can never be rewritten (disposal is a custody event).
    EV-MOD-2  `filename` is the original name, kept as data only; it never becomes a path.
    """

    __tablename__ = "evidence"

    id: int | None = Field(default=None, primary_key=True)
    number: int = Field(unique=True, index=True)
    ref: str = Field(unique=True, index=True, max_length=32)
    incident_id: int = Field(foreign_key="incident.id", index=True)
    filename: str
    size: int = Field(sa_column=Column(BigInteger(), nullable=False))
    sha256: str = Field(index=True, max_length=64)
    collected_by: str
    collected_at: datetime = InstantField(nullable=False)
    source: str | None = None
    description: str | None = None
