"""The declarative check vocabulary, evaluation side: checks evaluated on an incident document (never eval).

A check is a YAML mapping with exactly one type key and an optional `name`:

    - name: root cause analysed
      min_items: {path: postmortem.root_cause, n: 1}

Evaluation gives an Outcome: "pass", "partial" (e.g. not yet due) or "fail", with a one-line detail
that names the field in plain words. `fields()` lists the document paths a check looks at;
`required_fields()` the subset whose absence makes the check fail on its own (not behind an `any`).
Field paths: `incident.resolved_at`, `action_items[].owner`, `timeline[kind=detection]`,
`obligations[regime=gdpr,stage=authority_notification]`. Parsing the YAML into checks is in `builder`; the
checks about time and order (timeline_has_kind, within, ordered) are in `timing`, those reading recorded
decisions in `records`.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, date, datetime
from typing import Any

from compliance.core.errors import ValidationError
from compliance.core.timeutil import parse_instant, to_iso
from compliance.incidents.models import Severity as SeverityLevel
from compliance.incidents.models import TimelineKind

PASS, PARTIAL, FAIL = "pass", "partial", "fail"
SEVERITY_ORDER = [s.value for s in SeverityLevel]  # sev1 is the worst
TIMELINE_KINDS = [k.value for k in TimelineKind]

@dataclass(frozen=True)
class Outcome:
    """The result of one check: state pass / partial / fail and a one-line detail (empty on pass)."""

    state: str
    detail: str = ""
    exceptions: tuple[str, ...] = ()  # passed, but only by an accepted exception (e.g. late with reasons)


OK = Outcome(PASS)


# --------------------------------------------------------------------------- document access

_MISSING = object()


def get_path(obj: Any, path: str) -> Any:
    """Returns the value at dotted `path` in `obj`, or _MISSING when a step is absent or None."""
    for part in path.split("."):
        if not isinstance(obj, dict) or obj.get(part) is None:
            return _MISSING
        obj = obj[part]
    return obj


def is_empty(value: Any) -> bool:
    """Whether a value counts as empty: missing, None, blank text, empty list or mapping."""
    if value is _MISSING or value is None:
        return True
    if isinstance(value, str):
        return not value.strip()
    if isinstance(value, (list, tuple, dict, set)):
        return len(value) == 0
    return False


def _as_instant(value: Any, path: str) -> datetime | None:
    if value is _MISSING or value is None or value == "":
        return None
    if isinstance(value, datetime):
        return parse_instant(value, field=path, tz="UTC")
    if isinstance(value, date):
        return datetime(value.year, value.month, value.day, tzinfo=UTC)
    try:
        return parse_instant(str(value), field=path)
    except ValidationError:
        return None


def _items(doc: dict, path: str) -> list:
    value = get_path(doc, path)
    return value if isinstance(value, list) else []


def _same(actual: Any, expected: Any) -> bool:
    """Equality that keeps true/false apart from 1/0."""
    if isinstance(actual, bool) or isinstance(expected, bool):
        return isinstance(actual, bool) and isinstance(expected, bool) and actual is expected
    return actual == expected


def _when(value: Any) -> str:
    if value is None or value == "":
        return "date unknown"
    return to_iso(value) if isinstance(value, datetime) else str(value)


def _show(value: Any) -> str:
    if isinstance(value, datetime):
        return to_iso(value) or ""
    return repr(value) if isinstance(value, str) else str(value)


# --------------------------------------------------------------------------- check classes

class Check:
    """Base class of a parsed check; `name` is the label used in reasons and `partial:` lists."""

    type_name = ""
    name: str | None = None
    spec: Any = None

    def evaluate(self, doc: dict) -> Outcome:  # pragma: no cover - abstract
        """Returns the outcome of the check on `doc` (an incident document, or a list item inside `every`)."""
        raise NotImplementedError

    def fields(self) -> list[str]:
        """Returns the document paths the check reads."""
        return []

    def required_fields(self) -> list[str]:
        """Returns the paths whose absence alone makes the check fail (none behind `any` or `not`)."""
        return self.fields()

    def run(self, doc: dict) -> Outcome:
        """Evaluates and prefixes the detail with the check's name when it has one."""
        outcome = self.evaluate(doc)
        if outcome.state != PASS and self.name:
            return Outcome(outcome.state, f"{self.name}: {outcome.detail}", outcome.exceptions)
        if outcome.exceptions and self.name:
            return Outcome(outcome.state, outcome.detail, tuple(f"{self.name}: {e}" for e in outcome.exceptions))
        return outcome


class Present(Check):
    type_name = "present"

    def __init__(self, path: str) -> None:
        self.path = path

    def evaluate(self, doc):
        return OK if get_path(doc, self.path) is not _MISSING else Outcome(FAIL, f"{self.path} is not recorded")

    def fields(self):
        return [self.path]


