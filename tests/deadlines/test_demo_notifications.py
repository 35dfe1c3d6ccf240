"""Demo notifications are realistic (on time, late with reasons, waived, missed) and deterministic."""

from __future__ import annotations

import random

from compliance.db.store import init_store
from compliance.deadlines.service import list_obligation_documents
from compliance.demo.generator import generate_incident_data
from compliance.demo.notifications import add_demo_notifications
from tests.conftest import at

AS_OF = at("2026-03-10T00:00:00Z")


def _fill(store, incidents=30):
    summary = generate_incident_data(store=store, incidents=incidents, seed=7, as_of=AS_OF)
    counts = add_demo_notifications(store=store, summary=summary, rng=random.Random(11), as_of=AS_OF)
    with store.session() as session:
        docs = list_obligation_documents(session=session, as_of=AS_OF)
    return counts, docs


def test_demo_notifications_are_varied_and_consistent(store):
    counts, docs = _fill(store)
    statuses = {d["status"] for d in docs}
    assert {"on_time", "late", "waived"} <= statuses
    assert statuses & {"open", "due_soon", "late_open"}
    assert counts["notifications_late"] == sum(d["status"] == "late" for d in docs)
    assert all(d["delay_reason"] for d in docs if d["status"] == "late" and d["late_requires_reason"])
    assert all(d["waiver_reason"] and d["decided_by"] for d in docs if d["status"] == "waived")
    assert all(d["notified_at"] is None or d["notified_at"] <= AS_OF for d in docs)


def test_demo_notifications_are_deterministic_per_seed_and_as_of(tmp_path):
    runs = []
    for name in ("a", "b"):
        store, _, _ = init_store(url=f"sqlite:///{tmp_path / name}.db", evidence_dir=tmp_path / f"{name}-ev")
        counts, docs = _fill(store, incidents=20)
        store.close()
        runs.append((counts, [(d["incident"], d["stage"], d["notified_at"], d["status"], d["delay_reason"])
                              for d in docs]))
    assert runs[0] == runs[1]
