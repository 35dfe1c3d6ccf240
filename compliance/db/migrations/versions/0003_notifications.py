"""Notification obligations: recorded notifications, waivers and their audit trail.

Revision ID: 0003_notifications
Revises: 0002_evidence_custody
"""
import sqlalchemy as sa
from alembic import op

revision = "0003_notifications"
down_revision = "0002_evidence_custody"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('notification_obligation',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('incident_id', sa.Integer(), nullable=False),
    sa.Column('regime', sa.String(length=64), nullable=False),
    sa.Column('stage', sa.String(length=64), nullable=False),
    sa.Column('clock_start', sa.DateTime(timezone=True), nullable=True),
    sa.Column('due', sa.DateTime(timezone=True), nullable=True),
    sa.Column('pending', sa.Boolean(), nullable=False),
    sa.Column('first_notified_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('late', sa.Boolean(), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['incident_id'], ['incident.id'], ),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('incident_id', 'regime', 'stage', name='uq_notification_obligation_stage')
    )
    op.create_index(op.f('ix_notification_obligation_incident_id'), 'notification_obligation', ['incident_id'], unique=False)
    op.create_index('ix_notification_obligation_pending_due', 'notification_obligation', ['pending', 'due'], unique=False)
    op.create_table('notification',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('incident_id', sa.Integer(), nullable=False),
    sa.Column('regime', sa.String(length=64), nullable=False),
    sa.Column('stage', sa.String(length=64), nullable=False),
    sa.Column('notified_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('recipient', sa.String(), nullable=True),
    sa.Column('reference', sa.String(), nullable=True),
    sa.Column('delay_reason', sa.String(), nullable=True),
    sa.Column('late', sa.Boolean(), nullable=False),
    sa.Column('correction', sa.Boolean(), nullable=False),
    sa.Column('recorded_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('recorded_by', sa.String(), nullable=False),
    sa.ForeignKeyConstraint(['incident_id'], ['incident.id'], ),
    sa.PrimaryKeyConstraint('id')
    )
    op.create_index(op.f('ix_notification_incident_id'), 'notification', ['incident_id'], unique=False)
    op.create_table('notification_waiver',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('incident_id', sa.Integer(), nullable=False),
    sa.Column('regime', sa.String(length=64), nullable=False),
    sa.Column('stage', sa.String(length=64), nullable=False),
    sa.Column('reason', sa.String(), nullable=False),
    sa.Column('decided_by', sa.String(), nullable=False),
    sa.Column('decided_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('recorded_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['incident_id'], ['incident.id'], ),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('incident_id', 'regime', 'stage', name='uq_notification_waiver_stage')
    )
    op.create_index(op.f('ix_notification_waiver_incident_id'), 'notification_waiver', ['incident_id'], unique=False)


def downgrade() -> None:
    op.drop_index(op.f('ix_notification_waiver_incident_id'), table_name='notification_waiver')
    op.drop_table('notification_waiver')
    op.drop_index(op.f('ix_notification_incident_id'), table_name='notification')
    op.drop_table('notification')
    op.drop_index('ix_notification_obligation_pending_due', table_name='notification_obligation')
    op.drop_index(op.f('ix_notification_obligation_incident_id'), table_name='notification_obligation')
    op.drop_table('notification_obligation')
