"""One ledger for every record an audit pack states: append-only, hash-chained, guarded by triggers.

Creates ledger_entry and ledger_head, makes the audit trail and the notification filings and waivers
append-only, installs (PostgreSQL) the only write path of the ledger, compliance_ledger_append(), and
back-fills one entry per existing row of every tracked table so old stores verify after the upgrade
(custody events keep their own chain and hash format).

Revision ID: 0010_ledger
Revises: 0009_regimes
"""
import sqlalchemy as sa
from alembic import op

revision = "0010_ledger"
down_revision = "0009_regimes"
branch_labels = None
depends_on = None

APPEND_ONLY = ("ledger_entry", "incident_change", "notification", "notification_waiver")

# LG-PG-1  The only way to append on PostgreSQL. SECURITY DEFINER with a fixed search_path and no
# EXECUTE for PUBLIC (roles.py grants it to the writer). It takes the head row lock with a timeout
# (an auditor, who cannot UPDATE ledger_head, cannot take it), checks the custody rules, fills
# session_user, the sequence and recorded_at itself and computes the entry hash (LG-CHN-1) in SQL.
_PG_FUNCTIONS = """
CREATE FUNCTION compliance_ledger_lock() RETURNS void
LANGUAGE plpgsql SECURITY DEFINER SET search_path = {schema}, pg_temp SET lock_timeout = '10s' AS $$
BEGIN
    PERFORM 1 FROM ledger_head WHERE id = 1 FOR UPDATE;
    IF NOT FOUND THEN
        RAISE EXCEPTION 'ledger head: row missing' USING ERRCODE = 'integrity_constraint_violation';
    END IF;
END
$$;

CREATE FUNCTION compliance_custody_check(p_key text, p_doc jsonb) RETURNS void
LANGUAGE plpgsql SECURITY DEFINER SET search_path = {schema}, pg_temp AS $$
DECLARE
    v_ref text := p_doc->>'evidence_ref';
    v_action text := p_doc->>'action';
    v_at timestamptz := (p_doc->>'at')::timestamptz;
    v_events int := 0; v_sealed boolean := false; v_disposed boolean := false;
    v_holder text; v_last timestamptz; r record;
BEGIN
    IF p_doc->>'db_role' IS DISTINCT FROM session_user::text THEN
        RAISE EXCEPTION 'custody_event %: db_role % is not the session user %', p_key, p_doc->>'db_role', session_user
            USING ERRCODE = 'check_violation';
    END IF;
    IF v_at > clock_timestamp() + interval '5 minutes' THEN
        RAISE EXCEPTION 'custody_event %: % is in the future', p_key, v_at USING ERRCODE = 'check_violation';
    END IF;
    FOR r IN SELECT action, to_holder, at FROM custody_event
             WHERE evidence_id = (p_doc->>'evidence_id')::int AND id <> p_key::int ORDER BY seq LOOP
        v_events := v_events + 1;
        IF r.action IN ('collected', 'transferred') AND r.to_holder IS NOT NULL THEN v_holder := r.to_holder;
        ELSIF r.action = 'sealed' THEN v_sealed := true;
        ELSIF r.action = 'released' THEN v_sealed := false;
        ELSIF r.action = 'disposed' THEN v_disposed := true;
        END IF;
        v_last := greatest(v_last, r.at);
    END LOOP;
    IF (v_action = 'collected') <> (v_events = 0) THEN
        RAISE EXCEPTION 'custody_event %: % must start with collected, once', p_key, v_ref USING ERRCODE = 'check_violation';
    ELSIF v_disposed THEN
        RAISE EXCEPTION 'custody_event %: % was disposed of', p_key, v_ref USING ERRCODE = 'check_violation';
    ELSIF v_sealed AND v_action NOT IN ('released', 'accessed') THEN
        RAISE EXCEPTION 'custody_event %: % is sealed: % refused', p_key, v_ref, v_action USING ERRCODE = 'check_violation';
    ELSIF v_action = 'released' AND NOT v_sealed THEN
        RAISE EXCEPTION 'custody_event %: % is not sealed', p_key, v_ref USING ERRCODE = 'check_violation';
    ELSIF v_action = 'transferred' AND (v_holder IS NULL OR lower(p_doc->>'from_holder') IS DISTINCT FROM lower(v_holder)) THEN
        RAISE EXCEPTION 'custody_event %: % is held by %, not %', p_key, v_ref, v_holder, p_doc->>'from_holder'
            USING ERRCODE = 'check_violation';
    ELSIF v_last IS NOT NULL AND v_at < v_last THEN
        RAISE EXCEPTION 'custody_event %: % is before the previous event of % (%)', p_key, v_at, v_ref, v_last
            USING ERRCODE = 'check_violation';
    END IF;
END
$$;

CREATE FUNCTION compliance_ledger_append(p_kind text, p_key text, p_state text)
RETURNS TABLE (seq bigint, entry_hash text)
LANGUAGE plpgsql SECURITY DEFINER SET search_path = {schema}, pg_temp SET lock_timeout = '10s' AS $$
DECLARE
    v_seq bigint; v_prev text; v_at text; v_role text := session_user::text; v_text text; v_hash text; v_doc jsonb;
BEGIN
    SELECT h.seq, h.entry_hash INTO v_seq, v_prev FROM ledger_head h WHERE h.id = 1 FOR UPDATE;
    IF NOT FOUND THEN
        RAISE EXCEPTION 'ledger head: row missing' USING ERRCODE = 'integrity_constraint_violation';
    END IF;
    IF p_kind !~ '^[a-z][a-z0-9_]{{0,63}}$' OR p_key IS NULL OR length(p_key) > 128 THEN
        RAISE EXCEPTION 'ledger: bad kind or key' USING ERRCODE = 'check_violation';
    END IF;
    v_doc := p_state::jsonb;  -- must be JSON
    IF p_kind = 'custody_event' AND p_state <> 'null' THEN
        PERFORM compliance_custody_check(p_key, v_doc);
    END IF;
    v_seq := v_seq + 1;
    v_prev := coalesce(v_prev, repeat('0', 64));
    v_at := to_char(clock_timestamp() AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"');
    v_text := '{{"db_role":' || to_json(v_role)::text || ',"format":1,"key":' || to_json(p_key)::text
              || ',"kind":' || to_json(p_kind)::text || ',"prev_hash":"' || v_prev || '","recorded_at":"' || v_at
              || '","seq":' || v_seq || ',"state":' || p_state || '}}';
    v_hash := encode(sha256(convert_to(v_text, 'UTF8')), 'hex');
    INSERT INTO ledger_entry (seq, kind, entity_key, format, state, prev_hash, entry_hash, recorded_at, db_role)
    VALUES (v_seq, p_kind, p_key, 1, p_state, v_prev, v_hash, v_at, v_role);
    UPDATE ledger_head SET seq = v_seq, entry_hash = v_hash WHERE id = 1;
    RETURN QUERY SELECT v_seq, v_hash;
END
$$;

REVOKE ALL ON FUNCTION compliance_ledger_lock() FROM PUBLIC;
REVOKE ALL ON FUNCTION compliance_custody_check(text, jsonb) FROM PUBLIC;
REVOKE ALL ON FUNCTION compliance_ledger_append(text, text, text) FROM PUBLIC;
"""

