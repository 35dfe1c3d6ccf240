"""DORA Art. 18 classification records (criteria whose thresholds were met, computed major outcome), tracked by
the ledger. A new table starts empty, so there is nothing to re-snapshot into the ledger.

Revision ID: 0014_dora_classification
Revises: 0010_ledger
"""
import sqlalchemy as sa
from alembic import op

from compliance.db.types import UTCDateTime

revision = "0014_dora_classification"
down_revision = "0010_ledger"
branch_labels = None
depends_on = None

CRITERIA = ("critical_services", "data_losses", "clients", "reputational", "duration", "geographical", "economic")


def upgrade() -> None:
    op.create_table(
        "dora_classification",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("incident_id", sa.Integer(), nullable=False),
        sa.Column("regime", sa.String(length=64), nullable=False),
        *[sa.Column(name, sa.Boolean(), nullable=False) for name in CRITERIA],
        sa.Column("criteria_met", sa.Integer(), nullable=False),
        sa.Column("major", sa.Boolean(), nullable=False),
        sa.Column("rationale", sa.String(), nullable=False),
        sa.Column("decided_by", sa.String(), nullable=False),
        sa.Column("decided_at", UTCDateTime(), nullable=False),
        sa.Column("recorded_at", UTCDateTime(), nullable=False),
        sa.ForeignKeyConstraint(["incident_id"], ["incident.id"]),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index(op.f("ix_dora_classification_incident_id"), "dora_classification", ["incident_id"], unique=False)


def downgrade() -> None:
    op.drop_index(op.f("ix_dora_classification_incident_id"), table_name="dora_classification")
    op.drop_table("dora_classification")
