"""Enumerated kinds of action items, importable without the database layer (CLI choices)."""

from __future__ import annotations

from enum import Enum


class ActionPriority(str, Enum):
    HIGH = "high"
    MEDIUM = "medium"
    LOW = "low"


class ActionStatus(str, Enum):
    OPEN = "open"
    DONE = "done"
    CANCELLED = "cancelled"


PRIORITIES = [p.value for p in ActionPriority]