# The ledger comes last in the chain: the back-fill reads every tracked table with the model's columns, which
# exist only once every earlier migration has run. A later migration that adds a column to a tracked table must
# re-snapshot that table's rows into the ledger (append_states) so that old stores keep verifying.
BACKFILL_ORDER = ("incident", "incident_change", "timeline_entry", "notification", "notification_waiver", "postmortem",
                  "action_item", "evidence", "custody_event", "incident_declaration", "breach_assessment",
                  "programme_evidence")


def upgrade() -> None:
    op.create_table(
        "ledger_entry",
        sa.Column("seq", sa.BigInteger(), autoincrement=False, nullable=False),
        sa.Column("kind", sa.String(length=64), nullable=False),
        sa.Column("entity_key", sa.String(length=128), nullable=False),
        sa.Column("format", sa.Integer(), nullable=False),
        sa.Column("state", sa.Text(), nullable=False),
        sa.Column("prev_hash", sa.String(length=64), nullable=False),
        sa.Column("entry_hash", sa.String(length=64), nullable=False),
        sa.Column("recorded_at", sa.String(length=32), nullable=False),
        sa.Column("db_role", sa.String(length=128), nullable=True),
        sa.PrimaryKeyConstraint("seq"),
        sa.UniqueConstraint("entry_hash"),
    )
    op.create_index(op.f("ix_ledger_entry_kind"), "ledger_entry", ["kind"], unique=False)
    head = op.create_table(
        "ledger_head",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("seq", sa.BigInteger(), nullable=False),
        sa.Column("entry_hash", sa.String(length=64), nullable=True),
        sa.PrimaryKeyConstraint("id"),
    )
    op.bulk_insert(head, [{"id": 1, "seq": 0, "entry_hash": None}])
    conn = op.get_bind()
    _backfill(conn)
    if conn.dialect.name == "sqlite":
        for table in APPEND_ONLY:
            for verb in ("UPDATE", "DELETE"):
                op.execute(f"CREATE TRIGGER {table}_no_{verb.lower()} BEFORE {verb} ON {table} "
                           f"BEGIN SELECT RAISE(ABORT, '{table} is append-only: {verb} refused'); END")
        op.execute("CREATE TRIGGER ledger_head_no_delete BEFORE DELETE ON ledger_head "
                   "BEGIN SELECT RAISE(ABORT, 'ledger_head is the ledger head: DELETE refused'); END")
    elif conn.dialect.name == "postgresql":
        schema = conn.execute(sa.text("SELECT current_schema()")).scalar_one()
        quoted = conn.dialect.identifier_preparer.quote(schema)
        conn.connection.driver_connection.execute(_PG_FUNCTIONS.format(schema=quoted))  # no placeholder parsing
        for table in APPEND_ONLY:
            op.execute(f"CREATE TRIGGER {table}_append_only BEFORE UPDATE OR DELETE ON {table} FOR EACH ROW "
                       "EXECUTE FUNCTION compliance_refuse_change()")
            op.execute(f"CREATE TRIGGER {table}_no_truncate BEFORE TRUNCATE ON {table} FOR EACH STATEMENT "
                       "EXECUTE FUNCTION compliance_refuse_change()")
        op.execute("CREATE TRIGGER ledger_head_no_delete BEFORE DELETE ON ledger_head FOR EACH ROW "
                   "EXECUTE FUNCTION compliance_refuse_change()")
        op.execute("CREATE TRIGGER ledger_head_no_truncate BEFORE TRUNCATE ON ledger_head FOR EACH STATEMENT "
                   "EXECUTE FUNCTION compliance_refuse_change()")


