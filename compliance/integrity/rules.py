"""The domain rules replayed over the verified rows (a chain proves what was written, not that it was allowed).

IN-RUL-1  Custody (CU-RUL-1..3): per evidence item in chain order, the first event is `collected`,
          none is earlier than its predecessor or later than CLOCK_SKEW after its ledger recording,
          the state machine holds, every event's db_role is the role the ledger recorded (session_user).
IN-RUL-2  Each evidence row equals its `collected` event: collected by (actor and holder), collected at,
          SHA-256 and ref; its file name and incident are fixed by its own ledger entry (rows are immutable).
          A programme document's events (replayed per document, by ref) carry its SHA-256; its `collected` event
          names who recorded it as holder and is not earlier than its recording.
IN-RUL-3  Each first filing's `late` flag equals the deadline rules applied to the incident and the deadline
          settings as the ledger held them when the filing was recorded; corrections carry the first filing's flag.
IN-RUL-4  The audit trail of each incident is numbered 1, 2, 3, … without gaps.
"""

from __future__ import annotations

import json
from bisect import bisect_left
from datetime import datetime, tzinfo
from operator import itemgetter
from typing import Any

from sqlalchemy import select
from sqlmodel import Session

from compliance.core.timeutil import get_zone
from compliance.custody.models import CustodyEvent
from compliance.custody.rules import CLOCK_SKEW, CustodyState, advance, future_problem, rule_problem
from compliance.custody.verify import chain_columns
from compliance.db.ledger.canonical import Break
from compliance.db.ledger.models import LedgerEntry
from compliance.db.settings import SettingsHistory, get_settings_as_recorded
from compliance.db.sqlite_read import stream_columns
from compliance.evidence.models import Evidence
from compliance.incidents.models import Incident, IncidentChange
from compliance.programme.models import ProgrammeEvidence


def parse_recorded_instant(text: str) -> datetime:
    """Returns an instant as the ledger writes it (ISO 8601, 'Z' for UTC) as an aware datetime."""
    return datetime.fromisoformat(text.replace("Z", "+00:00"))



def replay_rules(session: Session, latest: dict) -> list[Break]:
    """Returns every rule broken by the stored rows (custody, evidence, filings, audit trail)."""
    return custody_breaks(session, latest) + other_rule_breaks(session)


def other_rule_breaks(session: Session) -> list[Break]:
    """Returns every broken rule but the custody ones (filings IN-RUL-3, audit trail IN-RUL-4)."""
    return filing_breaks(session) + audit_trail_breaks(session)


def custody_breaks(session: Session, latest: dict) -> list[Break]:
    """Replays the custody rules and compares each evidence row with its `collected` event (IN-RUL-1, 2)."""
    replay = CustodyReplay(session, latest)
    for row in stream_columns(session, chain_columns(), [CustodyEvent.__table__.c.seq]):
        replay.feed(row)
    return replay.finish()


