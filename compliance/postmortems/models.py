"""Post-mortem table: one blameless review per incident."""

from __future__ import annotations

from datetime import datetime
from enum import Enum

from sqlmodel import Field, SQLModel

from compliance.db.base import InstantField, JSONListField


class PostmortemStatus(str, Enum):
    DRAFT = "draft"
    IN_REVIEW = "in_review"
    PUBLISHED = "published"


class Postmortem(SQLModel, table=True):
    """The post-mortem of one incident.

    root_cause: list of {"number": "1.2", "text": "..."} why-chain steps (branches 1.x, 2.x).
    lessons: list of {"number": 1, "text": "...", "category": "technical"|None}.
    contributors / mitigators / risks / diagnostics: lists of strings.
    kept_sections: list of {"title": "...", "text": "..."}: sections outside the template, kept verbatim.
    """

    __tablename__ = "postmortem"

    id: int | None = Field(default=None, primary_key=True)
    incident_id: int = Field(foreign_key="incident.id", unique=True, index=True)
    status: str = Field(default=PostmortemStatus.DRAFT.value, max_length=16)
    drafted_at: datetime | None = InstantField()
    in_review_at: datetime | None = InstantField()
    published_at: datetime | None = InstantField()
    summary: str | None = None
    impact_users: int | None = None
    impact_duration_minutes: int | None = None
    impact_money: float | None = None
    impact_currency: str | None = Field(default=None, max_length=8)
    impact_text: str | None = None
    contributors: list = JSONListField()
    mitigators: list = JSONListField()
    risks: list = JSONListField()
    root_cause: list = JSONListField()
    detection_analysis: str | None = None
    diagnosis_analysis: str | None = None
    mitigation_analysis: str | None = None
    diagnostics: list = JSONListField()
    lessons: list = JSONListField()
    kept_sections: list = JSONListField()
    reviewer: str | None = None
    source_markdown: str | None = None
    source_sha256: str | None = Field(default=None, max_length=64)
    created_at: datetime = InstantField(nullable=False, default_now=True)
    updated_at: datetime = InstantField(nullable=False, default_now=True)
