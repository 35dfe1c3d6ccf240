"""Reads the items of a post-mortem's Timeline and Follow-ups sections: times with zones, owners, due dates.

Real documents leave due dates open ("unknown", "TBD"); those import with no due date and the review
flags them. A value that looks like a date but is not one (2024-13-45) is a problem naming its line.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

ZONES = {"UTC": 0, "GMT": 0, "Z": 0, "CET": 60, "CEST": 120, "WET": 0, "WEST": 60, "EET": 120, "EEST": 180,
         "BST": 60, "EST": -300, "EDT": -240, "CST": -360, "CDT": -300, "MST": -420, "MDT": -360, "PST": -480,
         "PDT": -420, "IST": 330, "JST": 540, "SGT": 480, "AEST": 600, "AEDT": 660}
# Written where a value is not known yet: imported as "no value", and the review says so.
UNKNOWN_VALUES = {"", "unknown", "tbd", "tbc", "tba", "n/a", "na", "none", "-", "--", "—", "?", "not set", "not yet",
                  "no date", "pending", "unassigned", "nobody", "ongoing", "none recorded"}
_TIME = re.compile(r"^\**\s*(\d{1,2}):(\d{2})(?::\d{2})?\s*([A-Za-z][A-Za-z_/+\-]*)?\s*:?\s*\**\s*:?\s*[-–—:]?\s*(.*)$")
DATE_LINE = re.compile(r"^\**\s*(\d{4}-\d{1,2}-\d{1,2})\s*\**:?\s*$")
_CHECK = re.compile(r"^\[( |x|X)\]\s*(.*)$")
_OWNER = re.compile(r"^\*\*([^*]+?):\*\*\s*(.*)$|^\*\*([^*]+?)\*\*:\s*(.*)$")
_DUE = re.compile(r"\*\*\[([^\]]*)\]\*\*\s*$|\[([^\]]*)\]\s*$")
_LESSON_REF = re.compile(r"\((?:lessons?|L)\s*([\d,\s]+)\)", re.IGNORECASE)


@dataclass
class TimelineItem:
    """One timeline bullet: instant in UTC, text, the time as written, its line."""

    at: datetime
    text: str
    original_time: str
    zone: str
    line: int
    kind: str = "other"


@dataclass
class FollowUp:
    """One follow-up checkbox; owner as written (person, team or @handle), due None when not known."""

    description: str
    owner: str | None
    due: date | None
    done: bool
    lessons: list[int]
    line: int
    success_criteria: str | None = None


def is_unknown(raw: str | None) -> bool:
    """True for values that say 'not known' (unknown, TBD, n/a, none, -)."""
    return raw is None or re.sub(r"[*_`\s]+", " ", raw).strip().strip(".").lower() in UNKNOWN_VALUES


def zone_offset(name: str | None, day: date, hour: int, minute: int) -> tuple[timedelta, str]:
    """Returns the UTC offset of a zone name (abbreviation or IANA) at a local time, and its name."""
    if not name:
        return timedelta(0), "UTC"
    upper = name.upper()
    if upper in ZONES:
        return timedelta(minutes=ZONES[upper]), upper
    try:
        zone = ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        raise ValueError(f"unknown time zone {name!r}") from None
    local = datetime(day.year, day.month, day.day, hour, minute, tzinfo=zone)
    return local.utcoffset(), name


def infer_kind(text: str, index: int) -> str:
    """Guesses the kind of a timeline entry from its words."""
    lowered = text.lower()
    rules = [("resolution", ("all-clear", "all clear", "resolved", "closed")),
             ("communication", ("status page", "customers notified", "notified", "communicat", "announce")),
             ("decision", ("decision", "decided", "decide")),
             ("mitigation", ("restored", "mitigat", "rolled back", "rollback", "restart", "revoked", "blocked",
                             "isolated", "deployed fix", "disabled")),
             ("escalation", ("declared", "paged", "page sent", "escalat", "engaged")),
             ("detection", ("alert", "detected", "noticed", "reported", "fire"))]
    for kind, words in rules:
        if any(w in lowered for w in words):
            return kind
    return "trigger" if index == 0 else "other"


def _clean(text: str) -> str:
    return re.sub(r"\s+", " ", text).strip()


def parse_timeline(doc, items) -> None:
    """Adds the timeline entries of a section's lines to `doc` (problems with their line)."""
    day: date | None = None
    bad_day = False
    for line, content, in_list, _, _ in items:
        date_match = DATE_LINE.match(content)
        if date_match:
            try:
                day, bad_day = date.fromisoformat(_pad_date(date_match.group(1))), False
            except ValueError:
                doc.problems.append(f"line {line}: date heading {date_match.group(1)!r} is not a calendar date "
                                    "(use YYYY-MM-DD)")
                day, bad_day = None, True
            continue
        if not in_list or bad_day:
            continue
        match = _TIME.match(content)
        if not match:
            doc.problems.append(f"line {line}: timeline entry without a time like '14:23 UTC': {content[:60]}")
            continue
        if day is None:
            doc.problems.append(f"line {line}: timeline entry before any date heading (e.g. **2024-01-15**)")
            continue
        hour, minute, zone, text_ = int(match.group(1)), int(match.group(2)), match.group(3), match.group(4)
        if hour > 23 or minute > 59:
            doc.problems.append(f"line {line}: {hour:02d}:{minute:02d} is not a time of day")
            continue
        try:
            offset, zone_name = zone_offset(zone, day, hour, minute)
        except ValueError as exc:
            doc.problems.append(f"line {line}: {exc}")
            continue
        at = datetime(day.year, day.month, day.day, hour, minute, tzinfo=UTC) - offset
        original = f"{day.isoformat()} {hour:02d}:{minute:02d}{' ' + zone if zone else ''}"
        text_ = _clean(text_.strip("* :"))
        doc.timeline.append(TimelineItem(at=at, text=text_, original_time=original, zone=zone_name, line=line,
                                         kind=infer_kind(text_, len(doc.timeline))))


