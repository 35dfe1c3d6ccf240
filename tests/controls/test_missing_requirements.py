"""Issue 14 §3: for each requirement added, the incident (or programme state) an auditor would reject is not
satisfied, and the properly documented counterpart is. Organisation-level ones never pass on an incident proxy."""

from __future__ import annotations

from datetime import date

import pytest

from compliance.controls.engine import assess_document
from compliance.controls.loader import load_frameworks
from tests.controls.docs import at, full_document

FRAMEWORKS = load_frameworks()
ADDED = ["iso27001-2022:A.5.29", "iso27001-2022:A.5.30", "iso27001-2022:A.8.15", "iso27001-2022:A.8.16",
         "iso27001-2022:A.8.17", "soc2-2017:CC2.3", "soc2-2017:A1.2", "soc2-2017:A1.3", "soc2-2017:P6.3",
         "soc2-2017:P6.6", "nist-sp800-61r3:RS.MA-05", "nist-sp800-61r3:RC.RP-02", "nist-sp800-61r3:RC.RP-03",
         "nist-sp800-61r3:RC.RP-04", "nist-sp800-61r3:RC.RP-05", "nist-sp800-61r3:RC.CO-04"]
ORGANISATION = ["iso27001-2022:A.5.29", "iso27001-2022:A.5.30", "iso27001-2022:A.8.15", "soc2-2017:A1.2",
                "soc2-2017:A1.3"]


def _result(document: dict, key: str):
    framework, _, requirement = key.partition(":")
    return next(r for r in assess_document(document, FRAMEWORKS[framework]) if r.requirement_id == requirement)


def _without_programme(document: dict, kind: str) -> dict:
    document["programme"] = [p for p in document["programme"] if p["kind"] != kind]
    return document


def _stale(document: dict, kind: str) -> dict:
    for p in document["programme"]:
        if p["kind"] == kind:
            p.update(valid_until=date(2026, 3, 1), fresh=False)
    return document


def _drop_kind(document: dict, kind: str) -> dict:
    document["timeline"] = [e for e in document["timeline"] if e["kind"] != kind]
    return document


def organisation_document(document: dict) -> dict:
    """What organisation-level requirements are judged on: programme evidence and scope, no incident."""
    return {"as_of": document["as_of"], "incident": None, "timeline": [], "postmortem": None, "action_items": [],
            "review_findings": [], "evidence": [], "obligations": [], "declaration": None, "breach_assessment": None,
            "recurrences": [], "programme": document["programme"], "audit_scope": document["audit_scope"]}


@pytest.mark.parametrize("key", ADDED)
def test_every_added_requirement_is_satisfied_by_the_fully_documented_incident(key):
    document = full_document()
    if key in ORGANISATION:
        document = organisation_document(document)
    result = _result(document, key)
    assert result.status == "satisfied", result.reason


@pytest.mark.parametrize("key", ORGANISATION)
def test_an_organisation_level_requirement_is_scoped_so_and_never_satisfied_by_an_incident_without_programme(key):
    framework, _, requirement = key.partition(":")
    assert FRAMEWORKS[framework].requirement(requirement).scope == "organisation"
    document = full_document()  # every incident proxy there is: recovery, verification, logs as evidence
    document["programme"] = []
    assert _result(document, key).status == "missing"
    assert _result(organisation_document(document), key).status == "missing"


# --------------------------------------------------------------------------- ISO 27001 Annex A


@pytest.mark.parametrize(("key", "kind"), [("iso27001-2022:A.5.29", "bcp"), ("iso27001-2022:A.5.30", "bcp"),
                                           ("iso27001-2022:A.5.30", "recovery_test"),
                                           ("iso27001-2022:A.8.15", "logging_policy"),
                                           ("soc2-2017:A1.2", "bcp"), ("soc2-2017:A1.2", "backup_test"),
                                           ("soc2-2017:A1.3", "recovery_test"), ("soc2-2017:A1.3", "backup_test")])
def test_a_stale_programme_document_fails_the_organisation_requirement(key, kind):
    result = _result(organisation_document(_stale(full_document(), kind)), key)
    assert result.status == "missing"
    assert f"{kind} programme evidence is stale" in result.reason


def test_a_continuity_plan_never_tested_does_not_satisfy_ict_readiness():
    result = _result(organisation_document(_without_programme(full_document(), "recovery_test")), "iso27001-2022:A.5.30")
    assert result.status == "missing" and "ICT recovery tested" in result.reason


