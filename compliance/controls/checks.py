"""The declarative check vocabulary: parsed from framework YAML, evaluated on an incident document (never eval).

A check is a YAML mapping with exactly one type key and an optional `name`:

    - name: root cause analysed
      min_items: {path: postmortem.root_cause, n: 1}

Evaluation gives an Outcome: "pass", "partial" (e.g. not yet due) or "fail", with a one-line detail
that names the field in plain words. `fields()` lists the document paths a check looks at;
`required_fields()` the subset whose absence makes the check fail on its own (not behind an `any`).
Field paths: `incident.resolved_at`, `action_items[].owner`, `timeline[kind=detection]`,
`obligations[regime=gdpr,stage=authority_notification]`.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from typing import Any

from compliance.core.errors import ValidationError
from compliance.core.timeutil import format_timedelta, parse_duration, parse_instant, to_iso
from compliance.documents.types import incident_keys, list_parts, postmortem_keys

PASS, PARTIAL, FAIL = "pass", "partial", "fail"
SEVERITY_ORDER = ["sev1", "sev2", "sev3", "sev4"]  # sev1 is the worst
TIMELINE_KINDS = ["trigger", "detection", "escalation", "decision", "mitigation", "communication", "resolution", "other"]

# Keys of each list part of the incident document (compliance.documents.types); paths are checked against them.
LIST_ITEM_KEYS = list_parts()


def _mapping_keys(model: str) -> frozenset[str]:
    return incident_keys() if model == "incident" else postmortem_keys()


ROOTS = {"incident", "postmortem", "as_of", *LIST_ITEM_KEYS}


@dataclass(frozen=True)
class Outcome:
    """The result of one check: state pass / partial / fail and a one-line detail (empty on pass)."""

    state: str
    detail: str = ""


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
            return Outcome(outcome.state, f"{self.name}: {outcome.detail}")
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
    type_name = "regime"

    def __init__(self, regime: str) -> None:
        self.regime = regime

    def evaluate(self, doc):
        regimes = get_path(doc, "incident.regimes")
        if isinstance(regimes, list) and self.regime in regimes:
            return OK
        return Outcome(FAIL, f"{self.regime!r} is not in incident.regimes")

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
        return [f"{self.path}[].{f}" for c in self.where for f in c.required_fields()]


class TimelineHasKind(Check):
    type_name = "timeline_has_kind"

    def __init__(self, kind: str, customer_visible: bool | None = None) -> None:
        self.kind, self.customer_visible = kind, customer_visible

    def evaluate(self, doc):
        for entry in _items(doc, "timeline"):
            if isinstance(entry, dict) and entry.get("kind") == self.kind and (
                    self.customer_visible is None or bool(entry.get("customer_visible")) == self.customer_visible):
                return OK
        extra = " customer-visible" if self.customer_visible else ""
        return Outcome(FAIL, f"the timeline has no{extra} '{self.kind}' entry")

    def fields(self):
        extra = f",customer_visible={str(self.customer_visible).lower()}" if self.customer_visible is not None else ""
        return [f"timeline[kind={self.kind}{extra}]"]


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


_LATE = {"late", "late_open", "undue_delay"}
_PENDING = {"open", "due_soon"}


class NotificationOk(Check):
    """A notification for (regime, stage) was on time, or late with a delay reason, or waived with a reason."""

    type_name = "notification_ok"

    def __init__(self, regime: str, stage: str) -> None:
        self.regime, self.stage = regime, stage

    def _judge(self, ob: dict) -> Outcome:
        what = f"{self.regime} {self.stage}"
        status = str(ob.get("status") or "")
        notified = not is_empty(ob.get("notified_at"))
        if ob.get("waived") is True or status == "waived":
            if is_empty(ob.get("waiver_reason")):
                return Outcome(FAIL, f"{what} was waived without a reason (obligations[].waiver_reason)")
            return OK
        if status == "on_time":
            return OK
        if status in _LATE and notified:
            if is_empty(ob.get("delay_reason")):
                return Outcome(FAIL, f"{what} was notified late without a reason for the delay "
                                     f"(obligations[].delay_reason)")
            return OK
        if status == "undue_delay":
            age = ob.get("age_hours")
            since = f"; {age:g} h since the clock started" if isinstance(age, (int, float)) else ""
            return Outcome(FAIL, f"{what} is not notified (required without undue delay{since})")
        if status in _LATE:
            return Outcome(FAIL, f"{what} is overdue and not notified (due {_when(ob.get('due'))})")
        if status in _PENDING:
            due = ob.get("due")
            return Outcome(PARTIAL, f"{what} is not notified yet (due {_when(due)})")
        return Outcome(FAIL, f"{what} has unknown status {status!r}")

    def evaluate(self, doc):
        matching = [o for o in _items(doc, "obligations") if isinstance(o, dict)
                    and o.get("regime") == self.regime and o.get("stage") == self.stage]
        if not matching:
            return Outcome(FAIL, f"no {self.regime} {self.stage} obligation is recorded (obligations)")
        outcomes = [self._judge(o) for o in matching]
        for state in (FAIL, PARTIAL):
            for outcome in outcomes:
                if outcome.state == state:
                    return outcome
        return OK

    def fields(self):
        return [f"obligations[regime={self.regime},stage={self.stage}]"]


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
        for state in (FAIL, PARTIAL):
            bad = [o.detail for o in outcomes if o.state == state]
            if bad:
                return Outcome(state, "; ".join(bad))
        return OK

    def fields(self):
        return [f for c in self.children for f in c.fields()]

    def required_fields(self):
        return [f for c in self.children for f in c.required_fields()]


class AnyOf(AllOf):
    type_name = "any"

    def evaluate(self, doc):
        outcomes = [c.run(doc) for c in self.children]
        if any(o.state == PASS for o in outcomes):
            return OK
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
        return f"{check.regime!r} is in incident.regimes"
    return f"{check.type_name} holds for {', '.join(check.fields())}"


# --------------------------------------------------------------------------- parsing and validation

CONDITION_TYPES = {"present", "non_empty", "true", "equals", "in", "severity_at_least", "severity_at_most", "regime",
                   "all", "any", "not"}
ITEM_TYPES = {"present", "non_empty", "true", "equals", "in", "min_items", "all", "any", "not"}  # inside `every`
CHECK_TYPES = CONDITION_TYPES | {"min_items", "every", "timeline_has_kind", "within", "evidence_verified",
                                 "notification_ok", "no_blocking_findings"}


class ErrorList:
    """Collects 'file:line: message' errors while parsing one file."""

    def __init__(self, source: str, prefix: str = "") -> None:
        self.source, self.prefix, self.items = source, prefix, []

    def add(self, line: int, message: str) -> None:
        self.items.append(f"{self.source}:{line}: {self.prefix}{message}")


def node_line(node: Any, key: Any = None, default: int = 0) -> int:
    """Returns the line of `key` in a loaded YAML mapping, or of the node itself (`default` if unknown)."""
    if key is not None and hasattr(node, "line_of"):
        return node.line_of(key)
    return getattr(node, "line", default) or default


def _check_path(path: Any, errors: ErrorList, line: int, scope: str | None) -> str | None:
    """Validates a dotted path: at the top level against the document's parts, in `every` against item keys."""
    if not isinstance(path, str) or not path.strip() or any(not p for p in path.strip().split(".")):
        errors.add(line, f"path must be dotted text like postmortem.summary, not {path!r}")
        return None
    path = path.strip()
    parts = path.split(".")
    if scope is not None:
        keys = LIST_ITEM_KEYS.get(scope)
        if keys is not None and parts[0] not in keys:
            errors.add(line, f"unknown field {parts[0]!r} in {scope} items (known: {', '.join(sorted(keys))})")
            return None
        return path
    if parts[0] not in ROOTS:
        errors.add(line, f"unknown document part {parts[0]!r} in path {path!r} (known: {', '.join(sorted(ROOTS))})")
        return None
    if parts[0] in ("incident", "postmortem") and len(parts) > 1 and parts[1] not in _mapping_keys(parts[0]):
        errors.add(line, f"unknown field {parts[1]!r} in {parts[0]} (path {path!r})")
        return None
    if parts[0] in LIST_ITEM_KEYS and len(parts) > 1:
        errors.add(line, f"{parts[0]} is a list: use every or min_items, not the path {path!r}")
        return None
    return path


