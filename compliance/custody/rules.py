"""The custody rules as pure functions, applied on input (record) and replayed on verification.

CU-RUL-1  The first event is `collected`; `collected` happens once.
CU-RUL-2  Chronology: no event before the previous event of the same item, none later than
          CLOCK_SKEW after the moment it was recorded (nothing in the future).
CU-RUL-3  State machine: a transfer starts from the current holder and names a different new one;
          a sealed item accepts only `released` and `accessed` (looking is recorded, nothing else happens
          to it); `released` needs a seal; `sealed` twice is refused; nothing follows `disposed`.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

CLOCK_SKEW = timedelta(minutes=5)
ALLOWED_WHEN_SEALED = {"released", "accessed"}
NEEDS_REASON = {"transferred", "released", "disposed"}


@dataclass
class CustodyState:
    """Where an evidence item stands, derived from its own events."""

    holder: str | None = None
    sealed: bool = False
    disposed: bool = False
    events: int = 0
    last_at: datetime | None = None


def rule_problem(state: CustodyState, *, ref: str, action: str, at: datetime | None = None,
                 from_holder: str | None = None, to_holder: str | None = None) -> tuple[str, str] | None:
    """Returns (field, problem) when `action` at `at` breaks a custody rule in `state`, else None."""
    if action == "collected" and state.events:
        return "--action", "'collected' is recorded once, by 'compliance evidence add'"
    if action != "collected" and not state.events:
        return "--action", f"{ref} has no 'collected' event: custody must start with collection"
    if state.disposed:
        return "--action", f"{ref} was disposed of: no further custody events"
    if state.sealed and action not in ALLOWED_WHEN_SEALED:
        if action == "sealed":
            return "--action", f"{ref} is already sealed"
        return "--action", f"{ref} is sealed: record 'released' with a reason before '{action}'"
    if action == "released" and not state.sealed:
        return "--action", f"{ref} is not sealed: nothing to release"
    if action == "transferred":
        if not from_holder:
            return "--from", "a transfer needs the current holder"
        if not to_holder:
            return "--to", "a transfer needs the new holder"
        if state.holder is not None and from_holder.casefold() != state.holder.casefold():
            return "--from", f"{ref} is held by {state.holder!r}, not {from_holder!r}"
        if from_holder.casefold() == to_holder.casefold():
            return "--to", "the new holder is the current holder"
    if at is not None and state.last_at is not None and at < state.last_at:
        return "--at", (f"{at.isoformat()} is before the previous custody event of {ref} "
                        f"({state.last_at.isoformat()}): events are recorded in the order they happened")
    return None


def future_problem(at: datetime, *, recorded_at: datetime) -> str | None:
    """Returns a problem when `at` lies further than CLOCK_SKEW after the moment it was recorded."""
    if at > recorded_at + CLOCK_SKEW:
        return (f"{at.isoformat()} is in the future (recorded at {recorded_at.isoformat()}, "
                f"clock skew allowed {int(CLOCK_SKEW.total_seconds() // 60)} min)")
    return None


def advance(state: CustodyState, *, action: str, at: datetime | None, to_holder: str | None) -> None:
    """Moves `state` past one event."""
    state.events += 1
    if action in ("collected", "transferred") and to_holder:
        state.holder = to_holder
    elif action == "sealed":
        state.sealed = True
    elif action == "released":
        state.sealed = False
    elif action == "disposed":
        state.disposed = True
    if at is not None and (state.last_at is None or at > state.last_at):
        state.last_at = at