def test_a_well_detected_incident_without_a_monitoring_runbook_does_not_satisfy_monitoring():
    result = _result(_without_programme(full_document(), "monitoring_runbook"), "iso27001-2022:A.8.16")
    assert result.status == "missing" and "monitoring defined" in result.reason


def test_an_anomaly_never_evaluated_does_not_satisfy_monitoring():
    document = full_document()
    document["declaration"] = None
    assert _result(document, "iso27001-2022:A.8.16").status == "missing"


def test_a_missing_detection_analysis_leaves_monitoring_partial():
    document = full_document()
    document["postmortem"]["detection_analysis"] = None
    assert _result(document, "iso27001-2022:A.8.16").status == "partial"


def test_a_timeline_whose_clocks_disagree_does_not_satisfy_clock_synchronisation():
    document = full_document()
    document["incident"]["detected_at"] = at("2026-03-01T10:00:00Z")  # before it started: a drifted source clock
    result = _result(document, "iso27001-2022:A.8.17")
    assert result.status == "missing"
    assert "incident.detected_at (2026-03-01T10:00:00Z) is before incident.started_at" in result.reason


def test_awareness_before_detection_does_not_satisfy_clock_synchronisation():
    document = full_document()
    document["incident"]["aware_at"] = at("2026-03-01T10:50:00Z")
    assert _result(document, "iso27001-2022:A.8.17").status == "missing"


def test_awareness_after_mitigation_is_a_consistent_timeline():
    document = full_document()  # aware 13:00 after mitigation 12:30: the breach was understood later
    assert _result(document, "iso27001-2022:A.8.17").status == "satisfied"


def test_an_unsourced_timeline_entry_or_no_approved_time_source_fails_clock_synchronisation():
    document = full_document()
    document["timeline"][2]["source"] = None
    assert _result(document, "iso27001-2022:A.8.17").status == "missing"
    assert _result(_without_programme(full_document(), "time_sync_config"), "iso27001-2022:A.8.17").status == "missing"


# --------------------------------------------------------------------------- SOC 2


def test_a_serious_incident_never_told_to_customers_does_not_satisfy_cc2_3():
    document = full_document()
    for entry in document["timeline"]:
        entry["customer_visible"] = False
    result = _result(document, "soc2-2017:CC2.3")
    assert result.status == "missing" and "customers informed of a serious incident" in result.reason


def test_cc2_3_without_an_approved_communication_plan_is_not_satisfied():
    assert _result(_without_programme(full_document(), "communication_plan"), "soc2-2017:CC2.3").status == "missing"


def test_cc2_3_with_an_overdue_regulator_notification_is_not_satisfied():
    document = full_document()
    document["obligations"][0].update(status="late_open", notified_at=None, filings=[])
    assert _result(document, "soc2-2017:CC2.3").status == "missing"


@pytest.mark.parametrize("key", ["soc2-2017:A1.2", "soc2-2017:A1.3"])
def test_availability_criteria_are_not_applicable_when_availability_is_out_of_scope(key):
    document = organisation_document(full_document())
    document["audit_scope"] = {"soc2_availability": False, "soc2_privacy": True}
    result = _result(document, key)
    assert result.status == "not_applicable" and "audit_scope.soc2_availability" in result.reason


@pytest.mark.parametrize("key", ["soc2-2017:P6.3", "soc2-2017:P6.6"])
def test_privacy_criteria_apply_only_when_privacy_is_in_scope_and_to_personal_data(key):
    document = full_document()
    document["audit_scope"]["soc2_privacy"] = False
    assert _result(document, key).status == "not_applicable"
    document = full_document()
    document["incident"]["personal_data"] = False
    assert _result(document, key).status == "not_applicable"


def test_a_disclosure_recorded_without_the_people_and_records_affected_does_not_satisfy_p6_3():
    document = full_document()
    document["incident"]["data_subjects_approx"] = None
    assert _result(document, "soc2-2017:P6.3").status == "missing"
    document = full_document()
    document["incident"]["data_categories"] = []
    assert _result(document, "soc2-2017:P6.3").status == "missing"


def test_a_disclosure_evaluated_days_after_detection_leaves_p6_3_partial():
    document = full_document()
    document["declaration"]["decided_at"] = at("2026-03-06T11:00:00Z")
    result = _result(document, "soc2-2017:P6.3")
    assert result.status == "partial" and "recorded promptly" in result.reason


def test_a_breach_not_notified_to_the_regulator_does_not_satisfy_p6_6():
    document = full_document()
    document["obligations"][0].update(status="late_open", notified_at=None, filings=[])
    assert _result(document, "soc2-2017:P6.6").status == "missing"


