"""Action items: add, complete, cancel and list follow-ups; find the overdue ones."""

from __future__ import annotations

import re
from collections.abc import Iterable
from datetime import date, datetime
from typing import Any

from sqlalchemy import func
from sqlmodel import Session, select

from compliance.actions.models import ActionItem, ActionPriority, ActionStatus
from compliance.core.errors import ConflictError, NotFoundError, ValidationError
from compliance.core.numbers import check_whole
from compliance.core.refs import format_number_ref
from compliance.core.text import clean_line, clean_text
from compliance.core.timeutil import ensure_utc, parse_date, utcnow
from compliance.incidents.models import Incident
from compliance.incidents.service import get_incident, lock_incident

PRIORITIES = [p.value for p in ActionPriority]
_REF = re.compile(r"^(?:INC-)?0*(\d+)-A(\d+)$", re.IGNORECASE)


def action_ref(action: ActionItem, incident: Incident | None = None) -> str:
    """Returns the human id of an action item (INC-0001-A2)."""
    number = incident.number if incident is not None else None
    if number is None:
        raise ValueError("incident required")
    return f"{format_number_ref('INC', number)}-A{action.number}"


def add_action(
    *,
    session: Session,
    incident: Incident,
    description: str,
    owner: str | None,
    due: date | str | None,
    priority: str = ActionPriority.MEDIUM.value,
    success_criteria: str | None = None,
    lessons: Iterable[int] = (),
    number: int | None = None,
    link: str | None = None,
) -> ActionItem:
    """Adds an action item to an incident (next number unless `number` is given) and returns it."""
    if not description or not clean_text(description, field="--text"):
        raise ValidationError("must not be empty", field="--text")
    owner = clean_line(owner, field="--owner") if owner is not None else None
    link = clean_line(link, field="--link") if link is not None else None
    success_criteria = clean_text(success_criteria, field="--success-criteria") if success_criteria is not None else None
    priority = str(priority or "medium").strip().lower()
    if priority not in PRIORITIES:
        raise ValidationError(f"{priority!r} is not one of {', '.join(PRIORITIES)}", field="--priority")
    due_date = parse_date(due, field="--due") if due is not None and due != "" else None
    lesson_numbers = []
    for lesson in lessons:
        try:
            value = int(lesson)
            if value > 2**31 - 1:
                raise ValueError
        except (TypeError, ValueError):
            raise ValidationError(f"{lesson!r} is not a lesson number", field="--lesson") from None
        if value < 1:
            raise ValidationError("lesson numbers start at 1", field="--lesson")
        lesson_numbers.append(value)
    lock_incident(session=session, incident=incident)  # numbers are allocated per incident: one writer at a time
    if number is None:
        current = session.exec(select(func.max(ActionItem.number)).where(ActionItem.incident_id == incident.id)).one()
        number = (current or 0) + 1
    else:
        number = check_whole(number, field="--number", minimum=1)
        existing = session.exec(select(ActionItem).where(
            ActionItem.incident_id == incident.id, ActionItem.number == number)).first()
        if existing is not None:
            raise ConflictError(f"action {format_number_ref('INC', incident.number)}-A{number} already exists", field="--number")
    action = ActionItem(
        incident_id=incident.id, number=number, description=clean_text(description, field="--text"),
        owner=(owner or "").strip() or None, due=due_date, priority=priority,
        success_criteria=success_criteria, lessons=lesson_numbers, link=link,
    )
    session.add(action)
    session.flush()
    return action


def get_action(*, session: Session, ref: str) -> tuple[ActionItem, Incident]:
    """Returns the action item with id `ref` (INC-0001-A2) and its incident."""
    match = _REF.match(str(ref).strip())
    if not match:
        raise ValidationError(f"{ref!r} is not an action id (e.g. INC-0001-A2)", field="ACTION-ID")
    incident = get_incident(session=session, ref=match.group(1))
    action = session.exec(select(ActionItem).where(
        ActionItem.incident_id == incident.id, ActionItem.number == int(match.group(2)))).first()
    if action is None:
        raise NotFoundError(f"unknown action {ref!r}", field="ACTION-ID")
    return action, incident


