"""Shared model helpers: aware-UTC instant and JSON list columns for sqlmodel tables."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import Column
from sqlmodel import Field

from compliance.core.timeutil import utcnow
from compliance.db.ledger import registry as _ledger_registry  # noqa: F401 (installs the ledger's session hook)
from compliance.db.types import JSONType, UTCDateTime


def InstantField(*, nullable: bool = True, default_now: bool = False, index: bool = False) -> Any:
    """A timezone-aware UTC instant column."""
    kwargs: dict[str, Any] = {}
    if default_now:
        kwargs["default_factory"] = utcnow
    else:
        kwargs["default"] = None
    return Field(sa_column=Column(UTCDateTime(), nullable=nullable, index=index), **kwargs)


def JSONListField() -> Any:
    """A JSON list column (strings, numbers or small objects)."""
    return Field(default_factory=list, sa_column=Column(JSONType, nullable=False))


def JSONDictField() -> Any:
    """A JSON object column."""
    return Field(default_factory=dict, sa_column=Column(JSONType, nullable=False))


__all__ = ["InstantField", "JSONListField", "JSONDictField", "datetime"]