class CustodyReplay:
    """The custody rules replayed one streamed event at a time (rows in chain_columns() order)."""

    def __init__(self, session: Session, latest: dict) -> None:
        names = [c.name for c in chain_columns()]
        self.pick = itemgetter(*(names.index(n) for n in ("id", "seq", "evidence_id", "evidence_ref", "action", "at",
                                                           "actor", "db_role", "from_holder", "to_holder", "sha256")))
        self.latest = latest
        self.evidence = {e.id: e for e in session.exec(select(Evidence)).scalars()}
        self.documents = {d.ref: d for d in session.exec(select(ProgrammeEvidence)).scalars()}
        # Items are keyed by evidence id, or by ref for programme documents (their events carry no evidence id).
        self.sha_of: dict[int | str, str] = {id_: item.sha256 for id_, item in self.evidence.items()}
        self.sha_of.update((ref, doc.sha256) for ref, doc in self.documents.items())
        self.states: dict[int | str, CustodyState] = {}
        self.first: dict[int | str, tuple] = {}
        self.problems: list[Break] = []
        self._instants: dict[str, datetime] = {}  # recorded_at text -> latest allowed event instant

    def feed(self, event: Any) -> None:
        """Replays one event against its item's state, its ledger recording and its evidence row."""
        row = self.pick(event)
        (id_, seq, evidence_id, ref, action, at, actor, db_role, from_holder, to_holder, sha) = row
        problems = self.problems
        owner = ref if evidence_id is None else evidence_id
        state = self.states.get(owner)
        if state is None:
            state = self.states[owner] = CustodyState()
            self.first[owner] = row
        problem = rule_problem(state, ref=ref, action=action, at=at, from_holder=from_holder, to_holder=to_holder)
        if problem is not None:
            problems.append(Break(f"custody event {seq} ({ref} {action})", "breaks the custody rules", "an allowed event",
                                  problem[1]))
        entry = self.latest.get(("custody_event", str(id_)))
        if entry is not None:
            limit = self._instants.get(entry[3])
            if limit is None:  # entries appended together share one instant: parse it once
                if len(self._instants) > 1024:
                    self._instants.clear()
                limit = self._instants[entry[3]] = parse_recorded_instant(entry[3]) + CLOCK_SKEW
            if at > limit:
                problems.append(Break(f"custody event {seq} ({ref} {action})", "event instant later than its recording",
                                      "at most the recording instant plus the clock skew",
                                      future_problem(at, recorded_at=parse_recorded_instant(entry[3]))))
            if entry[2] is not None and db_role != entry[2]:
                problems.append(Break(f"custody event {seq} ({ref} {action})",
                                      "db_role is not the role the database recorded (session_user)",
                                      str(entry[2]), str(db_role)))
        expected_sha = self.sha_of.get(owner)
        if expected_sha is not None and sha != expected_sha:
            noun = "evidence row's" if evidence_id is not None else "programme document's"
            problems.append(Break(f"custody event {seq} ({ref} {action})", f"sha256 differs from the {noun}",
                                  expected_sha[:16] + "…", str(sha)[:16] + "…"))
        advance(state, action=action, at=at, to_holder=to_holder)

    def finish(self) -> list[Break]:
        """Compares each evidence row and programme document with its first event; returns every problem found."""
        problems = self.problems
        for evidence_id, item in self.evidence.items():
            event = self.first.get(evidence_id)
            if event is None:
                problems.append(Break(item.ref, "custody log does not start with 'collected'", "collected", "no events"))
                continue
            expected = {"ref": item.ref, "action": "collected", "at": item.collected_at, "actor": item.collected_by,
                        "holder": item.collected_by}
            found = {"ref": event[3], "action": event[4], "at": event[5], "actor": event[6], "holder": event[9]}
            for name in expected:
                if expected[name] != found[name]:
                    problems.append(Break(item.ref, f"evidence row differs from its 'collected' event ({name})",
                                          f"{name}={expected[name]}", f"{name}={found[name]}"))
                    break
        for ref, doc in self.documents.items():
            event = self.first.get(ref)
            if event is None:
                problems.append(Break(ref, "custody log does not start with 'collected'", "collected", "no events"))
            elif event[4] != "collected" or event[9] != doc.recorded_by or event[5] < doc.recorded_at:
                problems.append(Break(ref, "programme document differs from its 'collected' event", f"collected, "
                                      f"holder {doc.recorded_by}, at or after {doc.recorded_at.isoformat()}",
                                      f"{event[4]}, holder {event[9]}, at {event[5].isoformat()}"))
        return problems


def audit_trail_breaks(session: Session) -> list[Break]:
    """Checks that each incident's audit trail is numbered without gaps (IN-RUL-4)."""
    problems: list[Break] = []
    expected: dict[int, int] = {}
    for incident_id, seq in session.execute(select(IncidentChange.incident_id, IncidentChange.seq)
                                            .order_by(IncidentChange.incident_id, IncidentChange.seq)):
        want = expected.get(incident_id, 0) + 1
        if seq != want:
            problems.append(Break(f"incident {incident_id} audit trail", "change missing or out of order",
                                  f"change {want}", f"change {seq}"))
        expected[incident_id] = seq
    return problems


def object_as_recorded(model: type, state: str) -> Any:
    """Returns a transient `model` object holding a ledger entry's state (its instants as aware datetimes)."""
    instants = {c.name for c in model.__table__.columns if c.type.__class__.__name__ == "UTCDateTime"}
    obj = model()
    for name, value in json.loads(state).items():
        setattr(obj, name, parse_recorded_instant(value) if name in instants and isinstance(value, str) else value)
    return obj


