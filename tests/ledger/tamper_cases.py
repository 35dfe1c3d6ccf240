"""The tamper table: (case name, tamper function, expected named failure), run by every variant of the tamper suite.

Each tamper function takes a SQLAlchemy connection inside one transaction. The variants differ only in who holds
that connection: a superuser with the guard triggers off (PostgreSQL `session_replication_role = replica`, SQLite
triggers dropped), or the writer role (PostgreSQL login in the writer group; SQLite: the store's own connection,
triggers in place). A case is caught by `compliance verify` (via "verify": one listed problem names every
fragment) or, when the rewrite is consistent, only by an old pack's ledger head (via "old pack": the named check
of `report verify OLD_PACK --store` fails with every fragment in its detail).
"""

from __future__ import annotations

import contextlib
import json
from collections.abc import Callable
from dataclasses import dataclass

from sqlalchemy import bindparam, text
from sqlalchemy.types import JSON

from compliance.db.ledger.canonical import canonical_state, jcs
from compliance.db.ledger.chain import entry_hash
from tests.conftest import at


@dataclass(frozen=True)
class Case:
    """One way to tamper with a store, and the failure that must name it."""

    name: str
    tamper: Callable
    expect: tuple[str, ...]
    via: str = "verify"  # or "old pack"
    check: str = ""  # the failing check of `report verify --store` (via "old pack")


@contextlib.contextmanager
def superuser_bypass(store):
    """Yields a connection on which no guard trigger fires (committed on exit, triggers restored on SQLite)."""
    with store.engine.begin() as conn:
        if store.dialect == "postgresql":
            conn.execute(text("SET LOCAL session_replication_role = replica"))
            yield conn
            return
        saved = conn.execute(text("SELECT name, sql FROM sqlite_master WHERE type = 'trigger'")).all()
        for name, _sql in saved:
            conn.execute(text(f'DROP TRIGGER "{name}"'))
        yield conn
        for _name, sql in saved:
            conn.execute(text(sql))


def entries(conn) -> list[dict]:
    """Returns every ledger entry as a dict, in seq order."""
    rows = conn.execute(text("SELECT seq, kind, entity_key, state, prev_hash, recorded_at, db_role, entry_hash "
                             "FROM ledger_entry ORDER BY seq")).mappings().all()
    return [dict(r) for r in rows]


def rehash_ledger(conn, edit: Callable[[dict], None]) -> None:
    """Rewrites the whole ledger with `edit` applied to each entry's state and every hash recomputed, head included."""
    rows = entries(conn)
    conn.execute(text("DELETE FROM ledger_entry"))
    prev = "0" * 64
    for e in rows:
        if e["state"] != "null":
            state = json.loads(e["state"])
            edit(e["kind"], state)
            e["state"] = jcs(state)
        e["prev_hash"] = prev
        e["entry_hash"] = prev = entry_hash(seq=e["seq"], kind=e["kind"], key=e["entity_key"], state=e["state"],
                                            prev_hash=prev, recorded_at=e["recorded_at"], db_role=e["db_role"])
        conn.execute(text("INSERT INTO ledger_entry (seq, kind, entity_key, format, state, prev_hash, entry_hash, "
                          "recorded_at, db_role) VALUES (:seq, :kind, :entity_key, 1, :state, :prev_hash, "
                          ":entry_hash, :recorded_at, :db_role)"), e)
    conn.execute(text("UPDATE ledger_head SET seq = :s, entry_hash = :h"), {"s": rows[-1]["seq"], "h": prev})


def fix_head(conn) -> None:
    """Points the ledger head at the last entry left."""
    last = conn.execute(text("SELECT seq, entry_hash FROM ledger_entry ORDER BY seq DESC LIMIT 1")).one()
    conn.execute(text("UPDATE ledger_head SET seq = :s, entry_hash = :h"), {"s": last[0], "h": last[1]})


def forge_custody(conn, *, action, at_, from_holder=None, to_holder=None, db_role="postgres") -> None:
    """Appends a custody event with a correct custody hash and a correct ledger entry, as a superuser could."""
    from compliance.custody.chain import compute_event_hash
    from compliance.db.ledger.service import append_states
    from compliance.db.metadata import get_metadata

    last = conn.execute(text("SELECT seq, event_hash, evidence_id, evidence_ref, sha256 FROM custody_event "
                             "ORDER BY seq DESC LIMIT 1")).one()
    event = {"id": last[0] + 100, "seq": last[0] + 1, "evidence_id": last[2], "evidence_ref": last[3],
             "action": action, "at": at(at_), "actor": "Mallory", "db_role": db_role, "from_holder": from_holder,
             "to_holder": to_holder, "location": None, "reason": "forged", "sha256": last[4], "prev_hash": last[1]}
    event["event_hash"] = compute_event_hash(event)
    table = get_metadata().tables["custody_event"]
    conn.execute(table.insert(), event)
    conn.execute(text("UPDATE custody_head SET seq = :s, event_hash = :h"), {"s": event["seq"], "h": event["event_hash"]})
    columns = [c.name for c in table.columns]
    append_states(conn, [("custody_event", str(event["id"]), canonical_state({c: event[c] for c in columns}))],
                  server=False)


