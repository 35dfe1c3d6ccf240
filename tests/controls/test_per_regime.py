"""A verdict never reads a record of another regime: under GDPR and UK GDPR each regime is judged on its own breach
assessment and obligations (for_each_regime), so one regime's assessment never satisfies the other's rule."""

from __future__ import annotations

import re

import pytest

from compliance.controls.builder import ErrorList, parse_check
from compliance.controls.engine import assess_document
from compliance.controls.loader import load_frameworks
from compliance.reports.methodology import words
from tests.controls.docs import at
from tests.controls.test_uk_gdpr import both

GDPR = load_frameworks()["gdpr"]
OTHER = {"gdpr": "uk_gdpr", "uk_gdpr": "gdpr"}


def _result(document: dict, requirement: str):
    return next(r for r in assess_document(document, GDPR) if r.requirement_id == requirement)


def _assess(document: dict, regime: str, level: str, decided_at: str) -> None:
    """Records `regime`'s own latest assessment; the document's 'latest of any regime' follows the newest."""
    assessment = {"regime": regime, "likelihood": "low", "severity": "low", "level": level,
                  "rationale": f"{regime} assessment", "exemption": None, "exemption_reason": None,
                  "decided_by": "DPO", "decided_at": at(decided_at), "recorded_at": at(decided_at)}
    document["breach_assessments"][regime] = assessment
    document["breach_assessment"] = max(document["breach_assessments"].values(), key=lambda a: a["decided_at"])


def _stage(document: dict, regime: str, stage: str) -> dict:
    return next(o for o in document["obligations"] if o["regime"] == regime and o["stage"] == stage)


def _subjects_not_told(document: dict, regime: str) -> None:
    _stage(document, regime, "data_subject_notification").update(status="undue_delay", notified_at=None, filings=[])


def _waive_authority(document: dict, regime: str) -> None:
    _stage(document, regime, "authority_notification").update(
        status="waived", waived=True, notified_at=None, filings=[], waiver_reason="unlikely to result in a risk",
        decided_by="DPO", decided_at=at("2026-03-01T16:00:00Z"))


@pytest.mark.parametrize("regime", ["gdpr", "uk_gdpr"])
def test_art34_a_high_risk_not_communicated_is_not_excused_by_the_other_regimes_later_no_risk_assessment(regime):
    document = both()
    _assess(document, regime, "high", "2026-03-01T16:00:00Z")
    _assess(document, OTHER[regime], "none", "2026-03-02T16:00:00Z")  # later: the latest of any regime says none
    _subjects_not_told(document, regime)
    assert document["breach_assessment"]["regime"] == OTHER[regime]
    result = _result(document, "Art.34")
    assert result.status == "missing"
    assert f"{regime}: " in result.reason and f"{regime} data_subject_notification is not notified" in result.reason
    assert not re.search(rf"\b{OTHER[regime]}: ", result.reason)


@pytest.mark.parametrize("regime", ["gdpr", "uk_gdpr"])
def test_art33_1_a_waiver_does_not_rest_on_the_other_regimes_no_risk_assessment(regime):
    document = both()
    _assess(document, regime, "high", "2026-03-01T16:00:00Z")
    _assess(document, OTHER[regime], "none", "2026-03-02T16:00:00Z")
    _waive_authority(document, regime)
    result = _result(document, "Art.33(1)")
    assert result.status == "missing"
    assert f"recorded risk assessment: {regime}: " in result.reason
    assert "breach_assessment.level is 'high', expected 'none'" in result.reason


@pytest.mark.parametrize("regime", ["gdpr", "uk_gdpr"])
def test_art33_1_a_waiver_resting_on_its_own_regimes_no_risk_assessment_is_satisfied(regime):
    document = both()
    _assess(document, OTHER[regime], "high", "2026-03-01T16:00:00Z")
    _assess(document, regime, "none", "2026-03-02T16:00:00Z")
    _waive_authority(document, regime)
    assert _result(document, "Art.33(1)").status == "satisfied"


@pytest.mark.parametrize("regime", ["gdpr", "uk_gdpr"])
def test_art34_no_communication_is_needed_where_its_own_regime_assessed_no_high_risk(regime):
    document = both()
    _assess(document, regime, "risk", "2026-03-02T16:00:00Z")
    _assess(document, OTHER[regime], "high", "2026-03-01T16:00:00Z")  # the other one told its data subjects
    _subjects_not_told(document, regime)
    assert _result(document, "Art.34").status == "satisfied"


