"""Enumerated kinds of the incident register, importable without the database layer (CLI choices, regimes)."""

from __future__ import annotations

from enum import Enum


class Severity(str, Enum):
    SEV1 = "sev1"
    SEV2 = "sev2"
    SEV3 = "sev3"
    SEV4 = "sev4"


class IncidentStatus(str, Enum):
    OPEN = "open"
    MITIGATED = "mitigated"
    RESOLVED = "resolved"
    CLOSED = "closed"


class TimelineKind(str, Enum):
    TRIGGER = "trigger"
    DETECTION = "detection"
    ESCALATION = "escalation"
    DECISION = "decision"
    MITIGATION = "mitigation"
    COMMUNICATION = "communication"
    RESOLUTION = "resolution"
    OTHER = "other"


# Instants on an incident that can start a notification clock (regime YAML `trigger:` names one).
CLOCK_FIELDS = (
    "started_at",
    "detected_at",
    "aware_at",
    "classified_at",
    "materiality_determined_at",
    "discovered_at",
    "assessed_at",
    "suspected_at",
    "ransom_paid_at",
    "mitigated_at",
    "resolved_at",
)


SEVERITIES = [s.value for s in Severity]
STATUSES = [s.value for s in IncidentStatus]
TIMELINE_KINDS = [k.value for k in TimelineKind]
