"""Control assessment: assess incidents, build the coverage matrix, look up requirements and mappings, validate files."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

from sqlmodel import Session

from compliance.controls.engine import STATUSES, Result, assess_document, assess_requirement
from compliance.controls.loader import Framework, Requirement, framework_files, load_all
from compliance.core.errors import NotFoundError, ValidationError
from compliance.core.period import period_bounds
from compliance.decisions.service import describe_significance_rule, get_significance_rule
from compliance.documents.service import build_incident_document, build_incident_documents
from compliance.incidents.models import Incident
from compliance.incidents.service import list_incidents
from compliance.programme.scope import get_audit_scope
from compliance.programme.service import get_programme_documents

UTC = UTC
FrameworkSet = Mapping[str, Framework] | Iterable[Framework]


def _frameworks(frameworks: FrameworkSet) -> list[Framework]:
    return list(frameworks.values()) if isinstance(frameworks, Mapping) else list(frameworks)


def select_frameworks(*, frameworks: Mapping[str, Framework], ids: Iterable[str] = ()) -> list[Framework]:
    """Returns the frameworks named by `ids` (all when empty), or NotFoundError naming --framework."""
    ids = list(ids)
    if not ids:
        return list(frameworks.values())
    unknown = [i for i in ids if i not in frameworks]
    if unknown:
        raise NotFoundError(f"unknown framework {unknown[0]!r} (known: {', '.join(sorted(frameworks))})",
                            field="--framework")
    return [frameworks[i] for i in dict.fromkeys(ids)]


def result_to_dict(result: Result) -> dict[str, Any]:
    """Returns one requirement's assessment as a plain dict."""
    return {"framework": result.framework_id, "requirement": result.requirement_id, "title": result.title,
            "citation": result.citation, "status": result.status, "reason": result.reason or None,
            "fields": list(result.fields), "exceptions": list(result.exceptions), "scope": result.scope}


def _totals(statuses: Iterable[str]) -> dict[str, int]:
    totals = {status: 0 for status in STATUSES}
    for status in statuses:
        totals[status] += 1
    return totals


def assess_incident(*, session: Session, incident: Incident, frameworks: FrameworkSet, as_of: datetime) -> dict[str, Any]:
    """Returns the assessment of one incident: per framework, per requirement, status, reason and fields used."""
    document = build_incident_document(session=session, incident=incident, as_of=as_of)
    out = []
    for framework in _frameworks(frameworks):
        results = assess_document(document, framework)
        out.append({"id": framework.id, "name": framework.name, "version": framework.version,
                    "results": [result_to_dict(r) for r in results],
                    "totals": _totals(r.status for r in results)})
    return {"incident": incident.ref, "title": incident.title, "as_of": document["as_of"], "frameworks": out,
            "significance": get_significance(session=session)}


def get_significance(*, session: Session) -> dict[str, Any]:
    """Returns the store's significance rule and its sentence (the methodology prints it)."""
    rule = get_significance_rule(session=session)
    return {"rule": rule, "text": describe_significance_rule(rule)}


def get_organisation_document(*, session: Session, as_of: datetime) -> dict[str, Any]:
    """Returns the document organisation-level requirements are judged on: programme evidence at `as_of`."""
    return {"as_of": as_of, "incident": None, "timeline": [], "postmortem": None, "action_items": [],
            "review_findings": [], "evidence": [], "obligations": [], "declaration": None, "breach_assessment": None,
            "recurrences": [], "programme": get_programme_documents(session=session, as_of=as_of),
            "audit_scope": get_audit_scope(session=session)}


def get_incident_requirements(framework: Framework) -> list[Requirement]:
    """Returns the requirements judged per incident (RQ-ENG-06: organisation-level ones are judged once)."""
    return [r for r in framework.requirements if r.scope != "organisation"]


def get_organisation_results(*, document: dict[str, Any], framework: Framework) -> list[Result]:
    """Returns the verdicts of the framework's organisation-level requirements on the organisation document."""
    return [assess_requirement(document, r) for r in framework.requirements if r.scope == "organisation"]


