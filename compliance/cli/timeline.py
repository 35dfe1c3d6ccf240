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


def _format_of(fmt: str | None, path: str) -> str:
    if fmt:
        return fmt
    suffix = path.rsplit(".", 1)[-1].lower() if "." in path else ""
    return suffix if suffix in ("csv", "json") else "csv"


@timeline_group.command("import")
@click.argument("incident_id", metavar="ID")
@click.argument("file", type=click.Path(dir_okay=False))
@click.option("--format", "fmt", type=click.Choice(["csv", "json"]), help="File format (default: from the file name, else csv).")
@click.option("--dry-run", is_flag=True, help="Check every row and say what would be added; write nothing.")
@timezone_option
@pass_store
@json_option
def import_command(store, as_json, tz, incident_id, file, fmt, dry_run) -> None:
    """Import timeline entries from CSV or JSON (columns: at, kind, text, source, actor, customer_visible).

    Each row's instant carries its own offset (2026-03-01T12:00:00+01:00 or Z); a row without one
    is refused unless --timezone says which zone it is in. A bad row is refused with its row and
    column and nothing is written; rows already recorded (same instant and text) are skipped.

    Example:

    \b
        compliance timeline import INC-0001 iris-timeline.csv
        compliance timeline export INC-0001 --format json > timeline.json
    """
    from compliance.core.errors import ValidationError
    from compliance.incidents.service import get_incident
    from compliance.incidents.timeline_io import import_timeline

    try:
        with open(file, encoding="utf-8") as handle:
            text = handle.read()
    except UnicodeDecodeError:
        raise ValidationError(f"{file} is not UTF-8 text", field="FILE") from None
    with store.session(immediate=not dry_run) as session:
        incident = get_incident(session=session, ref=incident_id)
        counts = import_timeline(session=session, incident=incident, text=text, fmt=_format_of(fmt, file), tz=tz,
                                 dry_run=dry_run)
    if as_json:
        emit_json({**counts, "incident": incident_id, "dry_run": dry_run})
    else:
        verb = "would add" if dry_run else "added"
        click.echo(f"{incident_id}: {verb} {counts['added']} entries, {counts['already_recorded']} already recorded")


@timeline_group.command("export")
@click.argument("incident_id", metavar="ID")
@click.option("--format", "fmt", type=click.Choice(["csv", "json"]), default="csv", show_default=True,
              help="Output format; the same columns import back.")
@pass_store
def export_command(store, incident_id, fmt) -> None:
    """Export an incident's timeline as CSV or JSON (columns: at, kind, text, source, actor, customer_visible).

    Example:

    \b
        compliance timeline export INC-0001 --format csv > timeline.csv
    """
    from compliance.incidents.service import get_incident
    from compliance.incidents.timeline_io import get_timeline_rows, render_timeline

    with store.session() as session:
        rows = get_timeline_rows(session=session, incident=get_incident(session=session, ref=incident_id))
    click.echo(render_timeline(rows, fmt=fmt), nl=False)

