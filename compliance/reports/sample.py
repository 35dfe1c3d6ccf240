"""Synthetic, seeded audit-pack models for tests, benchmarks and layout previews (no store needed)."""

from __future__ import annotations

import hashlib
import random
from datetime import UTC, date, datetime, timedelta

from compliance.reports.model import (
    MISSING,
    NOT_APPLICABLE,
    PARTIAL,
    SATISFIED,
    ActionRow,
    AssessmentRow,
    AuditPack,
    Cell,
    CoverageMatrix,
    CustodyLogEntry,
    EvidenceRow,
    ExecutiveSummary,
    Finding,
    Framework,
    IncidentSection,
    Integrity,
    Lesson,
    Metric,
    NotificationRow,
    PostmortemInfo,
    RequirementRow,
    RootCauseStep,
    TimelineRow,
)

GENERATED_AT = datetime(2026, 4, 2, 9, 30, tzinfo=UTC)

REQUIREMENTS = {
    "iso27001": ("ISO/IEC 27001:2022", [
        ("A.5.24", "Incident management planning and preparation", "Annex A 5.24"),
        ("A.5.25", "Assessment and decision on information security events", "Annex A 5.25"),
        ("A.5.26", "Response to information security incidents", "Annex A 5.26"),
        ("A.5.27", "Learning from information security incidents", "Annex A 5.27"),
        ("A.5.28", "Collection of evidence", "Annex A 5.28"),
    ]),
    "gdpr": ("GDPR", [
        ("Art.33(1)", "Notify the supervisory authority within 72 hours", "GDPR Art. 33(1)"),
        ("Art.33(3)", "Content of the notification", "GDPR Art. 33(3)"),
        ("Art.33(5)", "Document every personal data breach", "GDPR Art. 33(5)"),
        ("Art.34(1)", "Communicate high-risk breaches to data subjects", "GDPR Art. 34(1)"),
    ]),
    "soc2": ("SOC 2", [(f"CC7.{i}", t, f"TSC CC7.{i}") for i, t in (
        (1, "Detection of configuration changes and vulnerabilities"), (2, "Monitoring for anomalies"),
        (3, "Evaluation of security events"), (4, "Response to security incidents"),
        (5, "Recovery from security incidents"))]),
}

PEOPLE = [("Zoë Łukasz", "incident commander"), ("Ångström Nilsson", "security analyst"),
          ("Ελλάδα Papadopoulou", "DPO"), ("Привет Иванов", "SRE on call"), ("Sam Okafor", "legal counsel")]
TAGS = ["phishing", "credentials", "misconfiguration", "third-party", "ransomware", "cloud", "backup",
        "access-control", "logging", "ddos", "insider", "patching"]
STEPS = ["alert fired in SIEM", "on-call paged", "access revoked", "customers informed by e-mail", "firewall rule deployed",
         "root cause confirmed"]
SERVICES = ["payments-api", "customer-portal", "hr-system", "data-warehouse", "email", "vpn"]


def _sha(text: str) -> str:
    return hashlib.sha256(text.encode()).hexdigest()


