"""Incident register tables: incidents, their timelines and the audit trail of changes."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import UniqueConstraint
from sqlmodel import Field, SQLModel

from compliance.db.base import InstantField, JSONDictField, JSONListField
from compliance.incidents.enums import (  # noqa: F401 - re-exported
    CLOCK_FIELDS,
    STATE_CODE,
    IncidentStatus,
    Severity,
    TimelineKind,
    state_code,
)


class Incident(SQLModel, table=True):
    """A security incident; `ref` (INC-0001) is its human id, sequential per store."""

    __tablename__ = "incident"

    id: int | None = Field(default=None, primary_key=True)
    number: int = Field(unique=True, index=True)
    ref: str = Field(unique=True, index=True, max_length=32)
    title: str
    description: str | None = None
    severity: str = Field(index=True, max_length=8)
    status: str = Field(default=IncidentStatus.OPEN.value, index=True, max_length=16)

    started_at: datetime | None = InstantField()
    detected_at: datetime = InstantField(nullable=False, index=True)
    aware_at: datetime | None = InstantField()
    classified_at: datetime | None = InstantField()
    materiality_determined_at: datetime | None = InstantField()
    discovered_at: datetime | None = InstantField()
    assessed_at: datetime | None = InstantField()
    suspected_at: datetime | None = InstantField()
    ransom_paid_at: datetime | None = InstantField()
    mitigated_at: datetime | None = InstantField()
    resolved_at: datetime | None = InstantField()
    closed_at: datetime | None = InstantField()
    further_information_at: datetime | None = InstantField()  # information unknown at a first filing became known
    corrective_measure_at: datetime | None = InstantField()  # a corrective or mitigating measure is available (CRA)
    information_requested_at: datetime | None = InstantField()  # an authority asked for an intermediate report
    awareness_justification: str | None = None

    affected_services: list = JSONListField()
    personal_data: bool = False
    data_categories: list = JSONListField()
    data_subjects_approx: int | None = None
    affected_by_state: dict = JSONDictField()  # State or jurisdiction code -> residents affected (HIPAA media, US states)
    records_approx: int | None = None
    regimes: list = JSONListField()
    entity_type: str | None = Field(default=None, max_length=64)
    restricted: bool = Field(default=False, index=True)
    tags: list = JSONListField()
    extra: dict = JSONDictField()

    created_at: datetime = InstantField(nullable=False, default_now=True)
    updated_at: datetime = InstantField(nullable=False, default_now=True)


class TimelineEntry(SQLModel, table=True):
    """One dated entry of an incident's timeline; the actor is a role, not a person's name."""

    __tablename__ = "timeline_entry"

    id: int | None = Field(default=None, primary_key=True)
    incident_id: int = Field(foreign_key="incident.id", index=True)
    at: datetime = InstantField(nullable=False, index=True)
    kind: str = Field(max_length=16)
    text: str
    source: str | None = None
    actor: str | None = None
    original_time: str | None = None  # the time as written in an imported document, e.g. "14:23 CET"
    customer_visible: bool = False
    created_at: datetime = InstantField(nullable=False, default_now=True)


class IncidentChange(SQLModel, table=True):
    """Audit trail: one row per changed field of an incident (who, when, why, old → new)."""

    __tablename__ = "incident_change"
    __table_args__ = (UniqueConstraint("incident_id", "seq", name="uq_incident_change_seq"),)

    id: int | None = Field(default=None, primary_key=True)
    incident_id: int = Field(foreign_key="incident.id", index=True)
    seq: int
    field: str = Field(max_length=64)
    old_value: str | None = None
    new_value: str | None = None
    changed_at: datetime = InstantField(nullable=False, default_now=True)
    changed_by: str
    reason: str | None = None

