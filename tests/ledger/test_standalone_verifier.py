"""The auditor's standalone script (notes/ledger-verify.md) agrees with the library, and the JCS form is RFC 8785."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import rfc8785
from hypothesis import given, settings
from hypothesis import strategies as st

from compliance.db.ledger.canonical import jcs
from compliance.db.ledger.chain import LedgerChecker, entry_hash
from tests.custody.helpers import triggers_bypassed

SCRIPT = Path(__file__).resolve().parents[2] / "scripts" / "verify_ledger.py"


def _run(*args):
    return subprocess.run([sys.executable, str(SCRIPT), *map(str, args)], capture_output=True, text=True)


def _sqlite_path(store) -> str:
    return store.url.removeprefix("sqlite:///")


def test_the_script_recomputes_an_intact_ledger_and_names_an_edited_entry(store, recorded):
    from compliance.integrity.service import verify_store

    if store.dialect == "postgresql":  # exported with psql's \copy, as the notes say
        import csv
        import tempfile

        with store.engine.begin() as conn:
            rows = conn.exec_driver_sql("SELECT seq, kind, entity_key, format, state, prev_hash, recorded_at, "
                                        "db_role, entry_hash FROM ledger_entry ORDER BY seq").all()
        path = Path(tempfile.mkdtemp()) / "ledger.csv"
        with open(path, "w", newline="", encoding="utf-8") as fh:
            writer = csv.writer(fh)
            writer.writerow(["seq", "kind", "entity_key", "format", "state", "prev_hash", "recorded_at", "db_role",
                             "entry_hash"])
            writer.writerows(rows)
        source = str(path)
    else:
        source = _sqlite_path(store)
    done = _run(source)
    result = verify_store(store=store)
    assert done.returncode == 0, done.stdout + done.stderr
    assert done.stdout.strip() == f"intact: {result.length} entries, head {result.ledger.head_hash}"
    assert _run(source, "--head", 3, "0" * 64).returncode == 4
    if store.dialect == "sqlite":
        with triggers_bypassed(store, "ledger_entry") as conn:
            seq = conn.exec_driver_sql("SELECT min(seq) FROM ledger_entry WHERE kind = 'incident'").scalar_one()
            conn.exec_driver_sql(f"UPDATE ledger_entry SET state = replace(state, 'sev2', 'sev4') WHERE seq = {seq}")
        broken = _run(source)
        assert broken.returncode == 4 and broken.stdout.startswith(f"BROKEN: entry {seq} (incident 1): entry_hash")


json_values = st.recursive(
    st.none() | st.booleans() | st.integers(min_value=-(2 ** 53) + 1, max_value=2 ** 53 - 1)
    | st.floats(allow_nan=False, allow_infinity=False) | st.text(),
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=6), inner, max_size=4),
    max_leaves=20)


@given(json_values)
@settings(max_examples=400, deadline=None)
def test_jcs_writes_exactly_what_the_rfc8785_library_writes(value):
    assert jcs(value).encode("utf-8") == rfc8785.dumps(value)


@given(st.lists(st.tuples(st.sampled_from(["incident", "evidence", "custody_event"]), st.integers(1, 50),
                          json_values), min_size=1, max_size=12),
       st.data())
@settings(max_examples=150, deadline=None)
def test_a_chain_verifies_and_any_single_change_breaks_it(items, data):
    prev, rows = "0" * 64, []
    for seq, (kind, key, state) in enumerate(items, start=1):
        row = [seq, kind, str(key), jcs(state), prev, "2026-03-01T00:00:00.000000Z", None, 1]
        prev = entry_hash(seq=seq, kind=kind, key=str(key), state=row[3], prev_hash=row[4], recorded_at=row[5],
                          db_role=None)
        rows.append(tuple(row + [prev]))
    checker = LedgerChecker()
    for row in rows:
        checker.check_row(row)
    checker.finish(head_seq=len(rows), head_hash=prev)
    assert checker.first_break is None
    index = data.draw(st.integers(0, len(rows) - 1))
    column = data.draw(st.sampled_from([0, 1, 2, 3, 5, 8]))
    row = list(rows[index])
    row[column] = row[column] + 1 if column == 0 else row[column] + "x" if column != 3 else row[column] + " "
    tampered = rows[:index] + [tuple(row)] + rows[index + 1:]
    checker = LedgerChecker()
    for r in tampered:
        checker.check_row(r)
    checker.finish(head_seq=len(rows), head_hash=prev)
    assert checker.first_break is not None
    dropped = rows[:-1]
    checker = LedgerChecker()
    for r in dropped:
        checker.check_row(r)
    checker.finish(head_seq=len(rows), head_hash=prev)
    assert checker.first_break is not None and checker.first_break.item == "ledger head"


def test_the_per_table_canonicaliser_equals_the_definition_on_every_tracked_row(store, recorded):
    from sqlalchemy import select

    from compliance.db.ledger.canonical import canonical_state, row_canonicaliser
    from compliance.db.ledger.registry import tracked_kinds
    from compliance.db.metadata import get_metadata

    metadata, seen = get_metadata(), 0
    with store.engine.connect() as conn:
        for name in tracked_kinds():
            columns = list(metadata.tables[name].columns)
            fast = row_canonicaliser(columns)
            for row in conn.execute(select(*columns)):
                assert fast(row) == canonical_state({c.name: row[i] for i, c in enumerate(columns)})
                seen += 1
    assert seen >= 10
