"""Blameless-practice review of a post-mortem: every rule in one table, each with code, severity and advice.

Rules run on one normalised shape (`ReviewInput`) built from a parsed Markdown file or from the store,
so a file and an imported record get the same findings (lines only for files).
"""

from __future__ import annotations

import itertools
import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import date, datetime, timedelta

from compliance.postmortems.parser import REQUIRED_SECTIONS, ParsedPostmortem, named_start


@dataclass(frozen=True)
class Rule:
    """A review rule: code, severity (blocking|warning|info), what it finds, how to fix it."""

    code: str
    name: str
    severity: str
    message: str
    suggestion: str


RULES = {r.code: r for r in [
    Rule("PM001", "blame-language", "warning", "blames a person",
         "Describe the system condition that allowed it (e.g. 'the deploy check did not cover X'), not who erred."),
    Rule("PM002", "shallow-root-cause", "blocking", "root cause stops at a label",
         "Ask why again until you reach a condition you can change (a missing check, a default, an incentive)."),
    Rule("PM003", "vague-action", "warning", "action is vague",
         "State a specific, measurable change with an end state (e.g. 'alert when pool use > 80% for 5 min')."),
    Rule("PM004", "investigate-action", "warning", "action is an investigation",
         "Finish the investigation before publishing, or make the action the change it will lead to."),
    Rule("PM005", "action-without-owner", "blocking", "action has no owner",
         "Give every action exactly one named person as owner."),
    Rule("PM006", "team-owner", "warning", "action is owned by a team",
         "Name one person in the team who owns it; teams do not close tickets, people do."),
    Rule("PM007", "action-without-due-date", "blocking", "action has no due date",
         "Add a due date; the guides suggest most follow-ups land within 30 days."),
    Rule("PM008", "action-due-too-far", "warning", "action is due more than 45 days out",
         "Split it into a first step due within 45 days, or record why it cannot be sooner."),
    Rule("PM009", "action-without-success-criteria", "info", "action has no success criteria",
         "Say how you will know it worked (a test, a drill, a metric)."),
    Rule("PM010", "too-many-actions", "warning", "more than 5 action items",
         "Too many means none: keep the 3-5 that address the root cause and file the rest as backlog."),
    Rule("PM011", "timeline-gap", "warning", "timeline gap over 15 minutes during the response",
         "Add what happened in the gap (investigation, waiting for a vendor, a decision), "
         "or say in the entry before it what the team was waiting for."),
    Rule("PM012", "timeline-starts-at-detection", "warning", "timeline starts at detection",
         "Start at the first trigger (the deploy, the change, the first bad request) to show time to detect."),
    Rule("PM013", "mixed-time-zones", "warning", "timeline mixes time zones", "Write every entry in UTC."),
    Rule("PM014", "timeline-out-of-order", "warning", "timeline entries are out of order", "Order entries by time."),
    Rule("PM015", "impact-not-quantified", "warning", "impact is not quantified",
         "Give numbers: users affected, minutes of impact, failed requests, money."),
    Rule("PM016", "lesson-restates-action", "info", "lesson restates an action item",
         "A lesson says what you learned about the system; the action says what you will change."),
    Rule("PM017", "action-not-linked-to-lesson", "info", "action addresses no lesson",
         "Link each action to the lesson it addresses, e.g. '(lesson 1)'."),
    Rule("PM018", "missing-section", "warning", "template section missing",
         "Add the section; write 'None identified' if it is truly empty."),
    Rule("PM019", "no-mitigators", "warning", "no mitigators (what went well)",
         "Record what limited the damage (Safety-II): it is what you must protect."),
    Rule("PM020", "hindsight-language", "warning", "hindsight or counterfactual language",
         "Say what people knew and saw at the time and why their action made sense then; "
         "put what would help next time in a follow-up."),
]}

