"""The pack's key metrics, computed from its own sections with the one definition of each (compliance.metrics).

RP-FIG-1  The summary's metrics, the trends and `compliance metrics` use compliance.metrics.definitions, so the same
          incidents give the same figures on every path (tests/metrics/test_one_definition.py).
"""

from __future__ import annotations

from datetime import date

from compliance.metrics import definitions as d
from compliance.metrics.service import TARGETS
from compliance.reports.model import IncidentSection, Metric


def section_metrics(sections: list[IncidentSection], *, as_of: date) -> list[Metric]:
    """MTTR, time to detect, to draft and to publish, closure rate and recurrence of the pack's incidents."""
    resolved = [s for s in sections if s.resolved_at]
    mttr = [d.resolve_hours(started_at=s.started_at, detected_at=s.detected_at, resolved_at=s.resolved_at)
            for s in resolved]
    detect = [d.detect_hours(started_at=s.started_at, detected_at=s.detected_at) for s in sections if s.started_at]
    draft = [d.draft_hours(resolved_at=s.resolved_at, drafted_at=s.postmortem.drafted_at) for s in resolved
             if s.postmortem and s.postmortem.drafted_at]
    publish = [d.publish_days(resolved_at=s.resolved_at, published_at=s.postmortem.published_at) for s in resolved
               if s.postmortem and s.postmortem.published_at]
    closure = d.closure(((a.status, a.due) for s in sections for a in s.actions), as_of=as_of)
    rows = [(s.ref, s.detected_at, s.tags) for s in sections]
    recurrence, _ = d.recurrence(rows, rows)
    return [
        Metric("MTTR", d.mean(mttr), "h", TARGETS["mttr_hours"]),
        Metric("Time to detect", d.mean(detect), "h", TARGETS["time_to_detect_hours"]),
        Metric("Time to draft post-mortem", d.mean(draft), "h", TARGETS["time_to_draft_hours"]),
        Metric("Time to publish post-mortem", d.mean(publish), "d", TARGETS["time_to_publish_days"]),
        Metric("Action-item closure rate", closure.rate, "ratio", TARGETS["action_closure_rate"], lower_is_better=False,
               note=f"{closure.done} done, {closure.open} open among items due by {as_of}; {closure.overdue} overdue"),
        Metric("90-day recurrence", recurrence, "ratio", TARGETS["recurrence_90d"],
               note="within the pack's incidents"),
    ]
