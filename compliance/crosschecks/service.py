"""Cross-checks over an incident document (compliance.documents): silent on consistent records.

XC-1  Each check names the two records it compares, with their values, so a reviewer can open both.
XC-2  Checks read only the document: they sit above documents and below reports.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from datetime import UTC, datetime, timedelta
from typing import Any

from compliance.core.timeutil import parse_instant
from compliance.crosschecks.models import CrosscheckFinding

FILING_TOLERANCE = timedelta(hours=1)
_EVIDENCE_REF = re.compile(r"\bEV-\d{3,}\b")
_LOW_RISK = re.compile(r"unlikely to result in a risk", re.IGNORECASE)


def _at(value: Any) -> datetime | None:
    if value in (None, ""):
        return None
    return value if isinstance(value, datetime) else parse_instant(value, field="document")


def _show(at: datetime) -> str:
    return at.astimezone(UTC).strftime("%Y-%m-%d %H:%M UTC")


def get_crosscheck_findings(*, document: Mapping[str, Any]) -> list[CrosscheckFinding]:
    """Returns every contradiction between the records of one incident document (empty when consistent)."""
    inc = document["incident"]
    aware = _at(inc.get("aware_at"))
    out: list[CrosscheckFinding] = []
    timeline = document.get("timeline") or []
    obligations = document.get("obligations") or []
    if aware is not None:
        for e in timeline:
            at = _at(e.get("at"))
            if at is not None and at < aware and e.get("kind") == "communication":
                out.append(CrosscheckFinding(
                    "awareness-after-communication", f"incident.aware_at {_show(aware)}",
                    f"timeline {e.get('kind')} entry {_show(at)}",
                    f"the timeline records a communication before the recorded awareness: {str(e.get('text'))[:120]}"))
        for ob in obligations:
            for filing in ob.get("filings") or []:
                at = _at(filing.get("notified_at"))
                if at is not None and at < aware:
                    out.append(CrosscheckFinding(
                        "awareness-after-filing", f"incident.aware_at {_show(aware)}",
                        f"{ob.get('regime')} {ob.get('stage')} filing {_show(at)}",
                        "a notification was filed before the recorded awareness"))
        drafted = _at((document.get("postmortem") or {}).get("drafted_at"))
        if drafted is not None and drafted < aware:
            out.append(CrosscheckFinding("postmortem-before-awareness", f"incident.aware_at {_show(aware)}",
                                         f"postmortem.drafted_at {_show(drafted)}",
                                         "the post-mortem was drafted before the organisation became aware"))
    for ob in obligations:
        for filing in ob.get("filings") or []:
            reference, at = filing.get("reference"), _at(filing.get("notified_at"))
            if not reference or at is None:
                continue
            for e in timeline:
                when = _at(e.get("at"))
                named = reference in str(e.get("text") or "") or reference in str(e.get("source") or "")
                if named and when is not None and abs(when - at) > FILING_TOLERANCE:
                    out.append(CrosscheckFinding(
                        "filing-disagrees-with-timeline", f"{ob.get('regime')} {ob.get('stage')} filing {_show(at)}",
                        f"timeline entry naming {reference} {_show(when)}",
                        "the register and the timeline give different instants for the same communication"))
    for a in document.get("action_items") or []:
        if a.get("status") == "done" and not a.get("completed_at"):
            out.append(CrosscheckFinding("done-without-completion", f"action {a.get('ref')} status done",
                                         f"action {a.get('ref')} completed_at not recorded",
                                         "an action is marked done without a completion instant"))
    for ob in obligations:
        # within one regime: another regime's communication may reach other people on another assessment
        subjects_notified = [o for o in obligations if o.get("regime") == ob.get("regime")
                             and o.get("stage") == "data_subject_notification" and o.get("filings")]
        if ob.get("waived") and _LOW_RISK.search(str(ob.get("waiver_reason") or "")) and subjects_notified:
            told = subjects_notified[0]
            out.append(CrosscheckFinding(
                "waiver-contradicts-high-risk", f"{ob.get('regime')} {ob.get('stage')} waiver (unlikely to result in a risk)",
                f"{told.get('regime')} data_subject_notification filing {_show(_at(told['filings'][0]['notified_at']))}",
                "data subjects are notified only when the risk is high, yet the waiver says the breach is unlikely to "
                "result in a risk"))
    held = {str(e.get("ref")) for e in document.get("evidence") or []}
    for ob in obligations:
        for ref in sorted(set(_EVIDENCE_REF.findall(str(ob.get("delay_reason") or "")))):
            if ref not in held:
                out.append(CrosscheckFinding(
                    "delay-reason-names-missing-evidence", f"{ob.get('regime')} {ob.get('stage')} delay reason naming {ref}",
                    f"evidence of {inc.get('ref')}: {', '.join(sorted(held)) or 'none'}",
                    f"the delay reason relies on {ref}, which this incident does not hold"))
    return out
