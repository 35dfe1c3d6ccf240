"""Programme documents (PE-0001) get custody events in the one store-wide custody chain (issue 14 §2).

Design: `custody_event.evidence_id` becomes nullable; a programme document's events carry no evidence id and its
ref (PE-0001) in `evidence_ref`, which the event hash already covers (CU-CHN-1), so they chain with the evidence
items' events without a new hash format. A CHECK allows exactly one owner: an evidence id with an EV ref, or none
with a PE ref; an insert trigger (both dialects) refuses a PE ref naming no programme document; `evidence_ref`
gets an index for the per-document lookups.

Why no `programme_evidence_id` column (the design first written in notes/verdicts.md): the ledger records every
column of a custody event, so a new column changes the recorded row shape of every existing event and forces a
re-snapshot of all of them into the ledger. On PostgreSQL those entries would carry the migrating role as
db_role, and the custody replay (IN-RUL-1) compares each event's db_role with its latest ledger entry: every event
the writer role had recorded would then read as broken, or the re-snapshot would have to claim a role it was not
recorded by. Keeping the columns as they are changes no recorded row (an evidence event's state is byte for byte
what the ledger holds), so nothing is re-snapshotted. The foreign key the column would have given is the insert
trigger here; programme rows are never updated or deleted (append-only), so a ref names one document forever, and
verification names any event whose PE ref names no document.

On SQLite the nullable column is a table rebuild (batch mode): the append-only triggers of 0002_evidence_custody
are dropped first and recreated with the same names and messages. On PostgreSQL the table is altered in place
(its triggers and the roles' grants stay) and compliance_custody_check() (0010_ledger, run by
compliance_ledger_append for every custody event) replays a programme document's own events, found by ref.

Documents added before this revision had no custody event. Telling them apart from a document whose events were
removed would need a marker an attacker could not move, so instead each gets one `collected` event now, stamped
with the upgrade instant and saying so: actor "compliance init (schema upgrade 0016_programme_custody)", holder
the person who recorded the document, and a reason giving the instant and person of the original record and that
the SHA-256 is copied from the record (the blob is re-hashed by `custody verify`, not here). Nothing is invented:
the event states what happened at the upgrade. Each back-filled event enters the ledger in the same transaction.

Revision ID: 0016_programme_custody
Revises: 0011_settings_ledger
"""
import sqlalchemy as sa
from alembic import op

revision = "0016_programme_custody"
down_revision = "0011_settings_ledger"
branch_labels = None
depends_on = None

OWNER_CHECK = "(evidence_id IS NULL) = (evidence_ref LIKE 'PE-%')"
BACKFILL_ACTOR = "compliance init (schema upgrade 0016_programme_custody)"

# Exactly as 0002_evidence_custody created them (a SQLite table rebuild drops a table's triggers).
_SQLITE_APPEND_ONLY = [
    ("custody_event_no_update", "BEFORE UPDATE ON custody_event", "custody_event is append-only: UPDATE refused"),
    ("custody_event_no_delete", "BEFORE DELETE ON custody_event", "custody_event is append-only: DELETE refused"),
]
_SQLITE_PROGRAMME_REF = (
    "CREATE TRIGGER custody_event_programme_ref BEFORE INSERT ON custody_event "
    "WHEN NEW.evidence_id IS NULL AND NOT EXISTS (SELECT 1 FROM programme_evidence WHERE ref = NEW.evidence_ref) "
    "BEGIN SELECT RAISE(ABORT, 'custody_event: a programme custody event must name an existing programme document'); "
    "END")

_PG_PROGRAMME_REF = """
CREATE FUNCTION compliance_custody_programme_ref() RETURNS trigger
LANGUAGE plpgsql SET search_path = {schema}, pg_temp AS $$
BEGIN
    IF NEW.evidence_id IS NULL AND NOT EXISTS (SELECT 1 FROM programme_evidence WHERE ref = NEW.evidence_ref) THEN
        RAISE EXCEPTION 'custody_event: % names no programme document', NEW.evidence_ref
            USING ERRCODE = 'foreign_key_violation';
    END IF;
    RETURN NEW;
END
$$;
CREATE TRIGGER custody_event_programme_ref BEFORE INSERT ON custody_event FOR EACH ROW
    EXECUTE FUNCTION compliance_custody_programme_ref();
"""

# compliance_custody_check() of 0010_ledger with the events of the item selected by `{where}`. CREATE OR REPLACE
# keeps its owner, SECURITY DEFINER and grants (EXECUTE revoked from PUBLIC).
_PG_CHECK = """
CREATE OR REPLACE FUNCTION compliance_custody_check(p_key text, p_doc jsonb) RETURNS void
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
             WHERE {where} AND id <> p_key::int ORDER BY seq LOOP
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
"""
_WHERE_OWNER = ("CASE WHEN p_doc->>'evidence_id' IS NULL THEN evidence_id IS NULL AND evidence_ref = v_ref "
                "ELSE evidence_id = (p_doc->>'evidence_id')::int END")
_WHERE_EVIDENCE = "evidence_id = (p_doc->>'evidence_id')::int"  # as 0010_ledger wrote it


