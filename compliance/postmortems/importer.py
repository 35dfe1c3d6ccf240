"""Imports a Markdown post-mortem into the store: idempotent, all-or-nothing, and says what changed."""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass, field
from datetime import datetime

from sqlmodel import Session

from compliance.actions.service import add_action, complete_action, get_incident_actions
from compliance.core.errors import ValidationError
from compliance.core.timeutil import parse_instant
from compliance.incidents.models import Incident
from compliance.incidents.service import add_timeline_entry, get_timeline, open_incident, update_incident
from compliance.postmortems.items import is_unknown
from compliance.postmortems.parser import ParsedPostmortem
from compliance.postmortems.service import get_postmortem, set_postmortem

_FIELDS = ("summary", "contributors", "mitigators", "risks", "root_cause", "lessons", "diagnostics",
           "impact_text", "impact_users", "impact_duration_minutes", "kept_sections")


@dataclass
class ImportResult:
    """What an import did."""

    incident: str
    created: bool
    changes: list[str] = field(default_factory=list)
    skipped: list[str] = field(default_factory=list)
    dry_run: bool = False

    @property
    def unchanged(self) -> bool:
        """True when the store already held exactly this document."""
        return not self.created and not self.changes


def _norm(text: str) -> str:
    return re.sub(r"\W+", " ", text.lower()).strip()


def _fact_instant(doc: ParsedPostmortem, key: str, source: str) -> datetime | None:
    written = doc.key_facts.get(key, "").strip()
    if is_unknown(written) or written.startswith("["):
        return None
    raw = re.sub(r"\s*UTC$", "Z", written.replace(" ", "T", 1) if re.match(r"\d{4}-\d\d-\d\d \d", written) else written)
    try:
        return parse_instant(raw, field=f"Key Facts: {key}")
    except ValidationError:
        line = doc.lines.get(f"key_facts.{key}")
        raise ValidationError(f"{source}: line {line}: Key Facts '{key}' {written!r} is not a date-time like "
                              "'2026-03-02 09:40 UTC' (write 'unknown' when it is not known); nothing was imported",
                              field="FILE") from None


def _impact_numbers(text: str | None) -> tuple[int | None, int | None]:
    if not text:
        return None, None
    users = re.search(r"([\d,.]+)\s*(?:k\s*)?(?:users|customers|accounts)", text, re.I)
    minutes = re.search(r"([\d,.]+)\s*(?:minutes|min)\b", text, re.I)
    hours = re.search(r"([\d,.]+)\s*(?:hours|h)\b", text, re.I)

    def number(match):
        return int(float(match.group(1).replace(",", ""))) if match else None

    duration = number(minutes) if minutes else (number(hours) * 60 if hours else None)
    return number(users), duration


def postmortem_fields(doc: ParsedPostmortem) -> dict:
    """Returns the post-mortem columns a document sets."""
    impact = doc.key_facts.get("customer impact")
    impact = None if is_unknown(impact) or impact.startswith("[") else impact
    users, minutes = _impact_numbers(impact)
    return {"summary": doc.summary, "contributors": doc.contributors, "mitigators": doc.mitigators,
            "risks": doc.risks, "root_cause": doc.root_cause, "lessons": doc.lessons,
            "diagnostics": doc.diagnostics, "impact_text": impact, "impact_users": users,
            "impact_duration_minutes": minutes, "kept_sections": doc.kept_sections}


def check_importable(doc: ParsedPostmortem, *, source: str, new: bool) -> None:
    """Refuses a document with unparseable items or (for --new) no Key Facts; open owners and dates are imported."""
    problems = list(doc.problems)
    if problems:
        more = f" (and {len(problems) - 1} more)" if len(problems) > 1 else ""
        raise ValidationError(f"{source}: {problems[0]}{more}; nothing was imported", field="FILE")
    if new:
        if "key_facts" not in doc.sections or not doc.key_facts:
            raise ValidationError(f"{source}: no Key Facts section: cannot create an incident", field="FILE")
        if not doc.severity:
            raise ValidationError(f"{source}: Key Facts has no Severity like 'Sev-2'", field="FILE")
        if not doc.title or doc.title.startswith("["):
            raise ValidationError(f"{source}: no title ('# Incident Post-mortem: …')", field="FILE")


