"""Notification obligations: recorded notifications, waivers and their audit trail.

Revision ID: 0003_notifications
Revises: 0002_evidence_custody
"""
from alembic import op  # noqa: F401
import sqlalchemy as sa  # noqa: F401

revision = "0003_notifications"
down_revision = "0002_evidence_custody"
branch_labels = None
depends_on = None


def upgrade() -> None:
    pass  # filled by the deadline-engine change


def downgrade() -> None:
    pass
