"""Hand-built incident documents for engine tests (the engine is pure: no store needed)."""

from __future__ import annotations

import copy
from datetime import UTC, date, datetime

UTC = UTC


def at(text: str) -> datetime:
    return datetime.fromisoformat(text).astimezone(UTC)


def _entry(when: str, kind: str, text: str, *, visible: bool = False) -> dict:
    return {"at": at(when), "kind": kind, "text": text, "source": "pager / chat log", "actor": "incident commander",
            "original_time": None, "customer_visible": visible}


AUTHORITY_CONTENT = ["nature", "categories", "data_subjects", "records", "dpo_contact", "consequences", "measures"]
SUBJECT_CONTENT = ["nature", "dpo_contact", "consequences", "measures"]
PROGRAMME_KINDS = ["ir_plan", "roles", "oncall_rota", "reporting_channels", "training_records", "exercise",
                   "authority_contacts", "configuration_baseline", "vulnerability_scans", "classification_rubric",
                   "bcp", "recovery_test", "backup_test", "logging_policy", "monitoring_runbook", "time_sync_config",
                   "communication_plan", "targeted_risk_analysis"]


def _filing(when: str, content: list[str]) -> dict:
    return {"notified_at": at(when), "recipient": None, "reference": None, "correction": False,
            "recorded_by": "DPO", "recorded_at": at(when), "content": list(content)}


def _programme(number: int, kind: str) -> dict:
    approved = "2026-03-20T09:00:00Z" if kind == "ir_plan" else "2026-01-02T09:00:00Z"
    return {"ref": f"PE-{number:04d}", "kind": kind, "title": kind.replace("_", " "), "version": "1",
            "filename": f"{kind}.pdf", "size": 100, "sha256": "cd" * 32, "approved_by": "CISO",
            "approved_at": at(approved), "valid_from": date(2026, 1, 1), "valid_until": date(2026, 12, 31),
            "recorded_by": "CISO", "recorded_at": at(approved), "fresh": True}


