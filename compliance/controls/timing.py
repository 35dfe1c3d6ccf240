"""Checks about time and order: an entry of a kind on the timeline (before or after another kind), a time limit
between two instants (`within`), and instants on one consistent clock (`ordered`). Parsing is in `builder`."""

from __future__ import annotations

from datetime import datetime, timedelta

from compliance.controls.checks import FAIL, OK, PARTIAL, Check, Outcome, _as_instant, _items, get_path
from compliance.core.timeutil import format_timedelta, to_iso


class TimelineHasKind(Check):
    """The timeline has an entry of a kind (optionally customer-visible); with `before: K`, at or before the first
    entry of kind K; with `after: K`, at or after the last entry of kind K (none of kind K fails)."""

    type_name = "timeline_has_kind"

    def __init__(self, kind: str, customer_visible: bool | None = None, *, before: str | None = None,
                 after: str | None = None) -> None:
        self.kind, self.customer_visible, self.before, self.after = kind, customer_visible, before, after

    def evaluate(self, doc):
        entries = [e for e in _items(doc, "timeline") if isinstance(e, dict)]
        extra = " customer-visible" if self.customer_visible else ""
        limit = None
        anchor = self.before or self.after
        if anchor:
            instants = [i for i in (_as_instant(e.get("at"), "timeline[].at") for e in entries if e.get("kind") == anchor)
                        if i is not None]
            if not instants:
                return Outcome(FAIL, f"the timeline has no '{anchor}' entry, so a '{self.kind}' entry "
                                     f"{'before' if self.before else 'after'} it cannot be shown")
            limit = min(instants) if self.before else max(instants)
        for entry in entries:
            if entry.get("kind") != self.kind or (
                    self.customer_visible is not None and bool(entry.get("customer_visible")) != self.customer_visible):
                continue
            if limit is None:
                return OK
            instant = _as_instant(entry.get("at"), "timeline[].at")
            if instant is not None and (instant <= limit if self.before else instant >= limit):
                return OK
        if anchor:
            where = f"at or before the first '{self.before}'" if self.before else f"at or after the last '{self.after}'"
            return Outcome(FAIL, f"the timeline has no{extra} '{self.kind}' entry {where} entry")
        return Outcome(FAIL, f"the timeline has no{extra} '{self.kind}' entry")

    def describe(self) -> str:
        extra = " customer-visible" if self.customer_visible else ""
        where = f" before '{self.before}'" if self.before else f" after '{self.after}'" if self.after else ""
        article = "a" if extra or self.kind[:1] not in "aeiou" else "an"
        return f"the timeline has {article}{extra} '{self.kind}' entry{where}"

    def fields(self):
        extra = f",customer_visible={str(self.customer_visible).lower()}" if self.customer_visible is not None else ""
        anchor = [f"timeline[kind={self.before or self.after}]"] if self.before or self.after else []
        return [f"timeline[kind={self.kind}{extra}]", *anchor]


class Within(Check):
    """The instant at `to` is at most `max` after the instant at `from`; not yet recorded but not due → partial."""

    type_name = "within"

    def __init__(self, start: str, end: str, limit: timedelta, text: str) -> None:
        self.start, self.end, self.limit, self.text = start, end, limit, text

    def evaluate(self, doc):
        start = _as_instant(get_path(doc, self.start), self.start)
        if start is None:
            return Outcome(FAIL, f"{self.start} is not recorded, so the {self.text} limit cannot be shown")
        end = _as_instant(get_path(doc, self.end), self.end)
        due = start + self.limit
        if end is None:
            as_of = _as_instant(doc.get("as_of"), "as_of")
            if as_of is not None and as_of <= due:
                return Outcome(PARTIAL, f"{self.end} is not recorded yet (due by {to_iso(due)})")
            return Outcome(FAIL, f"{self.end} is not recorded ({self.text} after {self.start} has passed)")
        if end - start <= self.limit:
            return OK
        return Outcome(FAIL, f"{self.end} is {format_timedelta(end - start)} after {self.start}, "
                             f"more than {self.text}")

    def fields(self):
        return [self.start, self.end]


class Ordered(Check):
    """The recorded instants at the paths are in the listed order (unrecorded ones are skipped; one clock)."""

    type_name = "ordered"

    def __init__(self, paths: list[str]) -> None:
        self.paths = list(paths)

    def evaluate(self, doc):
        previous: tuple[str, datetime] | None = None
        for path in self.paths:
            instant = _as_instant(get_path(doc, path), path)
            if instant is None:
                continue
            if previous is not None and instant < previous[1]:
                return Outcome(FAIL, f"{path} ({to_iso(instant)}) is before {previous[0]} ({to_iso(previous[1])}): "
                                     f"the instants are not on one consistent clock")
            previous = (path, instant)
        return OK

    def describe(self) -> str:
        return f"{', '.join(self.paths)} are in order"

    def fields(self):
        return list(self.paths)

    def required_fields(self):
        return []
