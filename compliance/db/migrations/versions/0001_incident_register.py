"""Incident register: incidents, timelines, post-mortems, action items, change trail, settings.

Revision ID: 0001_incident_register
Revises:
"""
import sqlalchemy as sa
from alembic import op

revision = "0001_incident_register"
down_revision = None
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('incident',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('number', sa.Integer(), nullable=False),
    sa.Column('ref', sa.String(length=32), nullable=False),
    sa.Column('title', sa.String(), nullable=False),
    sa.Column('description', sa.String(), nullable=True),
    sa.Column('severity', sa.String(length=8), nullable=False),
    sa.Column('status', sa.String(length=16), nullable=False),
    sa.Column('started_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('detected_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('aware_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('classified_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('materiality_determined_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('discovered_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('assessed_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('suspected_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('ransom_paid_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('mitigated_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('resolved_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('closed_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('awareness_justification', sa.String(), nullable=True),
    sa.Column('affected_services', sa.JSON(), nullable=False),
    sa.Column('personal_data', sa.Boolean(), nullable=False),
    sa.Column('data_categories', sa.JSON(), nullable=False),
    sa.Column('data_subjects_approx', sa.Integer(), nullable=True),
    sa.Column('records_approx', sa.Integer(), nullable=True),
    sa.Column('regimes', sa.JSON(), nullable=False),
    sa.Column('entity_type', sa.String(length=64), nullable=True),
    sa.Column('restricted', sa.Boolean(), nullable=False),
    sa.Column('tags', sa.JSON(), nullable=False),
    sa.Column('extra', sa.JSON(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('id')
    )
    op.create_index(op.f('ix_incident_detected_at'), 'incident', ['detected_at'], unique=False)
    op.create_index(op.f('ix_incident_number'), 'incident', ['number'], unique=True)
    op.create_index(op.f('ix_incident_ref'), 'incident', ['ref'], unique=True)
    op.create_index(op.f('ix_incident_restricted'), 'incident', ['restricted'], unique=False)
    op.create_index(op.f('ix_incident_severity'), 'incident', ['severity'], unique=False)
    op.create_index(op.f('ix_incident_status'), 'incident', ['status'], unique=False)
    op.create_table('setting',
    sa.Column('key', sa.String(length=128), nullable=False),
    sa.Column('value', sa.JSON(), nullable=False),
    sa.PrimaryKeyConstraint('key')
    )
    op.create_table('action_item',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('incident_id', sa.Integer(), nullable=False),
    sa.Column('number', sa.Integer(), nullable=False),
    sa.Column('description', sa.String(), nullable=False),
    sa.Column('owner', sa.String(), nullable=True),
    sa.Column('due', sa.Date(), nullable=True),
    sa.Column('priority', sa.String(length=8), nullable=False),
    sa.Column('success_criteria', sa.String(), nullable=True),
    sa.Column('lessons', sa.JSON(), nullable=False),
    sa.Column('status', sa.String(length=16), nullable=False),
    sa.Column('completed_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('link', sa.String(), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['incident_id'], ['incident.id'], ),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('incident_id', 'number', name='uq_action_item_number')
    )
    op.create_index(op.f('ix_action_item_due'), 'action_item', ['due'], unique=False)
    op.create_index(op.f('ix_action_item_incident_id'), 'action_item', ['incident_id'], unique=False)
    op.create_index(op.f('ix_action_item_status'), 'action_item', ['status'], unique=False)
    op.create_table('incident_change',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('incident_id', sa.Integer(), nullable=False),
    sa.Column('seq', sa.Integer(), nullable=False),
    sa.Column('field', sa.String(length=64), nullable=False),
    sa.Column('old_value', sa.String(), nullable=True),
    sa.Column('new_value', sa.String(), nullable=True),
    sa.Column('changed_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('changed_by', sa.String(), nullable=False),
    sa.Column('reason', sa.String(), nullable=True),
    sa.ForeignKeyConstraint(['incident_id'], ['incident.id'], ),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('incident_id', 'seq', name='uq_incident_change_seq')
    )
    op.create_index(op.f('ix_incident_change_incident_id'), 'incident_change', ['incident_id'], unique=False)
    op.create_table('postmortem',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('incident_id', sa.Integer(), nullable=False),
    sa.Column('status', sa.String(length=16), nullable=False),
    sa.Column('drafted_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('in_review_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('published_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('summary', sa.String(), nullable=True),
    sa.Column('impact_users', sa.Integer(), nullable=True),
    sa.Column('impact_duration_minutes', sa.Integer(), nullable=True),
    sa.Column('impact_money', sa.Float(), nullable=True),
    sa.Column('impact_currency', sa.String(length=8), nullable=True),
    sa.Column('impact_text', sa.String(), nullable=True),
    sa.Column('contributors', sa.JSON(), nullable=False),
    sa.Column('mitigators', sa.JSON(), nullable=False),
    sa.Column('risks', sa.JSON(), nullable=False),
    sa.Column('root_cause', sa.JSON(), nullable=False),
    sa.Column('detection_analysis', sa.String(), nullable=True),
    sa.Column('diagnosis_analysis', sa.String(), nullable=True),
    sa.Column('mitigation_analysis', sa.String(), nullable=True),
    sa.Column('diagnostics', sa.JSON(), nullable=False),
    sa.Column('lessons', sa.JSON(), nullable=False),
    sa.Column('reviewer', sa.String(), nullable=True),
    sa.Column('source_markdown', sa.String(), nullable=True),
    sa.Column('source_sha256', sa.String(length=64), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['incident_id'], ['incident.id'], ),
    sa.PrimaryKeyConstraint('id')
    )
    op.create_index(op.f('ix_postmortem_incident_id'), 'postmortem', ['incident_id'], unique=True)
    op.create_table('timeline_entry',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('incident_id', sa.Integer(), nullable=False),
    sa.Column('at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('kind', sa.String(length=16), nullable=False),
    sa.Column('text', sa.String(), nullable=False),
    sa.Column('source', sa.String(), nullable=True),
    sa.Column('actor', sa.String(), nullable=True),
    sa.Column('original_time', sa.String(), nullable=True),
    sa.Column('customer_visible', sa.Boolean(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['incident_id'], ['incident.id'], ),
    sa.PrimaryKeyConstraint('id')
    )
    op.create_index(op.f('ix_timeline_entry_at'), 'timeline_entry', ['at'], unique=False)
    op.create_index(op.f('ix_timeline_entry_incident_id'), 'timeline_entry', ['incident_id'], unique=False)


def downgrade() -> None:
    op.drop_index(op.f('ix_timeline_entry_incident_id'), table_name='timeline_entry')
    op.drop_index(op.f('ix_timeline_entry_at'), table_name='timeline_entry')
    op.drop_table('timeline_entry')
    op.drop_index(op.f('ix_postmortem_incident_id'), table_name='postmortem')
    op.drop_table('postmortem')
    op.drop_index(op.f('ix_incident_change_incident_id'), table_name='incident_change')
    op.drop_table('incident_change')
    op.drop_index(op.f('ix_action_item_status'), table_name='action_item')
    op.drop_index(op.f('ix_action_item_incident_id'), table_name='action_item')
    op.drop_index(op.f('ix_action_item_due'), table_name='action_item')
    op.drop_table('action_item')
    op.drop_table('setting')
    op.drop_index(op.f('ix_incident_status'), table_name='incident')
    op.drop_index(op.f('ix_incident_severity'), table_name='incident')
    op.drop_index(op.f('ix_incident_restricted'), table_name='incident')
    op.drop_index(op.f('ix_incident_ref'), table_name='incident')
    op.drop_index(op.f('ix_incident_number'), table_name='incident')
    op.drop_index(op.f('ix_incident_detected_at'), table_name='incident')
    op.drop_table('incident')
