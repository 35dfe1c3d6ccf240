"""The methodology appendix's facts: every requirement's checks in plain words, the toolkit's own thresholds, formulas.

RP-METH-1  Each requirement of each assessed framework is listed with when it applies, each check in plain
           words, which failing checks only make it partial, and the notes that name the toolkit's own choices.
RP-METH-2  Words are derived from the loaded check objects (by their type and attributes), so the appendix says
           what the engine runs, not what a separate text claims.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any


@dataclass
class MethodRequirement:
    """One requirement as the appendix explains it."""

    framework_id: str
    requirement_id: str
    title: str
    applies: str
    checks: list[str] = field(default_factory=list)
    partial: list[str] = field(default_factory=list)
    notes: str | None = None


def _dur(value: Any) -> str:
    seconds = int(value.total_seconds()) if hasattr(value, "total_seconds") else int(value)
    if seconds % 86400 == 0:
        return f"{seconds // 86400} d"
    if seconds % 3600 == 0:
        return f"{seconds // 3600} h"
    return f"{seconds // 60} min"


def _regimes(regime: Any) -> str:
    """One regime id, or a list of them as 'gdpr or uk_gdpr'."""
    return " or ".join(map(str, regime)) if isinstance(regime, (list, tuple)) else str(regime)


def words(check: Any) -> str:
    """What one check (or condition) requires, in plain words."""
    kind = getattr(check, "type_name", "")
    path = getattr(check, "path", None)
    if kind == "for_each_regime":
        return (f"for each of {', '.join(getattr(check, 'regimes', []))} on the incident, judged on that regime's own "
                f"records only (its own breach assessment and obligations): {words(getattr(check, 'check', None))}")
    if callable(getattr(check, "describe", None)):  # the check states itself (timeline order, filings, programme…)
        return check.describe()
    if kind == "present":
        return f"{path} is recorded"
    if kind == "non_empty":
        return f"{path} is recorded and not empty"
    if kind == "true":
        return f"{path} is true"
    if kind == "equals":
        return f"{path} is {getattr(check, 'value', '?')!r}"
    if kind == "in":
        return f"{path} is one of {', '.join(map(str, getattr(check, 'values', [])))}"
    if kind.startswith("severity_"):
        return f"the severity is {kind.split('_', 1)[1].replace('_', ' ')} {getattr(check, 'level', '?')}"
    if kind == "regime":
        return f"the incident carries the {_regimes(getattr(check, 'regime', '?'))} regime"
    if kind == "min_items":
        return f"{path} has at least {getattr(check, 'n', '?')} item(s)"
    if kind == "every":
        inner = " and ".join(words(c) for c in getattr(check, "where", []))
        when = " and ".join(words(c) for c in getattr(check, "when", []))
        return f"every item of {path}" + (f" where {when}" if when else "") + (f" has {inner}" if inner else "")
    if kind == "within":
        return (f"{getattr(check, 'end', '?')} is at most {_dur(getattr(check, 'limit', 0))} after "
                f"{getattr(check, 'start', '?')}")
    if kind == "evidence_verified":
        return f"at least {getattr(check, 'minimum', 1)} evidence item(s) whose chain of custody verifies"
    if kind == "notification_ok":
        return (f"the {_regimes(getattr(check, 'regime', '?'))} {getattr(check, 'stage', '?')} obligation was met on "
                "time, or late with a recorded reason, or waived with a recorded decision")
    if kind == "obligations_ok":
        regimes = getattr(check, "regimes", None)
        which = f"of {_regimes(regimes)}" if regimes else "of every regime on the incident"
        return (f"every notification obligation {which} was met on time, or late with a recorded reason, or waived "
                "with a recorded decision")
    if kind == "no_blocking_findings":
        return "the post-mortem review has no blocking finding"
    if kind in ("all", "any"):
        joined = (" and " if kind == "all" else " or ").join(words(c) for c in getattr(check, "children", []))
        return f"({joined})"
    if kind == "not":
        return f"not {words(getattr(check, 'child', None))}"
    fields = check.fields() if hasattr(check, "fields") else []
    return f"{kind} holds for {', '.join(fields)}"


def _conditions(check: Any):
    """Yields a check and every check nested in it (all/any/not, every's where/when)."""
    if check is None:
        return
    yield check
    for attribute in ("children", "where", "when"):
        for child in getattr(check, attribute, None) or []:
            yield from _conditions(child)
    yield from _conditions(getattr(check, "child", None))


def severity_thresholds(frameworks: list[Any]) -> list[str]:
    """Each severity threshold a requirement uses (in 'applies when' or a check), with the requirements using it:
    the toolkit's stand-in for operational seriousness, stated so an auditor sees where severity decides."""
    users: dict[str, list[str]] = {}
    for framework in frameworks:
        for r in framework.requirements:
            found = {f"{'at least' if c.type_name == 'severity_at_least' else 'at most'} {c.level}"
                     for top in [r.applies_when, *r.checks] for c in _conditions(top)
                     if getattr(c, "type_name", "") in ("severity_at_least", "severity_at_most")}
            for threshold in found:
                users.setdefault(threshold, []).append(f"{framework.id} {r.id}")
    return [f"severity {threshold}: {', '.join(refs)}" for threshold, refs in sorted(users.items())]


def method_requirements(frameworks: list[Any]) -> list[MethodRequirement]:
    """The appendix's entry for every requirement of the loaded frameworks, in framework order."""
    out = []
    for framework in frameworks:
        for r in framework.requirements:
            out.append(MethodRequirement(
                framework_id=framework.id, requirement_id=r.id, title=r.title,
                applies=words(r.applies_when) if r.applies_when is not None else "always",
                checks=[(f"{c.name}: " if getattr(c, "name", None) else "") + words(c) for c in r.checks],
                partial=sorted(r.partial), notes=" ".join(str(r.notes).split()) if r.notes else None))
    return out
