"""Renders a stored post-mortem as Markdown (the template teams use) or as its public version."""

from __future__ import annotations

import re
from itertools import groupby

from jinja2 import Environment, FileSystemLoader, StrictUndefined
from sqlmodel import Session

from compliance.actions.service import get_incident_actions
from compliance.core.resources import builtin_dir
from compliance.core.timeutil import to_iso
from compliance.incidents.models import Incident
from compliance.incidents.service import get_timeline
from compliance.postmortems.models import Postmortem
from compliance.postmortems.service import get_postmortem

_HANDLE = re.compile(r"@[\w.-]+")


def _environment() -> Environment:
    env = Environment(loader=FileSystemLoader(str(builtin_dir("reports"))), undefined=StrictUndefined,
                      autoescape=False, keep_trailing_newline=True, trim_blocks=False)
    env.globals["iso"] = to_iso
    return env


def render_postmortem_markdown(*, session: Session, incident: Incident, public: bool = False) -> str:
    """Returns the post-mortem as Markdown; `public` gives the external version."""
    pm = get_postmortem(session=session, incident=incident) or Postmortem(incident_id=incident.id)
    timeline = [{"day": e.at.date().isoformat(), "time": e.at.strftime("%H:%M"),
                 "text": _HANDLE.sub("an engineer", e.text) if public else e.text,
                 "customer_visible": e.customer_visible} for e in get_timeline(session=session, incident=incident)]
    lessons = sorted(pm.lessons or [], key=lambda lesson: lesson["number"])
    by_category = [(c, list(items)) for c, items in groupby(lessons, key=lambda lesson: lesson.get("category"))]
    actions = get_incident_actions(session=session, incident=incident)
    name = "postmortem-public.md.j2" if public else "postmortem.md.j2"
    text = _environment().get_template(name).render(incident=incident, pm=pm, timeline=timeline,
                                                      lessons_by_category=by_category, actions=actions)
    return re.sub(r"\n{3,}", "\n\n", text).strip() + "\n"