def _need_mapping(arg: Any, keys: set[str], required: set[str], errors: ErrorList, line: int, type_name: str) -> bool:
    if not isinstance(arg, dict):
        errors.add(line, f"{type_name} needs a mapping with {', '.join(sorted(required))}")
        return False
    ok = True
    for key in arg:
        if key not in keys:
            errors.add(node_line(arg, key, line), f"unknown field {key!r} in {type_name} (allowed: {', '.join(sorted(keys))})")
            ok = False
    for key in sorted(required - set(arg)):
        errors.add(node_line(arg, None, line), f"{type_name} is missing {key!r}")
        ok = False
    return ok


def _check_list(node: Any, errors: ErrorList, line: int, scope: str | None, allowed: set[str], what: str) -> list[Check]:
    items = node if isinstance(node, list) else [node]
    if isinstance(node, list) and not node:
        errors.add(line, f"{what} must not be empty")
    checks = []
    for index, item in enumerate(items):
        item_line = node.line_of(index) if isinstance(node, list) and hasattr(node, "line_of") else line
        check = parse_check(item, errors, item_line, scope=scope, allowed=allowed)
        if check is not None:
            checks.append(check)
    return checks


def parse_check(node: Any, errors: ErrorList, line: int, *, scope: str | None = None,
                allowed: set[str] = CHECK_TYPES) -> Check | None:
    """Parses one check mapping; appends every problem to `errors` and returns None when invalid."""
    line = node_line(node, None, line)
    if not isinstance(node, dict):
        errors.add(line, f"a check must be a mapping like {{non_empty: postmortem.summary}}, not {node!r}")
        return None
    name = node.get("name")
    types = [k for k in node if k != "name"]
    known = [k for k in types if k is True or k in CHECK_TYPES]
    if len(known) == 1 and len(types) > 1:
        for key in types:
            if key not in known:
                errors.add(node_line(node, key, line), f"unknown field {key!r} in check {known[0]!r} "
                                                   f"(a check has one type key and an optional name)")
        return None
    if len(types) != 1:
        found = ", ".join(map(str, types)) or "none"
        errors.add(line, f"a check needs exactly one type key besides 'name' (found: {found})")
        return None
    key = types[0]
    type_name = "true" if key is True else key  # YAML reads a bare `true:` key as a boolean
    arg = node[key]
    arg_line = node_line(node, key, line)
    if type_name not in CHECK_TYPES:
        errors.add(arg_line, f"unknown check type {type_name!r} (known: {', '.join(sorted(CHECK_TYPES))})")
        return None
    if type_name not in allowed:
        errors.add(arg_line, f"{type_name!r} cannot be used here (allowed: {', '.join(sorted(allowed))})")
        return None
    if name is not None and (not isinstance(name, str) or not name.strip()):
        errors.add(node_line(node, "name", line), "name must be non-empty text")
        name = None
    before = len(errors.items)
    check = _BUILDERS[type_name](arg, errors, arg_line, scope, allowed)
    if check is None or len(errors.items) > before:
        return None
    check.type_name = check.type_name or type_name
    check.name = name.strip() if isinstance(name, str) else None
    check.spec = _plain(node)
    return check


