"""Program metrics of the incident-learning process, with the targets the guides set.

Every formula is in compliance.metrics.definitions (one definition, used by every path):
MTTR: resolved_at − (started_at or detected_at) over resolved incidents, hours (mean; median too).
Time to detect: detected_at − started_at, hours, over incidents with a recorded start.
Time to draft: postmortem.drafted_at − resolved_at, hours, target ≤ 48 h; resolved incidents
  without a post-mortem count as not drafted within target.
Time to publish: postmortem.published_at − resolved_at, days, target ≤ 7.
Action closure: done / (done + open) among items due on or before as_of (cancelled left out),
  target ≥ 90 %; overdue = open items due before as_of.
90-day recurrence: share of incidents sharing a theme tag with an earlier incident detected in the
  90 days before it, target < 5 %.
A metric with no data is None (never a made-up zero). Periods filter on detected_at, both ends inclusive
(calendar dates, UTC).
"""

from __future__ import annotations

from collections import Counter, defaultdict
from datetime import UTC, date, timedelta
from typing import Any

from sqlmodel import Session, select

from compliance.actions.models import ActionItem
from compliance.core.period import period_bounds
from compliance.incidents.models import Incident
from compliance.incidents.service import list_incidents
from compliance.metrics import definitions as d
from compliance.postmortems.models import Postmortem

UTC = UTC
TARGETS = {"mttr_hours": None, "time_to_detect_hours": None, "time_to_draft_hours": 48.0,
           "time_to_publish_days": 7.0, "action_closure_rate": 0.9, "recurrence_90d": 0.05}


def _hours(delta: timedelta) -> float:
    return delta.total_seconds() / 3600


_mean, _median = d.mean, d.median


def _metric(label: str, value: float | None, unit: str, target: float | None, lower_is_better: bool = True,
            **extra: Any) -> dict[str, Any]:
    met = None if value is None or target is None else (value <= target if lower_is_better else value >= target)
    if label.startswith("90-day") and value is not None and target is not None:
        met = value < target
    return {"label": label, "value": value, "unit": unit, "target": target, "lower_is_better": lower_is_better,
            "met": met, **extra}


def _load(session: Session, incidents: list[Incident]):
    ids = [i.id for i in incidents]
    if not ids:
        return {}, defaultdict(list)
    postmortems = {p.incident_id: p for p in session.exec(select(Postmortem).where(Postmortem.incident_id.in_(ids)))}
    actions: dict[int, list[ActionItem]] = defaultdict(list)
    for action in session.exec(select(ActionItem).where(ActionItem.incident_id.in_(ids))):
        actions[action.incident_id].append(action)
    return postmortems, actions


def get_program_metrics(*, session: Session, period_from: date | None = None, period_to: date | None = None,
                        as_of: date, include_restricted: bool = True) -> dict[str, Any]:
    """Returns the program metrics of incidents detected in the period, each with its target.

    RS-1: every figure counts restricted incidents; metrics show no per-incident details, so
    `include_restricted` (details only) changes nothing here.
    """
    start, end = period_bounds(period_from=period_from, period_to=period_to)
    incidents = list_incidents(session=session, period_from=start, period_to=end)
    postmortems, actions = _load(session, incidents)
    resolved = [i for i in incidents if i.resolved_at]
    mttr = [d.resolve_hours(started_at=i.started_at, detected_at=i.detected_at, resolved_at=i.resolved_at)
            for i in resolved]
    detect = [d.detect_hours(started_at=i.started_at, detected_at=i.detected_at) for i in incidents if i.started_at]
    draft, publish, within_48 = [], [], 0
    for incident in resolved:
        pm = postmortems.get(incident.id)
        if pm and pm.drafted_at:
            hours = d.draft_hours(resolved_at=incident.resolved_at, drafted_at=pm.drafted_at)
            draft.append(hours)
            within_48 += hours <= 48
        if pm and pm.published_at:
            publish.append(d.publish_days(resolved_at=incident.resolved_at, published_at=pm.published_at))
    counted = d.closure(((a.status, a.due) for i in incidents for a in actions.get(i.id, [])), as_of=as_of)
    done, open_, overdue, closure = counted.done, counted.open, counted.overdue, counted.rate
    recurrence, per_tag = _recurrence(session, incidents)
    by_severity = Counter(i.severity for i in incidents)
    return {
        "period": {"from": period_from, "to": period_to, "as_of": as_of},
        "incidents": len(incidents),
        "resolved": len(resolved),
        "by_severity": dict(sorted(by_severity.items())),
        "metrics": {
            "mttr_hours": _metric("MTTR", _mean(mttr), "h", None, median=_median(mttr), count=len(mttr)),
            "time_to_detect_hours": _metric("Time to detect", _mean(detect), "h", None, median=_median(detect),
                                            count=len(detect)),
            "time_to_draft_hours": _metric("Time to draft post-mortem", _mean(draft), "h", 48.0,
                                           median=_median(draft), count=len(draft),
                                           within_target_share=round(within_48 / len(resolved), 4) if resolved else None),
            "time_to_publish_days": _metric("Time to publish post-mortem", _mean(publish), "d", 7.0,
                                            median=_median(publish), count=len(publish)),
            "action_closure_rate": _metric("Action-item closure rate", closure, "ratio", 0.9, lower_is_better=False,
                                           done=done, open=open_, overdue=overdue),
            "recurrence_90d": _metric("90-day recurrence", recurrence, "ratio", 0.05, per_tag=per_tag),
        },
    }