def test_a_personal_data_incident_with_no_regime_determined_is_only_partial_under_p6_6():
    document = full_document()
    document["incident"]["regimes"] = []
    document["obligations"] = []
    result = _result(document, "soc2-2017:P6.6")
    assert result.status == "partial" and "notification duties determined" in result.reason


# --------------------------------------------------------------------------- NIST CSF 2.0


def test_recovery_started_before_eradication_does_not_satisfy_rs_ma_05():
    document = full_document()
    for entry in document["timeline"]:
        if entry["kind"] == "eradication":
            entry["at"] = at("2026-03-01T14:10:00Z")  # after the restore at 14:00
    result = _result(document, "nist-sp800-61r3:RS.MA-05")
    assert result.status == "missing"
    assert "no 'eradication' entry at or before the first 'recovery' entry" in result.reason


def test_rs_ma_05_is_not_applicable_without_recovery_actions_and_needs_the_plan():
    assert _result(_drop_kind(full_document(), "recovery"), "nist-sp800-61r3:RS.MA-05").status == "not_applicable"
    assert _result(_stale(full_document(), "ir_plan"), "nist-sp800-61r3:RS.MA-05").status == "missing"


def test_a_serious_incident_without_recorded_recovery_actions_does_not_satisfy_rc_rp_02():
    result = _result(_drop_kind(full_document(), "recovery"), "nist-sp800-61r3:RC.RP-02")
    assert result.status == "missing" and "recovery performed" in result.reason


def test_an_unattributed_recovery_action_does_not_satisfy_rc_rp_02():
    document = full_document()
    next(e for e in document["timeline"] if e["kind"] == "recovery")["actor"] = ""
    assert _result(document, "nist-sp800-61r3:RC.RP-02").status == "missing"


def test_a_restore_from_an_unverified_backup_does_not_satisfy_rc_rp_03():
    document = full_document()
    document["timeline"] = [e for e in document["timeline"]
                            if not (e["kind"] == "verification" and e["at"] < at("2026-03-01T14:00:00Z"))]
    result = _result(document, "nist-sp800-61r3:RC.RP-03")
    assert result.status == "missing"
    assert "no 'verification' entry at or before the first 'recovery' entry" in result.reason


def test_a_verified_backup_without_periodic_backup_tests_does_not_satisfy_rc_rp_03():
    assert _result(_without_programme(full_document(), "backup_test"), "nist-sp800-61r3:RC.RP-03").status == "missing"


def test_rc_rp_03_is_not_applicable_when_nothing_was_restored():
    assert _result(_drop_kind(full_document(), "recovery"), "nist-sp800-61r3:RC.RP-03").status == "not_applicable"


def test_post_incident_norms_without_the_remaining_risks_considered_do_not_satisfy_rc_rp_04():
    document = full_document()
    document["postmortem"]["risks"] = []
    assert _result(document, "nist-sp800-61r3:RC.RP-04").status == "missing"
    document = full_document()
    document["action_items"][0]["owner"] = None
    assert _result(document, "nist-sp800-61r3:RC.RP-04").status == "missing"


def test_resolved_without_verifying_normal_operation_does_not_satisfy_rc_rp_05():
    result = _result(_drop_kind(full_document(), "verification"), "nist-sp800-61r3:RC.RP-05")
    assert result.status == "missing" and "normal operation verified" in result.reason


def test_a_verification_only_before_the_restore_does_not_verify_the_restored_assets():
    document = full_document()
    document["timeline"] = [e for e in document["timeline"]
                            if not (e["kind"] == "verification" and e["at"] > at("2026-03-01T14:00:00Z"))]
    result = _result(document, "nist-sp800-61r3:RC.RP-05")
    assert result.status == "missing" and "restored assets verified after recovery" in result.reason


def test_a_public_recovery_update_without_approved_messaging_does_not_satisfy_rc_co_04():
    assert _result(_without_programme(full_document(), "communication_plan"),
                   "nist-sp800-61r3:RC.CO-04").status == "missing"
    document = full_document()
    for entry in document["timeline"]:
        entry["customer_visible"] = False
    assert _result(document, "nist-sp800-61r3:RC.CO-04").status == "missing"


def test_rc_co_04_is_not_applicable_to_a_minor_incident():
    document = full_document()
    document["incident"]["severity"] = "sev3"
    assert _result(document, "nist-sp800-61r3:RC.CO-04").status == "not_applicable"