def import_postmortem(*, session: Session, doc: ParsedPostmortem, text: str, source: str,
                      incident: Incident | None = None, changed_by: str = "import") -> ImportResult:
    """Writes the document into `incident` (or a new incident from Key Facts); returns what changed."""
    check_importable(doc, source=source, new=incident is None)
    created = incident is None
    if created:
        started = _fact_instant(doc, "impact start", source)
        detection = next((e.at for e in doc.timeline if e.kind == "detection"), None)
        first = doc.timeline[0].at if doc.timeline else None
        detected = _fact_instant(doc, "detected", source) or detection or started or first
        if detected is None:
            raise ValidationError(f"{source}: no detection instant (Key Facts 'Impact start' or a timeline)", field="FILE")
        services = doc.key_facts.get("affected services", "")
        services = [] if services.startswith("[") or is_unknown(services) else [s.strip() for s in services.split(",")]
        incident = open_incident(session=session, title=doc.title, severity=doc.severity, detected_at=detected,
                                 started_at=started if started and started <= detected else None,
                                 services=[s for s in services if s],
                                 tags=doc.theme_tags)
        resolved = _fact_instant(doc, "impact end", source)
        if resolved:
            update_incident(session=session, incident=incident, changes={"status": "resolved", "resolved_at": resolved},
                            changed_by=changed_by)
    result = ImportResult(incident=incident.ref, created=created, skipped=list(doc.skipped))
    known = {(e.at, _norm(e.text)) for e in get_timeline(session=session, incident=incident)}
    added = 0
    for item in doc.timeline:
        if (item.at, _norm(item.text)) not in known:
            add_timeline_entry(session=session, incident=incident, at=item.at, kind=item.kind, text=item.text,
                               original_time=item.original_time, source="post-mortem")
            known.add((item.at, _norm(item.text)))
            added += 1
    if added:
        result.changes.append(f"timeline: {added} entr{'y' if added == 1 else 'ies'} added")
    existing = get_postmortem(session=session, incident=incident)
    fields = postmortem_fields(doc)
    differing = [name for name in _FIELDS if (getattr(existing, name) if existing else None) != fields[name]
                 and not (existing is None and fields[name] in (None, []))]
    if differing:
        result.changes.append(f"post-mortem: {', '.join(differing)}")
    postmortem = set_postmortem(session=session, incident=incident, data={k: fields[k] for k in _FIELDS})
    postmortem.source_markdown = text
    postmortem.source_sha256 = hashlib.sha256(text.encode("utf-8")).hexdigest()
    session.add(postmortem)
    _import_actions(session, incident, doc, result)
    if doc.theme_tags and list(incident.tags or []) != doc.theme_tags and not created:
        update_incident(session=session, incident=incident, changes={"tags": doc.theme_tags}, changed_by=changed_by)
        result.changes.append("theme tags")
    session.flush()
    return result


def preview_postmortem_import(*, session: Session, doc: ParsedPostmortem, text: str, source: str,
                              incident: Incident | None = None, changed_by: str = "import") -> ImportResult:
    """Returns what importing the document would change, and rolls the session back: nothing is written."""
    try:
        result = import_postmortem(session=session, doc=doc, text=text, source=source, incident=incident,
                                   changed_by=changed_by)
    finally:
        session.rollback()
    result.dry_run = True
    return result


def _import_actions(session: Session, incident: Incident, doc: ParsedPostmortem, result: ImportResult) -> None:
    actions = {_norm(a.description): a for a in get_incident_actions(session=session, incident=incident)}
    added = updated = 0
    for follow in doc.followups:
        action = actions.get(_norm(follow.description))
        if action is None:
            action = add_action(session=session, incident=incident, description=follow.description, owner=follow.owner,
                                due=follow.due, success_criteria=follow.success_criteria, lessons=follow.lessons)
            actions[_norm(follow.description)] = action
            added += 1
        else:
            wanted = {"owner": follow.owner, "due": follow.due, "lessons": follow.lessons}
            if follow.success_criteria:
                wanted["success_criteria"] = follow.success_criteria
            diff = {k: v for k, v in wanted.items() if getattr(action, k) != v}
            if diff:
                for key, value in diff.items():
                    setattr(action, key, value)
                session.add(action)
                updated += 1
        if follow.done and action.status == "open":
            complete_action(session=session, action=action)
            updated += 1
    if added or updated:
        result.changes.append(f"action items: {added} added, {updated} updated")
