"""Evidence items, content-addressed blobs and the hash-chained custody log (append-only triggers).

Revision ID: 0002_evidence_custody
Revises: 0001_incident_register
"""
from alembic import op  # noqa: F401
import sqlalchemy as sa  # noqa: F401

revision = "0002_evidence_custody"
down_revision = "0001_incident_register"
branch_labels = None
depends_on = None


def upgrade() -> None:
    pass  # filled by the evidence/custody change


def downgrade() -> None:
    pass