BLAME = re.compile(r"\bcareless(?:ly|ness)?\b|\bnegligen", re.I)
# A person (first name, @handle, or a role used as a name) as the subject of an action that went wrong.
_FAILED = (r"(?:forgot|skipped|ignored|neglected|overlooked|bypassed|rushed|missed|broke|"
           r"pushed\s+(?:it|the\s+\w+|\w+)\s+anyway|deployed\s+without|did\s*n[o']t\s+(?:check|test|notice|follow|read|ask|wait)|"
           r"didn't\s+(?:check|test|notice|follow|read|ask|wait)|failed\s+to|should\s+have)")
PERSON_FAILURE = re.compile(
    r"(?:^|(?<=[.;:!?]\s)|(?<=,\s)|(?<=\bthen\s)|(?<=\band\s))(?P<who>(?:the\s+)?(?:on-?call(?:\s+engineer)?|engineer|developer|"
    r"operator|admin|sysadmin|intern|reviewer|release manager|dba)|[A-Z][a-z]+(?:\s[A-Z]\.)?)\s+(?:just\s+|simply\s+|then\s+)?"
    + _FAILED + r"\b", re.I)
_NOT_PEOPLE = {"the", "this", "that", "it", "monitoring", "alerting", "monitor", "alert", "system", "ci", "pipeline",
               "deploy", "deployment", "tests", "test", "script", "job", "service", "database", "server", "check",
               "checks", "health", "traffic", "cache", "we", "they", "which", "automation", "tooling", "config",
               "alerts", "monitors", "dashboards", "dashboard", "probe", "probes", "scheduler", "backup", "backups"}
HINDSIGHT = re.compile(r"\bshould(?:n't| not)? have\b|\bcould have (?:been )?(?:prevented|caught|avoided|stopped|spotted)\b|"
                       r"\bfailed to (?:notice|see|spot|realise|realize|catch)\b|\bobviously\b|\bsimply\b|\bif only\b|"
                       r"\bwould have been (?:avoided|prevented|caught)\b|\bclearly\b", re.I)
HANDLE_FAILURE = re.compile(r"@\w[\w.-]*\s+(?:forgot|missed|broke|didn't|did not|failed|ignored|should)", re.I)
SHALLOW = re.compile(r"\b(human error|process failure|legacy system|operator error|user error)\b", re.I)
VAGUE = re.compile(r"^\s*(improve (?:the )?monitoring|add (?:more )?tests|be more careful|do (?:more )?training|"
                   r"more training|improve (?:the )?process|improve (?:the )?documentation|better communication)\b", re.I)
UNQUANTIFIED = re.compile(r"\b(some|several|many|a few) (customers|users|clients)\b|\bsignificant impact\b|\bfor a while\b", re.I)
# An entry that says what the team was waiting for explains the quiet stretch after it (PM011).
WAITING = re.compile(r"\b(?:wait(?:s|ing|ed)? (?:for|on|until)|await(?:s|ing|ed)?|soak(?:s|ing|ed)?|"
                     r"monitor(?:s|ing|ed)? (?:the|while|for|until)|watch(?:ing|ed)? (?:the|for|until)|"
                     r"on hold|paused|overnight|until (?:the|it|morning|\d))", re.I)
TEAMISH = re.compile(r"(^|[-_ ])(team|squad|crew|group|ops|oncall|on-call)$|^(sre|ops|security|engineering|devops|qa)$", re.I)


@dataclass
class ReviewAction:
    """An action item as the rules see it."""

    description: str
    owner: str | None
    due: date | None
    success_criteria: str | None
    lessons: list[int]
    line: int | None = None


@dataclass
class ReviewEntry:
    """A timeline entry as the rules see it."""

    at: datetime
    text: str
    kind: str
    zone: str | None
    line: int | None = None


