"""Recurrence links on an incident's page and their count in the exceptions section (RP-REG-4)."""

from __future__ import annotations

from reportlab.platypus import Flowable

from compliance.reports.writer import PackWriter

TITLE = "Recurrences after a completed action"


def incident_lines(w: PackWriter, inc) -> list[Flowable]:
    """One line per earlier incident this one recurs after an action addressing it was completed."""
    return [w.paragraph(f"This incident {link.sentence()}.") for link in inc.recurrences]


def all_links(pack) -> list:
    """Every recurrence link of the pack, in incident order."""
    return [link for inc in pack.incidents for link in inc.recurrences]
