"""Turns domain values into JSON documents: instants as ISO 8601 UTC with Z."""

from __future__ import annotations

import dataclasses
import enum
import json
from datetime import date, datetime, timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any

from compliance.core.timeutil import to_iso


def to_jsonable(value: Any) -> Any:
    """Returns a structure of dicts, lists and scalars that json.dumps accepts."""
    if isinstance(value, datetime):
        return to_iso(value)
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, timedelta):
        return value.total_seconds()
    if isinstance(value, enum.Enum):
        return value.value
    if isinstance(value, Decimal):
        return float(value)
    if isinstance(value, Path):
        return str(value)
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        return {f.name: to_jsonable(getattr(value, f.name)) for f in dataclasses.fields(value)}
    if isinstance(value, dict):
        return {str(k): to_jsonable(v) for k, v in value.items()}
    if isinstance(value, (list, tuple, set, frozenset)):
        return [to_jsonable(v) for v in value]
    if hasattr(value, "model_dump"):
        return to_jsonable(value.model_dump())
    return value


def dumps(value: Any, *, indent: int | None = 2) -> str:
    """Serialises `value` as one JSON document."""
    return json.dumps(to_jsonable(value), indent=indent, ensure_ascii=False, sort_keys=False)