def test_a_single_regime_incident_is_judged_on_its_assessment_as_before():
    from tests.controls.docs import full_document

    document = full_document()
    assert _result(document, "Art.34").status == "satisfied"
    document["breach_assessment"]["level"] = "none"
    _waive_authority(document, "gdpr")
    _subjects_not_told(document, "gdpr")
    assert _result(document, "Art.33(1)").status == "satisfied"
    assert _result(document, "Art.34").status == "satisfied"


@pytest.mark.parametrize("regime", ["gdpr", "uk_gdpr"])
def test_a_regime_without_its_own_assessment_fails_closed_naming_the_regime(regime):
    document = both()
    del document["breach_assessments"][regime]  # the latest of any regime is still there: it must not count
    assert document["breach_assessment"] is not None
    result = _result(document, "Art.34")
    assert result.status == "missing"
    assert f"{regime}: breach_assessment.level is not recorded" in result.reason
    assert not re.search(rf"\b{OTHER[regime]}: ", result.reason)


def test_art34_passes_only_when_every_regime_on_the_incident_passes():
    assert _result(both(), "Art.34").status == "satisfied"


@pytest.mark.parametrize("node, message", [
    ({"for_each_regime": {"regimes": ["gdpr"], "check": {"present": "breach_assessment.level"}, "extra": 1}},
     "unknown field 'extra' in for_each_regime"),
    ({"for_each_regime": {"regimes": ["gdpr", "nis2"], "check": {"present": "breach_assessment.level"}}},
     "unknown regime 'nis2' in for_each_regime"),
    ({"for_each_regime": {"regimes": [], "check": {"present": "breach_assessment.level"}}},
     "for_each_regime regimes must be a non-empty list"),
    ({"for_each_regime": {"regimes": ["gdpr"]}}, "for_each_regime is missing 'check'"),
    ({"for_each_regime": {"regimes": ["gdpr"], "check": {"waived": {"regime": "uk_gdpr", "stage": "authority_notification"}}}},
     "names regime 'uk_gdpr', which is not listed"),
    ({"for_each_regime": {"regimes": ["gdpr"], "check": {"for_each_regime": {
        "regimes": ["gdpr"], "check": {"present": "breach_assessment.level"}}}}}, "'for_each_regime' cannot be used here"),
])
def test_a_bad_for_each_regime_is_refused_with_a_line_numbered_error(node, message):
    errors = ErrorList("f.yaml")
    assert parse_check(node, errors, 7) is None
    assert len(errors.items) == 1 and errors.items[0].startswith("f.yaml:7: ") and message in errors.items[0]


def test_the_methodology_states_the_per_regime_check_in_plain_words():
    check = next(c for r in GDPR.requirements if r.id == "Art.34" for c in r.checks if c.name == "risk to people assessed")
    text = words(check)
    assert text.startswith("for each of gdpr, uk_gdpr on the incident, judged on that regime's own records")
    assert "holds for" not in text


# --------------------------------------------------------------------------- Art. 33(4): phasing judged per regime

def _first_filing_only(document: dict, regime: str) -> None:
    stage = _stage(document, regime, "authority_notification")
    stage["filings"] = stage["filings"][:1]  # the incomplete first filing, never completed


def _complete_first_filing(document: dict, regime: str) -> None:
    stage = _stage(document, regime, "authority_notification")
    stage["filings"] = [{**stage["filings"][0], "content": [e for f in stage["filings"] for e in f["content"]]}]


@pytest.mark.parametrize("regime", ["gdpr", "uk_gdpr"])
def test_art33_4_a_phased_notification_of_one_regime_applies_even_when_the_other_regime_was_waived(regime):
    document = both()
    _waive_authority(document, OTHER[regime])
    _assess(document, OTHER[regime], "none", "2026-03-01T15:00:00Z")
    result = _result(document, "Art.33(4)")
    assert result.status == "satisfied", result.reason
    _first_filing_only(document, regime)
    result = _result(document, "Art.33(4)")
    assert result.status == "missing" and f"{regime}: " in result.reason


@pytest.mark.parametrize("regime", ["gdpr", "uk_gdpr"])
def test_art33_4_judges_each_regimes_phasing_on_its_own_filings(regime):
    document = both()
    _complete_first_filing(document, OTHER[regime])  # nothing to phase for the other regime
    assert _result(document, "Art.33(4)").status == "satisfied"
    _first_filing_only(document, regime)
    result = _result(document, "Art.33(4)")
    assert result.status == "missing" and f"{regime}: " in result.reason
    assert not re.search(rf"\b{OTHER[regime]}: ", result.reason)


def test_art33_4_is_not_applicable_when_every_regime_s_first_filing_was_complete_or_none_was_made():
    document = both()
    _complete_first_filing(document, "gdpr")
    _waive_authority(document, "uk_gdpr")
    assert _result(document, "Art.33(4)").status == "not_applicable"