@dataclass
class ReviewInput:
    """Everything the rules read."""

    summary: str | None
    impact: str | None
    impact_numbers: bool
    contributors: list[tuple[str, int | None]]
    mitigators: list[str]
    root_cause: list[tuple[str, str, int | None]]
    lessons: list[tuple[str, int | None]]
    actions: list[ReviewAction]
    timeline: list[ReviewEntry]
    detected_at: datetime | None = None
    started_at: datetime | None = None
    reference_date: date | None = None  # due dates are judged from here (resolution date)
    sections: dict[str, int] | None = None  # only for files
    impact_line: int | None = None
    summary_line: int | None = None
    other_texts: list[tuple[str, int | None]] | None = None  # mitigators, risks, diagnostics with their lines
    started_source: str | None = None  # where `started_at` was named, e.g. "Key Facts 'Impact start' (line 4)"


@dataclass
class Finding:
    """One review finding."""

    code: str
    rule: str
    severity: str
    message: str
    suggestion: str
    line: int | None = None

    def as_dict(self) -> dict:
        """Returns the finding as a plain dict."""
        return {"code": self.code, "rule": self.rule, "severity": self.severity, "message": self.message,
                "suggestion": self.suggestion, "line": self.line}


def _finding(code: str, detail: str, line: int | None = None) -> Finding:
    rule = RULES[code]
    return Finding(code, rule.name, rule.severity, f"{rule.message}: {detail}", rule.suggestion, line)


def _words(text: str) -> set[str]:
    return {w for w in re.findall(r"[a-z0-9]+", text.lower()) if len(w) > 3}


def _all_texts(data: ReviewInput) -> list[tuple[str, int | None]]:
    """Every sentence-bearing text of the document with its line: summary, timeline, analysis, learnings."""
    texts = [(data.summary or "", data.summary_line), (data.impact or "", data.impact_line)]
    texts += [(e.text, e.line) for e in data.timeline] + list(data.contributors)
    texts += [(t, line) for _, t, line in data.root_cause] + list(data.lessons) + list(data.other_texts or [])
    return [(t, line) for t, line in texts if t]


def _person_failure(text: str):
    for match in PERSON_FAILURE.finditer(text):
        who = re.sub(r"^the\s+", "", match.group("who"), flags=re.I)
        if who.split()[0].lower() not in _NOT_PEOPLE:
            return match
    return None


def _check_blame(data: ReviewInput) -> Iterable[Finding]:
    for text, line in _all_texts(data):
        match = BLAME.search(text) or HANDLE_FAILURE.search(text) or _person_failure(text)
        if match:
            yield _finding("PM001", f"'{match.group(0)}' in \"{text[:80]}\"", line)


def _check_hindsight(data: ReviewInput) -> Iterable[Finding]:
    for text, line in _all_texts(data) + [(a.description, a.line) for a in data.actions]:
        match = HINDSIGHT.search(text)
        if match:
            yield _finding("PM020", f"'{match.group(0)}' in \"{text[:80]}\"", line)


def _check_root_cause(data: ReviewInput) -> Iterable[Finding]:
    if not data.root_cause:
        return
    leaves = [step for step in data.root_cause
              if not any(other[0].startswith(step[0] + ".") for other in data.root_cause)]
    for number, text, line in leaves:
        match = SHALLOW.search(text)
        if match:
            yield _finding("PM002", f"why-chain {number} ends at '{match.group(0)}'", line)


def _check_actions(data: ReviewInput) -> Iterable[Finding]:
    for action in data.actions:
        label = f"\"{action.description[:60]}\""
        if VAGUE.search(action.description):
            yield _finding("PM003", label, action.line)
        if action.description.lower().startswith("investigate"):
            yield _finding("PM004", label, action.line)
        if not action.owner:
            yield _finding("PM005", label, action.line)
        elif TEAMISH.search(action.owner.strip().lstrip("@")):
            yield _finding("PM006", f"{label} is owned by '{action.owner}'", action.line)
        if action.due is None:
            yield _finding("PM007", label, action.line)
        elif data.reference_date and action.due > data.reference_date + timedelta(days=45):
            yield _finding("PM008", f"{label} is due {action.due}", action.line)
        if not action.success_criteria:
            yield _finding("PM009", label, action.line)
        if not action.lessons:
            yield _finding("PM017", label, action.line)
    if len(data.actions) > 5:
        yield _finding("PM010", f"{len(data.actions)} action items", data.actions[5].line)


