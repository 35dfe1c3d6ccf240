"""Renders a stored post-mortem as Markdown (the template teams use), and its public version in Markdown or JSON.

Both public formats are built from one document (`get_public_postmortem_document`) redacted by the one policy
of compliance.core.redaction (PUBLIC-1..5): customer-visible timeline, summary, impact, root cause and lessons
after redaction, high-priority actions that are not cancelled; restricted incidents only when asked for.
"""

from __future__ import annotations

import re
from itertools import groupby
from typing import Any

from jinja2 import Environment, FileSystemLoader, StrictUndefined
from sqlmodel import Session

from compliance.actions.service import get_incident_actions
from compliance.core.redaction import RedactionPolicy, ensure_publishable, escape_html, get_redaction_policy, redact_tree
from compliance.core.resources import builtin_dir
from compliance.core.timeutil import to_iso
from compliance.incidents.models import Incident
from compliance.incidents.service import get_timeline
from compliance.postmortems.models import Postmortem
from compliance.postmortems.service import get_postmortem, get_postmortem_document


def _environment(*, public: bool = False) -> Environment:
    # The public version escapes HTML in every value it prints (PUBLIC-5); the internal one must re-import as written.
    env = Environment(loader=FileSystemLoader(str(builtin_dir("reports"))), undefined=StrictUndefined,
                      autoescape=False, keep_trailing_newline=True, trim_blocks=False,
                      finalize=escape_html if public else None)
    env.globals["iso"] = to_iso
    return env


def get_public_postmortem_document(*, session: Session, incident: Incident, policy: RedactionPolicy | None = None,
                                   include_restricted: bool = False) -> dict[str, Any]:
    """Returns the public post-mortem (the content of both public formats), redacted by the store's policy."""
    ensure_publishable(ref=incident.ref, restricted=incident.restricted, include_restricted=include_restricted)
    policy = policy or get_redaction_policy(session=session)
    full = get_postmortem_document(session=session, incident=incident)
    document = {
        "incident": incident.ref, "title": incident.title, "severity": incident.severity, "public": True,
        "impact": {"started_at": incident.started_at or incident.detected_at, "ended_at": incident.resolved_at,
                   "text": full["impact"]["text"]},
        "summary": full["summary"],
        "timeline": [{"at": e["at"], "text": e["text"]} for e in full["timeline"] if e["customer_visible"]],
        "root_cause": full["root_cause"],
        "lessons": sorted(full["lessons"], key=lambda lesson: lesson["number"]),
        "action_items": [{"ref": a["ref"], "description": a["description"], "status": a["status"], "due": a["due"]}
                         for a in full["action_items"] if a["priority"] == "high"],
        "theme_tags": full["theme_tags"],
    }
    return redact_tree(document, policy)


def render_postmortem_markdown(*, session: Session, incident: Incident, public: bool = False,
                               include_restricted: bool = False) -> str:
    """Returns the post-mortem as Markdown; `public` gives the external version (see the module docstring)."""
    if public:
        document = get_public_postmortem_document(session=session, incident=incident,
                                                  include_restricted=include_restricted)
        text = _environment(public=True).get_template("postmortem-public.md.j2").render(doc=document)
        return re.sub(r"\n{3,}", "\n\n", text).strip() + "\n"
    pm = get_postmortem(session=session, incident=incident) or Postmortem(incident_id=incident.id)
    timeline = [{"day": e.at.date().isoformat(), "time": e.at.strftime("%H:%M"), "text": e.text,
                 "customer_visible": e.customer_visible} for e in get_timeline(session=session, incident=incident)]
    lessons = sorted(pm.lessons or [], key=lambda lesson: lesson["number"])
    by_category = [(c, list(items)) for c, items in groupby(lessons, key=lambda lesson: lesson.get("category"))]
    actions = get_incident_actions(session=session, incident=incident)
    text = _environment().get_template("postmortem.md.j2").render(incident=incident, pm=pm, timeline=timeline,
                                                      lessons_by_category=by_category, actions=actions)
    return re.sub(r"\n{3,}", "\n\n", text).strip() + "\n"
