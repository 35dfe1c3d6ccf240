"""`compliance incident …`: open, list, show and update incidents."""

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
    store_options,
    timezone_option,
)
from compliance.core.timeutil import parse_instant
from compliance.incidents.enums import CLOCK_FIELDS, SEVERITIES, STATUSES

_EXTRA_CLOCKS = [f for f in CLOCK_FIELDS if f not in ("started_at", "detected_at", "aware_at", "mitigated_at", "resolved_at")]


def _instant(value: str | None, flag: str, tz: str | None):
    return parse_instant(value, field=flag, tz=tz) if value else None


@click.group("incident", cls=ComplianceGroup)
def incident_group() -> None:
    """Log and follow security incidents."""


@incident_group.command("open")
@click.option("--title", required=True, help="The customer-facing problem, in one line.")
@click.option("--severity", required=True, type=click.Choice(SEVERITIES, case_sensitive=False), help="sev1 (worst) to sev4.")
@click.option("--detected-at", required=True, metavar="ISO", help="When the incident was detected.")
@click.option("--started-at", metavar="ISO", help="First trigger (impact start).")
@click.option("--aware-at", metavar="ISO",
    help="When the organisation became aware it is a security incident / breach (notification clock).")
@click.option("--classified-at", metavar="ISO", help="When it was classified as major (DORA clock).")
@click.option("--materiality-determined-at", metavar="ISO", help="When it was determined material (SEC 8-K clock).")
@click.option("--discovered-at", metavar="ISO", help="When the breach was discovered (HIPAA clock).")
@click.option("--personal-data", is_flag=True, help="Personal data is involved (a personal-data breach).")
@click.option("--data-category", "data_categories", multiple=True, help="Category of personal data (repeatable).")
@click.option("--data-subjects", "data_subjects_approx", type=int, help="Approximate number of data subjects.")
@click.option("--records", "records_approx", type=int, help="Approximate number of records.")
@click.option("--affected-in", "affected_by_state", multiple=True, metavar="STATE=N",
    help="Residents affected in a State or jurisdiction (repeatable), e.g. CA=501 (HIPAA media notice, State laws).")
@click.option("--regime", "regimes", multiple=True, metavar="ID",
    help="Notification regime that applies (repeatable), e.g. gdpr.")
@click.option("--service", "services", multiple=True, help="Affected service (repeatable).")
@click.option("--tag", "tags", multiple=True, help="Theme tag (repeatable).")
@click.option("--entity-type", help="Entity type for regimes that need it (DORA, NIS2).")
@click.option("--restricted", is_flag=True, help="Security-sensitive: kept out of audit packs unless asked for.")
@click.option("--description", help="Internal description.")
@timezone_option
@pass_store
@json_option
def open_command(store, as_json, tz, **options) -> None:
    """Open a new incident and print its id.

    Example:

    \b
        compliance incident open --title "Login failures for EU customers" \\
            --severity sev2 --detected-at 2026-03-01T11:00:00Z --personal-data --regime gdpr
    """
    from compliance.deadlines.incidents import open_incident_with_obligations
    from compliance.incidents.service import incident_to_dict

    instants = {name: _instant(options.pop(name, None), "--" + name.replace("_", "-"), tz)
                for name in ("detected_at", "started_at", "aware_at", "classified_at",
                             "materiality_determined_at", "discovered_at")}
    with store.session(immediate=True) as session:
        incident = open_incident_with_obligations(session=session, **instants, **options)
        data = incident_to_dict(incident)
    if as_json:
        emit_json(data)
    else:
        click.echo(data["id"])


@incident_group.command("list")
@click.option("--status", type=click.Choice(STATUSES, case_sensitive=False), help="Only incidents in this status.")
@click.option("--severity", type=click.Choice(SEVERITIES, case_sensitive=False), help="Only this severity.")
@click.option("--since", metavar="ISO", help="Only incidents detected at or after this instant.")
@timezone_option
@store_options
@json_option
def list_command(db_url, evidence_dir, as_json, tz, status, severity, since) -> None:
    """List incidents, oldest first.

    Example:

    \b
        compliance incident list --status open --json
    """
    # No pass_store: on a SQLite store the listing reads with sqlite3 and never loads SQLAlchemy (start-up, issue 18).
    from compliance.incidents.listing import get_incident_rows

    rows = get_incident_rows(url=db_url, evidence_dir=evidence_dir, status=status, severity=severity,
                             since=_instant(since, "--since", tz))
    if as_json:
        emit_json(rows)
    else:
        print_table(rows, ["id", "severity", "status", "detected_at", "title"], empty="no incidents")


