"""Post-mortem input: sections outside the template are kept verbatim (exported again on round-trip).

Revision ID: 0008_postmortem_input
Revises: 0006_verdicts
"""
import sqlalchemy as sa
from alembic import op

revision = "0008_postmortem_input"
down_revision = "0006_verdicts"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("postmortem") as batch:
        batch.add_column(sa.Column("kept_sections", sa.JSON(), nullable=False, server_default=sa.text("'[]'")))


def downgrade() -> None:
    with op.batch_alter_table("postmortem") as batch:
        batch.drop_column("kept_sections")
