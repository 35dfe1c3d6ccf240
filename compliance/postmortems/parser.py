"""Parses post-mortems written from the guides' Markdown template into a structured document.

Sections are found from the markdown-it token stream (headings and their line ranges); items are
read from list items and paragraphs inside each section, one inline text at a time, with line numbers.
Sections the template does not have are kept verbatim (exported again) and reported as "kept, not parsed".
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

from markdown_it import MarkdownIt

from compliance.core.errors import ValidationError
from compliance.postmortems.items import (
    ZONES,
    FollowUp,
    TimelineItem,
    parse_followups,
    parse_timeline,
)

__all__ = ["ZONES", "FollowUp", "ParsedPostmortem", "TimelineItem", "parse_postmortem", "read_markdown_file"]
MAX_BYTES = 10 * 1024 * 1024
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
# Sub-headings these sections read as part of themselves (lesson categories, date headings).
_ABSORBING = {"learnings", "timeline"}
_FACT = re.compile(r"^\*\*([^*:]+):?\*\*:?\s*(.*)$")
_WHY = re.compile(r"^(\d+(?:\.\d+)*)\.?\s+(.+)$")
_CATEGORY = re.compile(r"^\*\*([^*]+?):?\*\*:?$")
THEME_TAGS = re.compile(r"^\s*[-*]?\s*\*\*theme tags:?\*\*:?\s*\[?([^\]]*)\]?\s*$", re.IGNORECASE)


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
    kept_sections: list[dict] = field(default_factory=list)  # {"title", "text"}: verbatim, exported again
    sections: dict[str, int] = field(default_factory=dict)  # section → heading line
    problems: list[str] = field(default_factory=list)  # "line N: what could not be parsed"
    skipped: list[str] = field(default_factory=list)  # "line N: section 'X' kept, not parsed" (reported once)
    lines: dict[str, int] = field(default_factory=dict)  # e.g. "contributors.0" → line

    @property
    def severity(self) -> str | None:
        """Severity from Key Facts normalised to sev1..sev4."""
        raw = self.key_facts.get("severity", "")
        match = re.search(r"(\d)", raw)
        return f"sev{match.group(1)}" if match and match.group(1) in "1234" else None


_SPECIAL_LINE = re.compile(
    r"^(\*\*[^*]+\*\*:?|\*\*[^*]+:\*\*.*|\[.*\]|\**\d{4}-\d{1,2}-\d{1,2}\**:?|\d+(?:\.\d+)+\.?\s.*)$")


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


def _classify(headings) -> list[str]:
    """Returns per heading: title, known, absorbed (part of the section above), kept, or inside (a kept one)."""
    kinds: list[str] = []
    kept_level = None
    enclosing = None  # (level, key) of the known section we are in
    for _index, level, key, _line, _title in headings:
        if level == 1:
            kinds.append("title")
            kept_level = enclosing = None
            continue
        if kept_level is not None and level > kept_level:
            kinds.append("inside")
            continue
        kept_level = None
        if enclosing and level <= enclosing[0]:
            enclosing = None
        if key is None or key == "appendix":
            if enclosing and enclosing[1] in _ABSORBING and key is None:
                kinds.append("absorbed")
                continue
            kinds.append("kept")
            kept_level = level
            continue
        kinds.append("known")
        enclosing = (level, key)
    return kinds


def _kept_text(lines: list[str], start: int, end: int) -> str:
    body = [line for line in lines[start - 1:end - 1] if not THEME_TAGS.match(line)]
    while body and not body[-1].strip():
        body.pop()
    return "\n".join(body)


def parse_postmortem(text: str, *, source: str = "<document>", year: int | None = None) -> ParsedPostmortem:
    """Parses Markdown text; unparseable items are listed in `problems` with their line numbers."""
    if not text.strip():
        raise ValidationError(f"{source} is empty", field="FILE")
    tokens = MarkdownIt("commonmark").parse(text)
    lines = text.splitlines()
    doc = ParsedPostmortem()
    headings = []  # (token index, level, section key or None, line, text)
    for i, token in enumerate(tokens):
        if token.type == "heading_open":
            title = tokens[i + 1].content.strip()
            key = SECTION_ALIASES.get(re.sub(r"[^a-z0-9,\- ]", "", title.lower()).strip())
            if key is None and int(token.tag[1]) == 1 and ":" in title and doc.title is None:
                doc.title = _clean(title.split(":", 1)[1])
            headings.append((i, int(token.tag[1]), key, token.map[0] + 1, title))
    if doc.title is None and headings and headings[0][1] == 1 and headings[0][2] is None:
        doc.title = _clean(headings[0][4])
    kinds = _classify(headings)
    for n, (index, level, key, line, title) in enumerate(headings):
        kind = kinds[n]
        later = list(zip(headings[n + 1:], kinds[n + 1:], strict=True))
        if kind == "kept":
            end_line = next((h[3] for h, _ in later if h[1] <= level), len(lines) + 1)
            doc.kept_sections.append({"title": title, "text": _kept_text(lines, line, end_line)})
            if key is None:
                doc.skipped.append(f"line {line}: section '{title}' is not part of the template: kept, not parsed")
            continue
        if kind != "known":
            continue
        end = next((h[0] for h, k in later
                    if h[1] <= level or k in ("kept", "known", "title") or key == "cmr"), len(tokens))
        doc.sections.setdefault(key, line)
        if key == "cmr":
            continue
        _parse_section(doc, key, tokens, index + 3, end, year)
    # Theme tags may stand anywhere outside kept sections.
    for _line, content, _, _, _ in _blocks(tokens, 0, len(tokens)):
        match = THEME_TAGS.match(content)
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


def _parse_section(doc, key, tokens, start, end, year) -> None:
    items = list(_blocks(tokens, start, end))
    if key == "key_facts":
        for line, content, _, _, _ in items:
            match = _FACT.match(content)
            if match:
                name = match.group(1).strip().lower()
                doc.key_facts[name] = match.group(2).strip()
                doc.lines[f"key_facts.{name}"] = line
            elif content:
                doc.problems.append(f"line {line}: key fact not in '**Name:** value' form: {content[:60]}")
    elif key == "summary":
        doc.summary = _clean(" ".join(c for _, c, _, _, _ in items)) or None
        if items:
            doc.lines["summary"] = items[0][0]
    elif key in ("contributors", "mitigators", "risks", "diagnostics"):
        target = getattr(doc, key)
        for line, content, in_list, _, _ in items:
            if in_list and content:
                doc.lines[f"{key}.{len(target)}"] = line
                target.append(_clean(content))
    elif key == "root_cause":
        _parse_root_cause(doc, tokens, items)
    elif key == "learnings":
        category = None
        for line, content, in_list, _, token in items:
            match = _CATEGORY.match(content)
            if not in_list and (match or _is_heading(tokens, token)):
                category = (match.group(1) if match else content).strip().rstrip(":").lower()
            elif in_list and content:
                doc.lines[f"lessons.{len(doc.lessons)}"] = line
                doc.lessons.append({"number": len(doc.lessons) + 1, "text": _clean(content), "category": category})
    elif key == "timeline":
        parse_timeline(doc, items)
    elif key == "followups":
        parse_followups(doc, items, _resolve_year(doc, year))


def _is_heading(tokens, token) -> bool:
    position = tokens.index(token)
    return position > 0 and tokens[position - 1].type == "heading_open"


def _parse_root_cause(doc, tokens, items) -> None:
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


# Key Facts that name when the impact (or what triggered it) began; the earliest named counts (PM012).
START_FACTS = ("impact start", "start of impact", "impact began", "impact started", "trigger", "triggered",
               "first impact", "started")
_FACT_INSTANT = re.compile(r"(\d{4}-\d\d-\d\d)[ T](\d\d:\d\d(?::\d\d)?)\s*(UTC|Z|[+-]\d\d:?\d\d)\b", re.IGNORECASE)
_HEADING = re.compile(r"^\s{0,3}#{1,6}\s+(.*?)\s*#*\s*$")
_FACT_ITEM = re.compile(r"^\s*(?:[-*+]\s+)?\*\*([^*:]+):?\*\*:?\s*(.*?)\s*$")


def fact_instant(value: str | None) -> datetime | None:
    """Returns the instant a Key Facts value names ('2026-03-02 09:40 UTC', or with an offset); None without a zone."""
    match = _FACT_INSTANT.search(value or "")
    if not match:
        return None
    zone = match.group(3).upper()
    zone = "+00:00" if zone in ("UTC", "Z") else (zone if ":" in zone else f"{zone[:3]}:{zone[3:]}")
    try:
        return datetime.fromisoformat(f"{match.group(1)}T{match.group(2)}{zone}").astimezone(UTC)
    except ValueError:
        return None


def key_facts_of(markdown: str | None) -> dict[str, tuple[str, int]]:
    """Returns name -> (value, line) of the '**Name:** value' items under a Key Facts heading (a light scan)."""
    facts: dict[str, tuple[str, int]] = {}
    inside = False
    for number, line in enumerate((markdown or "").splitlines(), start=1):
        heading = _HEADING.match(line)
        if heading:
            inside = SECTION_ALIASES.get(heading.group(1).strip().lower().rstrip(":")) == "key_facts"
            continue
        match = _FACT_ITEM.match(line) if inside else None
        if match:
            facts.setdefault(match.group(1).strip().lower(), (match.group(2), number))
    return facts


def named_start(facts: dict[str, tuple[str, int | None]]) -> tuple[datetime, str, int | None] | None:
    """Returns the earliest start a document's Key Facts name: (instant, fact name, line), or None."""
    found = [(instant, name, line) for name in START_FACTS if name in facts
             for instant in [fact_instant(facts[name][0])] if instant is not None
             for line in [facts[name][1]]]
    return min(found, key=lambda item: item[0]) if found else None
