"""Reviews a stored post-mortem with the lint rules, honouring the rules the store switched off."""

from __future__ import annotations

from collections.abc import Iterable

from sqlmodel import Session

from compliance.actions.models import ActionItem
from compliance.actions.service import get_incident_actions
from compliance.core.errors import ValidationError
from compliance.db.settings import get_setting, set_setting
from compliance.incidents.models import Incident, TimelineEntry
from compliance.incidents.service import get_timeline
from compliance.postmortems.lint import (
    RULES,
    Finding,
    ReviewAction,
    ReviewEntry,
    ReviewInput,
    review,
    started_from_record,
)
from compliance.postmortems.models import Postmortem
from compliance.postmortems.service import get_postmortem

DISABLED_KEY = "lint.disabled_rules"


def get_disabled_rules(*, session: Session) -> list[str]:
    """Returns the rule codes or names switched off for this store."""
    return list(get_setting(session=session, key=DISABLED_KEY).get("rules", []))


def get_rule_codes(names: Iterable[str], *, field: str) -> list[str]:
    """Returns the codes of the rules named by code (PM011) or name (timeline-gap); refuses an unknown one."""
    by_name = {rule.name: code for code, rule in RULES.items()}
    codes = []
    for raw in names:
        name = str(raw).strip()
        code = name.upper() if name.upper() in RULES else by_name.get(name.lower())
        if code is None:
            raise ValidationError(f"unknown review rule {name!r} (codes PM001-PM{len(RULES):03d}; "
                                  "'compliance postmortem rules' lists them)", field=field)
        codes.append(code)
    return codes


def set_disabled_rules(*, session: Session, disable: Iterable[str] = (), enable: Iterable[str] = ()) -> list[str]:
    """Switches review rules off (or back on) for this store; returns the codes now switched off."""
    off = set(get_rule_codes(get_disabled_rules(session=session), field="lint.disabled_rules"))
    off |= set(get_rule_codes(disable, field="--disable"))
    off -= set(get_rule_codes(enable, field="--enable"))
    set_setting(session=session, key=DISABLED_KEY, value={"rules": sorted(off)})
    return sorted(off)


def review_input_from_store(*, session: Session, incident: Incident) -> ReviewInput | None:
    """Builds the rules' input from the stored record (None when there is no post-mortem)."""
    postmortem = get_postmortem(session=session, incident=incident)
    if postmortem is None:
        return None
    return review_input_from_rows(incident=incident, postmortem=postmortem,
                                  timeline=get_timeline(session=session, incident=incident),
                                  actions=get_incident_actions(session=session, incident=incident))


def review_input_from_rows(*, incident: Incident, postmortem: Postmortem, timeline: list[TimelineEntry],
                           actions: list[ActionItem]) -> ReviewInput:
    """Builds the rules' input from rows already loaded (the bulk incident documents use this)."""
    started_at, started_source = started_from_record(started_at=incident.started_at, markdown=postmortem.source_markdown)
    zones = [(e.original_time or "UTC").split()[-1] if e.original_time and ":" in e.original_time else "UTC"
             for e in timeline]
    return ReviewInput(
        summary=postmortem.summary, impact=postmortem.impact_text,
        impact_numbers=any(v is not None for v in (postmortem.impact_users, postmortem.impact_duration_minutes,
                                                   postmortem.impact_money)),
        contributors=[(t, None) for t in postmortem.contributors or []],
        mitigators=list(postmortem.mitigators or []),
        root_cause=[(s["number"], s["text"], None) for s in postmortem.root_cause or []],
        lessons=[(lesson["text"], None) for lesson in postmortem.lessons or []],
        actions=[ReviewAction(a.description, a.owner, a.due, a.success_criteria, list(a.lessons or []))
                 for a in actions if a.status != "cancelled"],
        timeline=[ReviewEntry(e.at, e.text, e.kind, z) for e, z in zip(timeline, zones, strict=True)],
        detected_at=incident.detected_at, started_at=started_at, started_source=started_source,
        reference_date=(incident.resolved_at or incident.detected_at).date(),
        other_texts=[(t, None) for key in ("mitigators", "risks", "diagnostics") for t in getattr(postmortem, key) or []],
    )


def get_review_findings(*, session: Session, incident: Incident) -> list[Finding]:
    """Returns the review findings of an incident's post-mortem."""
    data = review_input_from_store(session=session, incident=incident)
    return [] if data is None else review(data, disabled=get_disabled_rules(session=session))


def review_postmortem(*, session: Session, incident: Incident) -> list[dict]:
    """Returns the findings as dicts {code, rule, severity, message, suggestion, line} (control engine hook)."""
    return [f.as_dict() for f in get_review_findings(session=session, incident=incident)]