def plant_programme_document(conn, *, event_sha: str | None = None, then: str | None = None) -> None:
    """Adds PE-0001 and its `collected` event with correct hashes and ledger entries, as a superuser could;
    `event_sha` gives the event another SHA-256 than the document's; `then` is a statement run afterwards."""
    from compliance.custody.chain import compute_event_hash
    from compliance.db.ledger.service import append_states
    from compliance.db.metadata import get_metadata

    tables = get_metadata().tables
    document = {"id": 1, "number": 1, "ref": "PE-0001", "kind": "ir_plan", "title": "IR plan", "version": None,
                "filename": "plan.pdf", "size": 3, "sha256": "a" * 64, "approved_by": "CISO",
                "approved_at": at("2026-01-02T00:00:00Z"), "valid_from": at("2026-01-01T00:00:00Z").date(),
                "valid_until": None, "recorded_by": "Dana Ruiz", "recorded_at": at("2026-01-02T00:00:00Z")}
    conn.execute(tables["programme_evidence"].insert(), document)
    last = conn.execute(text("SELECT seq, event_hash FROM custody_event ORDER BY seq DESC LIMIT 1")).one()
    event = {"id": last[0] + 100, "seq": last[0] + 1, "evidence_id": None, "evidence_ref": "PE-0001",
             "action": "collected", "at": document["recorded_at"], "actor": "Dana Ruiz", "db_role": "postgres",
             "from_holder": None, "to_holder": "Dana Ruiz", "location": None, "reason": None,
             "sha256": event_sha or document["sha256"], "prev_hash": last[1]}
    event["event_hash"] = compute_event_hash(event)
    conn.execute(tables["custody_event"].insert(), event)
    conn.execute(text("UPDATE custody_head SET seq = :s, event_hash = :h"), {"s": event["seq"], "h": event["event_hash"]})
    append_states(conn, [(name, "1" if name == "programme_evidence" else str(row["id"]),
                          canonical_state({c.name: row[c.name] for c in tables[name].columns}))
                         for name, row in (("programme_evidence", document), ("custody_event", event))], server=False)
    if then:
        conn.execute(text(then))


def edit_setting(conn) -> None:
    """Moves the organisation's time zone behind the application's back (calendar-day deadlines shift)."""
    value = bindparam("v", {"timezone": "Pacific/Kiritimati"}, type_=JSON())
    conn.execute(text("UPDATE setting SET value = :v WHERE key = 'deadlines'").bindparams(value))


def reorder(conn) -> None:
    conn.execute(text("UPDATE ledger_entry SET seq = -2 WHERE seq = 2"))
    conn.execute(text("UPDATE ledger_entry SET seq = 2 WHERE seq = 3"))
    conn.execute(text("UPDATE ledger_entry SET seq = 3 WHERE seq = -2"))


def truncate_tail(conn) -> None:
    conn.execute(text("DELETE FROM ledger_entry WHERE seq = (SELECT seq FROM ledger_head)"))


def cut_tail_fix_head(conn) -> None:
    sealed = conn.execute(text("SELECT seq FROM ledger_entry WHERE kind = 'custody_event' "
                               "ORDER BY seq DESC LIMIT 1")).scalar_one()
    conn.execute(text("DELETE FROM ledger_entry WHERE seq >= :s"), {"s": sealed})
    fix_head(conn)


def cut_tail_with_its_rows(conn) -> None:
    """Removes the waiver and its ledger entry (the last) and fixes the head: rows and ledger agree again."""
    last = conn.execute(text("SELECT seq, kind, entity_key FROM ledger_entry ORDER BY seq DESC LIMIT 1")).one()
    assert last[1] == "notification_waiver", last
    conn.execute(text("DELETE FROM notification_waiver WHERE id = :k"), {"k": int(last[2])})
    conn.execute(text("DELETE FROM ledger_entry WHERE seq = :s"), {"s": last[0]})
    fix_head(conn)


def rehash_with_edited_state(conn) -> None:
    def edit(kind, state):
        if kind == "incident":
            state["aware_at"] = state["detected_at"]
    rehash_ledger(conn, edit)


