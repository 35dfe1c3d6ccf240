"""A cross-check finding: a named contradiction between two records of one incident."""

from __future__ import annotations

from dataclasses import dataclass

# The findings, by code: what each one compares.
CODES = {
    "awareness-after-communication": "a timeline communication entry (a notification, a customer message) before "
                                     "incident.aware_at",
    "awareness-after-filing": "a notification filing before incident.aware_at",
    "postmortem-before-awareness": "postmortem.drafted_at before incident.aware_at",
    "filing-disagrees-with-timeline": "a filing's instant and the timeline entry naming its reference more than 1 h apart",
    "done-without-completion": "an action item 'done' without completed_at",
    "waiver-contradicts-high-risk": "a waiver saying 'unlikely to result in a risk' while data subjects were notified",
    "delay-reason-names-missing-evidence": "a delay reason naming an evidence ref the incident does not hold",
}


@dataclass(frozen=True)
class CrosscheckFinding:
    """One contradiction: its code, the two records compared (with their values) and what disagrees."""

    code: str
    first: str
    second: str
    message: str