def _backfill(conn) -> None:
    """One entry per existing row, in a fixed order (custody events in chain order), hashed here."""
    from compliance.db.ledger.canonical import canonical_state
    from compliance.db.ledger.service import append_states
    from compliance.db.metadata import get_metadata

    metadata = get_metadata()
    changes = []
    for name in BACKFILL_ORDER:
        table = metadata.tables[name]
        order = [table.c.seq] if name == "custody_event" else list(table.primary_key.columns)
        columns = [c.name for c in table.columns]
        for row in conn.execute(sa.select(*table.columns).order_by(*order)):
            mapping = row._mapping
            key = "/".join(str(mapping[c.name]) for c in table.primary_key.columns)
            changes.append((name, key, canonical_state({c: mapping[c] for c in columns})))
    if changes:
        append_states(conn, changes, server=False)


def downgrade() -> None:
    conn = op.get_bind()
    if conn.dialect.name == "sqlite":
        for table in APPEND_ONLY:
            for verb in ("update", "delete"):
                op.execute(f"DROP TRIGGER IF EXISTS {table}_no_{verb}")
        op.execute("DROP TRIGGER IF EXISTS ledger_head_no_delete")
    else:
        for table in APPEND_ONLY[1:]:
            op.execute(f"DROP TRIGGER IF EXISTS {table}_append_only ON {table}")
            op.execute(f"DROP TRIGGER IF EXISTS {table}_no_truncate ON {table}")
        op.execute("DROP FUNCTION IF EXISTS compliance_ledger_append(text, text, text)")
        op.execute("DROP FUNCTION IF EXISTS compliance_custody_check(text, jsonb)")
        op.execute("DROP FUNCTION IF EXISTS compliance_ledger_lock()")
    op.drop_table("ledger_head")
    op.drop_index(op.f("ix_ledger_entry_kind"), table_name="ledger_entry")
    op.drop_table("ledger_entry")
