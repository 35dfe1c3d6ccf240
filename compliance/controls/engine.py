"""The assessment engine: one incident document against one framework, per requirement. Pure: no store access.

Rules (RQ-ENG-xx):
- RQ-ENG-01: `applies_when` not met → not_applicable (reason names the condition that failed).
- RQ-ENG-02: every check passes → satisfied (empty reason).
- RQ-ENG-03: a failing check not listed in the requirement's `partial` → missing.
- RQ-ENG-04: only `partial`-listed checks fail, or a check is itself partial (e.g. not yet due) → partial.
- RQ-ENG-05: a check that passes only by an accepted exception (a notification late with reasons) adds it to
  `exceptions`: the status stays `satisfied` and the pack marks it "satisfied, exception".
- RQ-ENG-06: `scope` is the requirement's (incident or organisation); organisation-level requirements are shown
  once per period in the coverage, not per incident.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from compliance.controls.checks import FAIL, PARTIAL, PASS
from compliance.controls.loader import Framework, Requirement

STATUSES = ("satisfied", "partial", "missing", "not_applicable")


@dataclass
class Result:
    """The assessment of one requirement for one incident."""

    requirement_id: str
    title: str
    status: str
    reason: str | None
    fields: list[str] = field(default_factory=list)
    framework_id: str = ""
    citation: str = ""
    exceptions: list[str] = field(default_factory=list)
    scope: str = "incident"


def assess_requirement(document: dict[str, Any], requirement: Requirement) -> Result:
    """Returns the status of one requirement for one incident document, with the reason and fields used."""

    exceptions: list[str] = []

    def result(status: str, reason: str | None) -> Result:
        return Result(requirement_id=requirement.id, title=requirement.title, status=status, reason=reason,
                      fields=requirement.fields, framework_id=requirement.framework_id,
                      citation=requirement.citation, exceptions=exceptions, scope=requirement.scope)

    if requirement.applies_when is not None:
        condition = requirement.applies_when.run(document)
        if condition.state != PASS:
            return result("not_applicable", f"not applicable: {condition.detail}")
    hard, soft = [], []
    for check in requirement.checks:
        outcome = check.run(document)
        exceptions.extend(outcome.exceptions)
        if outcome.state == PASS:
            continue
        if outcome.state == FAIL and not (check.name and check.name in requirement.partial):
            hard.append(outcome.detail)
        else:
            soft.append(outcome.detail)
    if hard:
        return result("missing", "; ".join(hard + soft))
    if soft:
        return result("partial", "; ".join(soft))
    return result("satisfied", None)


def assess_document(document: dict[str, Any], framework: Framework) -> list[Result]:
    """Returns one Result per requirement of `framework`, in the framework's order."""
    return [assess_requirement(document, requirement) for requirement in framework.requirements]


__all__ = ["Result", "STATUSES", "assess_document", "assess_requirement", "PARTIAL"]