def _recurrence(session: Session, incidents: list[Incident]) -> tuple[float | None, dict[str, int]]:
    if not incidents:
        return None, {}
    earliest = min(i.detected_at for i in incidents) - timedelta(days=90)
    history = list_incidents(session=session, period_from=earliest,
                             period_to=max(i.detected_at for i in incidents) + timedelta(seconds=1))
    wanted = {i.id for i in incidents}
    rows = [(i.id, i.detected_at, list(i.tags or [])) for i in history]
    return d.recurrence([r for r in rows if r[0] in wanted], rows)


def get_monthly_trends(*, session: Session, period_from: date | None, period_to: date | None, as_of: date,
                       include_restricted: bool = True) -> dict[str, Any]:
    """Returns per-month (UTC) series: incidents by severity and tag, MTTR, action items due and closed (RS-1: all counted)."""
    start, end = period_bounds(period_from=period_from, period_to=period_to)
    incidents = list_incidents(session=session, period_from=start, period_to=end)
    _, actions = _load(session, incidents)
    month = lambda d: f"{d.year:04d}-{d.month:02d}"  # noqa: E731
    by_severity: dict[str, Counter] = defaultdict(Counter)
    by_tag: dict[str, Counter] = defaultdict(Counter)
    mttr: dict[str, list[float]] = defaultdict(list)
    due, closed, tags = Counter(), Counter(), Counter()
    for incident in incidents:
        m = month(incident.detected_at)
        by_severity[incident.severity][m] += 1
        for tag in incident.tags or []:
            by_tag[tag][m] += 1
            tags[tag] += 1
        if incident.resolved_at:
            mttr[month(incident.resolved_at)].append(d.resolve_hours(started_at=incident.started_at,
                                                                     detected_at=incident.detected_at,
                                                                     resolved_at=incident.resolved_at))
        for action in actions.get(incident.id, []):
            if action.due and action.due <= as_of:
                due[month(action.due)] += 1
            if action.status == "done" and action.completed_at:
                closed[month(action.completed_at)] += 1
    keys = set().union(*(c.keys() for c in by_severity.values()), mttr.keys(), due.keys(), closed.keys())
    if not keys:
        return {"months": [], "incidents_by_severity": {}, "incidents_by_tag": {}, "mttr_hours": [],
                "actions_due": [], "actions_closed": [], "top_tags": []}
    months, (y, mo) = [], (int(min(keys)[:4]), int(min(keys)[5:]))
    while f"{y:04d}-{mo:02d}" <= max(keys):
        months.append(f"{y:04d}-{mo:02d}")
        y, mo = (y + 1, 1) if mo == 12 else (y, mo + 1)
    return {
        "months": months,
        "incidents_by_severity": {s: [c[m] for m in months] for s, c in sorted(by_severity.items())},
        "incidents_by_tag": {t: [c[m] for m in months] for t, c in sorted(by_tag.items())},
        "mttr_hours": [_mean(mttr[m]) for m in months],
        "actions_due": [due[m] for m in months],
        "actions_closed": [closed[m] for m in months],
        "top_tags": tags.most_common(10),
    }
