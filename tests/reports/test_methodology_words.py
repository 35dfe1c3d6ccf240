"""Issue 13 §3: the methodology appendix states every requirement's checks in plain words, derived from the check
objects the engine runs (RP-METH-2): no check of a shipped framework falls back to a generic template, none prints
a Python list, and an ordering condition (before/after) is stated."""

from __future__ import annotations

import pytest

from compliance.controls.builder import ErrorList, parse_check
from compliance.controls.loader import load_frameworks
from compliance.reports.methodology import method_requirements, words

REQUIREMENTS = method_requirements(list(load_frameworks().values()))


@pytest.mark.parametrize("requirement", REQUIREMENTS, ids=[f"{r.framework_id}:{r.requirement_id}" for r in REQUIREMENTS])
def test_every_check_and_condition_of_a_shipped_requirement_is_in_plain_words(requirement):
    for text in [requirement.applies, *requirement.checks]:
        assert " holds for " not in text, text
        assert "['" not in text and "[\"" not in text, text


@pytest.mark.parametrize(("arg", "expected"), [
    ({"timeline_has_kind": {"kind": "verification", "before": "recovery"}}, "before 'recovery'"),
    ({"timeline_has_kind": {"kind": "verification", "after": "recovery"}}, "after 'recovery'"),
    ({"notification_ok": {"regime": ["gdpr", "uk_gdpr"], "stage": "authority_notification"}},
     "gdpr or uk_gdpr authority_notification"),
    ({"obligations_ok": True}, "every notification obligation"),
    ({"programme_evidence": {"kinds": ["ir_plan"]}}, "ir_plan"),
])
def test_the_words_state_what_the_check_runs(arg, expected):
    errors = ErrorList("f.yaml")
    check = parse_check(arg, errors, 1)
    assert check is not None, errors.items
    assert expected in words(check)


def test_every_severity_threshold_is_listed_with_the_requirements_that_use_it_in_applies_when_or_a_check():
    from compliance.reports.methodology import severity_thresholds

    lines = severity_thresholds(list(load_frameworks().values()))
    assert len(lines) == len(set(lines))
    at_least = next(line for line in lines if line.startswith("severity at least sev2:"))
    assert "iso27001-2022 A.5.28" in at_least  # in applies_when
    assert any(line.startswith("severity at most sev3:") and "soc2-2017 CC2.3" in line for line in lines)  # in a check
    assert "gdpr Art.34" not in " ".join(lines)  # risk to people is the recorded assessment, not the severity
