"""Enumerated kinds of the incident register, importable without the database layer (CLI choices, regimes)."""

from __future__ import annotations

import re
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
    ERADICATION = "eradication"
    RECOVERY = "recovery"          # a recovery action: restore from backup, rebuild, bring a service back (CSF RC.RP)
    VERIFICATION = "verification"  # an integrity or functionality check: backup verified, restored system verified
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
    "further_information_at",
    "corrective_measure_at",
    "information_requested_at",
)


SEVERITIES = [s.value for s in Severity]
STATUSES = [s.value for s in IncidentStatus]
TIMELINE_KINDS = [k.value for k in TimelineKind]


# A State or jurisdiction for residents affected (HIPAA media notice, US State laws): ISO 3166 code, CA or US-CA.
STATE_CODE = re.compile(r"^[A-Z]{2}(-[A-Z0-9]{1,3})?$")


def state_code(text: str, *, field: str = "--affected-in") -> str:
    """Returns a State or jurisdiction code in upper case (CA, US-CA, PR), or ValidationError."""
    from compliance.core.errors import ValidationError

    code = str(text or "").strip().upper()
    if not STATE_CODE.match(code):
        raise ValidationError(f"{text!r} is not a State or jurisdiction code (two letters, e.g. CA, or US-CA)",
                              field=field)
    return code


def parse_affected_by_state(value, *, field: str = "--affected-in") -> dict[str, int]:
    """Returns residents affected per State or jurisdiction ({"CA": 501}) from a mapping or "CA=501" items."""
    from compliance.core.errors import ValidationError
    from compliance.core.numbers import check_whole

    if isinstance(value, dict):
        items = list(value.items())
    else:
        items = []
        for item in value or ():
            state, sep, count = str(item).partition("=")
            if not sep or not count.strip():
                raise ValidationError(f"{item!r} is not STATE=COUNT (e.g. CA=501)", field=field)
            items.append((state, count.strip()))
    out: dict[str, int] = {}
    for state, count in items:
        code = state_code(state, field=field)
        if code in out:
            raise ValidationError(f"{code} is given twice", field=field)
        out[code] = check_whole(count, field=field)
    return out
