"""Demo notifications: realistic filings for demo incidents with regimes (deterministic per seed and as_of)."""

from __future__ import annotations

import random
from datetime import datetime, timedelta
from typing import Any

from compliance.db.store import Store
from compliance.deadlines.incidents import update_incident_with_obligations
from compliance.deadlines.service import get_incident_obligation_documents, waive_obligation
from compliance.deadlines.service import record_notification as _record
from compliance.incidents.service import get_incident


def filing_content(regime: str, stage: str, rng: random.Random) -> list[str]:
    """The content elements a demo filing carries (see compliance.demo.verdicts)."""
    from compliance.demo.verdicts import filing_content as content

    return content(regime, stage, rng)

RECIPIENTS = {
    "gdpr": "Lead supervisory authority (online breach form)", "uk_gdpr": "ICO breach reporting portal",
    "nis2": "National CSIRT portal", "dora": "Competent authority reporting portal", "sec_8k": "SEC EDGAR",
    "hipaa": "HHS OCR breach portal", "cert_in": "incident@cert-in.org.in", "sg_pdpa": "PDPC online form",
}
DELAY_REASONS = [  # personal-data regimes (three of each kind: one rng.choice draw whatever the regime)
    "Scope of affected records could not be established until the forensic image was analysed.",
    "Breach confirmed on a public holiday; the deputy DPO was not reachable through the escalation list.",
    "Processor reported the breach late and without the categories of data affected.",
]
SECURITY_DELAY_REASONS = [  # incident-reporting regimes (NIS2, DORA, CERT-In, NYDFS, CIRCIA, bank regulators)
    "Initial triage rated the event below the reporting threshold; it was reclassified once lateral movement was found.",
    "The authority's reporting portal was unavailable; the report was submitted when it came back.",
    "Incident confirmed on a public holiday; the deputy incident manager was not reachable through the escalation list.",
]
SEC_DELAY_REASONS = [  # SEC Form 8-K Item 1.05
    "The disclosure committee's sign-off of the Item 1.05 text took longer than the four business days.",
    "The filing agent's EDGAR submission failed validation and was resubmitted the next morning.",
    "The materiality determination was minuted late; the filing followed the minutes.",
]
PRIVACY_REGIMES = {"gdpr", "uk_gdpr", "sg_pdpa", "au_ndb", "hipaa", "br_lgpd", "jp_appi", "ca_pipeda"}


def delay_reasons(regime: str) -> list[str]:
    """The demo's delay reasons that fit a regime: personal data, securities disclosure or incident reporting."""
    if regime == "sec_8k":
        return SEC_DELAY_REASONS
    if regime in PRIVACY_REGIMES or regime.startswith("us_state"):
        return DELAY_REASONS
    return SECURITY_DELAY_REASONS
WAIVER_REASON = ("Risk assessment: the exposed file was encrypted with a key that was not compromised, so the breach "
                 "is unlikely to result in a risk to the rights and freedoms of natural persons (Art. 33(1)); "
                 "documented under Art. 33(5).")
SUBJECT_WAIVER = "Data was unintelligible to the recipient (strong encryption): Art. 34(3)(a) applies."