class NonEmpty(Present):
    type_name = "non_empty"

    def evaluate(self, doc):
        value = get_path(doc, self.path)
        if value is _MISSING:
            return Outcome(FAIL, f"{self.path} is not recorded")
        return OK if not is_empty(value) else Outcome(FAIL, f"{self.path} is empty")


class IsTrue(Present):
    type_name = "true"

    def evaluate(self, doc):
        return OK if get_path(doc, self.path) is True else Outcome(FAIL, f"{self.path} is not true")


class Equals(Check):
    type_name = "equals"

    def __init__(self, path: str, value: Any) -> None:
        self.path, self.value = path, value

    def evaluate(self, doc):
        actual = get_path(doc, self.path)
        if actual is not _MISSING and _same(actual, self.value):
            return OK
        shown = "not recorded" if actual is _MISSING else _show(actual)
        return Outcome(FAIL, f"{self.path} is {shown}, expected {_show(self.value)}")

    def fields(self):
        return [self.path]


class In(Check):
    type_name = "in"

    def __init__(self, path: str, values: list) -> None:
        self.path, self.values = path, list(values)

    def evaluate(self, doc):
        actual = get_path(doc, self.path)
        if actual is not _MISSING and any(_same(actual, v) for v in self.values):
            return OK
        shown = "not recorded" if actual is _MISSING else _show(actual)
        return Outcome(FAIL, f"{self.path} is {shown}, expected one of {', '.join(map(str, self.values))}")

    def fields(self):
        return [self.path]


class Contains(Check):
    """A list field (incident.data_categories, incident.tags) has the value among its items."""

    type_name = "contains"

    def __init__(self, path: str, value: Any) -> None:
        self.path, self.value = path, value

    def evaluate(self, doc):
        actual = get_path(doc, self.path)
        if isinstance(actual, (list, tuple)) and any(_same(item, self.value) for item in actual):
            return OK
        if actual is _MISSING:
            return Outcome(FAIL, f"{self.path} is not recorded")
        return Outcome(FAIL, f"{self.path} does not contain {_show(self.value)}")

    def fields(self):
        return [self.path]

    def describe(self) -> str:
        """Returns what the condition states."""
        return f"{self.path} contains {_show(self.value)}"


class Severity(Check):
    """severity_at_least sev2: sev1 or sev2 (sev1 is the worst); severity_at_most sev3: sev3 or sev4."""

    def __init__(self, type_name: str, level: str) -> None:
        self.type_name, self.level = type_name, level

    def evaluate(self, doc):
        actual = get_path(doc, "incident.severity")
        if actual not in SEVERITY_ORDER:
            return Outcome(FAIL, "incident.severity is not recorded")
        rank, limit = SEVERITY_ORDER.index(actual), SEVERITY_ORDER.index(self.level)
        ok = rank <= limit if self.type_name == "severity_at_least" else rank >= limit
        words = "at least" if self.type_name == "severity_at_least" else "at most"
        return OK if ok else Outcome(FAIL, f"incident.severity is {actual}, not {words} {self.level}")

    def fields(self):
        return ["incident.severity"]


class Regime(Check):
    """The regime (or one of the listed regimes) is in incident.regimes."""

    type_name = "regime"

    def __init__(self, regime: str | list[str]) -> None:
        self.regime = regime

    def evaluate(self, doc):
        regimes = get_path(doc, "incident.regimes")
        wanted = [self.regime] if isinstance(self.regime, str) else self.regime
        if isinstance(regimes, list) and any(r in regimes for r in wanted):
            return OK
        if isinstance(self.regime, str):
            return Outcome(FAIL, f"{self.regime!r} is not in incident.regimes")
        return Outcome(FAIL, f"none of {', '.join(wanted)} is in incident.regimes")

    def fields(self):
        return ["incident.regimes"]


class MinItems(Check):
    type_name = "min_items"

    def __init__(self, path: str, n: int) -> None:
        self.path, self.n = path, n

    def evaluate(self, doc):
        value = get_path(doc, self.path)
        count = len(value) if isinstance(value, (list, tuple)) else 0
        if count >= self.n:
            return OK
        return Outcome(FAIL, f"{self.path} has {count} item{'s' if count != 1 else ''}, needs at least {self.n}")

    def fields(self):
        return [self.path]


class Every(Check):
    """Every item of a list (those matching `when`, if given) satisfies all `where` checks (relative paths)."""

    type_name = "every"

    def __init__(self, path: str, where: list[Check], when: list[Check]) -> None:
        self.path, self.where, self.when = path, where, when

    def evaluate(self, doc):
        for index, item in enumerate(_items(doc, self.path)):
            if not isinstance(item, dict):
                return Outcome(FAIL, f"{self.path} item {index + 1} is not a record")
            if any(c.run(item).state != PASS for c in self.when):
                continue
            for check in self.where:
                outcome = check.run(item)
                if outcome.state != PASS:
                    label = item.get("ref") or f"item {index + 1}"
                    return Outcome(FAIL, f"{self.path} {label}: {outcome.detail}")
        return OK

    def fields(self):
        subs = [f for c in [*self.when, *self.where] for f in c.fields()]
        return [f"{self.path}[].{f}" for f in subs]

    def required_fields(self):
        # a field `when` also reads selects the items: removing it takes the items out of scope, not the evidence
        scoped = {f for c in self.when for f in c.fields()}
        return [f"{self.path}[].{f}" for c in self.where for f in c.required_fields() if f not in scoped]