def rewrite_history_consistently(conn) -> None:
    """The filing made on time in row and ledger alike, every hash recomputed: only an old head sees it."""
    conn.execute(text("UPDATE notification SET notified_at = :t, late = false"), {"t": at("2026-03-05T10:00:00Z")})

    def edit(kind, state):
        if kind == "notification":
            state.update(notified_at="2026-03-05T10:00:00.000000Z", late=False)
    rehash_ledger(conn, edit)


def forge_late_flag(conn) -> None:
    conn.execute(text("UPDATE notification SET late = false"))

    def edit(kind, state):
        if kind == "notification":
            state["late"] = False
    rehash_ledger(conn, edit)


def insert_timeline_row(conn) -> None:
    conn.execute(text("INSERT INTO timeline_entry (incident_id, at, kind, text, customer_visible, created_at) "
                      "VALUES (1, :t, 'other', 'planted', false, :t)"), {"t": at("2026-03-01T09:00:00Z")})


def sql(*statements: str) -> Callable:
    """A tamper function running `statements` in order."""
    def run(conn) -> None:
        for statement in statements:
            conn.execute(text(statement))
    return run


CASES = [
    Case("edit a ledger entry", sql("UPDATE ledger_entry SET state = replace(state, 'Dana Ruiz', 'Mallory') "
                                    "WHERE kind = 'evidence'"), ("ledger entry", "entry_hash does not match")),
    Case("delete a ledger entry", sql("DELETE FROM ledger_entry WHERE seq = 3"), ("ledger entry 3", "missing")),
    Case("reorder ledger entries", reorder, ("ledger entry 2",)),
    Case("truncate the tail", truncate_tail, ("ledger head", "the last entry is not the recorded head")),
    Case("cut the tail and fix the head", cut_tail_fix_head, ("custody_event 3", "not in the ledger")),
    Case("cut the tail with its rows and fix the head", cut_tail_with_its_rows,
         ("no longer holds the pack's ledger head",), via="old pack", check="ledger head"),
    Case("re-hash the whole ledger with an edited state", rehash_with_edited_state,
         ("incident 1", "differs from its latest ledger entry", "aware_at")),
    Case("re-hash the whole ledger and the rows consistently", rewrite_history_consistently,
         ("no longer holds the pack's ledger head",), via="old pack", check="ledger head"),
    Case("forge a late flag in row and ledger", forge_late_flag,
         ("notification 1", "late flag differs from the deadline rules", "late=True", "late=False")),
    Case("forge a hash-valid transfer of a sealed item",
         lambda conn: forge_custody(conn, action="transferred", at_="2026-03-02T11:00:00Z",
                                    from_holder="Forensics Ltd", to_holder="Mallory"),
         ("custody event 4", "breaks the custody rules", "sealed")),
    Case("back-date an event", lambda conn: forge_custody(conn, action="released", at_="2026-03-02T09:30:00Z"),
         ("custody event 4", "before the previous custody event")),
    Case("date an event after its recording",
         lambda conn: forge_custody(conn, action="released", at_="2099-01-01T00:00:00Z"),
         ("custody event 4", "later than its recording")),
    Case("edit a programme document's custody event",
         lambda conn: plant_programme_document(conn, then="UPDATE custody_event SET to_holder = 'Mallory' "
                                                          "WHERE evidence_ref = 'PE-0001'"),
         ("event 4", "event_hash does not match its content")),
    Case("forge a hash-valid collected event of a programme document with another SHA-256",
         lambda conn: plant_programme_document(conn, event_sha="f" * 64),
         ("PE-0001", "differs from its 'collected' event")),
    Case("edit an incident instant", sql("UPDATE incident SET aware_at = detected_at"),
         ("incident 1", "edited behind the application's back", "aware_at")),
    Case("edit a filing", sql("UPDATE notification SET late = false"), ("notification 1", "edited behind", "late=")),
    Case("edit a waiver", sql("UPDATE notification_waiver SET reason = 'because'"),
         ("notification_waiver 1", "edited behind", "reason=")),
    Case("edit the audit trail", sql("UPDATE incident_change SET new_value = 'open' WHERE seq = 2"),
         ("incident_change", "edited behind", "new_value=")),
    Case("delete the audit trail", sql("DELETE FROM incident_change"), ("incident_change", "gone (deleted behind")),
    Case("insert a row without the ledger", insert_timeline_row, ("timeline_entry", "not in the ledger")),
    Case("edit an evidence row", sql("UPDATE evidence SET collected_by = 'Mallory'"),
         ("EV-0001", "differs from its 'collected' event (actor)")),
    Case("edit a setting", edit_setting, ("setting deadlines", "edited behind", "value=")),
    Case("delete a setting", sql("DELETE FROM setting WHERE key = 'deadlines'"),
         ("setting deadlines", "gone (deleted behind")),
]
