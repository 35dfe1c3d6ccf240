"""Clock instants for the stages added with the new regimes, and affected residents per State or jurisdiction.

Revision ID: 0009_regimes
Revises: 0008_postmortem_input
"""
import sqlalchemy as sa
from alembic import op

revision = "0009_regimes"
down_revision = "0008_postmortem_input"
branch_labels = None
depends_on = None

INSTANTS = ("further_information_at", "corrective_measure_at", "information_requested_at")


def upgrade() -> None:
    with op.batch_alter_table("incident") as batch:
        for name in INSTANTS:
            batch.add_column(sa.Column(name, sa.DateTime(timezone=True), nullable=True))
        batch.add_column(sa.Column("affected_by_state", sa.JSON(), nullable=False, server_default="{}"))


def downgrade() -> None:
    with op.batch_alter_table("incident") as batch:
        batch.drop_column("affected_by_state")
        for name in reversed(INSTANTS):
            batch.drop_column(name)
