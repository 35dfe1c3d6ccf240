"""Art. 34 "not required" is derived from the regime's own latest breach assessment (a stage's required_when): none or
risk, or high with an Art. 34(3) exemption and its reason, make data_subject_notification not_required, naming the
assessment; no assessment leaves it owed (fail closed); a filing made anyway keeps its own status."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlmodel import select

from compliance.core.errors import DefinitionError
from compliance.deadlines.models import Obligation
from compliance.deadlines.regimes import collect_regime_errors, load_regimes
from compliance.deadlines.service import (
    get_check_findings,
    get_incident_obligation_documents,
    list_obligation_documents,
    record_notification,
)
from compliance.decisions.service import record_breach_assessment
from compliance.incidents.service import get_incident
from tests.conftest import at
from tests.deadlines.regime_files import STATE_LAW

NOW = at("2026-03-10T00:00:00Z")
STAGE = "data_subject_notification"


def _assess(store, ref, regime="gdpr", level="risk", exemption=None, reason=None, when="2026-03-01T14:00:00Z"):
    with store.session(immediate=True) as session:
        record_breach_assessment(session=session, incident=get_incident(session=session, ref=ref), regime=regime,
                                 likelihood="medium", severity="medium", level=level, rationale="assessed",
                                 decided_by="DPO", decided_at=at(when), exemption=exemption,
                                 exemption_reason=reason, now=NOW)


def _doc(store, ref, regime="gdpr", stage=STAGE):
    with store.session() as session:
        docs = get_incident_obligation_documents(session=session, incident=get_incident(session=session, ref=ref),
                                                 as_of=NOW)
    return next(d for d in docs if d["regime"] == regime and d["stage"] == stage)


def _pending(store, ref, regime="gdpr", stage=STAGE) -> bool:
    with store.session() as session:
        incident = get_incident(session=session, ref=ref)
        return session.exec(select(Obligation.pending).where(Obligation.incident_id == incident.id,
                                                             Obligation.regime == regime, Obligation.stage == stage)).one()


@pytest.fixture
def breach(make_incident):
    return make_incident(aware_at=at("2026-03-01T12:00:00Z"), regimes=["gdpr"], personal_data=True)


@pytest.mark.parametrize("level", ["none", "risk"])
def test_no_high_risk_makes_the_communication_not_required_naming_the_assessment(store, breach, level):
    assert _doc(store, breach)["status"] == "undue_delay" and _pending(store, breach)
    _assess(store, breach, level=level)
    doc = _doc(store, breach)
    assert doc["status"] == "not_required"
    assert doc["status_reason"].startswith(f"not required: level {level}, below high")  # the fact first
    assert doc["status_reason"].endswith("breach assessment (gdpr) by DPO at 2026-03-01 14:00 UTC")
    assert not _pending(store, breach)
    assert _doc(store, breach, stage="authority_notification")["status"] != "not_required"  # Art. 33 needs a waiver


def test_a_high_risk_keeps_the_communication_owed(store, breach):
    _assess(store, breach, level="high")
    assert _doc(store, breach)["status"] == "undue_delay" and _pending(store, breach)


def test_a_high_risk_with_an_art34_3_exemption_is_not_required_naming_the_exemption(store, breach):
    _assess(store, breach, level="high", exemption="a", reason="disk encrypted, key not compromised")
    doc = _doc(store, breach)
    assert doc["status"] == "not_required"
    assert "exemption Art. 34(3)(a): disk encrypted, key not compromised" in doc["status_reason"]


def test_no_assessment_leaves_the_communication_owed(store, breach):
    doc = _doc(store, breach)
    assert doc["status"] == "undue_delay" and doc["status_reason"] is None


def test_the_latest_assessment_counts(store, breach):
    _assess(store, breach, level="risk", when="2026-03-01T14:00:00Z")
    _assess(store, breach, level="high", when="2026-03-02T14:00:00Z")
    assert _doc(store, breach)["status"] == "undue_delay"


def test_a_communication_made_anyway_keeps_its_own_status(store, breach):
    _assess(store, breach, level="risk")
    with store.session(immediate=True) as session:
        record_notification(session=session, incident=get_incident(session=session, ref=breach), regime="gdpr",
                            stage=STAGE, at=at("2026-03-02T09:00:00Z"), recorded_by="DPO", now=NOW)
    assert _doc(store, breach)["status"] == "on_time"


def test_each_regime_reads_its_own_assessment_on_a_two_regime_incident(store, make_incident):
    ref = make_incident(aware_at=at("2026-03-01T12:00:00Z"), regimes=["gdpr", "uk_gdpr"], personal_data=True)
    _assess(store, ref, regime="gdpr", level="high", when="2026-03-01T14:00:00Z")
    _assess(store, ref, regime="uk_gdpr", level="none", when="2026-03-02T14:00:00Z")  # later, other regime
    assert _doc(store, ref, "gdpr")["status"] == "undue_delay"
    assert _doc(store, ref, "uk_gdpr")["status"] == "not_required"
    assert "(uk_gdpr)" in _doc(store, ref, "uk_gdpr")["status_reason"]


def test_not_required_is_neither_pending_nor_a_check_finding(store, breach, cli_run):
    _assess(store, breach, level="none")
    with store.session(immediate=True) as session:
        from compliance.deadlines.service import waive_obligation

        waive_obligation(session=session, incident=get_incident(session=session, ref=breach), regime="gdpr",
                         stage="authority_notification", reason="unlikely to result in a risk", decided_by="DPO",
                         now=NOW)
    with store.session() as session:
        assert list_obligation_documents(session=session, as_of=NOW, pending_only=True) == []
        assert get_check_findings(session=session, at=NOW, window=timedelta(hours=24)) == []
    result = cli_run(["deadlines", "check", "--at", "2026-03-10T00:00:00Z"])
    assert result.exit_code == 0, result.output


@pytest.mark.parametrize("value, message", [
    ("{breach_assessment: severe}", "unknown breach_assessment level 'severe' (valid: risk, high)"),
    ("{severity: high}", "unknown key 'severity'"),
    ("high", "'required_when' must be {breach_assessment: LEVEL}"),
])
def test_a_bad_required_when_is_refused_with_file_and_line(tmp_path, value, message):
    path = tmp_path / "regimes" / "bad.yaml"
    path.parent.mkdir()
    path.write_text(STATE_LAW + f"    required_when: {value}\n", encoding="utf-8")
    errors = collect_regime_errors(path)
    assert any(e.startswith(f"{path}:") and message in e for e in errors), errors
    with pytest.raises(DefinitionError):
        load_regimes(extra_dirs=[tmp_path])


def test_the_art34_stages_of_gdpr_and_uk_gdpr_are_required_from_a_high_risk_only():
    regimes = load_regimes()
    assert {r: regimes[r].stage(STAGE).required_from for r in ("gdpr", "uk_gdpr")} == {"gdpr": "high", "uk_gdpr": "high"}
    assert regimes["gdpr"].stage("authority_notification").required_from is None


def test_deadlines_list_says_why_a_stage_is_not_required(store, breach, cli_run):
    _assess(store, breach, level="none")
    result = cli_run(["deadlines", "list", "--incident", breach, "--at", "2026-03-10T00:00:00Z"])
    assert result.exit_code == 0, result.output
    (line,) = [line for line in result.output.splitlines() if STAGE in line]
    assert "not_required" in line and "not required: level none" in line
