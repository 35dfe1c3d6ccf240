"""`compliance timeline …`: add and show timeline entries."""

from __future__ import annotations

import click

from compliance.cli.base import ComplianceGroup
from compliance.cli.options import emit_json, json_option, pass_store, print_table, timezone_option
from compliance.core.timeutil import parse_instant
from compliance.incidents.enums import TIMELINE_KINDS


@click.group("timeline", cls=ComplianceGroup)
def timeline_group() -> None:
    """Record what happened, when, in an incident."""


@timeline_group.command("add")
@click.argument("incident_id", metavar="ID")
@click.option("--at", required=True, metavar="ISO", help="When it happened.")
@click.option("--kind", required=True, type=click.Choice(TIMELINE_KINDS, case_sensitive=False), help="What kind of entry.")
@click.option("--text", required=True, help="What happened or was decided.")
@click.option("--source", help="Where this is recorded: monitoring, deploy log, chat…")
@click.option("--actor", help="Who acted, as a role (on-call SRE), not a name.")
@click.option("--customer-visible", is_flag=True, help="Part of the customer-facing timeline.")
@timezone_option
@pass_store
@json_option
def add_command(store, as_json, tz, incident_id, at, kind, text, source, actor, customer_visible) -> None:
    """Add an entry to an incident's timeline.

    Example:

    \b
        compliance timeline add INC-0001 --at 2026-03-01T11:02:00Z --kind escalation \\
            --text "Security on-call paged" --source pager --actor "on-call SRE"
    """
    from compliance.incidents.service import add_timeline_entry, get_incident, timeline_entry_to_dict

    with store.session(immediate=True) as session:
        incident = get_incident(session=session, ref=incident_id)
        entry = add_timeline_entry(session=session, incident=incident, at=parse_instant(at, field="--at", tz=tz),
                                   kind=kind, text=text, source=source, actor=actor,
                                   customer_visible=customer_visible)
        data = timeline_entry_to_dict(entry)
    if as_json:
        emit_json(data)
    else:
        click.echo(f"{incident_id}: {data['kind']} at {data['at']:%Y-%m-%dT%H:%M:%SZ} recorded")


@timeline_group.command("show")
@click.argument("incident_id", metavar="ID")
@pass_store
@json_option
def show_command(store, as_json, incident_id) -> None:
    """Show an incident's timeline in time order.

    Example:

    \b
        compliance timeline show INC-0001 --json
    """
    from compliance.incidents.service import get_incident, get_timeline, timeline_entry_to_dict

    with store.session() as session:
        incident = get_incident(session=session, ref=incident_id)
        rows = [timeline_entry_to_dict(e) for e in get_timeline(session=session, incident=incident)]
    if as_json:
        emit_json(rows)
    else:
        print_table(rows, ["at", "kind", "actor", "source", "text"], empty="no timeline entries")