def get_coverage(*, session: Session, frameworks: FrameworkSet, period_from: date | datetime | None,
                 period_to: date | datetime | None, as_of: datetime, include_restricted: bool) -> dict[str, Any]:
    """Returns the coverage matrix of incidents (detected in the period) × requirements, with totals.

    Organisation-level requirements are judged once (on the programme evidence at `as_of`) and listed under
    each framework's `organisation`, not per incident; their totals count that one verdict.
    RS-1: restricted incidents count in every total; their rows are withheld unless `include_restricted`.
    """
    from compliance.incidents.visibility import shows_details

    start, stop = period_bounds(period_from=period_from, period_to=period_to)
    incidents = list_incidents(session=session, period_from=start, period_to=stop)
    documents = build_incident_documents(session=session, incidents=incidents, as_of=as_of)
    organisation_document = get_organisation_document(session=session, as_of=as_of)
    chosen = _frameworks(frameworks)
    out = []
    for framework in chosen:
        rows = []
        per_incident = get_incident_requirements(framework)
        organisation = get_organisation_results(document=organisation_document, framework=framework)
        per_requirement = {r.id: [] for r in per_incident}
        for r in organisation:
            per_requirement[r.requirement_id] = [r.status]
        for incident, document in zip(incidents, documents, strict=True):
            results = [assess_requirement(document, r) for r in per_incident]
            cells = {r.requirement_id: r.status for r in results}
            reasons = {r.requirement_id: r.reason for r in results if r.reason}
            for r in results:
                per_requirement[r.requirement_id].append(r.status)
            if shows_details(incident, include_restricted=include_restricted):
                rows.append({"incident": incident.ref, "title": incident.title, "severity": incident.severity,
                             "restricted": incident.restricted, "cells": cells, "reasons": reasons,
                             "totals": _totals(cells.values())})
        requirements = [{"id": r.id, "title": r.title, "citation": r.citation, "scope": r.scope,
                         "totals": _totals(per_requirement[r.id])} for r in framework.requirements]
        out.append({"id": framework.id, "name": framework.name, "version": framework.version,
                    "requirements": requirements, "incidents": rows,
                    "organisation": [result_to_dict(r) for r in organisation],
                    "totals": _totals(s for statuses in per_requirement.values() for s in statuses)})
    withheld = sum(1 for i in incidents if not shows_details(i, include_restricted=include_restricted))
    return {"period": {"from": period_from, "to": period_to}, "as_of": as_of, "include_restricted": include_restricted,
            "incidents": len(incidents), "withheld": withheld, "frameworks": out,
            "significance": get_significance(session=session)}


def get_requirement(*, frameworks: FrameworkSet, requirement_id: str) -> Requirement:
    """Returns the requirement `REQ-ID` or `framework-id:REQ-ID`; NotFoundError if unknown, ValidationError if ambiguous."""
    text = str(requirement_id).strip()
    chosen = _frameworks(frameworks)
    if ":" in text:
        framework_id, _, req_id = text.partition(":")
        matches = [r for f in chosen if f.id == framework_id for r in f.requirements if r.id == req_id]
    else:
        matches = [r for f in chosen for r in f.requirements if r.id == text]
        if not matches:  # ids are written as the standards write them; forgive case and spacing
            folded = text.replace(" ", "").lower()
            matches = [r for f in chosen for r in f.requirements if r.id.replace(" ", "").lower() == folded]
    if not matches:
        raise NotFoundError(f"unknown requirement {text!r} (see 'compliance controls list')", field="REQ-ID")
    if len(matches) > 1:
        raise ValidationError(f"{text!r} is in several frameworks: write one of "
                              f"{', '.join(r.key for r in matches)}", field="REQ-ID")
    return matches[0]


def requirement_to_dict(requirement: Requirement, *, with_checks: bool = True) -> dict[str, Any]:
    """Returns a requirement as a plain dict (checks as written in the YAML)."""
    data = {"framework": requirement.framework_id, "id": requirement.id, "title": requirement.title,
            "citation": requirement.citation, "paraphrase": requirement.paraphrase,
            "evidence": list(requirement.evidence), "points_of_focus": list(requirement.points_of_focus),
            "mappings": list(requirement.mappings), "fields": requirement.fields}
    if with_checks:
        cond = requirement.applies_when
        data["applies_when"] = None if cond is None else [cond.spec] if cond.spec is not None else [
            c.spec for c in cond.children]
        data["checks"] = [c.spec for c in requirement.checks]
        data["partial"] = sorted(requirement.partial)
    if requirement.notes:
        data["notes"] = requirement.notes
    return data


