"""`compliance evidence …`: add files to an incident, list, show and export them."""

from __future__ import annotations

import click

from compliance.cli.base import ComplianceGroup
from compliance.cli.options import (
    default_actor,
    emit_json,
    json_option,
    pass_store,
    print_fields,
    print_table,
    progress_bar,
    timezone_option,
)
from compliance.core.timeutil import parse_instant


def _file_size(path: str) -> int:
    try:
        import os
        return os.stat(path).st_size
    except OSError:
        return 0


@click.group("evidence", cls=ComplianceGroup)
def evidence_group() -> None:
    """Keep evidence files (content-addressed, read-only) with their chain of custody."""


@evidence_group.command("add")
@click.argument("incident_id", metavar="INCIDENT")
@click.argument("file", metavar="FILE", type=click.Path(dir_okay=True, path_type=str))
@click.option("--collected-by", required=True, metavar="NAME", help="Who collected the file (first holder).")
@click.option("--collected-at", metavar="ISO", help="When it was collected (default: now).")
@click.option("--source", metavar="TEXT", help="Where it came from, e.g. 'EDR console export'.")
@click.option("--description", metavar="TEXT", help="What the file shows.")
@click.option("--follow-symlinks", is_flag=True, help="Add what a symbolic link points to (the resolved path is recorded).")
@timezone_option
@pass_store
@json_option
def add_command(store, as_json, tz, incident_id, file, collected_by, collected_at, source, description,
                follow_symlinks) -> None:
    """Add a file to an incident's evidence and print its id and SHA-256.

    The file is hashed and copied in one pass into the store's read-only blob folder; the same
    content added twice is stored once. A `collected` custody event starts its chain of custody.

    Example:

    \b
        compliance evidence add INC-0001 waf-export.json --collected-by "Dana Ruiz" \\
            --collected-at 2026-03-01T12:10:00Z --source "WAF console export"
    """
    from compliance.custody.evidence import add_evidence

    when = parse_instant(collected_at, field="--collected-at", tz=tz) if collected_at else None
    with progress_bar("hashing and copying", _file_size(file), quiet=as_json) as progress:
        data = add_evidence(store=store, incident_ref=incident_id, path=file, collected_by=collected_by,
                            collected_at=when, source=source, description=description, progress=progress,
                            follow_symlinks=follow_symlinks)
    if as_json:
        emit_json(data)
    else:
        click.echo(f"{data['id']}  sha256 {data['sha256']}  {data['size']} bytes")


@evidence_group.command("list")
@click.argument("incident_id", metavar="[INCIDENT]", required=False)
@pass_store
@json_option
def list_command(store, as_json, incident_id) -> None:
    """List evidence (of one incident, or all) in collection order.

    Example:

    \b
        compliance evidence list INC-0001 --json
    """
    from compliance.custody.evidence import list_evidence

    with store.session() as session:
        rows = list_evidence(session=session, incident_ref=incident_id)
    if as_json:
        emit_json(rows)
    else:
        for row in rows:
            row["sha256"] = row["sha256"][:16] + "…"
        print_table(rows, ["id", "incident", "filename", "size", "collected_by", "collected_at", "sealed",
                           "sha256"], empty="no evidence")


@evidence_group.command("show")
@click.argument("evidence_id", metavar="EV")
@pass_store
@json_option
def show_command(store, as_json, evidence_id) -> None:
    """Show one evidence item with its custody log.

    Example:

    \b
        compliance evidence show EV-0001 --json
    """
    from compliance.custody.evidence import show_evidence

    with store.session() as session:
        data = show_evidence(session=session, ref=evidence_id)
    if as_json:
        emit_json(data)
        return
    custody = data.pop("custody")
    print_fields([(k, v) for k, v in data.items() if v is not None])
    for event in custody:
        click.echo(f"  #{event['seq']} {event['action']} by {event['actor']} at {event['at']:%Y-%m-%dT%H:%M:%SZ}"
                   + (f" from {event['from']}" if event["from"] else "") + (f" to {event['to']}" if event["to"] else "")
                   + (f" ({event['reason']})" if event["reason"] else ""))


@evidence_group.command("export")
@click.argument("evidence_id", metavar="EV")
@click.argument("dest", metavar="DEST", type=click.Path(path_type=str))
@click.option("--by", "actor", metavar="NAME", default=None, help="Who exports it (default: COMPLIANCE_ACTOR or login name).")
@click.option("--reason", metavar="TEXT", help="Why it is exported, e.g. 'requested by the regulator'.")
@pass_store
@json_option
def export_command(store, as_json, evidence_id, dest, actor, reason) -> None:
    """Copy an evidence file out (verified against its SHA-256) and record an `exported` custody event.

    DEST is the path of a new file: an existing file is never overwritten.

    Example:

    \b
        compliance evidence export EV-0001 /media/usb/EV-0001.json --reason "handed to counsel"
    """
    from compliance.custody.evidence import export_evidence, get_evidence

    with store.session() as session:
        size = get_evidence(session=session, ref=evidence_id).size
    with progress_bar("copying and verifying", size, quiet=as_json) as progress:
        data = export_evidence(store=store, ref=evidence_id, dest=dest, actor=actor or default_actor(),
                               reason=reason, progress=progress)
    if as_json:
        emit_json(data)
    else:
        click.echo(f"{data['id']} exported to {data['dest']} (sha256 {data['sha256']} verified)")
