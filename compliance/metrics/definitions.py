"""One definition per programme metric: the summary, the trends, the charts and `compliance metrics` all call these.

Each function takes plain values (instants, dates, statuses), so the store's rows and the audit pack's sections
give the same figure for the same facts. FORMULAS states each one in words for the pack's methodology appendix.
"""

from __future__ import annotations

import statistics
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime, timedelta

FORMULAS = (
    ("MTTR (mean time to resolve)", "mean over resolved incidents of resolved_at − (started_at, or detected_at when no "
     "start is recorded), in hours; per month in the trends, by the month (UTC) of resolved_at"),
    ("Time to detect", "mean over incidents with a recorded start of detected_at − started_at, in hours"),
    ("Time to draft post-mortem", "mean over resolved incidents with a draft of postmortem.drafted_at − resolved_at, "
     "in hours; target ≤ 48 h"),
    ("Time to publish post-mortem", "mean over resolved incidents with a published post-mortem of published_at − "
     "resolved_at, in days; target ≤ 7 d"),
    ("Action-item closure rate", "done ÷ (done + open) among action items due on or before the as-of date "
     "(cancelled items left out); target ≥ 90 %. Overdue: open items due before the as-of date"),
    ("90-day recurrence", "share of incidents sharing a theme tag with an earlier incident detected in the 90 days "
     "before it; target < 5 %"),
)


def hours(start: datetime, end: datetime) -> float:
    """Elapsed hours from start to end."""
    return (end - start).total_seconds() / 3600


def mean(values: Iterable[float]) -> float | None:
    """The mean rounded to 2 places, or None without values (never a made-up zero)."""
    values = list(values)
    return round(statistics.fmean(values), 2) if values else None


def median(values: Iterable[float]) -> float | None:
    """The median rounded to 2 places, or None without values."""
    values = list(values)
    return round(statistics.median(values), 2) if values else None


def resolve_hours(*, started_at: datetime | None, detected_at: datetime, resolved_at: datetime) -> float:
    """One incident's time to resolve: resolved_at − (started_at or detected_at), hours."""
    return hours(started_at or detected_at, resolved_at)


def detect_hours(*, started_at: datetime, detected_at: datetime) -> float:
    """One incident's time to detect: detected_at − started_at, hours."""
    return hours(started_at, detected_at)


def draft_hours(*, resolved_at: datetime, drafted_at: datetime) -> float:
    """Resolution to post-mortem draft, hours."""
    return hours(resolved_at, drafted_at)


def publish_days(*, resolved_at: datetime, published_at: datetime) -> float:
    """Resolution to post-mortem publication, days."""
    return hours(resolved_at, published_at) / 24


@dataclass(frozen=True)
class Closure:
    """Action items counted for the closure rate."""

    done: int
    open: int
    overdue: int

    @property
    def rate(self) -> float | None:
        """done / (done + open), 4 places, or None when nothing was due."""
        return round(self.done / (self.done + self.open), 4) if self.done + self.open else None


def closure(actions: Iterable[tuple[str, date | None]], *, as_of: date) -> Closure:
    """The closure of (status, due) pairs as of a date (see FORMULAS)."""
    done = open_ = overdue = 0
    for status, due in actions:
        if status == "open" and due is not None and due < as_of:
            overdue += 1
        if status == "cancelled" or due is None or due > as_of:
            continue
        done += status == "done"
        open_ += status == "open"
    return Closure(done=done, open=open_, overdue=overdue)


RECURRENCE_WINDOW = timedelta(days=90)


def recurring_tags(*, detected_at: datetime, tags: Iterable[str], earlier_detected_at: datetime,
                   earlier_tags: Iterable[str]) -> list[str]:
    """The theme tags by which an incident recurs an earlier one: shared, earlier one detected in the 90 days before."""
    if not detected_at - RECURRENCE_WINDOW <= earlier_detected_at < detected_at:
        return []
    return sorted(set(tags or []) & set(earlier_tags or []))


def recurrence(targets: Iterable[tuple[object, datetime, list[str]]],
               history: Iterable[tuple[object, datetime, list[str]]]) -> tuple[float | None, dict[str, int]]:
    """The 90-day recurrence of `targets` (key, detected_at, tags) against `history` (the same shape, targets included):
    the share of targets sharing a tag with an earlier incident detected in the 90 days before, and counts per tag."""
    from collections import Counter, defaultdict

    targets = list(targets)
    if not targets:
        return None, {}
    seen: dict[str, list[datetime]] = defaultdict(list)
    for _key, detected, tags in history:
        for tag in tags or []:
            seen[tag].append(detected)
    recurring, per_tag = 0, Counter()
    for _key, detected, tags in targets:
        hit = [t for t in tags or [] if any(detected - RECURRENCE_WINDOW <= when < detected for when in seen[t])]
        recurring += bool(hit)
        per_tag.update(hit)
    return round(recurring / len(targets), 4), dict(sorted(per_tag.items()))