def _minutes(start: datetime, end: datetime) -> int:
    return int((end - start).total_seconds() // 60)


def _when(value: datetime, other: datetime) -> str:
    """'10:15 UTC', with the date when `other` falls on another UTC day."""
    return f"{value:%H:%M} UTC" if value.date() == other.date() else f"{value:%Y-%m-%d %H:%M} UTC"


def _gap_finding(before: datetime, after: datetime, line: int | None) -> Finding:
    """PM011 in plain words: how long nothing was written, between which entries, and what to add."""
    rule = RULES["PM011"]
    span = (f"{before:%H:%M} and {after:%H:%M} UTC" if before.date() == after.date()
            else f"{before:%Y-%m-%d %H:%M} UTC and {after:%Y-%m-%d %H:%M} UTC")
    message = (f"{_minutes(before, after)} minutes without an entry between {span}: say what happened or what the "
               "team waited for")
    return Finding("PM011", rule.name, rule.severity, message, rule.suggestion, line)


def _check_timeline(data: ReviewInput) -> Iterable[Finding]:
    entries = data.timeline
    if not entries:
        return
    for before, after in itertools.pairwise(entries):
        if after.at < before.at:
            yield _finding("PM014", f"{after.text[:50]!r} comes after a later entry", after.line)
    ordered = sorted(entries, key=lambda e: e.at)
    detection = next((e.at for e in ordered if e.kind == "detection"), data.detected_at)
    resolution = next((e.at for e in ordered if e.kind == "resolution"), ordered[-1].at)
    for before, after in itertools.pairwise(ordered):
        if (detection and before.at >= detection and after.at <= resolution
                and after.at - before.at > timedelta(minutes=15) and not WAITING.search(before.text)):
            yield _gap_finding(before.at, after.at, after.line)
    first = ordered[0]
    if data.started_at is not None and data.started_at < first.at:
        where = data.started_source or "the incident record"
        yield _finding("PM012", f"the first entry (\"{first.text[:50]}\") is at {_when(first.at, data.started_at)}, "
                                f"but {where} names the start of impact at {_when(data.started_at, first.at)}, "
                                f"{_minutes(data.started_at, first.at)} minutes earlier", first.line)
    elif first.kind == "detection" or (data.detected_at is not None and first.at >= data.detected_at
                                       and data.started_at is None):
        yield _finding("PM012", f"first entry is \"{first.text[:50]}\"", first.line)
    zones = sorted({e.zone for e in entries if e.zone})
    if len(zones) > 1:
        first_zone = next(e.zone for e in entries if e.zone)
        odd = next(e for e in entries if e.zone and e.zone != first_zone)
        yield _finding("PM013", f"{', '.join(zones)}; \"{odd.text[:40]}\" is in {odd.zone}, earlier entries in {first_zone}",
                       odd.line)


def _check_impact(data: ReviewInput) -> Iterable[Finding]:
    text = " ".join(t for t in (data.impact, data.summary) if t)
    match = UNQUANTIFIED.search(text)
    line = data.impact_line if data.impact else data.summary_line
    if match:
        yield _finding("PM015", f"'{match.group(0)}'", line)
    elif not data.impact_numbers:
        yield _finding("PM015", "no number of users, requests, minutes or money", line)


def _check_lessons(data: ReviewInput) -> Iterable[Finding]:
    for text, line in data.lessons:
        words = _words(text)
        for action in data.actions:
            other = _words(action.description)
            if words and other and len(words & other) / len(words | other) >= 0.6:
                yield _finding("PM016", f"\"{text[:60]}\"", line)
                break


def _check_sections(data: ReviewInput) -> Iterable[Finding]:
    if data.sections is None:
        return
    for section in REQUIRED_SECTIONS:
        if section not in data.sections:
            yield _finding("PM018", section.replace("_", " "))


def _check_mitigators(data: ReviewInput) -> Iterable[Finding]:
    if not data.mitigators:
        yield _finding("PM019", "none recorded")


CHECKS: list[Callable[[ReviewInput], Iterable[Finding]]] = [
    _check_blame, _check_hindsight, _check_root_cause, _check_actions, _check_timeline, _check_impact, _check_lessons,
    _check_sections, _check_mitigators]


def review(data: ReviewInput, *, disabled: Iterable[str] = ()) -> list[Finding]:
    """Runs every rule not disabled (by code or name); findings ordered by line, then code."""
    off = {d.strip().upper() for d in disabled} | {d.strip().lower() for d in disabled}
    findings = [f for check in CHECKS for f in check(data) if f.code not in off and f.rule not in off]
    return sorted(findings, key=lambda f: (f.line or 0, f.code))


def review_input_from_parsed(doc: ParsedPostmortem) -> ReviewInput:
    """Builds the rules' input from a parsed Markdown document (with line numbers)."""
    impact = doc.key_facts.get("customer impact")
    impact_end = doc.key_facts.get("impact end", "")
    match = re.search(r"\d{4}-\d{2}-\d{2}", impact_end)
    reference = date.fromisoformat(match.group(0)) if match else (doc.timeline[-1].at.date() if doc.timeline else None)
    detection = next((e.at for e in doc.timeline if e.kind == "detection"), None)
    start = named_start({name: (value, doc.lines.get(f"key_facts.{name}")) for name, value in doc.key_facts.items()})
    return ReviewInput(
        summary=doc.summary, impact=impact, impact_numbers=bool(impact and re.search(r"\d", impact)),
        contributors=[(t, doc.lines.get(f"contributors.{i}")) for i, t in enumerate(doc.contributors)],
        mitigators=doc.mitigators,
        root_cause=[(s["number"], s["text"], doc.lines.get(f"root_cause.{i}")) for i, s in enumerate(doc.root_cause)],
        lessons=[(lesson["text"], doc.lines.get(f"lessons.{i}")) for i, lesson in enumerate(doc.lessons)],
        actions=[ReviewAction(f.description, f.owner, f.due, f.success_criteria, f.lessons, f.line) for f in doc.followups],
        timeline=[ReviewEntry(e.at, e.text, e.kind, e.zone, e.line) for e in doc.timeline],
        detected_at=detection, started_at=start[0] if start else None, reference_date=reference, sections=doc.sections,
        started_source=_fact_source(start),
        impact_line=doc.lines.get("key_facts.customer impact"), summary_line=doc.lines.get("summary"),
        other_texts=[(t, doc.lines.get(f"{key}.{i}")) for key in ("mitigators", "risks", "diagnostics")
                     for i, t in enumerate(getattr(doc, key))],
    )


def _fact_source(start: tuple[datetime, str, int | None] | None) -> str | None:
    if start is None:
        return None
    return f"Key Facts '{start[1].capitalize()}'" + (f" (line {start[2]})" if start[2] else "")


def started_from_record(*, started_at: datetime | None, markdown: str | None) -> tuple[datetime | None, str | None]:
    """Returns the earliest start of impact a stored post-mortem names: the incident's field or its Key Facts."""
    from compliance.postmortems.parser import key_facts_of

    start = named_start(key_facts_of(markdown)) if markdown else None
    if start is not None and (started_at is None or start[0] < started_at):
        return start[0], f"the imported post-mortem's {_fact_source((start[0], start[1], None))}"
    return started_at, ("the incident's start of impact" if started_at is not None else None)