class EvidenceVerified(Check):
    type_name = "evidence_verified"

    def __init__(self, minimum: int = 1) -> None:
        self.minimum = minimum

    def evaluate(self, doc):
        items = [e for e in _items(doc, "evidence") if isinstance(e, dict)]
        if len(items) < self.minimum:
            return Outcome(FAIL, f"evidence has {len(items)} item{'s' if len(items) != 1 else ''}, "
                                 f"needs at least {self.minimum}")
        broken = [str(e.get("ref") or i + 1) for i, e in enumerate(items) if e.get("custody_verified") is not True]
        if broken:
            return Outcome(FAIL, f"custody chain of evidence {', '.join(broken)} does not verify "
                                 f"(evidence[].custody_verified)")
        return OK

    def fields(self):
        return ["evidence", "evidence[].custody_verified"]


class NoBlockingFindings(Check):
    type_name = "no_blocking_findings"

    def evaluate(self, doc):
        if get_path(doc, "postmortem") is _MISSING:
            return Outcome(FAIL, "postmortem is not recorded, so it has not been reviewed")
        blocking = [f for f in _items(doc, "review_findings") if isinstance(f, dict) and f.get("severity") == "blocking"]
        if not blocking:
            return OK
        first = blocking[0]
        more = f" (and {len(blocking) - 1} more)" if len(blocking) > 1 else ""
        return Outcome(FAIL, f"review_findings has {len(blocking)} blocking finding{'s' if len(blocking) > 1 else ''}: "
                             f"{first.get('code', '')} {first.get('message', '')}".rstrip() + more)

    def fields(self):
        return ["postmortem", "review_findings[severity=blocking]"]


class AllOf(Check):
    type_name = "all"

    def __init__(self, children: list[Check]) -> None:
        self.children = children

    def evaluate(self, doc):
        outcomes = [c.run(doc) for c in self.children]
        exceptions = tuple(e for o in outcomes for e in o.exceptions)
        for state in (FAIL, PARTIAL):
            bad = [o.detail for o in outcomes if o.state == state]
            if bad:
                return Outcome(state, "; ".join(bad), exceptions)
        return Outcome(PASS, "", exceptions)

    def fields(self):
        return [f for c in self.children for f in c.fields()]

    def required_fields(self):
        return [f for c in self.children for f in c.required_fields()]


class AnyOf(AllOf):
    type_name = "any"

    def evaluate(self, doc):
        outcomes = [c.run(doc) for c in self.children]
        passed = [o for o in outcomes if o.state == PASS]
        if passed:
            clean = [o for o in passed if not o.exceptions]
            return OK if clean else passed[0]
        partial = [o.detail for o in outcomes if o.state == PARTIAL]
        if partial:
            return Outcome(PARTIAL, "; ".join(partial))
        return Outcome(FAIL, " and ".join(o.detail for o in outcomes))

    def required_fields(self):
        return []


class Not(Check):
    type_name = "not"

    def __init__(self, child: Check) -> None:
        self.child = child

    def evaluate(self, doc):
        if self.child.run(doc).state == PASS:
            return Outcome(FAIL, describe(self.child))
        return OK

    def fields(self):
        return self.child.fields()

    def required_fields(self):
        return []


def describe(check: Check) -> str:
    """Returns what a condition states, in plain words (used when a `not` finds it true)."""
    if isinstance(check, IsTrue):
        return f"{check.path} is true"
    if isinstance(check, NonEmpty):
        return f"{check.path} is not empty"
    if isinstance(check, Present):
        return f"{check.path} is recorded"
    if isinstance(check, Equals):
        return f"{check.path} is {_show(check.value)}"
    if isinstance(check, In):
        return f"{check.path} is one of {', '.join(map(str, check.values))}"
    if isinstance(check, Severity):
        return f"incident.severity is {check.type_name.split('_', 1)[1].replace('_', ' ')} {check.level}"
    if isinstance(check, Regime):
        if not isinstance(check.regime, str):
            return f"one of {', '.join(check.regime)} is in incident.regimes"
        return f"{check.regime!r} is in incident.regimes"
    if isinstance(check, MinItems):
        return f"{check.path} has {check.n} item{'s' if check.n != 1 else ''} or more"
    if hasattr(check, "describe"):
        return check.describe()
    return f"{check.type_name} holds for {', '.join(check.fields())}"


def unique(values: Iterable[str]) -> list[str]:
    """Returns `values` without repeats, first occurrence order."""
    seen: dict[str, None] = {}
    for value in values:
        seen.setdefault(value, None)
    return list(seen)