class _IncidentsAsRecorded:
    """Each incident as the ledger held it before a given entry: its states read in one query, bisected per filing."""

    def __init__(self, session: Session) -> None:
        self.states: dict[str, tuple[list[int], list[str]]] = {}
        self.built: dict[tuple[int, int], tuple[int, Incident]] = {}
        for key, seq, state in session.execute(select(LedgerEntry.entity_key, LedgerEntry.seq, LedgerEntry.state)
                                               .where(LedgerEntry.kind == "incident").order_by(LedgerEntry.seq)):
            seqs, states = self.states.setdefault(key, ([], []))
            seqs.append(seq)
            states.append(state)

    def before(self, incident_id: int, before_seq: int) -> tuple[int, Incident] | None:
        """(the entry's seq, the incident) of the latest state recorded before `before_seq`; None if none or deleted."""
        seqs, states = self.states.get(str(incident_id), ([], []))
        at = bisect_left(seqs, before_seq) - 1
        if at < 0 or states[at] == "null":
            return None
        if (incident_id, at) in self.built:  # filings of one incident mostly follow the same recorded state
            return self.built[(incident_id, at)]
        incident = object_as_recorded(Incident, states[at])
        self.built[(incident_id, at)] = (seqs[at], incident)
        return seqs[at], incident


def deadline_settings_before(history: SettingsHistory, seq: int) -> tuple[dict[str, Any], tzinfo]:
    """Returns the deadline settings (defaults filled in) and the organisation's zone as recorded before entry `seq`."""
    from compliance.deadlines import service as deadlines

    settings = {**deadlines.DEFAULT_SETTINGS, **history.value_before(deadlines.SETTINGS_KEY, seq)}
    return settings, get_zone(settings.get("timezone") or "UTC", field="settings.timezone")


def filing_breaks(session: Session) -> list[Break]:
    """Re-derives each first filing's late flag from the incident as recorded at filing time (IN-RUL-3)."""
    from compliance.deadlines import service as deadlines
    from compliance.deadlines.models import Notification, NotificationDelay, Waiver

    problems: list[Break] = []
    filings = session.execute(select(Notification).order_by(Notification.id)).scalars().all()
    if not filings:
        return problems
    seq_of = dict(session.execute(select(LedgerEntry.entity_key, LedgerEntry.seq)
                                  .where(LedgerEntry.kind == "notification")).all())
    history = get_settings_as_recorded(session=session)
    regimes = deadlines._session_regimes(session)
    recorded = _IncidentsAsRecorded(session)
    # Filings, waivers and delays of every incident read once (not once per filing), as _evaluate would read them.
    by_incident: dict[str, dict[int, list]] = {"notifications": {}, "waivers": {}, "delays": {}}
    for filing in filings:
        by_incident["notifications"].setdefault(filing.incident_id, []).append(filing)
    for name, model in (("waivers", Waiver), ("delays", NotificationDelay)):
        for row in session.execute(select(model).order_by(model.id)).scalars():
            by_incident[name].setdefault(row.incident_id, []).append(row)
    dues: dict[tuple[int, int, str], dict[tuple[str, str], Any]] = {}  # (incident, its entry, settings) -> dues
    firsts: dict[tuple[int, str, str], Notification] = {}
    for filing in filings:
        label = f"notification {filing.id} ({filing.regime}/{filing.stage})"
        stage_key = (filing.incident_id, filing.regime, filing.stage)
        first = firsts.get(stage_key)
        if first is not None:
            if not filing.correction or filing.late != first.late:
                problems.append(Break(label, "a later filing must be a correction carrying the first filing's late flag",
                                      f"correction=True late={first.late}",
                                      f"correction={filing.correction} late={filing.late}"))
            continue
        firsts[stage_key] = filing
        if filing.correction:
            problems.append(Break(label, "the first filing of a stage is marked as a correction", "correction=False",
                                  "correction=True"))
        seq = seq_of.get(str(filing.id))
        found = recorded.before(filing.incident_id, seq) if seq is not None else None
        if found is None:
            continue  # the projection check names a filing or incident missing from the ledger
        state_seq, incident = found
        settings, zone = deadline_settings_before(history, seq)
        key = (filing.incident_id, state_seq, json.dumps(settings, sort_keys=True, default=str))
        if key not in dues:
            dues[key] = {(reg.id, row["stage"].id): row["due"] for reg, row, _filings, _waiver in deadlines._evaluate(
                session, incident, settings, zone, regimes=regimes,
                notifications=by_incident["notifications"].get(filing.incident_id, []),
                waivers=by_incident["waivers"].get(filing.incident_id, []),
                delays=by_incident["delays"].get(filing.incident_id, []),
                assessments={})}  # dues do not depend on breach assessments: no query per filing
        due = dues[key].get((filing.regime, filing.stage))
        late = due is not None and filing.notified_at > due
        if late != filing.late:
            problems.append(Break(label, "late flag differs from the deadline rules as of its recording",
                                  f"late={late} (due {due.isoformat() if due else 'none'})", f"late={filing.late}"))
    return problems