@incident_group.command("show")
@click.argument("incident_id", metavar="ID")
@pass_store
@json_option
def show_command(store, as_json, incident_id) -> None:
    """Show one incident with its audit trail of changes.

    Example:

    \b
        compliance incident show INC-0001 --json
    """
    from compliance.incidents.service import get_incident, get_incident_changes, incident_to_dict

    with store.session() as session:
        incident = get_incident(session=session, ref=incident_id)
        data = incident_to_dict(incident)
        data["changes"] = [c.model_dump(exclude={"id", "incident_id"}) for c in
                           get_incident_changes(session=session, incident=incident)]
    if as_json:
        emit_json(data)
        return
    changes = data.pop("changes")
    print_fields([(k, v) for k, v in data.items() if v not in (None, [], {})])
    for change in changes:
        click.echo(f"  changed {change['field']}: {change['old_value']} -> {change['new_value']} "
                   f"by {change['changed_by']} at {change['changed_at']:%Y-%m-%dT%H:%M:%SZ}"
                   + (f" ({change['reason']})" if change['reason'] else ""))


@incident_group.command("update")
@click.argument("incident_id", metavar="ID")
@click.option("--title", help="New title.")
@click.option("--severity", type=click.Choice(SEVERITIES, case_sensitive=False), help="New severity.")
@click.option("--status", type=click.Choice(STATUSES, case_sensitive=False),
    help="New status (stamps mitigated/resolved/closed if not given).")
@click.option("--started-at", metavar="ISO", help="First trigger.")
@click.option("--detected-at", metavar="ISO", help="Detection instant.")
@click.option("--aware-at", metavar="ISO", help="Awareness instant (notification clock).")
@click.option("--mitigated-at", metavar="ISO", help="Mitigation instant.")
@click.option("--resolved-at", metavar="ISO", help="Resolution instant.")
@click.option("--closed-at", metavar="ISO", help="Closure instant.")
@click.option("--classified-at", metavar="ISO", help="Classified as major (DORA).")
@click.option("--materiality-determined-at", metavar="ISO", help="Materiality determination (SEC).")
@click.option("--discovered-at", metavar="ISO", help="Discovery (HIPAA).")
@click.option("--assessed-at", metavar="ISO", help="Assessed as notifiable (SG PDPA).")
@click.option("--suspected-at", metavar="ISO", help="First suspicion of an eligible breach (AU NDB).")
@click.option("--ransom-paid-at", metavar="ISO", help="Ransom payment (CIRCIA, NYDFS 500.17(c)).")
@click.option("--further-information-at", metavar="ISO",
    help="Information unknown at a first filing became available (SEC 8-K/A, CIRCIA supplemental).")
@click.option("--corrective-measure-at", metavar="ISO", help="A corrective or mitigating measure is available (CRA).")
@click.option("--information-requested-at", metavar="ISO", help="An authority asked for an intermediate report (NIS2).")
@click.option("--awareness-justification", help="Why awareness came long after detection.")
@click.option("--personal-data/--no-personal-data", default=None, help="Personal data is (not) involved.")
@click.option("--data-subjects", "data_subjects_approx", type=int, help="Approximate number of data subjects.")
@click.option("--records", "records_approx", type=int, help="Approximate number of records.")
@click.option("--affected-in", "affected_by_state", multiple=True, metavar="STATE=N",
    help="Replace the residents affected per State or jurisdiction (repeatable), e.g. CA=501.")
@click.option("--regime", "regimes", multiple=True, metavar="ID", help="Replace the regimes (repeatable).")
@click.option("--tag", "tags", multiple=True, help="Replace the theme tags (repeatable).")
@click.option("--restricted/--not-restricted", default=None, help="Change the restricted flag.")
@click.option("--by", "changed_by", default=default_actor, show_default="login name", help="Who makes the change (audit trail).")
@click.option("--reason", help="Why (required when a recorded clock instant changes).")
@click.option("--delay-reason", help="Reasons for the delay, when the change makes a recorded filing late.")
@timezone_option
@pass_store
@json_option
def update_command(store, as_json, tz, incident_id, changed_by, reason, delay_reason, **options) -> None:
    """Change an incident; every change is kept in its audit trail.

    Example:

    \b
        compliance incident update INC-0001 --status resolved --resolved-at 2026-03-01T15:00:00Z
    """
    from compliance.deadlines.incidents import update_incident_with_obligations
    from compliance.incidents.service import get_incident, incident_to_dict

    changes = {}
    for name, value in options.items():
        if value is None or value == ():
            continue
        if name.endswith("_at"):
            value = parse_instant(value, field="--" + name.replace("_", "-"), tz=tz)
        changes[name] = list(value) if isinstance(value, tuple) else value
    with store.session(immediate=True) as session:
        incident = get_incident(session=session, ref=incident_id)
        result = update_incident_with_obligations(session=session, incident=incident, changes=changes,
                                                  changed_by=changed_by, reason=reason, delay_reason=delay_reason)
        data = incident_to_dict(incident)
    data["changed"] = [r.field for r in result.changes]
    data["made_late"] = result.made_late
    for note in result.made_late:
        click.echo(f"warning: {note}", err=True)
    if as_json:
        emit_json(data)
    else:
        click.echo(f"{data['id']}: " + (f"changed {', '.join(data['changed'])}" if data["changed"] else "nothing changed"))
