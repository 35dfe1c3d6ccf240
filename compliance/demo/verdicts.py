"""Demo decision records and programme evidence: declarations, breach risk assessments, eradication entries,
action verifications and organisation-level documents (one stale), deterministic per seed and as_of."""

from __future__ import annotations

import random
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

from sqlmodel import select

from compliance.actions.models import ActionItem, ActionStatus
from compliance.actions.service import verify_action
from compliance.core.timeutil import utcnow
from compliance.custody.programme import add_programme_evidence
from compliance.db.store import Store
from compliance.deadlines.service import get_incident_obligation_documents
from compliance.decisions.service import BREACH_REGIMES, record_breach_assessment, record_declaration
from compliance.demo.scenarios import SCENARIOS
from compliance.incidents.service import add_timeline_entry, get_incident
from compliance.programme.scope import set_audit_scope

TYPES = {"credential-stuffing": "unauthorised_access", "leaked-api-key": "unauthorised_access",
         "exposed-bucket": "data_disclosure", "ransomware": "ransomware", "mailbox-compromise": "phishing",
         "ddos": "denial_of_service", "vulnerable-dependency": "vulnerability_exploitation",
         "insider-export": "insider_misuse"}
RUBRIC = "IR plan v3 §4: impact x urgency matrix; incident when impact >= medium or personal data is involved"
AUTHORITY_CONTENT = ["nature", "categories", "data_subjects", "records", "dpo_contact", "consequences", "measures"]
SUBJECT_CONTENT = ["nature", "dpo_contact", "consequences", "measures"]


def filing_content(regime: str, stage: str, rng: random.Random) -> list[str]:
    """The content elements a demo filing carries: GDPR authority filings now and then lack the consequences."""
    if stage == "data_subject_notification":
        return list(SUBJECT_CONTENT)
    if regime in ("gdpr", "uk_gdpr") and stage == "authority_notification":
        return AUTHORITY_CONTENT[:5] if rng.random() < 0.2 else list(AUTHORITY_CONTENT)
    return ["nature", "measures"]


def _programme(store: Store, as_of: datetime, workdir: Path) -> int:
    folder = Path(workdir) / "programme"
    folder.mkdir(parents=True, exist_ok=True)
    start, end = (as_of - timedelta(days=300)).date(), (as_of + timedelta(days=65)).date()
    documents = [
        ("ir_plan", "Incident response plan", "3", as_of - timedelta(days=300), start, end),
        ("ir_plan", "Incident response plan (lessons from the ransomware incident)", "3.1", as_of - timedelta(days=20),
         (as_of - timedelta(days=20)).date(), end),
        ("roles", "Incident response roles and RACI", "2", as_of - timedelta(days=300), start, end),
        ("oncall_rota", "Security on-call rota", "Q", as_of - timedelta(days=40), (as_of - timedelta(days=40)).date(), end),
        ("reporting_channels", "How to report a security event", "1", as_of - timedelta(days=300), start, end),
        ("training_records", "Incident response training records", "2026", as_of - timedelta(days=200), start, end),
        ("exercise", "Tabletop exercise report: ransomware", "1", as_of - timedelta(days=120), start, end),
        ("authority_contacts", "Contacts with authorities and regulators", "4", as_of - timedelta(days=300), start, end),
        ("configuration_baseline", "Server and cloud configuration baselines", "5", as_of - timedelta(days=250), start, end),
        ("vulnerability_scans", "Quarterly vulnerability scan report", "Q2", as_of - timedelta(days=130),
         (as_of - timedelta(days=130)).date(), (as_of - timedelta(days=20)).date()),  # stale: the Q3 scan is missing
        ("classification_rubric", "Event classification and prioritisation matrix", "3", as_of - timedelta(days=300),
         start, end),
        ("bcp", "Business and ICT continuity plan (security during disruption, RTO/RPO)", "2", as_of - timedelta(days=280),
         start, end),
        ("recovery_test", "Disaster recovery test report", "2025", as_of - timedelta(days=420),
         (as_of - timedelta(days=420)).date(), (as_of - timedelta(days=55)).date()),  # stale: this year's test not held
        ("backup_test", "Quarterly backup restore test", "Q3", as_of - timedelta(days=45),
         (as_of - timedelta(days=45)).date(), (as_of + timedelta(days=45)).date()),
        ("logging_policy", "Logging and log retention standard", "2", as_of - timedelta(days=300), start, end),
        ("monitoring_runbook", "Security monitoring runbook and alert rules", "4", as_of - timedelta(days=150),
         (as_of - timedelta(days=150)).date(), end),
        ("time_sync_config", "Approved time sources and NTP configuration", "1", as_of - timedelta(days=300), start, end),
        ("communication_plan", "External incident communication plan and templates", "2", as_of - timedelta(days=300),
         start, end),
    ]
    for number, (kind, title, version, approved, valid_from, valid_until) in enumerate(documents, 1):
        path = folder / f"{number:02d}-{kind}.txt"
        path.write_text(f"{title}\nversion {version}\n", encoding="utf-8")
        add_programme_evidence(store=store, kind=kind, path=path, title=title, version=version, approved_by="CISO",
                               approved_at=min(approved, utcnow()), valid_from=valid_from, valid_until=valid_until,
                               recorded_by="security programme office", recorded_at=min(approved, utcnow()))
    return len(documents)


