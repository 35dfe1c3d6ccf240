"""Demo notifications are realistic (on time, late with reasons, waived, missed) and deterministic."""

from __future__ import annotations

import random

from compliance.db.store import init_store
from compliance.deadlines.service import list_obligation_documents
from compliance.demo.generator import generate_incident_data
from compliance.demo.notifications import add_demo_notifications
from tests.conftest import at

AS_OF = at("2026-03-10T00:00:00Z")


def _build(tmp_path, name):
    store, _, _ = init_store(url=f"sqlite:///{tmp_path / name}", evidence_dir=tmp_path / f"{name}-ev")
    summary = generate_incident_data(store=store, incidents=60, seed=7, as_of=AS_OF)
    counts = add_demo_notifications(store=store, summary=summary, rng=random.Random(11), as_of=AS_OF)
    with store.session() as session:
        docs = list_obligation_documents(session=session, as_of=AS_OF)
    store.close()
    return counts, docs


def test_demo_notifications_are_varied_and_deterministic(tmp_path):
    counts, docs = _build(tmp_path, "a.db")
    again, docs_again = _build(tmp_path, "b.db")
    assert counts == again
    assert [(d["incident"], d["stage"], d["notified_at"], d["status"]) for d in docs] == \
        [(d["incident"], d["stage"], d["notified_at"], d["status"]) for d in docs_again]
    statuses = {d["status"] for d in docs}
    assert {"on_time", "late", "waived"} <= statuses
    assert statuses & {"open", "due_soon", "late_open"}
    assert all(d["delay_reason"] for d in docs if d["status"] == "late" and d["late_requires_reason"])
    assert all(d["waiver_reason"] and d["decided_by"] for d in docs if d["status"] == "waived")
    assert all(d["notified_at"] is None or d["notified_at"] <= AS_OF for d in docs)