def _between(rng: random.Random, start: datetime, end: datetime) -> datetime:
    span = max(0, int((end - start).total_seconds() // 60))
    return (start + timedelta(minutes=rng.randint(min(span, 20), span) if span else 0)).replace(second=0, microsecond=0)


def add_demo_notifications(*, store: Store, summary: Any, rng: random.Random, as_of: datetime) -> dict[str, int]:
    """Records filings and waivers for the demo incidents; returns counts by outcome."""
    counts = {"notifications_on_time": 0, "notifications_late": 0, "notifications_waived": 0,
              "notifications_missed": 0, "notifications_open": 0}
    missed_budget = 2
    waived_authority = False
    for ref in summary.incidents:
        with store.session(immediate=True) as session:
            incident = get_incident(session=session, ref=ref)
            if not incident.regimes:
                continue
            if "sg_pdpa" in incident.regimes and incident.assessed_at is None and incident.aware_at is not None:
                update_incident_with_obligations(session=session, incident=incident, changed_by="privacy officer",
                                changes={"assessed_at": incident.aware_at + timedelta(hours=rng.randint(6, 40))},
                                now=min(as_of, incident.aware_at + timedelta(days=2)))
            handled: set[tuple[str, str]] = set()
            # the one GDPR breach judged unlikely to result in a risk: its authority notification is waived below, so
            # its data subjects are not told either (telling them would say the risk is high: a contradiction)
            no_risk = (not waived_authority and "gdpr" in incident.regimes
                       and (incident.data_subjects_approx or 0) < 300)
            for _round in range(3):  # later stages start at the filing of earlier ones
                docs = get_incident_obligation_documents(session=session, incident=incident, as_of=as_of)
                todo = [d for d in docs if (d["regime"], d["stage"]) not in handled and d["clock_start"] is not None
                        and d["notified_at"] is None and not d["waived"]]
                if not todo:
                    break
                for doc in todo:
                    handled.add((doc["regime"], doc["stage"]))
                    start, due = doc["clock_start"], doc["due"]
                    if start > as_of:
                        continue
                    content = filing_content(doc["regime"], doc["stage"], random.Random(f"{ref}/{doc['stage']}"))
                    common = dict(session=session, incident=incident, regime=doc["regime"], stage=doc["stage"],
                                  recorded_by="privacy officer", content=content,
                                  recipient=RECIPIENTS.get(doc["regime"], doc["recipient"]))
                    # filings follow awareness, and are recorded minutes after they are made (not back-filled)
                    start = max(start, incident.aware_at) if incident.aware_at else start
                    lag = timedelta(minutes=rng.randint(5, 90))

                    def record_notification(*, at, _lag=lag, **kw):
                        return _record(at=at, now=min(as_of, at + _lag), **kw)
                    if due is None:  # without undue delay (data subjects)
                        roll = rng.random()
                        if no_risk and doc["regime"] == "gdpr":
                            continue  # not required: the breach assessment (level none) says so
                        if roll < 0.2 and (incident.data_subjects_approx or 0) < 1000:
                            waive_obligation(session=session, incident=incident, regime=doc["regime"],
                                             stage=doc["stage"], reason=SUBJECT_WAIVER, decided_by="DPO",
                                             decided_at=min(as_of, start + timedelta(days=1)), now=as_of)
                            counts["notifications_waived"] += 1
                        elif roll < 0.85:
                            at = min(as_of, start + timedelta(hours=rng.randint(20, 120)))
                            record_notification(at=at, reference=_reference(ref, "letters"), **common)
                            counts["notifications_on_time"] += 1
                        continue
                    if no_risk and doc["regime"] == "gdpr" and doc["stage"] == "authority_notification":
                        waive_obligation(session=session, incident=incident, regime="gdpr", stage=doc["stage"],
                                         reason=WAIVER_REASON, decided_by="DPO",
                                         decided_at=min(as_of, start + timedelta(hours=20)), now=as_of)
                        waived_authority = True
                        counts["notifications_waived"] += 1
                        continue
                    if due > as_of:
                        if as_of - start > (due - start) / 2 and rng.random() < 0.5:
                            record_notification(at=_between(rng, start, as_of), reference=_reference(ref, doc['stage']),
                                                **common)
                            counts["notifications_on_time"] += 1
                        else:
                            counts["notifications_open"] += 1
                        continue
                    roll = rng.random()
                    if missed_budget and as_of - due < timedelta(days=10):  # recent: one or two left missed
                        missed_budget -= 1
                        counts["notifications_missed"] += 1
                    elif roll < 0.2 or start >= due:  # aware only after the deadline: late, with its reason
                        at = min(as_of, max(due, start) + timedelta(hours=rng.randint(3, 60)))
                        record_notification(at=at, reference=_reference(ref, doc['stage']),
                                            delay_reason=rng.choice(delay_reasons(doc["regime"])), **common)
                        counts["notifications_late"] += 1
                    else:
                        record_notification(at=_between(rng, start, min(due, as_of)),
                                            reference=_reference(ref, doc['stage']), **common)
                        counts["notifications_on_time"] += 1
    return counts


def _reference(ref: str, stage: str) -> str:
    """A receipt number as authorities give them (short: 'R-0003-AN' for INC-0003's authority notification)."""
    initials = "".join(word[0] for word in stage.split("_") if word).upper()
    return f"R-{ref.rsplit('-', 1)[-1]}-{initials}"
