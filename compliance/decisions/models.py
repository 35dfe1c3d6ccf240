"""Decision records of an incident: the declaration decision (ISO A.5.25, CSF DE.AE-08) and the breach risk
assessment GDPR Art. 33(1)/34 ask to document (likelihood, severity, level, exemption, who and when)."""

from __future__ import annotations

from datetime import datetime
from enum import Enum

from sqlmodel import Field, SQLModel

from compliance.db.base import InstantField


class DeclarationOutcome(str, Enum):
    INCIDENT = "incident"
    NOT_INCIDENT = "not_incident"


class IncidentType(str, Enum):
    """Incident categories (RS.MA-03), after the ENISA reference incident classification taxonomy."""

    MALWARE = "malware"
    RANSOMWARE = "ransomware"
    PHISHING = "phishing"
    UNAUTHORISED_ACCESS = "unauthorised_access"
    DATA_EXFILTRATION = "data_exfiltration"
    DATA_DISCLOSURE = "data_disclosure"
    DENIAL_OF_SERVICE = "denial_of_service"
    VULNERABILITY_EXPLOITATION = "vulnerability_exploitation"
    MISCONFIGURATION = "misconfiguration"
    LOST_OR_STOLEN_DEVICE = "lost_or_stolen_device"
    INSIDER_MISUSE = "insider_misuse"
    THIRD_PARTY = "third_party"
    AVAILABILITY_FAILURE = "availability_failure"
    OTHER = "other"


class RiskRating(str, Enum):
    """Likelihood or severity of the consequences for people (EDPB Guidelines 9/2022, assessing risk)."""

    LOW = "low"
    MEDIUM = "medium"
    HIGH = "high"


class RiskLevel(str, Enum):
    """The outcome of a breach risk assessment: no risk (no Art. 33 notification), risk (Art. 33), high (Art. 34)."""

    NONE = "none"
    RISK = "risk"
    HIGH = "high"


class Art34Exemption(str, Enum):
    """GDPR Art. 34(3): why data subjects need not be told despite a high risk."""

    UNINTELLIGIBLE = "a"       # data unintelligible to anyone not authorised (e.g. encrypted)
    RISK_REMOVED = "b"         # later measures mean the high risk is no longer likely
    DISPROPORTIONATE = "c"     # disproportionate effort: a public communication instead


class Declaration(SQLModel, table=True):
    """The decision that an event is (or is not) an incident: who, when, against which rubric, with which category."""

    __tablename__ = "incident_declaration"

    id: int | None = Field(default=None, primary_key=True)
    incident_id: int = Field(foreign_key="incident.id", index=True)
    outcome: str = Field(max_length=16)
    incident_type: str = Field(max_length=32)
    rubric: str
    rationale: str | None = None
    decided_by: str
    decided_at: datetime = InstantField(nullable=False)
    recorded_at: datetime = InstantField(nullable=False, default_now=True)


class BreachAssessment(SQLModel, table=True):
    """A personal-data breach risk assessment of an incident under a regime (gdpr, uk_gdpr); the latest counts."""

    __tablename__ = "breach_assessment"

    id: int | None = Field(default=None, primary_key=True)
    incident_id: int = Field(foreign_key="incident.id", index=True)
    regime: str = Field(max_length=64)
    likelihood: str = Field(max_length=8)
    severity: str = Field(max_length=8)
    level: str = Field(max_length=8)
    rationale: str
    exemption: str | None = Field(default=None, max_length=2)
    exemption_reason: str | None = None
    decided_by: str
    decided_at: datetime = InstantField(nullable=False)
    recorded_at: datetime = InstantField(nullable=False, default_now=True)


class DoraCriterion(str, Enum):
    """Classification criteria of DORA Art. 18(1) as specified by Delegated Regulation (EU) 2024/1772 Arts. 1-7.

    Recorded as "threshold met" (the materiality thresholds of 2024/1772 Art. 9); `critical_services` is the
    primary criterion (Art. 6, Art. 8(1)).
    """

    CRITICAL_SERVICES = "critical_services"  # critical or important functions / services requiring authorisation
    DATA_LOSSES = "data_losses"              # Art. 9(5) met: impact on data (point (a)) or malicious access (b)
    CLIENTS = "clients"                      # clients, financial counterparts and transactions affected
    REPUTATIONAL = "reputational"            # reputational impact
    DURATION = "duration"                    # duration and service downtime
    GEOGRAPHICAL = "geographical"            # geographical spread (two or more Member States)
    ECONOMIC = "economic"                    # economic impact (direct and indirect costs and losses)


class DoraClassification(SQLModel, table=True):
    """A DORA Art. 18 classification of an incident: the criteria whose thresholds were met and the outcome.

    `major` is computed from the criteria (decisions.service.is_major_dora), never typed in; the latest counts.
    """

    __tablename__ = "dora_classification"
    __ledger__ = True

    id: int | None = Field(default=None, primary_key=True)
    incident_id: int = Field(foreign_key="incident.id", index=True)
    regime: str = Field(max_length=64)
    critical_services: bool
    data_losses: bool
    clients: bool
    reputational: bool
    duration: bool
    geographical: bool
    economic: bool
    criteria_met: int  # Art. 8(1)(b) thresholds met; data losses counted only by Art. 9(5)(a) alone (DC-6)
    major: bool
    rationale: str
    decided_by: str
    decided_at: datetime = InstantField(nullable=False)
    recorded_at: datetime = InstantField(nullable=False, default_now=True)
