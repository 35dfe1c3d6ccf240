"""Seeded demo data: a year of varied incidents, post-mortems of mixed quality and action items."""

from __future__ import annotations

import random
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from compliance.actions.service import add_action, complete_action
from compliance.core.timeutil import frozen_clock
from compliance.db.store import Store
from compliance.deadlines.incidents import open_incident_with_obligations, update_incident_with_obligations
from compliance.demo.contradictions import plant_contradictions
from compliance.demo.evidence import add_demo_evidence
from compliance.demo.notifications import add_demo_notifications
from compliance.demo.scenarios import PEOPLE, POOR_LANGUAGE, SCENARIOS
from compliance.incidents.service import add_timeline_entry
from compliance.postmortems.service import set_postmortem

SEVERITY_WEIGHTS = [("sev1", 1), ("sev2", 3), ("sev3", 4), ("sev4", 2)]


@dataclass
class DemoSummary:
    """What the demo generated."""

    incidents: list[str] = field(default_factory=list)
    restricted: int = 0
    postmortems: int = 0
    action_items: int = 0
    extras: dict[str, Any] = field(default_factory=dict)


def _pick_severity(rng: random.Random) -> str:
    return rng.choices([s for s, _ in SEVERITY_WEIGHTS], weights=[w for _, w in SEVERITY_WEIGHTS])[0]


def _minutes(rng: random.Random, low: int, high: int) -> timedelta:
    return timedelta(minutes=rng.randint(low, high))


