"""The pack's registers beyond incidents: filings recorded late, events that were not incidents, recurrence links.

RP-REG-1  A filing is back-filled when it was recorded more than BACKFILL_HOURS after its filing instant: one
          definition, stated in the methodology, flagged in the register and in the CSV export.
RP-REG-2  An event whose latest declaration decision (DC-2) is `not_incident` is not an incident: it is in no
          headline figure, but it is in the event register when it was assessed in the period.
RP-REG-3  An Art. 34 (data subjects) row states its basis: the latest breach risk assessment of its regime
          (no high risk, exemption Art. 34(3)(x), or high risk) or that none is recorded.
RP-REG-4  An incident recurs an earlier one by the one recurrence definition (metrics.definitions.recurring_tags);
          it is linked when an action of the earlier incident was completed before it was detected.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from compliance.core.timeutil import ensure_utc
from compliance.metrics.definitions import recurring_tags

BACKFILL_HOURS = 24
NOT_INCIDENT = "not_incident"
ART34_STAGE = "data_subject_notification"
ART34_REGIMES = ("gdpr", "uk_gdpr")


def backfill_rule() -> str:
    """The back-filled rule in words, for the methodology."""
    return f"more than {BACKFILL_HOURS} h between the filing instant and its record"


def backfilled(*, notified_at: datetime | None, recorded_at: datetime | None) -> bool:
    """Whether a filing was recorded more than BACKFILL_HOURS after its instant (RP-REG-1)."""
    if notified_at is None or recorded_at is None:
        return False
    return recorded_at - notified_at > timedelta(hours=BACKFILL_HOURS)


@dataclass
class EventRow:
    """An event assessed as not an incident (ISO/IEC 27001:2022 A.5.25): who assessed it, when, against what."""

    ref: str
    title: str
    detected_at: datetime
    decided_at: datetime
    decided_by: str | None
    rubric: str
    rationale: str | None = None
    incident_type: str | None = None
    restricted: bool = False
    redacted: bool = False


@dataclass
class RecurrenceLink:
    """An incident recurring an earlier one after an action addressing the earlier one was completed."""

    incident_ref: str
    earlier_ref: str
    tag: str
    action_ref: str
    completed_at: datetime

    def sentence(self) -> str:
        """'recurs INC-0012 (theme: x) after action INC-0012-A4 was completed on 2026-03-02 10:00 UTC'."""
        return (f"recurs {self.earlier_ref} (theme: {self.tag}) after action {self.action_ref} was completed on "
                f"{self.completed_at:%Y-%m-%d %H:%M} UTC")


def is_not_incident(document: Mapping[str, Any]) -> bool:
    """Whether the latest declaration decision of the document says the event is not an incident (RP-REG-2)."""
    declaration = document.get("declaration") or {}
    return declaration.get("outcome") == NOT_INCIDENT


def declared_at(document: Mapping[str, Any]) -> datetime | None:
    """When the latest declaration decision was taken (None without one)."""
    declaration = document.get("declaration") or {}
    value = declaration.get("decided_at")
    return ensure_utc(value, field="declaration.decided_at") if value is not None else None


def event_row(document: Mapping[str, Any]) -> EventRow:
    """The event register row of a document whose latest declaration is `not_incident`."""
    incident, declaration = document["incident"], document["declaration"]
    return EventRow(ref=str(incident["ref"]), title=str(incident.get("title") or ""),
                    detected_at=ensure_utc(incident["detected_at"], field="incident.detected_at"),
                    decided_at=ensure_utc(declaration["decided_at"], field="declaration.decided_at"),
                    decided_by=declaration.get("decided_by"), rubric=str(declaration.get("rubric") or ""),
                    rationale=declaration.get("rationale"), incident_type=declaration.get("incident_type"),
                    restricted=bool(incident.get("restricted")))


def art34_basis(obligation: Mapping[str, Any], assessment: Mapping[str, Any] | None) -> str | None:
    """Why an Art. 34 communication is owed or not, from the latest breach risk assessment (RP-REG-3)."""
    if obligation.get("stage") != ART34_STAGE or obligation.get("regime") not in ART34_REGIMES:
        return None
    if not assessment or assessment.get("regime") != obligation.get("regime"):
        return "no breach risk assessment recorded"
    when = ensure_utc(assessment["decided_at"], field="breach_assessment.decided_at")
    by = f"breach assessment by {assessment.get('decided_by')} at {when:%Y-%m-%d %H:%M} UTC"
    if assessment.get("level") != "high":
        return f"no high risk ({assessment.get('level')}): {by}"
    if assessment.get("exemption"):
        return f"exemption Art. 34(3)({assessment['exemption']}): {assessment.get('exemption_reason') or ''} ({by})"
    return f"high risk: {by}; without undue delay (Art. 34(1))"


def recurrence_links(incidents: Iterable[Any], history: Iterable[Any],
                     done_actions: Iterable[tuple[Any, str, datetime]]) -> dict[str, list[RecurrenceLink]]:
    """Per incident ref, its links to earlier incidents it recurs after a completed action (RP-REG-4): for each shared
    theme, the latest such earlier incident only (earlier ones are linked from it in turn).

    `incidents` and `history` have ref, detected_at, tags; `done_actions` are (incident ref, action ref, completed_at).
    """
    actions: dict[str, list[tuple[datetime, str]]] = {}
    for incident_ref, action_ref, completed_at in done_actions:
        if completed_at is not None:
            actions.setdefault(incident_ref, []).append((ensure_utc(completed_at, field="action.completed_at"),
                                                         action_ref))
    history = [h for h in history if h.ref in actions and h.tags]
    by_tag: dict[str, list[int]] = {}  # theme -> positions in history: compare only incidents sharing a theme
    for position, earlier in enumerate(history):
        for tag in set(earlier.tags):
            by_tag.setdefault(tag, []).append(position)
    out: dict[str, list[RecurrenceLink]] = {}
    for incident in incidents:
        detected = ensure_utc(incident.detected_at, field="incident.detected_at")
        latest: dict[str, tuple[datetime, Any, tuple[datetime, str]]] = {}  # tag -> the latest earlier incident
        candidates = sorted({p for tag in set(incident.tags or []) for p in by_tag.get(tag, ())})
        for earlier in (history[p] for p in candidates):
            if earlier.ref == incident.ref:
                continue
            earlier_at = ensure_utc(earlier.detected_at, field="incident.detected_at")
            tags = recurring_tags(detected_at=detected, tags=incident.tags or [], earlier_detected_at=earlier_at,
                                  earlier_tags=earlier.tags)
            before = sorted(a for a in actions[earlier.ref] if a[0] < detected)
            for tag in tags if before else []:
                if tag not in latest or (earlier_at, earlier.ref) > (latest[tag][0], latest[tag][1].ref):
                    latest[tag] = (earlier_at, earlier, before[-1])
        # One link per earlier incident, to the latest earlier one of each theme: the chain reads back from there.
        by_earlier: dict[str, tuple[Any, tuple[datetime, str], list[str]]] = {}
        for tag, (_at, earlier, action) in latest.items():
            by_earlier.setdefault(earlier.ref, (earlier, action, []))[2].append(tag)
        for earlier_ref, (_earlier, (completed_at, action_ref), tags) in sorted(by_earlier.items()):
            out.setdefault(incident.ref, []).append(RecurrenceLink(
                incident_ref=incident.ref, earlier_ref=earlier_ref, tag=", ".join(sorted(tags)), action_ref=action_ref,
                completed_at=completed_at))
    return out