def _plain(node: Any) -> Any:
    if isinstance(node, dict):
        return {("true" if k is True else str(k)): _plain(v) for k, v in node.items()}
    if isinstance(node, list):
        return [_plain(v) for v in node]
    return node


def _b_path(cls: type) -> Callable:
    def build(arg, errors, line, scope, allowed):
        path = _check_path(arg, errors, line, scope)
        return cls(path) if path else None
    return build


def _b_equals(arg, errors, line, scope, allowed):
    if not _need_mapping(arg, {"path", "value"}, {"path", "value"}, errors, line, "equals"):
        return None
    path = _check_path(arg["path"], errors, node_line(arg, "path", line), scope)
    if isinstance(arg["value"], (dict, list)):
        errors.add(node_line(arg, "value", line), "equals value must be a single value")
        return None
    return Equals(path, arg["value"]) if path else None


def _b_in(arg, errors, line, scope, allowed):
    if not _need_mapping(arg, {"path", "values"}, {"path", "values"}, errors, line, "in"):
        return None
    path = _check_path(arg["path"], errors, node_line(arg, "path", line), scope)
    values = arg["values"]
    if not isinstance(values, list) or not values or any(isinstance(v, (dict, list)) for v in values):
        errors.add(node_line(arg, "values", line), "in values must be a non-empty list of single values")
        return None
    return In(path, values) if path else None


def _b_severity(type_name: str) -> Callable:
    def build(arg, errors, line, scope, allowed):
        if arg not in SEVERITY_ORDER:
            errors.add(line, f"{type_name} must be one of {', '.join(SEVERITY_ORDER)}, not {arg!r}")
            return None
        return Severity(type_name, arg)
    return build


def _b_regime(arg, errors, line, scope, allowed):
    if not isinstance(arg, str) or not arg.strip():
        errors.add(line, f"regime must be a regime id like gdpr, not {arg!r}")
        return None
    return Regime(arg.strip())


def _b_min_items(arg, errors, line, scope, allowed):
    if not _need_mapping(arg, {"path", "n"}, {"path", "n"}, errors, line, "min_items"):
        return None
    path, path_line = arg["path"], node_line(arg, "path", line)
    if scope is None and isinstance(path, str) and path.strip() in LIST_ITEM_KEYS:
        path = path.strip()
    else:
        path = _check_path(path, errors, path_line, scope)
    n = arg["n"]
    if isinstance(n, bool) or not isinstance(n, int) or n < 1:
        errors.add(node_line(arg, "n", line), f"min_items n must be a whole number of at least 1, not {n!r}")
        return None
    return MinItems(path, n) if path else None