def get_mappings(*, frameworks: FrameworkSet, requirement_id: str) -> dict[str, Any]:
    """Returns what a requirement maps to in other frameworks, and which requirements map to it."""
    chosen = _frameworks(frameworks)
    requirement = get_requirement(frameworks=chosen, requirement_id=requirement_id)
    by_key = {r.key: r for f in chosen for r in f.requirements}

    def entry(key: str) -> dict[str, Any]:
        target = by_key.get(key)
        framework_id, _, req_id = key.partition(":")
        return {"key": key, "framework": framework_id, "id": req_id, "title": target.title if target else None}

    outgoing = [entry(k) for k in requirement.mappings]
    incoming = [entry(r.key) for r in by_key.values() if requirement.key in r.mappings]
    related = {e["key"]: {**e, "direction": mapping_direction(e["key"], outgoing=outgoing, incoming=incoming)}
               for e in [*outgoing, *incoming]}
    return {"requirement": requirement.key, "title": requirement.title, "maps_to": outgoing, "mapped_from": incoming,
            "related": sorted(related.values(), key=lambda e: (e["framework"], e["id"]))}


def mapping_direction(key: str, *, outgoing: list[dict[str, Any]], incoming: list[dict[str, Any]]) -> str:
    """Returns 'both', 'maps to' or 'mapped from': how requirement `key` relates to the one mapped."""
    out = any(e["key"] == key for e in outgoing)
    into = any(e["key"] == key for e in incoming)
    return "both" if out and into else "maps to" if out else "mapped from"


def validate_paths(*, paths: Iterable[str | Path] = (), extra_dirs: Iterable[str | Path] = ()) -> list[str]:
    """Returns every error ('file:line: what is wrong') of the built-in files, `extra_dirs` and `paths` (files or folders).

    Framework files sit at the top of a folder; regime files in its `regimes/` subfolder (or are
    named directly as `…/regimes/NAME.yaml`) and are checked by the deadline engine's rules.
    """
    from compliance.deadlines.regimes import regime_dirs

    errors: list[str] = []
    files = framework_files(extra_dirs=extra_dirs, errors=errors)
    regime_folders = regime_dirs(extra_dirs=extra_dirs)
    regime_files: list[Path] = []
    for raw in paths:
        path = Path(raw)
        if path.is_dir():
            files.extend(sorted(p for p in path.glob("*.yaml") if p.is_file()))
            regime_folders.append(path / "regimes")
        elif path.is_file():
            if path.suffix not in (".yaml", ".yml"):
                errors.append(f"{path}:1: framework and regime files end in .yaml")
            elif path.parent.name == "regimes":
                regime_files.append(path)
            else:
                files.append(path)
        else:
            errors.append(f"{path}: no such file or folder")
    _, more = load_all(files=files)
    return errors + more + _regime_errors(regime_folders, regime_files)


def _regime_errors(folders: list[Path], files: list[Path]) -> list[str]:
    """Every error of the regime files in `folders` and `files`, duplicate regime ids included."""
    from compliance.deadlines.regimes import collect_regime_errors, parse_regime_file

    found: list[Path] = []
    for folder in folders:
        if folder.is_dir():
            found.extend(sorted(p for p in folder.iterdir() if p.suffix in (".yaml", ".yml") and p.is_file()))
    found.extend(files)
    errors: list[str] = []
    seen: dict[str, Path] = {}
    checked: set[Path] = set()
    for path in found:
        if path.resolve() in checked:
            continue
        checked.add(path.resolve())
        problems = collect_regime_errors(path)
        errors.extend(problems)
        if problems:
            continue
        regime_id = parse_regime_file(path).id
        if regime_id in seen:
            errors.append(f"{path}:1: regime id {regime_id!r} is already defined in {seen[regime_id]}")
        else:
            seen[regime_id] = path
    return errors
