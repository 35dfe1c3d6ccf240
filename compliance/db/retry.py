"""Busy stores: which database errors mean "another writer holds the lock", and a bounded retry of a write."""

from __future__ import annotations

import random
import time
from collections.abc import Callable
from typing import TYPE_CHECKING, TypeVar

from sqlalchemy.exc import DBAPIError, OperationalError

if TYPE_CHECKING:  # pragma: no cover
    from sqlmodel import Session

    from compliance.db.store import Store

T = TypeVar("T")
RETRY_ATTEMPTS = 10
# A write gives up after this long in total (SQLite already waits busy_timeout inside each attempt).
RETRY_BUDGET_SECONDS = 90.0
# PostgreSQL: serialization failure, deadlock detected, lock not available.
BUSY_SQLSTATES = ("40001", "40P01", "55P03")


def is_busy(exc: BaseException) -> bool:
    """True when `exc` says the store is busy (SQLite locked/busy, PostgreSQL serialization/deadlock/lock)."""
    message = str(getattr(exc, "orig", exc)).lower()
    code = getattr(getattr(exc, "orig", None), "sqlstate", None)
    return "database is locked" in message or "database is busy" in message or code in BUSY_SQLSTATES


def backoff(attempt: int) -> float:
    """Seconds to wait before attempt `attempt + 1`: exponential, capped at 2 s, jittered."""
    return min(2.0, 0.05 * 2 ** attempt) * random.uniform(0.5, 1.0)


def run_with_retry(store: Store, work: Callable[[Session], T], *, attempts: int = RETRY_ATTEMPTS,
                   budget: float = RETRY_BUDGET_SECONDS) -> T:
    """Runs `work(session)` in a write transaction, re-running it a bounded number of times while the store is busy."""
    deadline = time.monotonic() + budget
    for attempt in range(1, attempts + 1):
        try:
            with store.session(immediate=True) as session:
                return work(session)
        except (OperationalError, DBAPIError) as exc:
            if attempt == attempts or not is_busy(exc) or time.monotonic() >= deadline:
                raise
            time.sleep(backoff(attempt))
    raise AssertionError("unreachable")  # pragma: no cover
