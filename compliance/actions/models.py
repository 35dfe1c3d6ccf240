"""Action items: follow-ups of an incident, each with one owner and a due date."""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import UniqueConstraint
from sqlmodel import Field, SQLModel

from compliance.actions.enums import ActionPriority, ActionStatus  # noqa: F401 - re-exported
from compliance.db.base import InstantField, JSONListField


class ActionItem(SQLModel, table=True):
    """A follow-up numbered within its incident; its ref is `INC-0001-A1`."""

    __tablename__ = "action_item"
    __table_args__ = (UniqueConstraint("incident_id", "number", name="uq_action_item_number"),)

    id: int | None = Field(default=None, primary_key=True)
    incident_id: int = Field(foreign_key="incident.id", index=True)
    number: int
    description: str
    owner: str | None = None
    due: date | None = Field(default=None, index=True)
    priority: str = Field(default=ActionPriority.MEDIUM.value, max_length=8)
    success_criteria: str | None = None
    lessons: list = JSONListField()
    status: str = Field(default=ActionStatus.OPEN.value, index=True, max_length=16)
    completed_at: datetime | None = InstantField()
    link: str | None = None
    verified_by: str | None = None  # who verified the action was effective (ISO 27001 clause 10.2)
    verified_at: datetime | None = InstantField()
    verification: str | None = None  # how effectiveness was verified
    created_at: datetime = InstantField(nullable=False, default_now=True)