def generate_incident_data(*, store: Store, incidents: int, seed: int, as_of: datetime) -> DemoSummary:
    """Creates `incidents` realistic incidents spread over the year before `as_of`; deterministic per seed."""
    rng = random.Random(seed)
    summary = DemoSummary()
    as_of = as_of.replace(second=0, microsecond=0)
    offsets = sorted((rng.randint(3, 360) for _ in range(incidents)), reverse=True)
    for tail in range(1, min(incidents, max(1, incidents // 10)) + 1):
        offsets[-tail] = rng.randint(1, 7)  # a few incidents are still being handled
    offsets.sort(reverse=True)
    tag_last_seen: dict[str, int] = {}  # tag -> days_ago of its latest incident so far
    for days_ago in offsets:
        for _ in range(4):  # most themes do not recur within 90 days; some still do, as in real programmes
            scenario = SCENARIOS[rng.randrange(len(SCENARIOS))]
            if all(tag_last_seen.get(tag, 10**6) - days_ago >= 90 for tag in scenario["tags"]):
                break
        tag_last_seen.update({tag: days_ago for tag in scenario["tags"]})
        quality = rng.choices(["good", "fair", "poor"], weights=[6, 3, 1.5])[0]
        detected = (as_of - timedelta(days=days_ago)).replace(hour=rng.randint(0, 23), minute=rng.choice([0, 7, 15, 23, 38, 52]))
        started = detected - _minutes(rng, 4, 600)
        late_awareness = scenario["personal_data"] and rng.random() < 0.15
        aware = detected + (timedelta(days=4, hours=rng.randint(0, 12)) if late_awareness else _minutes(rng, 20, 600))
        subjects = rng.randint(*scenario["subjects"]) if scenario.get("subjects") else None
        severity = "sev1" if scenario["key"] == "ransomware" else _pick_severity(rng)
        ongoing = days_ago < 8
        resolved = None if ongoing else detected + _minutes(rng, 45, 60 * 60)
        mitigated = (resolved - (resolved - detected) / 3) if resolved else (detected + _minutes(rng, 30,
            300) if rng.random() < 0.5 else None)
        with store.session(immediate=True) as session:
            incident = open_incident_with_obligations(
                session=session, title=scenario["title"], severity=severity, detected_at=detected,
                started_at=started, aware_at=aware if (scenario["personal_data"] or scenario["regimes"]) else None,
                personal_data=scenario["personal_data"], data_categories=scenario["data_categories"],
                data_subjects_approx=subjects, records_approx=subjects * rng.randint(1, 4) if subjects else None,
                regimes=scenario["regimes"], services=scenario["services"], tags=scenario["tags"],
                restricted=rng.random() < 0.1, entity_type=scenario.get("entity_type"),
                materiality_determined_at=(detected + timedelta(days=2)) if "sec_8k" in scenario["regimes"] else None,
            )
            if late_awareness:
                incident.awareness_justification = ("Forensic review was needed to confirm that personal data "
                                                    "had been accessed; the breach was confirmed on this date.")
            summary.incidents.append(incident.ref)
            summary.restricted += int(incident.restricted)
            aware_at = incident.aware_at
            if quality == "poor":
                _add_timeline(session, incident, scenario, started, detected, mitigated, resolved, rng, aware_at)
            else:
                mitigated = _add_response_timeline(session, incident, scenario, started, detected, mitigated,
                                                   resolved, rng, aware_at)
            if mitigated or resolved:
                changes: dict[str, Any] = {"status": "resolved" if resolved else "mitigated"}
                if mitigated:
                    changes["mitigated_at"] = mitigated
                if resolved:
                    changes["resolved_at"] = resolved
                update_incident_with_obligations(session=session, incident=incident, changes=changes,
                                                 changed_by="incident commander", now=resolved or mitigated)
            if resolved:
                summary.postmortems += 1
                summary.action_items += _add_postmortem(session, incident, scenario, quality, resolved, as_of, rng)
    return summary


def _after_awareness(kind: str, at: datetime, aware: datetime | None) -> datetime:
    """Consistent demo records: nobody communicates about a breach before the organisation is aware of it."""
    return max(at, aware + timedelta(minutes=5)) if kind == "communication" and aware is not None else at


def _add_timeline(session, incident, scenario, started, detected, mitigated, resolved, rng, aware=None) -> None:
    end = resolved or mitigated or detected + timedelta(hours=2)
    middle = [e for e in scenario["timeline"] if e[0] not in ("trigger", "detection")]
    for kind, text, source, actor in scenario["timeline"]:
        if kind == "trigger":
            at = started
        elif kind == "detection":
            at = detected
        else:
            position = (middle.index((kind, text, source, actor)) + 1) / (len(middle) + 1)
            at = detected + (end - detected) * position
            if kind == "resolution":
                if resolved is None:
                    continue
                at = resolved
        at = _after_awareness(kind, at, aware)
        add_timeline_entry(session=session, incident=incident, at=at.replace(second=0, microsecond=0), kind=kind,
                           text=text, source=source, actor=actor,
                           customer_visible=kind in ("communication", "resolution", "detection"))


def _add_response_timeline(session, incident, scenario, started, detected, mitigated, resolved, rng, aware=None):
    """A well-kept timeline: response steps minutes apart, then what the team waited for until the all-clear.

    Returns the mitigation instant the timeline records (the incident's mitigated_at follows it).
    """
    middle = [e for e in scenario["timeline"] if e[0] not in ("trigger", "detection", "resolution")]
    if mitigated is None and resolved is None:
        middle = [e for e in middle if e[0] != "mitigation"]
    at, times = detected, []
    for _ in middle:
        at += _minutes(rng, 4, 13)
        times.append(at)
    limit = resolved - timedelta(minutes=2) if resolved else None
    if limit is not None and times and times[-1] > limit:
        span = (limit - detected) / (len(times) + 1)
        times = [detected + span * (i + 1) for i in range(len(times))]
    entries = [("trigger", started), ("detection", detected)]
    entries += [(entry, when) for entry, when in zip(middle, times, strict=True)]
    recorded_mitigation = next((when for entry, when in zip(middle, times, strict=True) if entry[0] == "mitigation"), None)
    last = times[-1] if times else detected
    if recorded_mitigation is not None and (resolved is None or resolved - last > timedelta(minutes=15)):
        entries.append((("other", "Monitoring the service until the all-clear; no further action needed meanwhile",
                         "incident channel", "incident commander"), last + timedelta(minutes=2)))
    if resolved is not None:
        entries.append(("resolution", resolved))
    by_kind = {e[0]: e for e in scenario["timeline"]}
    for entry, when in entries:
        kind, text, source, actor = by_kind[entry] if isinstance(entry, str) else entry
        when = _after_awareness(kind, when, aware)
        add_timeline_entry(session=session, incident=incident, at=when.replace(second=0, microsecond=0), kind=kind,
                           text=text, source=source, actor=actor,
                           customer_visible=kind in ("communication", "resolution", "detection"))
    if recorded_mitigation is None:
        return mitigated
    return recorded_mitigation.replace(second=0, microsecond=0)


def _add_postmortem(session, incident, scenario, quality, resolved, as_of, rng) -> int:
    drafted = resolved + timedelta(hours=rng.choice([6, 20, 30, 44, 60, 96]) if quality != "poor" else rng.choice([70, 150]))
    if incident.aware_at is not None:
        drafted = max(drafted, incident.aware_at + timedelta(hours=2))  # a post-mortem follows awareness
    drafted = min(drafted, as_of)
    published = drafted + timedelta(days=rng.randint(1, 10))
    status = "published" if published <= as_of and quality != "poor" and rng.random() < 0.8 else "in_review"
    data: dict[str, Any] = {
        "summary": (f"{scenario['title']}. {scenario['contributors'][0]}. "
                    f"Mitigated by the on-call team; follow-ups address the root cause."),
        "impact_users": incident.data_subjects_approx or rng.randint(50, 20000),
        "impact_duration_minutes": int((resolved - (incident.started_at or incident.detected_at)).total_seconds() // 60),
        "contributors": scenario["contributors"], "mitigators": scenario["mitigators"], "risks": scenario["risks"],
        "root_cause": [{"number": n, "text": t} for n, t in scenario["root_cause"]],
        "lessons": [{"number": i + 1, "text": t, "category": c} for i, (t, c) in enumerate(scenario["lessons"])],
        "detection_analysis": f"Detected by {scenario['timeline'][1][2]}.",
        "mitigation_analysis": "Mitigation followed the runbook once the owning team was engaged.",
        "reviewer": rng.choice(["Security review board", "Platform review board"]),
        "status": status, "drafted_at": drafted,
    }
    if status == "published":
        data["published_at"] = published
    actions = [(t, c, link) for t, c, link in scenario["actions"]]
    if quality == "fair":
        data["mitigators"] = []
        data["impact_users"] = None
    if quality == "poor":
        data["summary"] = POOR_LANGUAGE["summary"]
        data["contributors"] = POOR_LANGUAGE["contributors"]
        data["root_cause"] = [{"number": n, "text": t} for n, t in POOR_LANGUAGE["root_cause"]]
        data["lessons"] = [{"number": 1, "text": POOR_LANGUAGE["lessons"][0][0], "category": None}]
        data["mitigators"] = []
        data["impact_users"] = None
        actions = POOR_LANGUAGE["actions"]
    set_postmortem(session=session, incident=incident, data=data, now=drafted)
    count = 0
    for text, criteria, lessons in actions:
        due = (resolved + timedelta(days=rng.randint(10, 40))).date()
        owner = None if quality == "poor" and count == 1 else rng.choice(PEOPLE)
        action = add_action(session=session, incident=incident, description=text, owner=owner, due=due,
                            priority=rng.choice(["high", "medium", "low"]), success_criteria=criteria, lessons=lessons)
        count += 1
        due_instant = datetime.combine(due, datetime.min.time(), tzinfo=resolved.tzinfo)
        if due_instant < as_of and rng.random() < 0.75:
            done_at = min(due_instant - timedelta(days=rng.randint(0, 8)) + timedelta(hours=15), as_of)
            complete_action(session=session, action=action, at=max(done_at, resolved),
                            link=f"https://tickets.example.com/SEC-{incident.number * 10 + count}")
    return count


def generate_demo(*, store: Store, incidents: int, seed: int, as_of: datetime, workdir) -> DemoSummary:
    """Generates the whole demo: incidents with post-mortems, then evidence and notifications, recorded as of `as_of`."""
    with frozen_clock(as_of.replace(second=0, microsecond=0)):
        return _generate(store=store, incidents=incidents, seed=seed, as_of=as_of, workdir=workdir)


def _generate(*, store: Store, incidents: int, seed: int, as_of: datetime, workdir) -> DemoSummary:
    summary = generate_incident_data(store=store, incidents=incidents, seed=seed, as_of=as_of)
    summary.extras.update(add_demo_notifications(store=store, summary=summary, rng=random.Random(seed * 7919 + 3),
                                                 as_of=as_of.replace(second=0, microsecond=0)))
    summary.extras.update(add_demo_evidence(store=store, summary=summary, rng=random.Random(f"{seed}-evidence"),
                                            as_of=as_of.replace(second=0, microsecond=0), workdir=workdir))
    from compliance.demo.verdicts import add_demo_decisions, add_demo_recovery

    summary.extras.update(add_demo_decisions(store=store, summary=summary, rng=random.Random(f"{seed}-decisions"),
                                             as_of=as_of.replace(second=0, microsecond=0), workdir=workdir))
    # each programme document is recorded with its `collected` custody event
    summary.extras["custody_events"] = summary.extras.get("custody_events", 0) + summary.extras.get("programme_evidence", 0)
    summary.extras.update(add_demo_recovery(store=store, summary=summary, rng=random.Random(f"{seed}-recovery"),
                                            as_of=as_of.replace(second=0, microsecond=0)))
    summary.extras.update(plant_contradictions(store=store, summary=summary, as_of=as_of))
    return summary
