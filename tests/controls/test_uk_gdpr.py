"""Issue 14 §2: the GDPR Art. 33/34 requirements assess UK GDPR breaches too, reading the uk_gdpr obligations; an
incident under both regimes must meet the obligations of both."""

from __future__ import annotations

import copy

import pytest

from compliance.controls.engine import assess_document
from compliance.controls.loader import load_frameworks
from tests.controls.docs import at, full_document

GDPR = load_frameworks()["gdpr"]
ARTICLES = ["Art.33(1)", "Art.33(2)", "Art.33(3)", "Art.33(4)", "Art.33(5)", "Art.34"]


def _results(document: dict) -> dict:
    return {r.requirement_id: r for r in assess_document(document, GDPR)}


def _as_uk(obligation: dict) -> dict:
    uk = copy.deepcopy(obligation)
    uk["regime"] = "uk_gdpr"
    uk["citation"] = uk["citation"].replace("GDPR", "UK GDPR")
    return uk


def uk_only() -> dict:
    """The fully documented breach, under UK GDPR only (ICO instead of an EU authority)."""
    document = full_document()
    document["incident"]["regimes"] = ["uk_gdpr"]
    document["obligations"] = [_as_uk(o) for o in document["obligations"]]
    document["breach_assessment"]["regime"] = "uk_gdpr"
    document["breach_assessments"] = {"uk_gdpr": document["breach_assessment"]}
    return document


def both() -> dict:
    """The fully documented breach under both regimes: every stage filed with both authorities."""
    document = full_document()
    document["incident"]["regimes"] = ["gdpr", "uk_gdpr"]
    document["obligations"] += [_as_uk(o) for o in document["obligations"]]
    document["breach_assessments"]["uk_gdpr"] = {**document["breach_assessment"], "regime": "uk_gdpr"}
    return document


def _late(document: dict, regime: str, *, reason: str | None = None) -> None:
    for ob in document["obligations"]:
        if ob["regime"] == regime and ob["stage"] == "authority_notification":
            ob.update(status="late", notified_at=at("2026-03-05T09:00:00Z"), delay_reason=reason)
            for filing in ob["filings"]:
                filing["notified_at"] = at("2026-03-05T09:00:00Z")


def test_a_uk_only_breach_notified_on_time_satisfies_every_article():
    results = _results(uk_only())
    assert {a: results[a].status for a in ARTICLES} == {a: "satisfied" for a in ARTICLES}


def test_a_uk_only_breach_notified_late_without_reasons_is_not_satisfied():
    document = uk_only()
    _late(document, "uk_gdpr")
    result = _results(document)["Art.33(1)"]
    assert result.status == "missing"
    assert "uk_gdpr authority_notification was notified late without a reason" in result.reason


def test_a_uk_only_breach_not_notified_and_overdue_is_not_satisfied():
    document = uk_only()
    ob = next(o for o in document["obligations"] if o["stage"] == "authority_notification")
    ob.update(status="late_open", notified_at=None, filings=[])
    results = _results(document)
    assert results["Art.33(1)"].status == "missing"
    assert results["Art.33(3)"].status == "missing"


def test_a_uk_only_breach_is_assessed_on_uk_obligations_not_on_gdpr_ones():
    document = uk_only()
    document["obligations"] += [o for o in full_document()["obligations"]]  # stray EU stages, not on the incident
    _late(document, "uk_gdpr")
    assert _results(document)["Art.33(1)"].status == "missing"


def test_a_breach_under_both_regimes_with_both_on_time_is_satisfied():
    results = _results(both())
    assert {a: results[a].status for a in ARTICLES} == {a: "satisfied" for a in ARTICLES}


@pytest.mark.parametrize("regime", ["gdpr", "uk_gdpr"])
def test_a_breach_under_both_regimes_notified_late_to_one_authority_is_not_satisfied(regime):
    document = both()
    _late(document, regime)
    result = _results(document)["Art.33(1)"]
    assert result.status == "missing"
    assert f"{regime} authority_notification was notified late" in result.reason


def test_a_breach_under_both_regimes_missing_content_in_one_filing_fails_art33_3():
    document = both()
    uk = next(o for o in document["obligations"] if o["regime"] == "uk_gdpr" and o["stage"] == "authority_notification")
    uk["filings"] = uk["filings"][:1]  # the ICO never received the consequences and measures
    results = _results(document)
    assert results["Art.33(3)"].status == "missing"
    assert "uk_gdpr authority_notification did not carry consequences" in results["Art.33(3)"].reason
    assert results["Art.33(4)"].status == "missing"


def test_a_breach_under_both_regimes_with_subjects_told_under_one_only_fails_art34():
    document = both()
    uk = next(o for o in document["obligations"] if o["regime"] == "uk_gdpr" and o["stage"] == "data_subject_notification")
    uk.update(status="undue_delay", notified_at=None, filings=[])
    assert _results(document)["Art.34"].status == "missing"


def test_a_waiver_under_one_regime_still_needs_the_recorded_risk_assessment():
    document = both()
    uk = next(o for o in document["obligations"] if o["regime"] == "uk_gdpr" and o["stage"] == "authority_notification")
    uk.update(status="waived", waived=True, notified_at=None, filings=[], waiver_reason="unlikely to result in a risk",
              decided_by="DPO", decided_at=at("2026-03-01T16:00:00Z"))
    result = _results(document)["Art.33(1)"]
    assert result.status == "missing"  # the recorded assessment says high risk, not none
    assert "a decision not to notify rests on a recorded risk assessment" in result.reason


def test_a_late_notification_with_reasons_under_uk_gdpr_is_an_exception():
    document = uk_only()
    _late(document, "uk_gdpr", reason="ICO portal unavailable")
    result = _results(document)["Art.33(1)"]
    assert result.status == "satisfied"
    assert any("uk_gdpr authority_notification notified late" in e for e in result.exceptions)


def test_an_incident_under_neither_regime_is_not_applicable():
    document = full_document()
    document["incident"]["regimes"] = ["nis2"]
    assert {r.status for r in _results(document).values()} == {"not_applicable"}


@pytest.mark.parametrize("regime", [[], ["gdpr", "gdpr"], ["gdpr", ""], ["gdpr", 3], {"any_of": ["gdpr"]}])
def test_a_regime_list_that_is_empty_repeats_or_holds_non_text_is_refused(regime):
    from compliance.controls.builder import ErrorList, parse_check

    for node in ({"regime": regime}, {"notification_ok": {"regime": regime, "stage": "authority_notification"}}):
        errors = ErrorList("f.yaml")
        assert parse_check(node, errors, 3) is None
        assert len(errors.items) == 1 and "regime" in errors.items[0] and "[gdpr, uk_gdpr]" in errors.items[0]