def sample_pack(n_incidents: int = 5, *, seed: int = 7, frameworks: tuple[str, ...] = ("iso27001", "gdpr"),
                generated_at: datetime = GENERATED_AT, period_from: date = date(2025, 4, 1),
                period_to: date = date(2026, 3, 31)) -> AuditPack:
    """A realistic, varied pack of `n_incidents` incidents (seeded: same arguments, same model)."""
    rng = random.Random(seed)
    span = (period_to - period_from).days
    incidents: list[IncidentSection] = []
    notifications: list[NotificationRow] = []
    chain = _sha(f"genesis-{seed}")
    chain_length = 0
    for i in range(1, n_incidents + 1):
        ref = f"INC-{i:04d}"
        detected = datetime.combine(period_from, datetime.min.time(), UTC) + timedelta(
            days=rng.randrange(span), minutes=rng.randrange(1440))
        started = detected - timedelta(minutes=rng.randrange(5, 600))
        resolved = detected + timedelta(hours=rng.uniform(1, 120)) if rng.random() < 0.85 else None
        severity = rng.choices(["sev1", "sev2", "sev3", "sev4"], weights=[1, 3, 5, 4])[0]
        personal = rng.random() < 0.4
        tags = rng.sample(TAGS, rng.randint(1, 3))
        timeline = []
        t = started
        for k, kind in enumerate(["trigger", "detection", "escalation", "decision", "mitigation",
                                  "communication", "resolution"]):
            t = t + timedelta(minutes=rng.randrange(5, 180))
            name, role = PEOPLE[rng.randrange(len(PEOPLE))]
            timeline.append(TimelineRow(at=t, kind=kind, text=f"{kind.capitalize()} step {k + 1} for {ref}: "
                                        f"{rng.choice(STEPS)}.",
                                        actor=name, actor_role=role, source=rng.choice([None, "slack", "pagerduty"]),
                                        customer_visible=kind == "communication"))
        actions = []
        for a in range(1, rng.randint(1, 4) + 1):
            due = (detected + timedelta(days=rng.randrange(7, 90))).date()
            status = rng.choices(["done", "open", "cancelled"], weights=[6, 3, 1])[0]
            name, role = PEOPLE[rng.randrange(len(PEOPLE))]
            completed = (datetime.combine(due, datetime.min.time(), UTC) - timedelta(days=rng.randrange(0, 5))
                         if status == "done" else None)
            actions.append(ActionRow(ref=f"{ref}-A{a}", description=rng.choice([
                "Enforce phishing-resistant MFA for administrators", "Add alerting on mass export",
                "Rotate service credentials and move them to the vault", "Update the supplier contract",
                "Run a restore test of the backups"]), status=status, owner=name, owner_role=role, due=due,
                priority=rng.choice(["high", "medium", "low"]), completed_at=completed,
                overdue=status == "open" and due < generated_at.date()))
        evidence = []
        for e in range(rng.randint(0, 3)):
            name, role = PEOPLE[rng.randrange(len(PEOPLE))]
            at = detected + timedelta(hours=rng.randrange(1, 48))
            custody = []
            for s, action in enumerate(["collected", "transferred", "verified"][: rng.randint(1, 3)]):
                chain = _sha(chain + action)
                chain_length += 1
                n2, r2 = PEOPLE[rng.randrange(len(PEOPLE))]
                custody.append(CustodyLogEntry(seq=s + 1, at=at + timedelta(hours=s), action=action, actor=n2,
                                            actor_role=r2, note=rng.choice([None, "sealed bag #42", "copied to WORM"]),
                                            entry_hash=chain))
            evidence.append(EvidenceRow(ref=f"EV-{i:04d}{e}", incident_ref=ref,
                                        filename=rng.choice(["firewall.log", "edr-export.json", "mail-headers.eml",
                                                             "screenshot.png", "ticket.pdf"]),
                                        size=rng.randrange(200, 5_000_000), sha256=_sha(f"{ref}-{e}-{seed}"),
                                        collected_by=name, collected_by_role=role, collected_at=at,
                                        custody_verified=True, custody=custody))
        regimes = []
        if personal:
            regimes = rng.sample(["gdpr", "uk-gdpr", "ccpa"], rng.randint(1, 2))
            for regime in regimes:
                clock = detected + timedelta(hours=rng.randrange(0, 12))
                due = clock + timedelta(hours=72)
                status = rng.choices(["on_time", "late", "open", "waived", "late_open"], weights=[6, 2, 1, 1, 1])[0]
                notified = {"on_time": due - timedelta(hours=rng.randrange(1, 60)),
                            "late": due + timedelta(hours=rng.randrange(1, 48))}.get(status)
                notifications.append(NotificationRow(
                    incident_ref=ref, incident_title="", regime=regime, stage="authority", clock_start=clock,
                    due=due, notified_at=notified, status=status,
                    delay_reason="Forensic scoping of affected records took longer than expected"
                    if status == "late" else None, waived=status == "waived",
                    waiver_reason="Unlikely to result in a risk to rights and freedoms" if status == "waived" else None))
        pm = None
        if rng.random() < 0.8:
            pm = PostmortemInfo(
                status=rng.choice(["draft", "in_review", "published"]),
                summary=f"An attacker used {rng.choice(['a phished password', 'an exposed API key', 'a misconfigured bucket'])} "
                        f"to reach {rng.choice(SERVICES)}. Impact was contained within hours.",
                impact=f"About {rng.randrange(10, 5000)} users affected for {rng.randrange(10, 600)} minutes.",
                drafted_at=detected + timedelta(days=2), published_at=detected + timedelta(days=9),
                reviewer=PEOPLE[0][0], reviewer_role=PEOPLE[0][1],
                contributors=["Legacy VPN without MFA", "Alert threshold too high"],
                mitigators=["EDR isolated the host automatically", "On-call responded within 5 minutes"],
                risks=["Same pattern on the staging network"],
                root_cause=[RootCauseStep("1", "The attacker logged in with valid credentials."),
                            RootCauseStep("1.1", "The password had been phished."),
                            RootCauseStep("1.2", "MFA was not enforced for the VPN."),
                            RootCauseStep("2", "Detection took 3 hours."),
                            RootCauseStep("2.1", "The login anomaly rule was disabled after a migration.")],
                lessons=[Lesson(1, "Enforce MFA on every remote-access path.", "technical"),
                         Lesson(2, "Review detection rules after each migration.", "process")],
                findings=[Finding("PM-TIMELINE-GAP", "warning", "Two hours without timeline entries")]
                if rng.random() < 0.3 else [])
        incidents.append(IncidentSection(
            ref=ref, title=rng.choice(["Phishing led to mailbox takeover", "Exposed storage bucket",
                                       "Ransomware on a file server", "DDoS against the customer portal",
                                       "Misdirected e-mail with customer data"]) + f" ({i})",
            severity=severity, status="closed" if resolved else "open", detected_at=detected,
            description="Initial report from the SOC.", started_at=started, aware_at=detected + timedelta(hours=1),
            mitigated_at=detected + timedelta(hours=1.5) if resolved else None, resolved_at=resolved,
            closed_at=resolved + timedelta(days=3) if resolved else None,
            affected_services=rng.sample(SERVICES, rng.randint(1, 2)), personal_data=personal,
            data_categories=["contact data", "account data"] if personal else [],
            data_subjects_approx=rng.randrange(10, 50_000) if personal else None, regimes=regimes, tags=tags,
            restricted=rng.random() < 0.05, timeline=timeline, postmortem=pm, actions=actions, evidence=evidence))
    titles = {inc.ref: inc.title for inc in incidents}
    for n in notifications:
        n.incident_title = titles[n.incident_ref]
    matrices = []
    for fid in frameworks:
        name, reqs = REQUIREMENTS[fid]
        rows = []
        for rid, title, cite in reqs:
            cells = []
            for inc in incidents:
                if fid == "gdpr" and not inc.personal_data:
                    cells.append(Cell(inc.ref, NOT_APPLICABLE, ["no personal data involved"]))
                    continue
                status = rng.choices([SATISFIED, PARTIAL, MISSING], weights=[7, 2, 1])[0]
                reasons = {SATISFIED: [], PARTIAL: ["timeline has no decision entry", "post-mortem not yet published"],
                           MISSING: ["no evidence collected for this incident"]}[status]
                cells.append(Cell(inc.ref, status, list(reasons)))
                inc.assessment.append(AssessmentRow(fid, rid, title, status, list(reasons)))
            rows.append(RequirementRow(rid, title, cite, cells))
        matrices.append(CoverageMatrix(Framework(fid, name), [inc.ref for inc in incidents], rows))
    resolved = [inc for inc in incidents if inc.resolved_at]
    mttr = (sum((inc.resolved_at - inc.detected_at).total_seconds() for inc in resolved) / 3600 / len(resolved)
            if resolved else None)
    return AuditPack(
        title="Incident management audit pack FY2025", organisation="Example GmbH",
        generated_at=generated_at, frameworks=[m.framework for m in matrices] or
        [Framework(f, REQUIREMENTS[f][0]) for f in frameworks],
        period_from=period_from, period_to=period_to,
        summary=ExecutiveSummary(metrics=[
            Metric("Mean time to resolve (MTTR)", round(mttr, 1) if mttr else None, "h", 48),
            Metric("Time to draft post-mortem (median)", 2.0, "d", 5),
            Metric("Time to publish post-mortem (median)", 9.0, "d", 14),
            Metric("Action-item closure rate", 72.0, "%", 80, lower_is_better=False),
            Metric("Recurrence (same theme within 90 days)", 1, "incidents", 0)]),
        matrices=matrices, notifications=notifications, incidents=incidents,
        integrity=Integrity(chain_head=chain if chain_length else None, chain_length=chain_length),
    )
