"""Post-mortems: set content from structured data, move through review, and read one shape."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlmodel import Session, select

from compliance.actions.service import action_to_dict, get_incident_actions
from compliance.core.errors import ValidationError
from compliance.core.numbers import check_finite, check_whole
from compliance.core.timeutil import parse_instant, utcnow
from compliance.incidents.models import Incident
from compliance.incidents.service import get_timeline, timeline_entry_to_dict
from compliance.postmortems.models import Postmortem, PostmortemStatus

STATUSES = [s.value for s in PostmortemStatus]
_ORDER = {s: i for i, s in enumerate(STATUSES)}
_TEXT = ("summary", "impact_text", "detection_analysis", "diagnosis_analysis", "mitigation_analysis",
         "reviewer", "impact_currency")
_INTS = ("impact_users", "impact_duration_minutes")
_STRING_LISTS = ("contributors", "mitigators", "risks", "diagnostics")
_INSTANTS = ("drafted_at", "in_review_at", "published_at")
SETTABLE = set(_TEXT) | set(_INTS) | set(_STRING_LISTS) | set(_INSTANTS) | {
    "status", "impact_money", "root_cause", "lessons", "kept_sections"}


def _as_list(name: str, value: Any) -> list:
    if value is None:
        return []
    if not isinstance(value, list):
        raise ValidationError("must be a list", field=name)
    return value


def _root_cause(value: Any) -> list[dict]:
    steps = []
    for index, item in enumerate(_as_list("root_cause", value)):
        if isinstance(item, str):
            item = {"number": str(index + 1), "text": item}
        if not isinstance(item, dict) or not str(item.get("text", "")).strip():
            raise ValidationError(f"item {index + 1} needs a number and a text", field="root_cause")
        number = str(item.get("number", index + 1)).strip().rstrip(".")
        if not all(part.isdigit() for part in number.split(".")):
            raise ValidationError(f"{number!r} is not a why-chain number like 1, 1.2 or 2.1.3", field="root_cause")
        steps.append({"number": number, "text": str(item["text"]).strip()})
    return steps


def _lessons(value: Any) -> list[dict]:
    lessons = []
    for index, item in enumerate(_as_list("lessons", value)):
        if isinstance(item, str):
            item = {"number": index + 1, "text": item}
        if not isinstance(item, dict) or not str(item.get("text", "")).strip():
            raise ValidationError(f"item {index + 1} needs a text", field="lessons")
        try:
            number = int(item.get("number", index + 1))
        except (TypeError, ValueError):
            raise ValidationError(f"lesson {index + 1} has a non-numeric number", field="lessons") from None
        lessons.append({"number": number, "text": str(item["text"]).strip(), "category": item.get("category")})
    numbers = [lesson["number"] for lesson in lessons]
    if len(numbers) != len(set(numbers)):
        raise ValidationError("lesson numbers must be unique", field="lessons")
    return lessons


def _kept_sections(value: Any) -> list[dict]:
    sections = []
    for index, item in enumerate(_as_list("kept_sections", value)):
        if not isinstance(item, dict) or not isinstance(item.get("text"), str) or not item["text"].strip():
            raise ValidationError(f"item {index + 1} needs a title and the section's Markdown text", field="kept_sections")
        sections.append({"title": str(item.get("title") or "").strip(), "text": item["text"].rstrip()})
    return sections


def _normalise(name: str, value: Any) -> Any:
    if name in _TEXT:
        return None if value is None else str(value).strip() or None
    if name in _INTS:
        if value is None:
            return None
        if isinstance(value, bool) or not isinstance(value, (int, float, str)) or not str(value).strip().isdigit():
            raise ValidationError(f"{str(value)[:40]!r} is not a whole non-negative number", field=name)
        return check_whole(value, field=name)
    if name == "impact_money":
        return check_finite(value, field=name)
    if name in _STRING_LISTS:
        items = _as_list(name, value)
        if not all(isinstance(item, (str, int, float)) for item in items):
            raise ValidationError("must be a list of texts", field=name)
        return [str(item).strip() for item in items if str(item).strip()]
    if name in _INSTANTS:
        return None if value is None else parse_instant(value, field=name)
    if name == "status":
        status = str(value).strip().lower()
        if status not in STATUSES:
            raise ValidationError(f"{status!r} is not one of {', '.join(STATUSES)}", field="status")
        return status
    if name == "root_cause":
        return _root_cause(value)
    if name == "lessons":
        return _lessons(value)
    if name == "kept_sections":
        return _kept_sections(value)
    raise ValidationError("unknown post-mortem field", field=name)  # pragma: no cover - filtered before


def get_postmortem(*, session: Session, incident: Incident) -> Postmortem | None:
    """Returns the incident's post-mortem, or None."""
    return session.exec(select(Postmortem).where(Postmortem.incident_id == incident.id)).first()


