"""`compliance action …` (add, done, cancel, list) and the scheduled `compliance actions check`."""

from __future__ import annotations

import click

from compliance.actions.enums import PRIORITIES
from compliance.cli.base import CheckCommand, ComplianceGroup
from compliance.cli.options import emit_json, json_option, pass_store, print_check, print_table
from compliance.core.timeutil import parse_date, parse_duration, parse_instant, utcnow


@click.group("action", cls=ComplianceGroup)
def action_group() -> None:
    """Track follow-up actions: one owner, a due date, success criteria."""


@action_group.command("add")
@click.argument("incident_id", metavar="ID")
@click.option("--text", required=True, help="What will be done (specific, measurable).")
@click.option("--owner", required=True, help="One person who owns it (not a team).")
@click.option("--due", required=True, metavar="DATE", help="Due date, YYYY-MM-DD.")
@click.option("--priority", type=click.Choice(PRIORITIES, case_sensitive=False), default="medium", show_default=True,
    help="Priority.")
@click.option("--success-criteria", help="How we will know it worked.")
@click.option("--lesson", "lessons", multiple=True, type=int, metavar="N", help="Number of a lesson it addresses (repeatable).")
@click.option("--number", type=int, help="Explicit action number within the incident (default: next).")
@click.option("--link", metavar="URL", help="Ticket or change.")
@pass_store
@json_option
def add_command(store, as_json, incident_id, text, owner, due, priority, success_criteria, lessons, number, link) -> None:
    """Add an action item to an incident and print its id.

    Example:

    \b
        compliance action add INC-0001 --text "Alert on pool saturation above 80%" \\
            --owner "Dana Ruiz" --due 2026-03-15 --priority high --lesson 1
    """
    from compliance.actions.service import action_to_dict, add_action
    from compliance.incidents.service import get_incident

    with store.session(immediate=True) as session:
        incident = get_incident(session=session, ref=incident_id)
        action = add_action(session=session, incident=incident, description=text, owner=owner,
                            due=parse_date(due, field="--due"), priority=priority,
                            success_criteria=success_criteria, lessons=lessons, number=number, link=link)
        data = action_to_dict(action, incident)
    if as_json:
        emit_json(data)
    else:
        click.echo(data["ref"])


def _finish(store, as_json, action_id, link, status):
    from compliance.actions.service import action_to_dict, complete_action, get_action

    with store.session(immediate=True) as session:
        action, incident = get_action(session=session, ref=action_id)
        complete_action(session=session, action=action, link=link, status=status)
        data = action_to_dict(action, incident)
    if as_json:
        emit_json(data)
    else:
        click.echo(f"{data['ref']}: {status}")


@action_group.command("done")
@click.argument("action_id", metavar="ACTION-ID")
@click.option("--link", metavar="URL", help="Ticket or change that completed it.")
@pass_store
@json_option
def done_command(store, as_json, action_id, link) -> None:
    """Mark an action item done.

    Example:

    \b
        compliance action done INC-0001-A1 --link https://tickets.example/OPS-42
    """
    _finish(store, as_json, action_id, link, "done")


@action_group.command("cancel")
@click.argument("action_id", metavar="ACTION-ID")
@pass_store
@json_option
def cancel_command(store, as_json, action_id) -> None:
    """Cancel an action item (kept, with its cancellation instant).

    Example:

    \b
        compliance action cancel INC-0001-A3
    """
    _finish(store, as_json, action_id, None, "cancelled")


@action_group.command("verify")
@click.argument("action_id", metavar="ACTION-ID")
@click.option("--by", "verified_by", required=True, metavar="NAME", help="Who verified the action was effective.")
@click.option("--how", required=True, metavar="TEXT", help="How effectiveness was verified (test, metric, review).")
@click.option("--at", "at", metavar="ISO", help="When it was verified (default: now).")
@pass_store
@json_option
def verify_command(store, as_json, action_id, verified_by, how, at) -> None:
    """Record that a done action was verified effective: who, when and how (ISO 27001 clause 10.2).

    Example:

    \b
        compliance action verify INC-0001-A1 --by "SRE lead" --how "failover drill passed on 2026-04-02"
    """
    from compliance.actions.service import action_to_dict, get_action, verify_action
    from compliance.core.timeutil import parse_instant

    instant = parse_instant(at, field="--at") if at else None
    with store.session(immediate=True) as session:
        action, incident = get_action(session=session, ref=action_id)
        verify_action(session=session, action=action, verified_by=verified_by, how=how, at=instant)
        data = action_to_dict(action, incident)
    if as_json:
        emit_json(data)
    else:
        click.echo(f"{data['ref']}: verified effective by {data['verified_by']}")


@action_group.command("list")
@click.option("--incident", "incident_id", metavar="ID", help="Only this incident's action items.")
@click.option("--status", type=click.Choice(["open", "done", "cancelled"]), help="Only this status.")
@click.option("--overdue", is_flag=True, help="Only open items past their due date.")
@click.option("--as-of", metavar="DATE", help="Date to judge overdue against (default: today, UTC).")
@pass_store
@json_option
def list_command(store, as_json, incident_id, status, overdue, as_of) -> None:
    """List action items.

    Example:

    \b
        compliance action list --overdue --json
    """
    from compliance.actions.service import action_to_dict, get_overdue_actions, list_actions
    from compliance.incidents.service import get_incident

    today = parse_date(as_of, field="--as-of") if as_of else utcnow().date()
    with store.session() as session:
        if overdue:
            pairs = get_overdue_actions(session=session, as_of=today)
            if incident_id:
                incident = get_incident(session=session, ref=incident_id)
                pairs = [p for p in pairs if p[1].id == incident.id]
        else:
            incident = get_incident(session=session, ref=incident_id) if incident_id else None
            pairs = list_actions(session=session, incident=incident, status=status)
        rows = [action_to_dict(a, i, as_of=today) for a, i in pairs]
    if as_json:
        emit_json(rows)
    else:
        print_table(rows, ["ref", "status", "priority", "owner", "due", "description"], empty="no action items")


@click.group("actions", cls=ComplianceGroup)
def actions_group() -> None:
    """Scheduled checks over action items (monitoring exit codes)."""


@actions_group.command("check", cls=CheckCommand)
@click.option("--as-of", metavar="DATE|ISO", help="Day (from 00:00 UTC) or instant to check at (default: now).")
@click.option("--warn-within", default="7d", show_default=True, metavar="DURATION",
    help="Warn about items due within this window.")
@pass_store
@json_option
def check_command(store, as_json, as_of, warn_within) -> None:
    """Check action items: exit 0 OK, 1 some due soon, 2 some overdue, 3 the check could not run.

    Example:

    \b
        compliance actions check --warn-within 7d || notify-team
    """
    from compliance.actions.check import get_action_check, start_of_day

    if not as_of:
        at = utcnow()
    elif "T" in as_of.upper():
        at = parse_instant(as_of, field="--as-of")
    else:
        at = start_of_day(parse_date(as_of, field="--as-of"))
    window = parse_duration(warn_within, field="--warn-within")
    with store.session() as session:
        result = get_action_check(session=session, at=at, window=window, warn_within=warn_within)
    print_check(result, as_json=as_json)
    click.get_current_context().exit(int(result.exit_code))

