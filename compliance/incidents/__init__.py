"""Incident register: incidents, timelines and their audit trail."""

from compliance.incidents.service import (  # noqa: F401
    add_timeline_entry,
    get_incident,
    get_timeline,
    list_incidents,
    open_incident,
    update_incident,
)