def _pad_date(raw: str) -> str:
    year, month, day = raw.split("-")
    return f"{year}-{int(month):02d}-{int(day):02d}"


def parse_due(raw: str, year: int) -> date | None:
    """Returns the due date written as YYYY-MM-DD, 'Jan 22' or '22 January 2026'; None for 'unknown', 'TBD'…"""
    raw = re.sub(r"^(?:due:?\s*)", "", raw.strip(), flags=re.I).strip()
    if is_unknown(raw):
        return None
    if re.fullmatch(r"\d{4}-\d{1,2}-\d{1,2}", raw):
        return date.fromisoformat(_pad_date(raw))  # ValueError for 2024-13-45
    for fmt in ("%b %d %Y", "%B %d %Y", "%d %b %Y", "%d %B %Y", "%b %d, %Y", "%B %d, %Y"):
        try:
            return datetime.strptime(f"{raw} {year}" if not re.search(r"\d{4}", raw) else raw, fmt).date()
        except ValueError:
            continue
    raise ValueError(raw)


def parse_followups(doc, items, year: int) -> None:
    """Adds the follow-up checkboxes of a section's lines to `doc` (problems with their line)."""
    for line, content, in_list, _, _ in items:
        check = _CHECK.match(content)
        if not in_list or not check:
            continue
        done, rest = check.group(1).lower() == "x", check.group(2).strip()
        owner = None
        owner_match = _OWNER.match(rest)
        if owner_match:
            owner = (owner_match.group(1) or owner_match.group(3)).strip()
            rest = owner_match.group(2) if owner_match.group(1) else owner_match.group(4)
            owner = None if is_unknown(owner) else owner
        due = None
        due_match = _DUE.search(rest)
        if due_match:
            raw = due_match.group(1) if due_match.group(1) is not None else due_match.group(2)
            try:
                due = parse_due(raw, year)
            except ValueError:
                doc.problems.append(f"line {line}: due date {raw!r} does not parse "
                                    "(use YYYY-MM-DD, 'Jan 22', or 'unknown' when there is none yet)")
            rest = rest[:due_match.start()]
        lessons = []
        lesson_match = _LESSON_REF.search(rest)
        if lesson_match:
            lessons = [int(n) for n in re.findall(r"\d+", lesson_match.group(1))]
            rest = rest[:lesson_match.start()] + rest[lesson_match.end():]
        criteria = None
        if " — success: " in rest or " - success: " in rest.lower():
            rest, criteria = re.split(r"\s[—-]\s[Ss]uccess:\s", rest, maxsplit=1)
            criteria = _clean(criteria) or None
        doc.followups.append(FollowUp(description=_clean(rest.strip("* ")), owner=owner, due=due, done=done,
                                      lessons=lessons, line=line, success_criteria=criteria))
