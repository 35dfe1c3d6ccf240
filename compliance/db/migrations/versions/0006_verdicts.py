"""Verdicts: declaration decisions, breach risk assessments, filing content, action verification, programme evidence.

Revision ID: 0006_verdicts
Revises: 0003_notifications
"""
import sqlalchemy as sa
from alembic import op

from compliance.db.types import JSONType, UTCDateTime

revision = "0006_verdicts"
down_revision = "0003_notifications"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "incident_declaration",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("incident_id", sa.Integer(), nullable=False),
        sa.Column("outcome", sa.String(length=16), nullable=False),
        sa.Column("incident_type", sa.String(length=32), nullable=False),
        sa.Column("rubric", sa.String(), nullable=False),
        sa.Column("rationale", sa.String(), nullable=True),
        sa.Column("decided_by", sa.String(), nullable=False),
        sa.Column("decided_at", UTCDateTime(), nullable=False),
        sa.Column("recorded_at", UTCDateTime(), nullable=False),
        sa.ForeignKeyConstraint(["incident_id"], ["incident.id"]),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index(op.f("ix_incident_declaration_incident_id"), "incident_declaration", ["incident_id"], unique=False)
    op.create_table(
        "breach_assessment",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("incident_id", sa.Integer(), nullable=False),
        sa.Column("regime", sa.String(length=64), nullable=False),
        sa.Column("likelihood", sa.String(length=8), nullable=False),
        sa.Column("severity", sa.String(length=8), nullable=False),
        sa.Column("level", sa.String(length=8), nullable=False),
        sa.Column("rationale", sa.String(), nullable=False),
        sa.Column("exemption", sa.String(length=2), nullable=True),
        sa.Column("exemption_reason", sa.String(), nullable=True),
        sa.Column("decided_by", sa.String(), nullable=False),
        sa.Column("decided_at", UTCDateTime(), nullable=False),
        sa.Column("recorded_at", UTCDateTime(), nullable=False),
        sa.ForeignKeyConstraint(["incident_id"], ["incident.id"]),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index(op.f("ix_breach_assessment_incident_id"), "breach_assessment", ["incident_id"], unique=False)
    op.create_table(
        "programme_evidence",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("number", sa.Integer(), nullable=False),
        sa.Column("ref", sa.String(length=32), nullable=False),
        sa.Column("kind", sa.String(length=32), nullable=False),
        sa.Column("title", sa.String(), nullable=False),
        sa.Column("version", sa.String(length=64), nullable=True),
        sa.Column("filename", sa.String(), nullable=False),
        sa.Column("size", sa.BigInteger(), nullable=False),
        sa.Column("sha256", sa.String(length=64), nullable=False),
        sa.Column("approved_by", sa.String(), nullable=False),
        sa.Column("approved_at", UTCDateTime(), nullable=False),
        sa.Column("valid_from", sa.Date(), nullable=False),
        sa.Column("valid_until", sa.Date(), nullable=True),
        sa.Column("recorded_by", sa.String(), nullable=False),
        sa.Column("recorded_at", UTCDateTime(), nullable=False),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index(op.f("ix_programme_evidence_number"), "programme_evidence", ["number"], unique=True)
    op.create_index(op.f("ix_programme_evidence_ref"), "programme_evidence", ["ref"], unique=True)
    op.create_index(op.f("ix_programme_evidence_kind"), "programme_evidence", ["kind"], unique=False)
    op.create_index(op.f("ix_programme_evidence_sha256"), "programme_evidence", ["sha256"], unique=False)
    with op.batch_alter_table("notification") as batch:
        batch.add_column(sa.Column("content", JSONType, nullable=False, server_default="[]"))
    with op.batch_alter_table("action_item") as batch:
        batch.add_column(sa.Column("verified_by", sa.String(), nullable=True))
        batch.add_column(sa.Column("verified_at", UTCDateTime(), nullable=True))
        batch.add_column(sa.Column("verification", sa.String(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("action_item") as batch:
        batch.drop_column("verification")
        batch.drop_column("verified_at")
        batch.drop_column("verified_by")
    with op.batch_alter_table("notification") as batch:
        batch.drop_column("content")
    op.drop_table("programme_evidence")
    op.drop_table("breach_assessment")
    op.drop_table("incident_declaration")
