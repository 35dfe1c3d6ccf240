"""Framework files: `controls/*.yaml` (built-in) plus extra folders, parsed and validated with file and line."""

from __future__ import annotations

import hashlib
import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from compliance.controls.builder import CONDITION_TYPES, ErrorList, node_line, parse_check
from compliance.controls.checks import AllOf, Check, unique
from compliance.core.errors import DefinitionError
from compliance.core.resources import builtin_dir
from compliance.core.yamlload import MAX_BYTES, load_yaml_file

FRAMEWORK_KEYS = {"name", "version", "description", "source", "requirements"}
REQUIREMENT_KEYS = {"id", "title", "citation", "paraphrase", "evidence", "checks", "partial", "applies_when",
                    "mappings", "points_of_focus", "notes", "scope"}
SCOPES = ("incident", "organisation")
REQUIRED_FRAMEWORK_KEYS = {"name", "version", "requirements"}
REQUIRED_REQUIREMENT_KEYS = {"id", "title", "citation", "paraphrase", "evidence", "checks"}
_FRAMEWORK_ID = re.compile(r"^[a-z0-9][a-z0-9._-]*$")
_REQUIREMENT_ID = re.compile(r"^[^\s:]+$")


@dataclass
class Requirement:
    """One requirement of a framework, with the checks that demonstrate it for an incident."""

    id: str
    title: str
    citation: str
    paraphrase: str
    evidence: list[str]
    mappings: list[str]
    framework_id: str
    checks: list[Check] = field(default_factory=list, repr=False)
    partial: frozenset = frozenset()
    applies_when: Check | None = field(default=None, repr=False)
    points_of_focus: list[str] = field(default_factory=list)
    notes: str | None = None
    scope: str = "incident"  # organisation: shown once per period, judged on programme evidence
    line: int = 0
    mapping_lines: list[int] = field(default_factory=list, repr=False)

    @property
    def key(self) -> str:
        """Returns 'framework-id:REQ-ID', the form used by mappings."""
        return f"{self.framework_id}:{self.id}"

    @property
    def fields(self) -> list[str]:
        """Returns every document path the requirement looks at (applies_when first)."""
        cond = self.applies_when.fields() if self.applies_when else []
        return unique([*cond, *(f for c in self.checks for f in c.fields())])

    @property
    def required_fields(self) -> list[str]:
        """Returns the paths whose absence alone changes the requirement's status (not behind an `any`)."""
        cond = self.applies_when.required_fields() if self.applies_when else []
        return unique([*cond, *(f for c in self.checks for f in c.required_fields())])


@dataclass
class Framework:
    """A framework file: its id is the file's stem."""

    id: str
    name: str
    version: str
    requirements: list[Requirement]
    description: str | None = None
    source: str | None = None
    path: str | None = None

    def requirement(self, requirement_id: str) -> Requirement | None:
        """Returns the requirement with this id, or None."""
        return next((r for r in self.requirements if r.id == requirement_id), None)


def _text(node: dict, key: str, errors: ErrorList) -> str | None:
    value = node.get(key)
    if value is None:
        return None
    if not isinstance(value, (str, int, float)) or isinstance(value, bool) or not str(value).strip():
        errors.add(node_line(node, key), f"{key} must be non-empty text")
        return None
    return " ".join(str(value).split()) if key != "paraphrase" else str(value).strip()


def _text_list(node: dict, key: str, errors: ErrorList) -> list[str]:
    value = node.get(key)
    if value is None:
        return []
    if isinstance(value, str):
        value = [value]
    if not isinstance(value, list) or any(not isinstance(v, str) or not v.strip() for v in value):
        errors.add(node_line(node, key), f"{key} must be a list of non-empty texts")
        return []
    return [" ".join(v.split()) for v in value]