def _run_pg(conn, sql: str) -> None:
    schema = conn.execute(sa.text("SELECT current_schema()")).scalar_one()
    quoted = conn.dialect.identifier_preparer.quote(schema)
    conn.connection.driver_connection.execute(sql.replace("{schema}", quoted))  # no placeholder parsing (the % signs)


def upgrade() -> None:
    conn = op.get_bind()
    if conn.dialect.name == "sqlite":
        for name, _when, _message in _SQLITE_APPEND_ONLY:
            op.execute(f"DROP TRIGGER IF EXISTS {name}")
        with op.batch_alter_table("custody_event", recreate="always") as batch:
            batch.alter_column("evidence_id", existing_type=sa.Integer(), nullable=True)
            batch.create_check_constraint("ck_custody_event_one_owner", OWNER_CHECK)
        for name, when, message in _SQLITE_APPEND_ONLY:
            op.execute(f"CREATE TRIGGER {name} {when} BEGIN SELECT RAISE(ABORT, '{message}'); END")
        op.execute(_SQLITE_PROGRAMME_REF)
    else:
        op.alter_column("custody_event", "evidence_id", existing_type=sa.Integer(), nullable=True)
        op.create_check_constraint("ck_custody_event_one_owner", "custody_event", OWNER_CHECK)
        _run_pg(conn, _PG_PROGRAMME_REF)
        _run_pg(conn, _PG_CHECK.replace("{where}", _WHERE_OWNER))
    op.create_index(op.f("ix_custody_event_evidence_ref"), "custody_event", ["evidence_ref"], unique=False)
    _backfill_collected(conn)


def _backfill_collected(conn) -> None:
    """One honest `collected` event (and its ledger entry) per programme document the store already holds."""
    from compliance.core.timeutil import utcnow
    from compliance.custody.chain import GENESIS, compute_event_hash
    from compliance.db.ledger.canonical import canonical_instant, canonical_state
    from compliance.db.ledger.service import append_states
    from compliance.db.metadata import get_metadata

    tables = get_metadata().tables
    documents, events = tables["programme_evidence"], tables["custody_event"]
    rows = conn.execute(sa.select(documents.c.ref, documents.c.sha256, documents.c.recorded_by,
                                  documents.c.recorded_at).order_by(documents.c.number)).all()
    if not rows:
        return
    last = conn.execute(sa.select(events.c.seq, events.c.event_hash).order_by(events.c.seq.desc()).limit(1)).first()
    seq, prev = (last[0], last[1]) if last else (0, GENESIS)
    first_seq, now = seq + 1, utcnow()
    role = conn.execute(sa.text("SELECT session_user")).scalar_one() if conn.dialect.name == "postgresql" else None
    for ref, sha256, recorded_by, recorded_at in rows:
        seq += 1
        event = {"seq": seq, "evidence_id": None, "evidence_ref": ref, "action": "collected", "at": now,
                 "actor": BACKFILL_ACTOR, "db_role": role, "from_holder": None, "to_holder": recorded_by,
                 "location": None, "sha256": sha256, "prev_hash": prev,
                 "reason": (f"recorded at upgrade: document added at {canonical_instant(recorded_at)} by "
                            f"{recorded_by}, before programme documents had custody events; sha256 copied from "
                            "its record (the blob is re-hashed by 'compliance custody verify')")}
        event["event_hash"] = prev = compute_event_hash(event)
        conn.execute(events.insert().values(**event))
    conn.execute(sa.text("UPDATE custody_head SET seq = :seq, event_hash = :h WHERE id = 1"), {"seq": seq, "h": prev})
    columns = [c.name for c in events.columns]
    changes = [("custody_event", str(row._mapping["id"]), canonical_state({c: row._mapping[c] for c in columns}))
               for row in conn.execute(sa.select(*events.columns).where(events.c.seq >= first_seq)
                                       .order_by(events.c.seq))]
    append_states(conn, changes, server=False)


def downgrade() -> None:
    conn = op.get_bind()
    if conn.execute(sa.text("SELECT count(*) FROM custody_event WHERE evidence_id IS NULL")).scalar_one():
        raise RuntimeError("custody events of programme documents exist: they cannot be removed (append-only)")
    op.drop_index(op.f("ix_custody_event_evidence_ref"), table_name="custody_event")
    if conn.dialect.name == "sqlite":
        for name in [n for n, _w, _m in _SQLITE_APPEND_ONLY] + ["custody_event_programme_ref"]:
            op.execute(f"DROP TRIGGER IF EXISTS {name}")
        with op.batch_alter_table("custody_event", recreate="always") as batch:
            batch.drop_constraint("ck_custody_event_one_owner", type_="check")
            batch.alter_column("evidence_id", existing_type=sa.Integer(), nullable=False)
        for name, when, message in _SQLITE_APPEND_ONLY:
            op.execute(f"CREATE TRIGGER {name} {when} BEGIN SELECT RAISE(ABORT, '{message}'); END")
    else:
        _run_pg(conn, _PG_CHECK.replace("{where}", _WHERE_EVIDENCE))
        op.execute("DROP TRIGGER IF EXISTS custody_event_programme_ref ON custody_event")
        op.execute("DROP FUNCTION IF EXISTS compliance_custody_programme_ref()")
        op.drop_constraint("ck_custody_event_one_owner", "custody_event", type_="check")
        op.alter_column("custody_event", "evidence_id", existing_type=sa.Integer(), nullable=False)