_FULL = {
    "as_of": at("2026-04-01T00:00:00Z"),
    "incident": {
        "id": "INC-0001", "ref": "INC-0001", "number": 1, "title": "Credential stuffing on EU login",
        "description": "Attackers replayed leaked passwords against the EU login.", "severity": "sev1",
        "status": "resolved", "started_at": at("2026-03-01T10:40:00Z"), "detected_at": at("2026-03-01T11:00:00Z"),
        "aware_at": at("2026-03-01T13:00:00Z"), "classified_at": None, "materiality_determined_at": None,
        "discovered_at": None, "assessed_at": None, "suspected_at": None, "ransom_paid_at": None,
        "mitigated_at": at("2026-03-01T12:30:00Z"), "resolved_at": at("2026-03-01T14:30:00Z"), "closed_at": None,
        "awareness_justification": None, "affected_services": ["login"], "personal_data": True,
        "data_categories": ["email", "password hash", "payment_card"], "data_subjects_approx": 1200,
        "records_approx": 1500, "regimes": ["gdpr", "nis2", "dora"], "entity_type": "processor", "restricted": False,
        "tags": ["auth", "unexpected_pan"], "extra": {},
        "created_at": at("2026-03-01T11:05:00Z"), "updated_at": at("2026-03-01T14:30:00Z"),
        "awareness_gap": None, "significant": True,
    },
    "timeline": [
        _entry("2026-03-01T10:40:00Z", "trigger", "Login attempts from 3,000 IPs begin"),
        _entry("2026-03-01T11:00:00Z", "detection", "Anomaly alert on failed-login rate"),
        _entry("2026-03-01T11:10:00Z", "decision", "Declared a security incident, sev1"),
        _entry("2026-03-01T11:15:00Z", "escalation", "Paged the security incident team"),
        _entry("2026-03-01T12:30:00Z", "mitigation", "Per-network login throttling enabled"),
        _entry("2026-03-01T12:40:00Z", "eradication", "Leaked credentials reset; attacker sessions revoked"),
        _entry("2026-03-01T12:45:00Z", "communication", "Briefed the DPO and support leads"),
        _entry("2026-03-01T13:30:00Z", "communication", "Status page: login protection in place", visible=True),
        _entry("2026-03-01T13:50:00Z", "verification", "Config backup hash matches the pre-attack snapshot"),
        _entry("2026-03-01T14:00:00Z", "recovery", "Login config restored from the verified backup"),
        _entry("2026-03-01T14:20:00Z", "verification", "Login success rate and config checksums back to normal"),
        _entry("2026-03-01T14:30:00Z", "resolution", "Attack stopped; normal login rates", visible=True),
    ],
    "postmortem": {
        "status": "published", "drafted_at": at("2026-03-02T10:00:00Z"), "in_review_at": at("2026-03-03T10:00:00Z"),
        "published_at": at("2026-03-05T10:00:00Z"), "summary": "Replayed passwords hit the EU login for 4 hours.",
        "impact_users": 1200, "impact_duration_minutes": 230, "impact_money": None, "impact_currency": None,
        "impact_text": "1,200 accounts exposed to takeover attempts; 14 logged in by the attacker.",
        "contributors": ["no per-network rate limit"], "mitigators": ["alert on failed-login rate"],
        "risks": ["the same gap exists on the API login"],
        "root_cause": [{"number": "1", "text": "login had no per-network throttling"}],
        "detection_analysis": "Detected by the failed-login alert after 20 minutes.",
        "diagnosis_analysis": None, "mitigation_analysis": None, "diagnostics": [],
        "lessons": [{"number": 1, "text": "rate limits belong on every login path", "category": "technical"}],
        "reviewer": "Security review board", "source_sha256": None,
        "created_at": at("2026-03-02T10:00:00Z"), "updated_at": at("2026-03-05T10:00:00Z"),
    },
    "action_items": [
        {"ref": "INC-0001-A1", "incident": "INC-0001", "number": 1, "description": "Throttle logins per network",
         "owner": "Dana Ruiz", "due": date(2026, 3, 20), "priority": "high", "success_criteria": "replay throttled",
         "lessons": [1], "status": "done", "completed_at": at("2026-03-18T15:00:00Z"), "link": None, "overdue": False,
         "verified_by": "Security lead", "verified_at": at("2026-03-19T10:00:00Z"),
         "verification": "replayed the attack in staging: throttled after 5 attempts"},
        {"ref": "INC-0001-A2", "incident": "INC-0001", "number": 2, "description": "Same limit on the API login",
         "owner": "Lee Park", "due": date(2026, 4, 20), "priority": "medium", "success_criteria": None,
         "lessons": [1], "status": "done", "completed_at": at("2026-03-25T09:00:00Z"), "link": None, "overdue": False,
         "verified_by": "Security lead", "verified_at": at("2026-03-26T10:00:00Z"),
         "verification": "API login replay test throttled"},
    ],
    "review_findings": [{"code": "PM010", "rule": "impact-quantified", "severity": "warning",
                         "message": "a warning only", "suggestion": "", "line": None}],
    "evidence": [
        {"ref": "EV-0001", "filename": "waf.log", "size": 2048, "sha256": "ab" * 32, "collected_by": "Dana Ruiz",
         "collected_by_role": "security engineer", "collected_at": at("2026-03-01T12:00:00Z"), "source": "WAF",
         "description": "WAF log export", "sealed": True, "custody_events": 2, "custody_verified": True},
    ],
    "obligations": [
        {"regime": "gdpr", "stage": "authority_notification", "stage_title": "Notify the supervisory authority",
         "citation": "GDPR Art. 33(1)", "recipient": "lead supervisory authority",
         "clock_start": at("2026-03-01T13:00:00Z"), "due": at("2026-03-04T13:00:00Z"), "due_local": None,
         "notified_at": at("2026-03-02T09:00:00Z"), "status": "on_time", "delay_reason": None, "waived": False,
         "waiver_reason": None, "decided_by": None, "decided_at": None, "reference": "DPA-2026-17",
         "filings": [_filing("2026-03-02T09:00:00Z", AUTHORITY_CONTENT[:5]),  # phased (Art. 33(4))
                     _filing("2026-03-03T09:00:00Z", AUTHORITY_CONTENT[5:])]},
        {"regime": "gdpr", "stage": "data_subject_notification", "stage_title": "Tell the data subjects",
         "citation": "GDPR Art. 34", "recipient": "data subjects", "clock_start": at("2026-03-01T13:00:00Z"),
         "due": None, "due_local": None, "notified_at": at("2026-03-02T12:00:00Z"), "status": "on_time",
         "delay_reason": None, "waived": False, "waiver_reason": None, "decided_by": None, "decided_at": None,
         "reference": None, "filings": [_filing("2026-03-02T12:00:00Z", SUBJECT_CONTENT)]},
        {"regime": "gdpr", "stage": "processor_to_controller", "stage_title": "Processor notifies the controller",
         "citation": "GDPR Art. 33(2)", "recipient": "the controller", "clock_start": at("2026-03-01T13:00:00Z"),
         "due": None, "due_local": None, "notified_at": at("2026-03-01T15:00:00Z"), "status": "on_time",
         "delay_reason": None, "waived": False, "waiver_reason": None, "decided_by": None, "decided_at": None,
         "reference": None, "filings": [_filing("2026-03-01T15:00:00Z", ["nature"])]},
    ],
    "declaration": {"outcome": "incident", "incident_type": "unauthorised_access",
                    "rubric": "IR plan §4 matrix: impact high x urgency high", "rationale": "accounts taken over",
                    "decided_by": "incident commander", "decided_at": at("2026-03-01T11:10:00Z"),
                    "recorded_at": at("2026-03-01T11:12:00Z")},
    "breach_assessment": {"regime": "gdpr", "likelihood": "high", "severity": "medium", "level": "high",
                          "rationale": "takeover of 14 accounts exposes contact data", "exemption": None,
                          "exemption_reason": None, "decided_by": "DPO", "decided_at": at("2026-03-01T16:00:00Z"),
                          "recorded_at": at("2026-03-01T16:05:00Z")},
    "dora_classification": {"regime": "dora", "critical_services": True, "data_losses": True, "clients": True,
                            "reputational": False, "duration": False, "geographical": False, "economic": False,
                            "criteria": ["critical_services", "malicious_access", "clients"], "criteria_met": 1,
                            "major": True, "rationale": "EU login (critical) down; 14 accounts taken over; 12% of clients",
                            "decided_by": "incident commander", "decided_at": at("2026-03-01T15:00:00Z"),
                            "recorded_at": at("2026-03-01T15:05:00Z")},
    "recurrences": [],
    "programme": [_programme(i, kind) for i, kind in enumerate(PROGRAMME_KINDS, 1)],
    "audit_scope": {"soc2_availability": True, "soc2_privacy": True},
}


