"""Programme evidence: organisation-level documents (IR plan, roles, rota, training, exercises, contact lists)
kept in the content-addressed blob store, each valid for a period."""

from __future__ import annotations

from datetime import date, datetime
from enum import Enum

from sqlalchemy import BigInteger, Column
from sqlmodel import Field, SQLModel

from compliance.db.base import InstantField


class ProgrammeKind(str, Enum):
    IR_PLAN = "ir_plan"                              # incident response plan / procedure in force (A.5.24, ID.IM-04)
    ROLES = "roles"                                  # roles and responsibilities, RACI (A.5.24, CC7.4)
    ONCALL_ROTA = "oncall_rota"                      # on-call rota (A.5.26)
    REPORTING_CHANNELS = "reporting_channels"        # how to report events, awareness material (A.6.8)
    TRAINING_RECORDS = "training_records"            # training and competence records (A.5.24)
    EXERCISE = "exercise"                            # tabletop exercises and plan tests (A.5.24, ID.IM-02, CC7.5)
    AUTHORITY_CONTACTS = "authority_contacts"        # contact list with authorities and regulators (A.5.5)
    CONFIGURATION_BASELINE = "configuration_baseline"  # configuration standards and change detection (CC7.1)
    VULNERABILITY_SCANS = "vulnerability_scans"      # vulnerability scanning and remediation records (CC7.1)
    CLASSIFICATION_RUBRIC = "classification_rubric"  # event/incident categorisation and prioritisation scheme (A.5.25)
    TARGETED_RISK_ANALYSIS = "targeted_risk_analysis"  # a targeted risk analysis setting a frequency (PCI DSS 12.10.4.1)
    BCP = "bcp"                                      # continuity / ICT continuity plan, security kept (A.5.29, A.5.30, A1.2)
    RECOVERY_TEST = "recovery_test"                  # test of the recovery / ICT continuity plan with results (A.5.30, A1.3)
    BACKUP_TEST = "backup_test"                      # backup restore test records (A1.2, A.5.30)
    LOGGING_POLICY = "logging_policy"                # what is logged, retention, protection, review (A.8.15)
    MONITORING_RUNBOOK = "monitoring_runbook"        # what is monitored, alert rules, who responds (A.8.16, CC7.2)
    TIME_SYNC_CONFIG = "time_sync_config"            # reference time sources and synchronisation settings (A.8.17)
    COMMUNICATION_PLAN = "communication_plan"        # approved external communication methods and messaging (CC2.3, RC.CO-04)


class ProgrammeEvidence(SQLModel, table=True):
    """One programme document; `ref` (PE-0001) is sequential per store. Rows are never rewritten."""

    __tablename__ = "programme_evidence"

    id: int | None = Field(default=None, primary_key=True)
    number: int = Field(unique=True, index=True)
    ref: str = Field(unique=True, index=True, max_length=32)
    kind: str = Field(index=True, max_length=32)
    title: str
    version: str | None = Field(default=None, max_length=64)
    filename: str
    size: int = Field(sa_column=Column(BigInteger(), nullable=False))
    sha256: str = Field(index=True, max_length=64)
    approved_by: str
    approved_at: datetime = InstantField(nullable=False)
    valid_from: date
    valid_until: date | None = None
    recorded_by: str
    recorded_at: datetime = InstantField(nullable=False, default_now=True)
