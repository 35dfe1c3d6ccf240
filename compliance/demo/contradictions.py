"""Planted contradictions: the demo is consistent except for these, which the pack's cross-checks must show."""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlmodel import select

from compliance.actions.models import ActionItem
from compliance.incidents.service import add_timeline_entry, get_incident

PLANTED_MESSAGE = "Support e-mailed the affected customers about the exposure"


def plant_contradictions(*, store, summary, as_of: datetime) -> dict[str, int]:
    """Plants a communication before awareness and an action done without a completion instant (one each)."""
    planted = {"awareness-after-communication": 0, "done-without-completion": 0}
    for ref in summary.incidents:
        with store.session(immediate=True) as session:
            incident = get_incident(session=session, ref=ref)
            if incident.restricted:
                continue
            if not planted["awareness-after-communication"] and incident.aware_at is not None \
                    and incident.aware_at - incident.detected_at > timedelta(hours=3):
                add_timeline_entry(session=session, incident=incident, at=incident.aware_at - timedelta(hours=2),
                                   kind="communication", text=PLANTED_MESSAGE, source="support mailbox",
                                   actor="support lead", customer_visible=True)
                planted["awareness-after-communication"] += 1
                continue
            if not planted["done-without-completion"]:
                done = session.exec(select(ActionItem).where(ActionItem.incident_id == incident.id,
                                                             ActionItem.status == "done")).first()
                if done is not None:
                    done.completed_at = None
                    session.add(done)
                    planted["done-without-completion"] += 1
        if all(planted.values()):
            break
    return {"planted_contradictions": sum(planted.values())}
