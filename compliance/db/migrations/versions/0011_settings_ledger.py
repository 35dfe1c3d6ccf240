"""Store settings in the ledger: every change to a setting row (time zone, significance rules, review rules,
deadline windows, …) is a ledger entry from now on, and the settings a store holds today are back-filled.

Settings change deadline results and verdicts, so an auditor relies on them as on any record: a setting edited
behind the application's back no longer matches its latest ledger entry, and a pack's statements re-derive with
the settings as the ledger held them when the pack was made.

Revision ID: 0011_settings_ledger
Revises: 0015_delays
"""
import sqlalchemy as sa
from alembic import op

revision = "0011_settings_ledger"
down_revision = "0015_delays"
branch_labels = None
depends_on = None


def upgrade() -> None:
    from compliance.db.ledger.canonical import canonical_state
    from compliance.db.ledger.registry import is_local_row
    from compliance.db.ledger.service import append_states
    from compliance.db.metadata import get_metadata
    from compliance.db.settings import SINCE_KEY, SINCE_VALUE

    conn = op.get_bind()
    table = get_metadata().tables["setting"]
    if conn.execute(sa.text("SELECT count(*) FROM ledger_entry")).scalar_one():
        # Records older than settings in the ledger: mark where recorded settings begin (ST-LED-2). A new store
        # has none, and needs no marker (every record it will hold comes after its settings' history begins).
        conn.execute(table.insert().values(key=SINCE_KEY, value=SINCE_VALUE))
    columns = [c.name for c in table.columns]
    changes = []
    for row in conn.execute(sa.select(*table.columns).order_by(table.c.key != SINCE_KEY, table.c.key)):
        mapping = row._mapping
        if is_local_row("setting", str(mapping["key"])):
            continue  # the evidence folder's path: machine-local, not a record (LG-REG-3)
        changes.append(("setting", str(mapping["key"]), canonical_state({c: mapping[c] for c in columns})))
    if changes:
        append_states(conn, changes, server=False)


def downgrade() -> None:
    """The ledger is append-only: the back-filled entries stay (an older version ignores the kind it does not track)."""
