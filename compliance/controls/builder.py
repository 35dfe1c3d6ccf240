"""The YAML-to-check builder: parses and validates check mappings of framework files into `checks` objects.

Every problem is collected as 'file:line: what is wrong'; nothing from the file is ever run as code.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta
from typing import Any

from compliance.controls.checks import (
    SEVERITY_ORDER,
    TIMELINE_KINDS,
    AllOf,
    AnyOf,
    Check,
    Contains,
    Equals,
    Every,
    EvidenceVerified,
    In,
    IsTrue,
    MinItems,
    NoBlockingFindings,
    NonEmpty,
    Not,
    Present,
    Regime,
    Severity,
)
from compliance.controls.records import (
    Communicated,
    FilingContent,
    ForEachRegime,
    NotificationOk,
    Notified,
    ObligationsOk,
    ProgrammeEvidence,
    StageCheck,
    Waived,
)
from compliance.controls.timing import Ordered, TimelineHasKind, Within
from compliance.core.errors import ValidationError
from compliance.core.timeutil import parse_duration
from compliance.deadlines.models import FILING_CONTENT
from compliance.documents.types import MAPPING_PARTS, list_parts, mapping_keys
from compliance.programme.models import ProgrammeKind

PROGRAMME_KINDS = [k.value for k in ProgrammeKind]

# Keys of each part of the incident document (context.build_incident_document); paths are checked against them.
# The document's parts and their keys are typed once in compliance.documents.types; paths are checked against them.
LIST_ITEM_KEYS = list_parts()


def _mapping_keys(model: str) -> frozenset[str]:
    return mapping_keys(model)


ROOTS = {*MAPPING_PARTS, "as_of", *LIST_ITEM_KEYS}

# --------------------------------------------------------------------------- parsing and validation

CONDITION_TYPES = {"present", "non_empty", "true", "equals", "in", "severity_at_least", "severity_at_most", "regime",
                   "notified", "waived", "filing_content", "timeline_has_kind", "all", "any", "not"}
CONDITION_TYPES |= {"contains"}  # a value among a list field's items (PCI DSS scope: data category or tag)
ITEM_TYPES = {"present", "non_empty", "true", "equals", "in", "min_items", "all", "any", "not"}  # inside `every`
CHECK_TYPES = CONDITION_TYPES | {"min_items", "every", "within", "evidence_verified",
                                 "notification_ok", "obligations_ok", "filing_content", "programme_evidence",
                                 "no_blocking_findings", "ordered", "communicated", "for_each_regime"}
# Regimes whose records are kept per regime (breach_assessments[regime]): the ones for_each_regime may list.
PER_REGIME_IDS = ("gdpr", "uk_gdpr")


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
    if parts[0] in MAPPING_PARTS and len(parts) > 1 and parts[1] not in _mapping_keys(parts[0]):
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


def _b_contains(arg, errors, line, scope, allowed):
    if not _need_mapping(arg, {"path", "value"}, {"path", "value"}, errors, line, "contains"):
        return None
    path = _check_path(arg["path"], errors, node_line(arg, "path", line), scope)
    if isinstance(arg["value"], (dict, list)):
        errors.add(node_line(arg, "value", line), "contains value must be a single value")
        return None
    return Contains(path, arg["value"]) if path else None


def _b_severity(type_name: str) -> Callable:
    def build(arg, errors, line, scope, allowed):
        if arg not in SEVERITY_ORDER:
            errors.add(line, f"{type_name} must be one of {', '.join(SEVERITY_ORDER)}, not {arg!r}")
            return None
        return Severity(type_name, arg)
    return build


def _regime_ids(arg: Any) -> str | list[str] | None:
    """Returns one regime id, a list of distinct ids, or None when `arg` is neither."""
    if isinstance(arg, str) and arg.strip():
        return arg.strip()
    if isinstance(arg, list) and arg and all(isinstance(r, str) and r.strip() for r in arg):
        ids = list(dict.fromkeys(r.strip() for r in arg))
        return ids if len(ids) == len(arg) else None
    return None


def _b_regime(arg, errors, line, scope, allowed):
    regime = _regime_ids(arg)
    if regime is None:
        errors.add(line, f"regime must be a regime id like gdpr or a list of distinct ids like [gdpr, uk_gdpr], "
                         f"not {arg!r}")
        return None
    return Regime(regime)


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
    visible, before, after = None, None, None
    if isinstance(arg, dict):
        if not _need_mapping(arg, {"kind", "customer_visible", "before", "after"}, {"kind"}, errors, line,
                             "timeline_has_kind"):
            return None
        visible = arg.get("customer_visible")
        if visible is not None and not isinstance(visible, bool):
            errors.add(node_line(arg, "customer_visible", line), "customer_visible must be true or false")
            return None
        before, after = arg.get("before"), arg.get("after")
        if before is not None and after is not None:
            errors.add(line, "timeline_has_kind takes before or after, not both")
            return None
        for key, value in (("before", before), ("after", after)):
            if value is not None and value not in TIMELINE_KINDS:
                errors.add(node_line(arg, key, line), f"unknown timeline kind {value!r} in {key} "
                                                      f"(known: {', '.join(TIMELINE_KINDS)})")
                return None
        arg = arg["kind"]
    if arg not in TIMELINE_KINDS:
        errors.add(line, f"unknown timeline kind {arg!r} (known: {', '.join(TIMELINE_KINDS)})")
        return None
    return TimelineHasKind(arg, visible, before=before, after=after)


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


def _regime_stage(arg, errors, line, type_name: str) -> tuple[str | list[str], str] | None:
    regime = _regime_ids(arg["regime"])
    if regime is None:
        errors.add(node_line(arg, "regime", line), f"{type_name} regime must be a regime id or a list of distinct ids "
                                                   f"like [gdpr, uk_gdpr], not {arg['regime']!r}")
        return None
    if not isinstance(arg["stage"], str) or not arg["stage"].strip():
        errors.add(node_line(arg, "stage", line), f"{type_name} stage must be text")
        return None
    return regime, arg["stage"].strip()


def _b_ordered(arg, errors, line, scope, allowed):
    if not isinstance(arg, list) or len(arg) < 2:
        errors.add(line, "ordered needs a list of at least two instant paths, earliest first")
        return None
    paths = [_check_path(p, errors, line, scope) for p in arg]
    return Ordered(paths) if all(paths) else None


def _b_stage_condition(cls: type) -> Callable:
    def build(arg, errors, line, scope, allowed):
        if not _need_mapping(arg, {"regime", "stage"}, {"regime", "stage"}, errors, line, cls.type_name):
            return None
        pair = _regime_stage(arg, errors, line, cls.type_name)
        return cls(*pair) if pair else None
    return build


def _b_obligations(arg, errors, line, scope, allowed):
    if arg is True:
        return ObligationsOk()
    if isinstance(arg, dict) and _need_mapping(arg, {"regimes"}, {"regimes"}, errors, line, "obligations_ok"):
        regimes = arg["regimes"]
        if not isinstance(regimes, list) or not regimes or any(not isinstance(r, str) or not r.strip() for r in regimes):
            errors.add(node_line(arg, "regimes", line), "obligations_ok regimes must be a non-empty list of regime ids")
            return None
        return ObligationsOk([r.strip() for r in regimes])
    if not isinstance(arg, dict):
        errors.add(line, "obligations_ok takes true or {regimes: [ID, ...]}")
    return None


def _b_filing_content(arg, errors, line, scope, allowed):
    if not _need_mapping(arg, {"regime", "stage", "elements", "filings"}, {"regime", "stage", "elements"}, errors, line,
                         "filing_content"):
        return None
    pair = _regime_stage(arg, errors, line, "filing_content")
    elements = arg["elements"]
    if not isinstance(elements, list) or not elements or any(e not in FILING_CONTENT for e in elements):
        errors.add(node_line(arg, "elements", line), f"filing_content elements must be a non-empty list of "
                                                     f"{', '.join(FILING_CONTENT)}, not {elements!r}")
        return None
    which = arg.get("filings", "all")
    if which not in ("first", "all"):
        errors.add(node_line(arg, "filings", line), f"filing_content filings must be first or all, not {which!r}")
        return None
    return FilingContent(*pair, elements, which == "first") if pair else None


def _b_programme(arg, errors, line, scope, allowed):
    if not _need_mapping(arg, {"kinds", "updated_after", "max"}, {"kinds"}, errors, line, "programme_evidence"):
        return None
    kinds = arg["kinds"]
    if not isinstance(kinds, list) or not kinds or any(k not in PROGRAMME_KINDS for k in kinds):
        errors.add(node_line(arg, "kinds", line), f"programme_evidence kinds must be a non-empty list of "
                                                  f"{', '.join(PROGRAMME_KINDS)}, not {kinds!r}")
        return None
    after = None
    if "updated_after" in arg:
        after = _check_path(arg["updated_after"], errors, node_line(arg, "updated_after", line), scope)
        if after is None:
            return None
    limit, text = None, ""
    if "max" in arg:
        if after is None:
            errors.add(node_line(arg, "max", line), "programme_evidence max needs updated_after")
            return None
        try:
            limit = parse_duration(str(arg["max"]), field="max")
        except ValidationError as exc:
            errors.add(node_line(arg, "max", line), f"bad duration: {exc.message}")
            return None
        text = str(arg["max"]).strip()
    return ProgrammeEvidence(kinds, after, limit, text)


def _b_no_blocking(arg, errors, line, scope, allowed):
    if arg is not True:
        errors.add(line, "no_blocking_findings takes true")
        return None
    return NoBlockingFindings()


def _stage_regimes(check: Check) -> list[str]:
    """Returns every regime id a check (and the checks inside it) names."""
    found = []
    if isinstance(check, StageCheck):
        found += [check.regime] if isinstance(check.regime, str) else list(check.regime)
    if isinstance(check, ObligationsOk) and check.regimes:
        found += check.regimes
    for child in [*getattr(check, "children", []), getattr(check, "child", None), getattr(check, "check", None)]:
        if isinstance(child, Check):
            found += _stage_regimes(child)
    return found


def _b_for_each_regime(arg, errors, line, scope, allowed):
    if not _need_mapping(arg, {"regimes", "check"}, {"regimes", "check"}, errors, line, "for_each_regime"):
        return None
    regimes, regimes_line = _regime_ids(arg["regimes"]), node_line(arg, "regimes", line)
    if not isinstance(regimes, list):
        errors.add(regimes_line, f"for_each_regime regimes must be a non-empty list of distinct regime ids like "
                                 f"[gdpr, uk_gdpr], not {arg['regimes']!r}")
        return None
    unknown = [r for r in regimes if r not in PER_REGIME_IDS]
    if unknown:
        errors.add(regimes_line, f"unknown regime {unknown[0]!r} in for_each_regime: only regimes with per-regime "
                                 f"records can be listed ({', '.join(PER_REGIME_IDS)})")
        return None
    check_line = node_line(arg, "check", line)
    inner = parse_check(arg["check"], errors, check_line, scope=scope, allowed=allowed - {"for_each_regime"})
    if inner is None:
        return None
    stray = [r for r in _stage_regimes(inner) if r not in regimes]
    if stray:
        errors.add(check_line, f"the check inside for_each_regime names regime {stray[0]!r}, which is not listed "
                               f"in its regimes ({', '.join(regimes)})")
        return None
    return ForEachRegime(regimes, inner)


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


def _b_communicated(arg, errors, line, scope, allowed):
    if arg is True:
        return Communicated()
    if isinstance(arg, dict) and _need_mapping(arg, {"external"}, {"external"}, errors, line, "communicated"):
        if not isinstance(arg["external"], bool):
            errors.add(node_line(arg, "external", line), f"communicated external must be true or false, "
                                                         f"not {arg['external']!r}")
            return None
        return Communicated(arg["external"])
    if not isinstance(arg, dict):
        errors.add(line, f"communicated takes true or {{external: true}}, not {arg!r}")
    return None


_BUILDERS: dict[str, Callable] = {
    "present": _b_path(Present), "non_empty": _b_path(NonEmpty), "true": _b_path(IsTrue), "equals": _b_equals,
    "in": _b_in, "contains": _b_contains, "severity_at_least": _b_severity("severity_at_least"),
    "severity_at_most": _b_severity("severity_at_most"), "regime": _b_regime, "min_items": _b_min_items,
    "every": _b_every, "timeline_has_kind": _b_timeline_kind, "within": _b_within,
    "evidence_verified": _b_evidence, "notification_ok": _b_stage_condition(NotificationOk),
    "no_blocking_findings": _b_no_blocking, "ordered": _b_ordered,
    "obligations_ok": _b_obligations, "filing_content": _b_filing_content, "programme_evidence": _b_programme,
    "notified": _b_stage_condition(Notified), "waived": _b_stage_condition(Waived), "communicated": _b_communicated,
    "for_each_regime": _b_for_each_regime, "all": _b_combinator(AllOf), "any": _b_combinator(AnyOf), "not": _b_not,
}