def _parse_requirement(node: Any, framework_id: str, errors: ErrorList, line: int) -> Requirement | None:
    if not isinstance(node, dict):
        errors.add(line, "a requirement must be a mapping with id, title, citation, paraphrase, evidence and checks")
        return None
    before = len(errors.items)
    for key in node:
        if key not in REQUIREMENT_KEYS:
            errors.add(node_line(node, key),
                f"unknown field {key!r} in requirement (allowed: {', '.join(sorted(REQUIREMENT_KEYS))})")
    for key in sorted(REQUIRED_REQUIREMENT_KEYS - set(node)):
        errors.add(node.line, f"requirement {node.get('id', '')!s} is missing {key!r}".replace("  ", " "))
    req_id = _text(node, "id", errors)
    if req_id and not _REQUIREMENT_ID.match(req_id):
        errors.add(node_line(node, "id"), f"requirement id {req_id!r} must not contain spaces or ':'")
    values = {key: _text(node, key, errors) for key in ("title", "citation", "paraphrase", "notes")}
    evidence = _text_list(node, "evidence", errors)
    if "evidence" in node and not evidence and len(errors.items) == before:
        errors.add(node_line(node, "evidence"), "evidence must list what an auditor expects to see")
    mappings = _text_list(node, "mappings", errors)
    for mapping in mappings:
        if mapping.count(":") != 1 or not all(part.strip() for part in mapping.split(":")):
            errors.add(node_line(node, "mappings"), f"mapping {mapping!r} must look like framework-id:REQ-ID")
    checks: list[Check] = []
    if "checks" in node:
        raw = node["checks"]
        if not isinstance(raw, list) or not raw:
            errors.add(node_line(node, "checks"), "checks must be a non-empty list")
        else:
            for index, item in enumerate(raw):
                check = parse_check(item, errors, raw.line_of(index) if hasattr(raw, "line_of") else node.line)
                if check is not None:
                    checks.append(check)
    names = [c.name for c in checks if c.name]
    for dup in sorted({n for n in names if names.count(n) > 1}):
        errors.add(node_line(node, "checks"), f"check name {dup!r} is used twice in requirement {req_id}")
    partial = _text_list(node, "partial", errors)
    if "partial" in node and "checks" in node and isinstance(node["checks"], list):
        declared = [item.get("name") if isinstance(item, dict) else None for item in node["checks"]]
        for name in partial:
            if name not in declared:
                errors.add(node_line(node, "partial"), f"partial names {name!r}, which is not the name of a check "
                                                   f"of requirement {req_id}")
        if partial and declared and all(name in partial for name in declared):
            errors.add(node_line(node, "partial"), "partial lists every check: nothing would make the requirement missing")
    scope = node.get("scope", "incident")
    if scope not in SCOPES:
        errors.add(node_line(node, "scope"), f"scope must be one of {', '.join(SCOPES)}, not {scope!r}")
    applies = None
    if "applies_when" in node:
        raw = node["applies_when"]
        conds = raw if isinstance(raw, list) else [raw]
        if isinstance(raw, list) and not raw:
            errors.add(node_line(node, "applies_when"), "bad applies_when: must not be empty")
        parsed = []
        for index, item in enumerate(conds):
            item_line = raw.line_of(index) if hasattr(raw, "line_of") else node_line(node, "applies_when")
            sub = ErrorList(errors.source, prefix="bad applies_when: ")
            cond = parse_check(item, sub, item_line, allowed=CONDITION_TYPES)
            errors.items.extend(sub.items)
            if cond is not None:
                parsed.append(cond)
        applies = parsed[0] if len(parsed) == 1 else AllOf(parsed) if parsed else None
    if len(errors.items) > before or not req_id:
        return None
    return Requirement(
        id=req_id, title=values["title"] or "", citation=values["citation"] or "", paraphrase=values["paraphrase"] or "",
        evidence=evidence, mappings=mappings, framework_id=framework_id, checks=checks, partial=frozenset(partial),
        applies_when=applies, points_of_focus=_text_list(node, "points_of_focus", errors), notes=values["notes"],
        scope=scope,
        line=node.line, mapping_lines=[_mapping_line(node, i) for i in range(len(mappings))],
    )


def _mapping_line(node: dict, index: int) -> int:
    raw = node.get("mappings")
    return raw.line_of(index) if hasattr(raw, "line_of") else node_line(node, "mappings")


_CACHE: dict[tuple, tuple[Framework | None, list[str]]] = {}
_CACHE_SIZE = 64


def parse_framework_file(path: Path, errors: list[str]) -> Framework | None:
    """Parses one framework file; appends every error ('file:line: what is wrong') and returns None if any.

    Results are kept per (path, SHA-256 of the content), so a file is parsed again only when it changes.
    """
    try:
        key = (str(path), hashlib.sha256(path.read_bytes()).hexdigest()) if path.stat().st_size <= MAX_BYTES else None
    except OSError:
        key = None
    if key is not None and key in _CACHE:
        framework, cached_errors = _CACHE[key]
        errors.extend(cached_errors)
        return framework
    found: list[str] = []
    framework = _parse_framework_file(path, found)
    errors.extend(found)
    if key is not None:
        if len(_CACHE) >= _CACHE_SIZE:
            _CACHE.pop(next(iter(_CACHE)))
        _CACHE[key] = (framework, list(found))
    return framework


