"""Evidence items, content-addressed blobs and the hash-chained custody log (append-only triggers).

Revision ID: 0002_evidence_custody
Revises: 0001_incident_register
"""
import sqlalchemy as sa
from alembic import op

revision = "0002_evidence_custody"
down_revision = "0001_incident_register"
branch_labels = None
depends_on = None

# Append-only in the database itself (EV-MOD-1, CU-MOD-1): a bug or a careless script cannot
# rewrite history. The tamper tests bypass these on purpose to prove `custody verify` still notices.
_SQLITE_TRIGGERS = [
    ("custody_event_no_update", "BEFORE UPDATE ON custody_event",
     "custody_event is append-only: UPDATE refused"),
    ("custody_event_no_delete", "BEFORE DELETE ON custody_event",
     "custody_event is append-only: DELETE refused"),
    ("evidence_no_update", "BEFORE UPDATE ON evidence",
     "evidence rows are immutable (sha256, size): UPDATE refused"),
    ("evidence_no_delete", "BEFORE DELETE ON evidence",
     "evidence rows are immutable: DELETE refused (record a disposed custody event)"),
    ("custody_head_no_delete", "BEFORE DELETE ON custody_head",
     "custody_head is the chain head: DELETE refused"),
]

_PG_FUNCTION = """
CREATE OR REPLACE FUNCTION compliance_refuse_change() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    RAISE EXCEPTION '% is append-only: % refused', TG_TABLE_NAME, TG_OP
        USING ERRCODE = 'integrity_constraint_violation';
END
$$
"""

_PG_TRIGGERS = [
    ("custody_event_append_only", "BEFORE UPDATE OR DELETE ON custody_event FOR EACH ROW"),
    ("custody_event_no_truncate", "BEFORE TRUNCATE ON custody_event FOR EACH STATEMENT"),
    ("evidence_immutable", "BEFORE UPDATE OR DELETE ON evidence FOR EACH ROW"),
    ("evidence_no_truncate", "BEFORE TRUNCATE ON evidence FOR EACH STATEMENT"),
    ("custody_head_no_delete", "BEFORE DELETE ON custody_head FOR EACH ROW"),
    ("custody_head_no_truncate", "BEFORE TRUNCATE ON custody_head FOR EACH STATEMENT"),
]


def upgrade() -> None:
    op.create_table('evidence',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('number', sa.Integer(), nullable=False),
    sa.Column('ref', sa.String(length=32), nullable=False),
    sa.Column('incident_id', sa.Integer(), nullable=False),
    sa.Column('filename', sa.String(), nullable=False),
    sa.Column('size', sa.BigInteger(), nullable=False),
    sa.Column('sha256', sa.String(length=64), nullable=False),
    sa.Column('collected_by', sa.String(), nullable=False),
    sa.Column('collected_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('source', sa.String(), nullable=True),
    sa.Column('description', sa.String(), nullable=True),
    sa.ForeignKeyConstraint(['incident_id'], ['incident.id'], ),
    sa.PrimaryKeyConstraint('id')
    )
    op.create_index(op.f('ix_evidence_incident_id'), 'evidence', ['incident_id'], unique=False)
    op.create_index(op.f('ix_evidence_number'), 'evidence', ['number'], unique=True)
    op.create_index(op.f('ix_evidence_ref'), 'evidence', ['ref'], unique=True)
    op.create_index(op.f('ix_evidence_sha256'), 'evidence', ['sha256'], unique=False)
    op.create_table('custody_event',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('seq', sa.Integer(), nullable=False),
    sa.Column('evidence_id', sa.Integer(), nullable=False),
    sa.Column('evidence_ref', sa.String(length=32), nullable=False),
    sa.Column('action', sa.String(length=16), nullable=False),
    sa.Column('at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('actor', sa.String(), nullable=False),
    sa.Column('db_role', sa.String(length=128), nullable=True),
    sa.Column('from_holder', sa.String(), nullable=True),
    sa.Column('to_holder', sa.String(), nullable=True),
    sa.Column('location', sa.String(), nullable=True),
    sa.Column('reason', sa.String(), nullable=True),
    sa.Column('sha256', sa.String(length=64), nullable=False),
    sa.Column('prev_hash', sa.String(length=64), nullable=False),
    sa.Column('event_hash', sa.String(length=64), nullable=False),
    sa.ForeignKeyConstraint(['evidence_id'], ['evidence.id'], ),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('event_hash')
    )
    op.create_index(op.f('ix_custody_event_evidence_id'), 'custody_event', ['evidence_id'], unique=False)
    op.create_index(op.f('ix_custody_event_seq'), 'custody_event', ['seq'], unique=True)
    head = op.create_table('custody_head',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('seq', sa.Integer(), nullable=False),
    sa.Column('event_hash', sa.String(length=64), nullable=True),
    sa.PrimaryKeyConstraint('id')
    )
    op.bulk_insert(head, [{"id": 1, "seq": 0, "event_hash": None}])
    dialect = op.get_bind().dialect.name
    if dialect == "sqlite":
        for name, when, message in _SQLITE_TRIGGERS:
            op.execute(f"CREATE TRIGGER {name} {when} BEGIN SELECT RAISE(ABORT, '{message}'); END")
    elif dialect == "postgresql":
        op.execute(_PG_FUNCTION)
        for name, when in _PG_TRIGGERS:
            op.execute(f"CREATE TRIGGER {name} {when} EXECUTE FUNCTION compliance_refuse_change()")


def downgrade() -> None:
    dialect = op.get_bind().dialect.name
    if dialect == "sqlite":
        for name, _when, _message in _SQLITE_TRIGGERS:
            op.execute(f"DROP TRIGGER IF EXISTS {name}")
    op.drop_table('custody_head')
    op.drop_index(op.f('ix_custody_event_seq'), table_name='custody_event')
    op.drop_index(op.f('ix_custody_event_evidence_id'), table_name='custody_event')
    op.drop_table('custody_event')
    op.drop_index(op.f('ix_evidence_sha256'), table_name='evidence')
    op.drop_index(op.f('ix_evidence_ref'), table_name='evidence')
    op.drop_index(op.f('ix_evidence_number'), table_name='evidence')
    op.drop_index(op.f('ix_evidence_incident_id'), table_name='evidence')
    op.drop_table('evidence')
    if dialect == "postgresql":
        op.execute("DROP FUNCTION IF EXISTS compliance_refuse_change()")