def set_postmortem(
    *, session: Session, incident: Incident, data: dict[str, Any], now: datetime | None = None,
) -> Postmortem:
    """Creates or updates the incident's post-mortem from a mapping of fields; returns it.

    Status only moves forward (draft → in_review → published); each step is stamped.
    """
    if not isinstance(data, dict):
        raise ValidationError("the post-mortem file must hold a mapping of fields", field="FILE")
    unknown = sorted(set(data) - SETTABLE)
    if unknown:
        raise ValidationError(f"unknown post-mortem field(s): {', '.join(map(str, unknown))}", field="FILE")
    values = {name: _normalise(name, value) for name, value in data.items()}
    now = now or utcnow()
    postmortem = get_postmortem(session=session, incident=incident)
    if postmortem is None:
        postmortem = Postmortem(incident_id=incident.id, drafted_at=values.get("drafted_at") or now)
    old_status = postmortem.status
    new_status = values.get("status", old_status)
    if _ORDER[new_status] < _ORDER[old_status]:
        raise ValidationError(f"cannot move a post-mortem back from {old_status} to {new_status}", field="status")
    for name, value in values.items():
        setattr(postmortem, name, value)
    if _ORDER[new_status] >= _ORDER["in_review"] and postmortem.in_review_at is None:
        postmortem.in_review_at = now
    if new_status == "published" and postmortem.published_at is None:
        postmortem.published_at = now
    postmortem.updated_at = now
    session.add(postmortem)
    session.flush()
    return postmortem


def postmortem_to_dict(postmortem: Postmortem | None) -> dict[str, Any] | None:
    """Returns a post-mortem's columns as a plain dict."""
    if postmortem is None:
        return None
    data = postmortem.model_dump()
    for key in ("id", "incident_id", "source_markdown"):
        data.pop(key, None)
    return data


def get_postmortem_document(*, session: Session, incident: Incident, as_of=None) -> dict[str, Any]:
    """Returns one object with the post-mortem and its timeline, action items and theme tags."""
    postmortem = get_postmortem(session=session, incident=incident)
    fields = postmortem_to_dict(postmortem) or {}
    return {
        "incident": incident.ref,
        "title": incident.title,
        "severity": incident.severity,
        "exists": postmortem is not None,
        "status": fields.get("status"),
        "drafted_at": fields.get("drafted_at"),
        "in_review_at": fields.get("in_review_at"),
        "published_at": fields.get("published_at"),
        "reviewer": fields.get("reviewer"),
        "summary": fields.get("summary"),
        "impact": {"users": fields.get("impact_users"), "duration_minutes": fields.get("impact_duration_minutes"),
                   "money": fields.get("impact_money"), "currency": fields.get("impact_currency"),
                   "text": fields.get("impact_text")},
        "timeline": [timeline_entry_to_dict(e) for e in get_timeline(session=session, incident=incident)],
        "contributors": fields.get("contributors", []),
        "mitigators": fields.get("mitigators", []),
        "risks": fields.get("risks", []),
        "root_cause": fields.get("root_cause", []),
        "detection_analysis": fields.get("detection_analysis"),
        "diagnosis_analysis": fields.get("diagnosis_analysis"),
        "mitigation_analysis": fields.get("mitigation_analysis"),
        "diagnostics": fields.get("diagnostics", []),
        "lessons": fields.get("lessons", []),
        "kept_sections": fields.get("kept_sections", []),
        "action_items": [action_to_dict(a, incident, as_of=as_of)
                         for a in get_incident_actions(session=session, incident=incident)],
        "theme_tags": list(incident.tags or []),
    }