def _parse_framework_file(path: Path, errors: list[str]) -> Framework | None:
    source = str(path)
    framework_id = path.stem
    collected = ErrorList(source)
    if not _FRAMEWORK_ID.match(framework_id):
        collected.add(1, f"file name {path.name!r} must be a framework id: lower-case letters, digits, '.', '-', '_'")
    try:
        data = load_yaml_file(path)
    except DefinitionError as exc:
        errors.append(exc.message if ":" in exc.message else f"{source}:1: {exc.message}")
        return None
    if not isinstance(data, dict):
        collected.add(1, "a framework file must be a mapping with name, version and requirements")
        errors.extend(collected.items)
        return None
    for key in data:
        if key not in FRAMEWORK_KEYS:
            collected.add(node_line(data, key), f"unknown field {key!r} (allowed: {', '.join(sorted(FRAMEWORK_KEYS))})")
    for key in sorted(REQUIRED_FRAMEWORK_KEYS - set(data)):
        collected.add(1, f"missing {key!r}")
    values = {key: _text(data, key, collected)
              for key in ("name", "version", "description", "source")}
    requirements: list[Requirement] = []
    raw = data.get("requirements")
    if raw is not None and (not isinstance(raw, list) or not raw):
        collected.add(node_line(data, "requirements"), "requirements must be a non-empty list")
    elif raw:
        seen: dict[str, int] = {}
        for index, node in enumerate(raw):
            item_line = raw.line_of(index)
            requirement = _parse_requirement(node, framework_id, collected, item_line)
            req_id = node.get("id") if isinstance(node, dict) else None
            if isinstance(req_id, (str, int, float)) and not isinstance(req_id, bool):
                req_id = str(req_id).strip()
                if req_id in seen:
                    collected.add(node_line(node, "id"), f"duplicate requirement id {req_id!r} (first on line {seen[req_id]})")
                    requirement = None
                else:
                    seen[req_id] = node_line(node, "id")
            if requirement is not None:
                requirements.append(requirement)
    errors.extend(collected.items)
    if collected.items:
        return None
    return Framework(id=framework_id, name=values["name"] or framework_id, version=values["version"] or "",
                     requirements=requirements, description=values["description"], source=values["source"],
                     path=source)


def _framework_files(folder: Path, errors: list[str]) -> list[Path]:
    if not folder.is_dir():
        errors.append(f"{folder}: controls folder does not exist")
        return []
    return sorted(p for p in folder.glob("*.yaml") if p.is_file())


def check_mappings(frameworks: dict[str, Framework], errors: list[str], *, failed: Iterable[str] = ()) -> None:
    """Appends an error for every mapping to a framework or requirement that is not loaded.

    Mappings into a framework whose own file failed to load (`failed`) are not reported twice.
    """
    failed = set(failed)
    for framework in frameworks.values():
        for requirement in framework.requirements:
            for mapping, line in zip(requirement.mappings, requirement.mapping_lines, strict=True):
                target_fw, _, target_req = mapping.partition(":")
                target = frameworks.get(target_fw)
                where = f"{framework.path}:{line}"
                if target is None and target_fw in failed:
                    continue
                if target is None:
                    errors.append(f"{where}: mapping {mapping!r} names unknown framework {target_fw!r} "
                                  f"(loaded: {', '.join(sorted(frameworks))})")
                elif target.requirement(target_req) is None:
                    errors.append(f"{where}: mapping {mapping!r}: framework {target_fw} has no requirement {target_req!r}")
                elif target_fw == framework.id and target_req == requirement.id:
                    errors.append(f"{where}: mapping {mapping!r} points at the requirement itself")


def load_all(*, files: Iterable[Path]) -> tuple[dict[str, Framework], list[str]]:
    """Parses framework files in order; returns the frameworks and every error (duplicates and mappings too)."""
    errors: list[str] = []
    frameworks: dict[str, Framework] = {}
    seen_paths: set[Path] = set()
    failed: set[str] = set()
    for path in files:
        resolved = path.resolve()
        if resolved in seen_paths:
            continue
        seen_paths.add(resolved)
        framework = parse_framework_file(path, errors)
        if framework is None:
            failed.add(path.stem)
            continue
        if framework.id in frameworks:
            errors.append(f"{path}:1: duplicate framework id {framework.id!r} (already loaded from "
                          f"{frameworks[framework.id].path})")
            continue
        frameworks[framework.id] = framework
    check_mappings(frameworks, errors, failed=failed)
    return frameworks, errors


def framework_files(*, extra_dirs: Iterable[str | Path] = (), errors: list[str] | None = None) -> list[Path]:
    """Returns the framework files of the built-in folder and then of each extra folder (not `regimes/`)."""
    errors = [] if errors is None else errors
    files = _framework_files(builtin_dir("controls"), errors)
    for folder in extra_dirs:
        files.extend(_framework_files(Path(folder), errors))
    return files


def load_frameworks(*, extra_dirs: Iterable[str | Path] = ()) -> dict[str, Framework]:
    """Returns the built-in frameworks plus those in `extra_dirs`, by id; DefinitionError if any file is invalid."""
    errors: list[str] = []
    files = framework_files(extra_dirs=extra_dirs, errors=errors)
    frameworks, more = load_all(files=files)
    errors.extend(more)
    if errors:
        rest = f" (and {len(errors) - 1} more error{'s' if len(errors) > 2 else ''}; run 'compliance controls validate')" \
            if len(errors) > 1 else ""
        raise DefinitionError(errors[0] + rest)
    return frameworks