def add_demo_decisions(*, store: Store, summary: Any, rng: random.Random, as_of: datetime,
                       workdir: Path) -> dict[str, int]:
    """Records declarations, breach assessments, eradication entries, verifications and programme evidence."""
    counts = {"declarations": 0, "breach_assessments": 0, "art34_not_required": 0, "verified_actions": 0,
              "eradications": 0}
    scenarios = {s["title"]: s["key"] for s in SCENARIOS}
    for ref in summary.incidents:
        with store.session(immediate=True) as session:
            incident = get_incident(session=session, ref=ref)
            kind = TYPES.get(scenarios.get(incident.title, ""), "other")
            if rng.random() < 0.85:
                record_declaration(session=session, incident=incident, outcome="incident", incident_type=kind,
                                   rubric=RUBRIC, decided_by="incident commander", now=as_of,
                                   decided_at=min(as_of, incident.detected_at + timedelta(minutes=rng.randint(5, 40))),
                                   rationale=f"{incident.severity}: meets the matrix")
                counts["declarations"] += 1
            if incident.mitigated_at is not None and incident.resolved_at is not None and rng.random() < 0.8:
                add_timeline_entry(session=session, incident=incident, kind="eradication",
                                   at=incident.mitigated_at + (incident.resolved_at - incident.mitigated_at) / 2,
                                   text="Cause removed: access revoked, vulnerable component replaced",
                                   source="change record", actor="security engineer")
                counts["eradications"] += 1
            for regime in [r for r in BREACH_REGIMES if r in (incident.regimes or [])]:
                if not incident.personal_data or incident.aware_at is None:
                    break
                docs = {d["stage"]: d for d in get_incident_obligation_documents(session=session, incident=incident,
                                                                                 as_of=as_of) if d["regime"] == regime}
                authority, subjects = docs.get("authority_notification"), docs.get("data_subject_notification")
                level = "none" if authority and authority["waived"] else "high" if subjects and subjects["filings"] \
                    else "risk"
                exemption = "a" if level == "risk" and subjects and subjects["waived"] else None
                decided_at = min(as_of, incident.aware_at + timedelta(hours=rng.randint(2, 20)))
                record_breach_assessment(
                    session=session, incident=incident, regime=regime, level="high" if exemption else level,
                    likelihood={"none": "low", "risk": "medium", "high": "high"}[level], severity="medium",
                    rationale="assessed on the categories and number of people affected (EDPB 9/2022)",
                    exemption=exemption, exemption_reason="data unintelligible: strong encryption" if exemption else None,
                    decided_by="DPO", decided_at=decided_at, now=as_of)
                counts["breach_assessments"] += 1
                if level != "high" and subjects and not subjects["waived"] and not subjects["filings"]:
                    counts["art34_not_required"] += 1  # derived by the deadline engine from this assessment
            for action in session.exec(select(ActionItem).where(ActionItem.incident_id == incident.id,
                                                                ActionItem.status == ActionStatus.DONE.value)):
                if rng.random() < 0.7 and action.completed_at is not None and action.completed_at < as_of:
                    verify_action(session=session, action=action, verified_by="security lead",
                                  how="re-ran the attack path in staging; the change held",
                                  at=min(as_of, action.completed_at + timedelta(days=rng.randint(1, 10))))
                    counts["verified_actions"] += 1
    counts["programme_evidence"] = _programme(store, as_of, workdir)
    return counts


def add_demo_recovery(*, store: Store, summary: Any, rng: random.Random, as_of: datetime) -> dict[str, int]:
    """Records recovery actions and verifications on serious resolved incidents (CSF RC.RP), some incomplete, and
    puts the SOC 2 availability and privacy criteria in the audit scope."""
    counts = {"recoveries": 0, "verifications": 0}
    for ref in summary.incidents:
        with store.session(immediate=True) as session:
            incident = get_incident(session=session, ref=ref)
            start, end = incident.mitigated_at, incident.resolved_at
            if start is None or end is None or end > as_of:
                continue
            span = end - start
            if incident.severity in ("sev1", "sev2") and rng.random() < 0.75:
                if rng.random() < 0.8:  # the others restored from a backup nobody checked (RC.RP-03 missing)
                    add_timeline_entry(session=session, incident=incident, kind="verification", at=start + span * 0.65,
                                       text="Backup set checked: hashes match, taken before the compromise",
                                       source="backup console", actor="platform engineer")
                    counts["verifications"] += 1
                add_timeline_entry(session=session, incident=incident, kind="recovery", at=start + span * 0.75,
                                   text="Affected hosts rebuilt and data restored from the verified backup",
                                   source="change record", actor="platform engineer")
                counts["recoveries"] += 1
            if rng.random() < 0.85:
                add_timeline_entry(session=session, incident=incident, kind="verification", at=start + span * 0.9,
                                   text="Service checks green; integrity of restored systems confirmed",
                                   source="monitoring", actor="incident commander")
                counts["verifications"] += 1
    with store.session(immediate=True) as session:
        set_audit_scope(session=session, soc2_availability=True, soc2_privacy=True)
    return counts