def _stage(regime: str, stage: str, due: str, notified: str) -> dict:
    return {"regime": regime, "stage": stage, "stage_title": stage.replace("_", " "), "citation": regime,
            "recipient": "authority", "clock_start": at("2026-03-01T13:00:00Z"), "due": at(due), "due_local": None,
            "notified_at": at(notified), "status": "on_time", "delay_reason": None, "waived": False,
            "waiver_reason": None, "decided_by": None, "decided_at": None, "reference": None,
            "filings": [_filing(notified, [])]}


# The incident is also under NIS2 and DORA (a major ICT-related incident): every report on time.
_FULL["obligations"] += [
    _stage("nis2", "early_warning", "2026-03-02T13:00:00Z", "2026-03-01T20:00:00Z"),
    _stage("nis2", "incident_notification", "2026-03-04T13:00:00Z", "2026-03-03T10:00:00Z"),
    _stage("nis2", "final_report", "2026-04-03T10:00:00Z", "2026-03-25T10:00:00Z"),
    _stage("dora", "initial_notification", "2026-03-01T19:00:00Z", "2026-03-01T17:00:00Z"),
    _stage("dora", "intermediate_report", "2026-03-04T17:00:00Z", "2026-03-03T12:00:00Z"),
    _stage("dora", "final_report", "2026-04-03T12:00:00Z", "2026-03-20T12:00:00Z"),
]


# The document's two views of the assessment, as compliance.documents builds them: the latest of any regime and the
# latest per regime. One object here, so a test that edits document["breach_assessment"] edits the GDPR one too.
_FULL["breach_assessments"] = {"gdpr": _FULL["breach_assessment"]}


def full_document() -> dict:
    """A fully documented sev1 personal-data breach under GDPR, NIS2 and DORA (major), involving card data and PAN
    found where it was not expected: every requirement applies and is satisfied."""
    return copy.deepcopy(_FULL)