def complete_action(
    *, session: Session, action: ActionItem, link: str | None = None, at: datetime | None = None,
    status: str = ActionStatus.DONE.value,
) -> ActionItem:
    """Marks an action item done (or cancelled) at `at` (now by default)."""
    if status not in (ActionStatus.DONE.value, ActionStatus.CANCELLED.value):
        raise ValidationError(f"{status!r} is not done or cancelled", field="status")
    session.refresh(action, with_for_update=True)  # decide on the current status, not a stale copy
    if action.status != ActionStatus.OPEN.value:
        raise ConflictError(f"action is already {action.status}", field="ACTION-ID")
    action.status = status
    action.completed_at = ensure_utc(at, field="--at") if at else utcnow()
    if link:
        action.link = link
    session.add(action)
    session.flush()
    return action


def verify_action(*, session: Session, action: ActionItem, verified_by: str, how: str,
                  at: datetime | None = None) -> ActionItem:
    """Records that a done action was verified effective (ISO 27001 clause 10.2): who verified, when and how."""
    if action.status != ActionStatus.DONE.value:
        raise ConflictError(f"action is {action.status}: only a done action can be verified effective",
                            field="ACTION-ID")
    if action.verified_at is not None:
        raise ConflictError(f"action was already verified by {action.verified_by}", field="ACTION-ID")
    verified_by = " ".join(str(verified_by or "").split())
    how = " ".join(str(how or "").split())
    if not verified_by:
        raise ValidationError("must name who verified the action", field="--by")
    if not how:
        raise ValidationError("must say how effectiveness was verified", field="--how")
    now = utcnow()
    at = ensure_utc(at, field="--at") if at else now
    if at > now:
        raise ValidationError(f"{at:%Y-%m-%dT%H:%M:%SZ} is in the future", field="--at")
    if action.completed_at is not None and at < action.completed_at:
        raise ValidationError("is before the action was completed", field="--at")
    action.verified_by, action.verified_at, action.verification = verified_by, at, how
    session.add(action)
    session.flush()
    return action


def list_actions(
    *, session: Session, incident: Incident | None = None, status: str | None = None,
) -> list[tuple[ActionItem, Incident]]:
    """Returns action items with their incidents, by incident then number."""
    query = select(ActionItem, Incident).join(Incident, ActionItem.incident_id == Incident.id)
    if incident is not None:
        query = query.where(ActionItem.incident_id == incident.id)
    if status:
        query = query.where(ActionItem.status == status)
    return list(session.exec(query.order_by(Incident.number, ActionItem.number)))


def get_overdue_actions(*, session: Session, as_of: date) -> list[tuple[ActionItem, Incident]]:
    """Returns open action items whose due date is before `as_of`."""
    query = (select(ActionItem, Incident).join(Incident, ActionItem.incident_id == Incident.id)
             .where(ActionItem.status == ActionStatus.OPEN.value, ActionItem.due < as_of)
             .order_by(ActionItem.due, Incident.number, ActionItem.number))
    return list(session.exec(query))


def get_incident_actions(*, session: Session, incident: Incident) -> list[ActionItem]:
    """Returns an incident's action items by number."""
    query = select(ActionItem).where(ActionItem.incident_id == incident.id).order_by(ActionItem.number)
    return list(session.exec(query))


def action_to_dict(action: ActionItem, incident: Incident, *, as_of: date | None = None) -> dict[str, Any]:
    """Returns an action item as a plain dict with its ref and overdue flag."""
    overdue = bool(as_of and action.status == ActionStatus.OPEN.value and action.due and action.due < as_of)
    return {"ref": action_ref(action, incident), "incident": incident.ref, "number": action.number,
            "description": action.description, "owner": action.owner, "due": action.due,
            "priority": action.priority, "success_criteria": action.success_criteria,
            "lessons": list(action.lessons or []), "status": action.status,
            "completed_at": action.completed_at, "link": action.link, "overdue": overdue,
            "verified_by": action.verified_by, "verified_at": action.verified_at,
            "verification": action.verification}
