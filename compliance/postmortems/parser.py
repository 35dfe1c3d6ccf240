"""Parses post-mortems written from the guides' Markdown template into a structured document.

Sections are found from the markdown-it token stream (headings and their line ranges); items are
read from list items and paragraphs inside each section, one inline text at a time, with line numbers.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from markdown_it import MarkdownIt

from compliance.core.errors import ValidationError

UTC = UTC
MAX_BYTES = 10 * 1024 * 1024
ZONES = {"UTC": 0, "GMT": 0, "Z": 0, "CET": 60, "CEST": 120, "WET": 0, "WEST": 60, "EET": 120, "EEST": 180,
         "BST": 60, "EST": -300, "EDT": -240, "CST": -360, "CDT": -300, "MST": -420, "MDT": -360, "PST": -480,
         "PDT": -420, "IST": 330, "JST": 540, "SGT": 480, "AEST": 600, "AEDT": 660}
SECTION_ALIASES = {
    "key facts": "key_facts", "executive summary": "summary", "summary": "summary", "timeline": "timeline",
    "contributors, mitigators, risks": "cmr", "contributors": "contributors", "mitigators": "mitigators",
    "what went well": "mitigators", "risks": "risks", "root cause analysis": "root_cause", "root cause": "root_cause",
    "root causes": "root_cause", "5 whys": "root_cause", "five whys": "root_cause",
    "diagnostics and evidence": "diagnostics", "diagnostics": "diagnostics", "evidence": "diagnostics",
    "learnings": "learnings", "lessons learned": "learnings", "lessons": "learnings", "follow-ups": "followups",
    "follow ups": "followups", "followups": "followups", "action items": "followups", "actions": "followups",
    "appendix": "appendix",
}
REQUIRED_SECTIONS = ("key_facts", "summary", "timeline", "contributors", "mitigators", "risks", "root_cause",
                     "learnings", "followups")
_TIME = re.compile(r"^\**\s*(\d{1,2}):(\d{2})(?::\d{2})?\s*([A-Za-z][A-Za-z_/+\-]*)?\s*:?\s*\**\s*:?\s*[-–—:]?\s*(.*)$")
_DATE = re.compile(r"^\**\s*(\d{4}-\d{2}-\d{2})\s*\**:?\s*$")
_FACT = re.compile(r"^\*\*([^*:]+):?\*\*:?\s*(.*)$")
_WHY = re.compile(r"^(\d+(?:\.\d+)*)\.?\s+(.+)$")
_CHECK = re.compile(r"^\[( |x|X)\]\s*(.*)$")
_OWNER = re.compile(r"^\*\*@?([^*]+?):?\*\*:?\s*(.*)$")
_DUE = re.compile(r"\*\*\[([^\]]+)\]\*\*\s*$|\[([^\]]+)\]\s*$")
_LESSON_REF = re.compile(r"\((?:lessons?|L)\s*([\d,\s]+)\)", re.IGNORECASE)
_CATEGORY = re.compile(r"^\*\*([^*]+?):?\*\*:?$")


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
    """One follow-up checkbox."""

    description: str
    owner: str | None
    due: date | None
    done: bool
    lessons: list[int]
    line: int
    success_criteria: str | None = None


@dataclass
class ParsedPostmortem:
    """The structured content of one Markdown post-mortem."""

    title: str | None = None
    key_facts: dict[str, str] = field(default_factory=dict)
    summary: str | None = None
    timeline: list[TimelineItem] = field(default_factory=list)
    contributors: list[str] = field(default_factory=list)
    mitigators: list[str] = field(default_factory=list)
    risks: list[str] = field(default_factory=list)
    root_cause: list[dict] = field(default_factory=list)
    diagnostics: list[str] = field(default_factory=list)
    lessons: list[dict] = field(default_factory=list)
    followups: list[FollowUp] = field(default_factory=list)
    theme_tags: list[str] = field(default_factory=list)
    sections: dict[str, int] = field(default_factory=dict)  # section → heading line
    problems: list[str] = field(default_factory=list)  # "line N: what could not be parsed"
    skipped: list[str] = field(default_factory=list)  # sections outside the template, reported not imported
    lines: dict[str, int] = field(default_factory=dict)  # e.g. "contributors.0" → line

    @property
    def severity(self) -> str | None:
        """Severity from Key Facts normalised to sev1..sev4."""
        raw = self.key_facts.get("severity", "")
        match = re.search(r"(\d)", raw)
        return f"sev{match.group(1)}" if match and match.group(1) in "1234" else None


def _zone_offset(name: str | None, day: date, hour: int, minute: int) -> tuple[timedelta, str]:
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


def _infer_kind(text: str, index: int) -> str:
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


_SPECIAL_LINE = re.compile(
    r"^(\*\*[^*]+\*\*:?|\*\*[^*]+:\*\*.*|\[.*\]|\**\d{4}-\d{2}-\d{2}\**:?|\d+(?:\.\d+)+\.?\s.*)$")


def _blocks(tokens, start: int, end: int):
    """Yields (line, text, in_list, depth, token) per logical line between token indexes start..end.

    CommonMark folds a following line into the paragraph or list item before it (lazy
    continuation); lines that stand on their own in the template (a bold label, a date, a
    bracketed note) are split off again, other continuation lines stay part of their item.
    """
    depth = 0
    for token in tokens[start:end]:
        if token.type in ("bullet_list_open", "ordered_list_open"):
            depth += 1
        elif token.type in ("bullet_list_close", "ordered_list_close"):
            depth -= 1
        elif token.type == "inline" and token.map:
            first_line = token.map[0] + 1
            current, current_line, current_in_list = [], first_line, depth > 0
            for offset, raw in enumerate(token.content.splitlines()):
                raw = raw.strip()
                if offset and (_SPECIAL_LINE.match(raw) or not current_in_list):
                    if current:
                        yield current_line, " ".join(current), current_in_list, depth, token
                    current, current_line, current_in_list = [raw], first_line + offset, False
                else:
                    current.append(raw)
            if current:
                yield current_line, " ".join(current), current_in_list, depth, token


def _clean(text: str) -> str:
    return re.sub(r"\s+", " ", text).strip()


def read_markdown_file(path: str | Path) -> str:
    """Reads a post-mortem file, refusing missing, empty, binary, non-UTF-8 or over-10-MB files."""
    path = Path(path)
    if path.is_dir():
        raise ValidationError(f"{path} is a directory, not a Markdown file", field="FILE")
    try:
        size = path.stat().st_size
        if size > MAX_BYTES:
            raise ValidationError(f"{path} is {size} bytes; post-mortems over {MAX_BYTES} bytes are refused", field="FILE")
        data = path.read_bytes()
    except OSError as exc:
        raise ValidationError(f"cannot read {path} ({exc.strerror})", field="FILE") from None
    if not data.strip():
        raise ValidationError(f"{path} is empty", field="FILE")
    if b"\x00" in data[:8192]:
        raise ValidationError(f"{path} is a binary file, not Markdown", field="FILE")
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError:
        raise ValidationError(f"{path} is not UTF-8 text", field="FILE") from None


def parse_postmortem(text: str, *, source: str = "<document>", year: int | None = None) -> ParsedPostmortem:
    """Parses Markdown text; unparseable items are listed in `problems` with their line numbers."""
    if not text.strip():
        raise ValidationError(f"{source} is empty", field="FILE")
    tokens = MarkdownIt("commonmark").parse(text)
    doc = ParsedPostmortem()
    headings = []  # (token index, level, section key or None, line, text)
    for i, token in enumerate(tokens):
        if token.type == "heading_open":
            title = tokens[i + 1].content.strip()
            key = SECTION_ALIASES.get(re.sub(r"[^a-z0-9,\- ]", "", title.lower()).strip())
            if key is None and int(token.tag[1]) == 1 and ":" in title:
                doc.title = _clean(title.split(":", 1)[1])
            headings.append((i, int(token.tag[1]), key, token.map[0] + 1, title))
    if doc.title is None and headings and headings[0][1] == 1 and headings[0][2] is None:
        doc.title = _clean(headings[0][4])
    for n, (index, level, key, line, title) in enumerate(headings):
        end = len(tokens)
        for later in headings[n + 1:]:
            if later[1] <= level or key == "cmr":
                end = later[0]
                break
        if key is None:
            if level > 1:
                doc.skipped.append(f"line {line}: section '{title}' is not part of the template and was not imported")
            continue
        doc.sections.setdefault(key, line)
        if key == "cmr":
            continue
        _parse_section(doc, key, tokens, index + 3, end, year, source)
    # Theme tags may stand anywhere.
    for _line, content, _, _, _ in _blocks(tokens, 0, len(tokens)):
        match = re.match(r"^\*\*theme tags:?\*\*:?\s*\[?([^\]]*)\]?\s*$", content, re.IGNORECASE)
        if match:
            doc.theme_tags = [t.strip().lower() for t in match.group(1).split(",") if t.strip()]
    return doc


def _resolve_year(doc: ParsedPostmortem, year: int | None) -> int:
    if year:
        return year
    for value in doc.key_facts.values():
        match = re.search(r"(20\d\d)-\d\d-\d\d", value)
        if match:
            return int(match.group(1))
    return datetime.now(UTC).year


def _parse_due(raw: str, year: int) -> date:
    raw = raw.strip()
    try:
        return date.fromisoformat(raw)
    except ValueError:
        pass
    for fmt in ("%b %d %Y", "%B %d %Y", "%d %b %Y", "%d %B %Y"):
        try:
            return datetime.strptime(f"{raw} {year}" if not re.search(r"\d{4}", raw) else raw, fmt).date()
        except ValueError:
            continue
    raise ValueError(raw)


def _parse_section(doc, key, tokens, start, end, year, source) -> None:
    items = list(_blocks(tokens, start, end))
    if key == "key_facts":
        for line, content, _, _, _ in items:
            match = _FACT.match(content)
            if match:
                doc.key_facts[match.group(1).strip().lower()] = match.group(2).strip()
            elif content:
                doc.problems.append(f"line {line}: key fact not in '**Name:** value' form: {content[:60]}")
    elif key == "summary":
        doc.summary = _clean(" ".join(c for _, c, _, _, _ in items)) or None
    elif key in ("contributors", "mitigators", "risks", "diagnostics"):
        target = getattr(doc, key)
        for line, content, in_list, _, _ in items:
            if in_list and content:
                doc.lines[f"{key}.{len(target)}"] = line
                target.append(_clean(content))
    elif key == "root_cause":
        for line, content, _, _, token in items:
            raw = content.strip()
            match = _WHY.match(raw)
            number = None
            if match:
                number, text_ = match.group(1), match.group(2)
            else:
                position = tokens.index(token)
                opener = tokens[position - 2] if position >= 2 else None
                if opener is not None and opener.type == "list_item_open" and opener.info:
                    number, text_ = opener.info, raw
            if number is None:
                doc.problems.append(f"line {line}: root-cause step without a number like 1. or 1.1: {raw[:60]}")
                continue
            doc.lines[f"root_cause.{len(doc.root_cause)}"] = line
            doc.root_cause.append({"number": number.rstrip("."), "text": _clean(text_)})
    elif key == "learnings":
        category = None
        for line, content, in_list, _, _ in items:
            match = _CATEGORY.match(content)
            if not in_list and match:
                category = match.group(1).strip().lower()
            elif in_list and content:
                doc.lines[f"lessons.{len(doc.lessons)}"] = line
                doc.lessons.append({"number": len(doc.lessons) + 1, "text": _clean(content), "category": category})
    elif key == "timeline":
        _parse_timeline(doc, items, year)
    elif key == "followups":
        _parse_followups(doc, items, year)


def _parse_timeline(doc, items, year) -> None:
    day: date | None = None
    for line, content, in_list, _, _ in items:
        date_match = _DATE.match(content)
        if date_match:
            day = date.fromisoformat(date_match.group(1))
            continue
        if not in_list:
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
            offset, zone_name = _zone_offset(zone, day, hour, minute)
        except ValueError as exc:
            doc.problems.append(f"line {line}: {exc}")
            continue
        at = datetime(day.year, day.month, day.day, hour, minute, tzinfo=UTC) - offset
        original = f"{day.isoformat()} {hour:02d}:{minute:02d}{' ' + zone if zone else ''}"
        text_ = _clean(text_.strip("* :"))
        doc.timeline.append(TimelineItem(at=at, text=text_, original_time=original, zone=zone_name, line=line,
                                         kind=_infer_kind(text_, len(doc.timeline))))


def _parse_followups(doc, items, year) -> None:
    year = _resolve_year(doc, year)
    for line, content, in_list, _, _ in items:
        check = _CHECK.match(content)
        if not in_list or not check:
            continue
        done, rest = check.group(1).lower() == "x", check.group(2).strip()
        owner = None
        owner_match = _OWNER.match(rest)
        if owner_match:
            owner, rest = owner_match.group(1).strip().lstrip("@"), owner_match.group(2)
        due = None
        due_match = _DUE.search(rest)
        if due_match:
            raw = due_match.group(1) or due_match.group(2)
            try:
                due = _parse_due(raw, year)
            except ValueError:
                doc.problems.append(f"line {line}: due date {raw!r} does not parse (use YYYY-MM-DD or 'Jan 22')")
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
