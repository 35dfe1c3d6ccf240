"""What an audit pack's manifest records about the store, and `report verify --store` against it.

IN-PCK-1  At generation the manifest records the ledger head (length and hash) and the obligation
          statuses of the pack's incidents as of the generation instant, with their SHA-256 (JCS form).
IN-PCK-2  `report verify PACK --store` checks that the store's ledger still holds that head at that
          length (the pack's prefix is unchanged), that the whole store verifies (rows against the
          ledger, rules replayed), and that the statuses re-derive, from the ledger as it stood at the
          pack's length (records, breach assessments and deadline settings alike), to the same digest. A manifest without these
          fields cannot be checked: it fails.
"""

from __future__ import annotations

import hashlib
from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlmodel import Session, SQLModel

from compliance.db.ledger.canonical import jcs
from compliance.db.ledger.models import LedgerEntry
from compliance.db.ledger.service import check_prefix, get_ledger_fingerprint
from compliance.db.settings import get_settings_as_recorded
from compliance.deadlines.assessments import latest_by_regime
from compliance.deadlines.models import Notification, NotificationDelay, Waiver
from compliance.decisions.models import BreachAssessment
from compliance.incidents.models import Incident
from compliance.integrity.rules import deadline_settings_before, object_as_recorded, parse_recorded_instant

STORE_FORMAT = "compliance-store-fingerprint/1"


def _as_recorded(session: Session, model: type[SQLModel], upto: int) -> list[Any]:
    """Returns transient objects of `model` as the ledger held them after entry `upto`."""
    table = model.__table__
    latest: dict[str, str] = {}
    for key, state in session.execute(select(LedgerEntry.entity_key, LedgerEntry.state)
                                      .where(LedgerEntry.kind == table.name, LedgerEntry.seq <= upto)
                                      .order_by(LedgerEntry.seq)):
        latest[key] = state
    out = [object_as_recorded(model, state) for state in latest.values() if state != "null"]
    return sorted(out, key=lambda o: o.id)


def get_stated_statuses(*, session: Session, as_of: datetime, incident_refs: list[str], upto: int) -> list[dict[str, str]]:
    """Returns the obligation statuses of the incidents at `as_of`, derived from the ledger as of entry `upto`."""
    from compliance.deadlines import service as deadlines

    wanted = set(incident_refs)
    incidents = [i for i in _as_recorded(session, Incident, upto) if i.ref in wanted and i.regimes]
    by_incident: dict[str, dict[int, list]] = {}  # kind -> incident id -> rows (one pass, not one scan per incident)
    for kind, model in (("filings", Notification), ("waivers", Waiver), ("delays", NotificationDelay),
                        ("assessments", BreachAssessment)):
        grouped = by_incident.setdefault(kind, {})
        # delays move dues (deadlines.delays); assessments make a stage not required (a stage's required_when)
        for row in _as_recorded(session, model, upto):
            grouped.setdefault(row.incident_id, []).append(row)
    settings, zone = deadline_settings_before(get_settings_as_recorded(session=session), upto + 1)
    window = deadlines._window(settings)
    out = []
    for incident in incidents:
        docs = deadlines._obligation_documents(
            session, incident, as_of=as_of, window=window, settings=settings, org_zone=zone, zone=zone,
            notifications=by_incident["filings"].get(incident.id, []),
            waivers=by_incident["waivers"].get(incident.id, []),
            delays=by_incident["delays"].get(incident.id, []),
            assessments=latest_by_regime(by_incident["assessments"].get(incident.id, [])))
        out += [{"incident": d["incident"], "regime": d["regime"], "stage": d["stage"], "status": str(d["status"])}
                for d in docs]
    return sorted(out, key=lambda d: (d["incident"], d["regime"], d["stage"]))


def statuses_digest(statuses: list[dict[str, str]]) -> str:
    """Returns the SHA-256 of the statuses' RFC 8785 form."""
    return hashlib.sha256(jcs(statuses).encode("utf-8")).hexdigest()


def get_store_manifest_fields(*, session: Session, generated_at: datetime, incident_refs: list[str]) -> dict[str, Any]:
    """Returns the manifest's `store` object: ledger head and length, counts, statuses as of generation."""
    fingerprint = get_ledger_fingerprint(session=session, with_items=False)
    statuses = get_stated_statuses(session=session, as_of=generated_at, incident_refs=incident_refs,
                                   upto=fingerprint.length)
    return {"format": STORE_FORMAT, "ledger": {"length": fingerprint.length, "head_hash": fingerprint.head_hash,
                                               "counts": fingerprint.counts},
            "statuses": {"as_of": generated_at.isoformat().replace("+00:00", "Z"), "sha256": statuses_digest(statuses),
                         "items": statuses}}


def restrict_store_fields(fields: dict[str, Any] | None, incident_refs: list[str]) -> dict[str, Any] | None:
    """Returns the store fields limited to the statuses of `incident_refs` (the incidents the pack shows)."""
    if not fields:
        return fields
    wanted = set(incident_refs)
    items = [s for s in fields["statuses"]["items"] if s["incident"] in wanted]
    return {**fields, "statuses": {**fields["statuses"], "items": items, "sha256": statuses_digest(items)}}


def verify_manifest_against_store(*, store: Any, manifest: dict[str, Any]) -> list[tuple[str, bool, str]]:
    """Returns (check name, ok, detail) for the ledger head, the whole store and the stated statuses (IN-PCK-2)."""
    from compliance.integrity.service import verify_store

    fields = manifest.get("store")
    if not isinstance(fields, dict) or fields.get("format") != STORE_FORMAT:
        return [("ledger head", False, "the manifest records no ledger head: the pack cannot be checked against the "
                 "store's history (made before the ledger, or the field was removed)")]
    checks = []
    length, head = int(fields["ledger"]["length"]), fields["ledger"]["head_hash"]
    with store.session() as session:
        brk = check_prefix(session=session, length=length, head_hash=head)
        checks.append(("ledger head", brk is None, str(brk) if brk else
                       f"the store's ledger still holds the pack's head {head} at entry {length}"))
        result = verify_store(store=store, check_blobs=False)
        checks.append(("store", result.intact, str(result.first_break) if not result.intact else
                       f"ledger intact ({result.length} entries), rows match it, rules replayed"))
        stated = fields["statuses"]
        refs = sorted({s["incident"] for s in stated["items"]} | {i.get("ref") for i in manifest.get("incidents") or []})
        again = get_stated_statuses(session=session, as_of=parse_recorded_instant(stated["as_of"]), incident_refs=refs,
                                    upto=length)
    if statuses_digest(again) == stated["sha256"] and again == stated["items"]:
        checks.append(("statuses", True, f"all {len(again)} obligation statuses re-derive from the store as of "
                       f"{stated['as_of']}"))
    else:
        old = {(s["incident"], s["regime"], s["stage"]): s["status"] for s in stated["items"]}
        new = {(s["incident"], s["regime"], s["stage"]): s["status"] for s in again}
        diff = next((k for k in sorted(set(old) | set(new)) if old.get(k) != new.get(k)), None)
        detail = (f"{'/'.join(diff)}: the pack states {old.get(diff)}, the store re-derives {new.get(diff)}"
                  if diff else "the statuses' digest differs from the manifest's")
        checks.append(("statuses", False, detail))
    return checks
