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


def words(check: Any) -> str:
    """What one check (or condition) requires, in plain words."""
    kind = getattr(check, "type_name", "")
    path = getattr(check, "path", None)
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
        return f"the incident carries the {getattr(check, 'regime', '?')} regime"
    if kind == "min_items":
        return f"{path} has at least {getattr(check, 'n', '?')} item(s)"
    if kind == "every":
        inner = " and ".join(words(c) for c in getattr(check, "where", []))
        when = " and ".join(words(c) for c in getattr(check, "when", []))
        return f"every item of {path}" + (f" where {when}" if when else "") + (f" has {inner}" if inner else "")
    if kind == "timeline_has_kind":
        visible = getattr(check, "customer_visible", None)
        return (f"the timeline has a '{getattr(check, 'kind', '?')}' entry"
                + (" visible to customers" if visible else ""))
    if kind == "within":
        return (f"{getattr(check, 'end', '?')} is at most {_dur(getattr(check, 'limit', 0))} after "
                f"{getattr(check, 'start', '?')}")
    if kind == "evidence_verified":
        return f"at least {getattr(check, 'minimum', 1)} evidence item(s) whose chain of custody verifies"
    if kind == "notification_ok":
        return (f"the {getattr(check, 'regime', '?')} {getattr(check, 'stage', '?')} obligation was met on time, "
                "or late with a recorded reason, or waived with a recorded reason")
    if kind == "no_blocking_findings":
        return "the post-mortem review has no blocking finding"
    if kind in ("all", "any"):
        joined = (" and " if kind == "all" else " or ").join(words(c) for c in getattr(check, "children", []))
        return f"({joined})"
    if kind == "not":
        return f"not {words(getattr(check, 'child', None))}"
    if kind == "for_each_regime":
        return (f"for each of {', '.join(getattr(check, 'regimes', []))} on the incident, judged on that regime's own "
                f"records only (its own breach assessment and obligations): {words(getattr(check, 'check', None))}")
    fields = check.fields() if hasattr(check, "fields") else []
    return f"{kind} holds for {', '.join(fields)}"


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
