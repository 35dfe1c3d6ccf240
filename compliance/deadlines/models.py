"""Notification tables: filings, waivers, and the materialised obligations the scheduled check queries."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Index, UniqueConstraint
from sqlmodel import Field, SQLModel

from compliance.db.base import InstantField, JSONListField

# Content elements a filing can carry (`notify record --content`): GDPR Art. 33(3)(a)-(d) and Art. 34(2).
FILING_CONTENT = (
    "nature",          # nature of the breach (Art. 33(3)(a), 34(2))
    "categories",      # categories of data subjects and of personal data records (Art. 33(3)(a))
    "data_subjects",   # approximate number of data subjects (Art. 33(3)(a))
    "records",         # approximate number of personal data records (Art. 33(3)(a))
    "dpo_contact",     # name and contact details of the DPO or other contact point (Art. 33(3)(b), 34(2))
    "consequences",    # likely consequences (Art. 33(3)(c), 34(2))
    "measures",        # measures taken or proposed, including mitigation (Art. 33(3)(d), 34(2))
    "delay_reasons",   # reasons for a delay beyond the deadline (Art. 33(1))
)


class Obligation(SQLModel, table=True):
    """One regime stage owed by one incident, kept in step with the incident (rebuildable index).

    `pending` is true while nothing was filed and the stage was not waived; the scheduled check selects
    `pending AND due <= at + window` through the (pending, due) index. `late` is frozen at the first filing.
    """

    __tablename__ = "notification_obligation"
    __table_args__ = (
        UniqueConstraint("incident_id", "regime", "stage", name="uq_notification_obligation_stage"),
        Index("ix_notification_obligation_pending_due", "pending", "due"),
    )

    id: int | None = Field(default=None, primary_key=True)
    incident_id: int = Field(foreign_key="incident.id", index=True)
    regime: str = Field(max_length=64)
    stage: str = Field(max_length=64)
    clock_start: datetime | None = InstantField()
    due: datetime | None = InstantField()
    pending: bool = True
    first_notified_at: datetime | None = InstantField()
    late: bool = False
    updated_at: datetime = InstantField(nullable=False, default_now=True)


class Notification(SQLModel, table=True):
    """One filing of a stage (the first one counts for lateness; later ones are corrections/updates)."""

    __tablename__ = "notification"

    id: int | None = Field(default=None, primary_key=True)
    incident_id: int = Field(foreign_key="incident.id", index=True)
    regime: str = Field(max_length=64)
    stage: str = Field(max_length=64)
    notified_at: datetime = InstantField(nullable=False)
    recipient: str | None = None
    reference: str | None = None
    delay_reason: str | None = None
    late: bool = False
    correction: bool = False
    content: list = JSONListField()  # FILING_CONTENT elements the filing carried
    recorded_at: datetime = InstantField(nullable=False, default_now=True)
    recorded_by: str


class Waiver(SQLModel, table=True):
    """A stage closed as not required, with the recorded decision (GDPR Art. 33(1) and 33(5))."""

    __tablename__ = "notification_waiver"
    __table_args__ = (UniqueConstraint("incident_id", "regime", "stage", name="uq_notification_waiver_stage"),)

    id: int | None = Field(default=None, primary_key=True)
    incident_id: int = Field(foreign_key="incident.id", index=True)
    regime: str = Field(max_length=64)
    stage: str = Field(max_length=64)
    reason: str
    decided_by: str
    decided_at: datetime = InstantField(nullable=False)
    recorded_at: datetime = InstantField(nullable=False, default_now=True)


class NotificationDelay(SQLModel, table=True):
    """A recorded delay of one stage on a legal basis the regime declares (Form 8-K Item 1.05(c), 45 CFR 164.412).

    Append-only and in the ledger: an extension is a new record (`extension` counts the earlier ones of the
    same basis and form); the latest record of a stage says until when it is delayed.
    """

    __tablename__ = "notification_delay"
    __ledger__ = True

    id: int | None = Field(default=None, primary_key=True)
    incident_id: int = Field(foreign_key="incident.id", index=True)
    regime: str = Field(max_length=64)
    stage: str = Field(max_length=64)
    basis: str = Field(max_length=64)
    form: str = Field(max_length=16)  # written | oral
    extension: int = 0  # 0: the first delay; n: the n-th extension
    requested_by: str  # the official or agency that asked for the delay
    reference: str | None = None
    stated_at: datetime = InstantField(nullable=False)  # when the statement or determination was made
    until: datetime = InstantField(nullable=False)
    allowed_until: datetime | None = InstantField()  # the latest end the basis allowed (None: the statement sets it)
    due_before: datetime = InstantField(nullable=False)  # the due the delay moved
    recorded_by: str
    recorded_at: datetime = InstantField(nullable=False, default_now=True)