def _b_every(arg, errors, line, scope, allowed):
    if not _need_mapping(arg, {"path", "where", "when"}, {"path", "where"}, errors, line, "every"):
        return None
    path = arg["path"]
    if scope is not None or path not in LIST_ITEM_KEYS:
        errors.add(node_line(arg, "path", line), f"every path must be one of {', '.join(sorted(LIST_ITEM_KEYS))}, "
                                             f"not {path!r}")
        return None
    where = _check_list(arg["where"], errors, node_line(arg, "where", line), path, ITEM_TYPES, "where")
    when = _check_list(arg["when"], errors, node_line(arg, "when", line), path, ITEM_TYPES - {"min_items"}, "when") \
        if "when" in arg else []
    return Every(path, where, when)


def _b_timeline_kind(arg, errors, line, scope, allowed):
    visible = None
    if isinstance(arg, dict):
        if not _need_mapping(arg, {"kind", "customer_visible"}, {"kind"}, errors, line, "timeline_has_kind"):
            return None
        visible = arg.get("customer_visible")
        if visible is not None and not isinstance(visible, bool):
            errors.add(node_line(arg, "customer_visible", line), "customer_visible must be true or false")
            return None
        arg = arg["kind"]
    if arg not in TIMELINE_KINDS:
        errors.add(line, f"unknown timeline kind {arg!r} (known: {', '.join(TIMELINE_KINDS)})")
        return None
    return TimelineHasKind(arg, visible)


def _b_within(arg, errors, line, scope, allowed):
    if not _need_mapping(arg, {"from", "to", "max"}, {"from", "to", "max"}, errors, line, "within"):
        return None
    start = _check_path(arg["from"], errors, node_line(arg, "from", line), scope)
    end = _check_path(arg["to"], errors, node_line(arg, "to", line), scope)
    try:
        limit = parse_duration(str(arg["max"]), field="max")
    except ValidationError as exc:
        errors.add(node_line(arg, "max", line), f"bad duration: {exc.message}")
        return None
    if limit <= timedelta(0):
        errors.add(node_line(arg, "max", line), "bad duration: max must be longer than zero")
        return None
    return Within(start, end, limit, str(arg["max"]).strip()) if start and end else None


def _b_evidence(arg, errors, line, scope, allowed):
    if arg is True:
        return EvidenceVerified()
    if isinstance(arg, dict) and _need_mapping(arg, {"min"}, {"min"}, errors, line, "evidence_verified"):
        n = arg["min"]
        if isinstance(n, bool) or not isinstance(n, int) or n < 1:
            errors.add(node_line(arg, "min", line), f"evidence_verified min must be a whole number of at least 1, not {n!r}")
            return None
        return EvidenceVerified(n)
    if not isinstance(arg, dict):
        errors.add(line, "evidence_verified takes true or {min: N}")
    return None


def _b_notification(arg, errors, line, scope, allowed):
    if not _need_mapping(arg, {"regime", "stage"}, {"regime", "stage"}, errors, line, "notification_ok"):
        return None
    for key in ("regime", "stage"):
        if not isinstance(arg[key], str) or not arg[key].strip():
            errors.add(node_line(arg, key, line), f"notification_ok {key} must be text")
            return None
    return NotificationOk(arg["regime"].strip(), arg["stage"].strip())


def _b_no_blocking(arg, errors, line, scope, allowed):
    if arg is not True:
        errors.add(line, "no_blocking_findings takes true")
        return None
    return NoBlockingFindings()


def _b_combinator(cls: type) -> Callable:
    def build(arg, errors, line, scope, allowed):
        if not isinstance(arg, list) or not arg:
            errors.add(line, f"{cls.type_name} needs a non-empty list of checks")
            return None
        return cls(_check_list(arg, errors, line, scope, allowed, cls.type_name))
    return build


def _b_not(arg, errors, line, scope, allowed):
    child = parse_check(arg, errors, line, scope=scope, allowed=allowed)
    return Not(child) if child else None


_BUILDERS: dict[str, Callable] = {
    "present": _b_path(Present), "non_empty": _b_path(NonEmpty), "true": _b_path(IsTrue), "equals": _b_equals,
    "in": _b_in, "severity_at_least": _b_severity("severity_at_least"),
    "severity_at_most": _b_severity("severity_at_most"), "regime": _b_regime, "min_items": _b_min_items,
    "every": _b_every, "timeline_has_kind": _b_timeline_kind, "within": _b_within,
    "evidence_verified": _b_evidence, "notification_ok": _b_notification, "no_blocking_findings": _b_no_blocking,
    "all": _b_combinator(AllOf), "any": _b_combinator(AnyOf), "not": _b_not,
}


def unique(values: Iterable[str]) -> list[str]:
    """Returns `values` without repeats, first occurrence order."""
    seen: dict[str, None] = {}
    for value in values:
        seen.setdefault(value, None)
    return list(seen)

