"""`compliance deadlines …`: the pure calculator, the obligation list and the scheduled check."""

from __future__ import annotations

import click

from compliance.cli.base import CheckCommand, ComplianceGroup
from compliance.cli.options import (
    controls_dir_option,
    default_actor,
    emit_json,
    json_option,
    pass_store,
    print_check,
    print_table,
    timezone_option,
)
from compliance.core.timeutil import get_zone, parse_duration, parse_instant, to_iso, utcnow


@click.group("deadlines", cls=ComplianceGroup)
def deadlines_group() -> None:
    """Breach-notification deadlines: compute, list and check them."""


def _instant(value, flag, tz):
    return parse_instant(value, field=flag, tz=tz) if value else None


@deadlines_group.command("compute")
@click.option("--regime", "regime_id", required=True, metavar="ID", help="Regime id, e.g. gdpr, nis2, dora, sec_8k, hipaa.")
@click.option("--clock-start", required=True, metavar="ISO",
              help="The trigger of the stage asked for: awareness, classification, materiality determination, "
                   "discovery, or the submission of the previous stage.")
@click.option("--stage", "stage_id", metavar="ID", help="Only this stage (default: every stage of the regime).")
@click.option("--aware-at", metavar="ISO", help="Awareness instant, for caps counted from awareness (DORA's 24 h).")
@click.option("--entity-type", metavar="TYPE",
    help="Entity type the regime knows (DORA relief exclusions; NIS2 trust_service_provider; GDPR processor); "
         "'compliance deadlines regimes' lists them.")
@click.option("--affected", type=click.IntRange(min=0), metavar="N", help="Number of people affected (HIPAA's 500 threshold).")
@click.option("--affected-in", "affected_in", multiple=True, metavar="STATE=N",
    help="Residents affected per State or jurisdiction (repeatable), e.g. CA=501: HIPAA media notice, State laws.")
@click.option("--member-state", metavar="CC", help="Member State whose bank holidays count for DORA relief (e.g. DE); "
              "'compliance deadlines regimes' lists the states each regime knows.")
@click.option("--contract-hours", type=click.FloatRange(min=0, min_open=True), metavar="H",
              help="Contractual hours for a 'without undue delay' stage that allows them (GDPR processor_to_controller).")
@click.option("--notified-at", metavar="ISO", help="When the stage was notified (needs --stage): on_time or late.")
@click.option("--at", "at", metavar="ISO", help="Instant to judge the status at (default: now).")
@click.option("--warn-within", default="24h", show_default=True, metavar="DURATION", help="Window for the due_soon status.")
@timezone_option
@controls_dir_option
@json_option
def compute_command(regime_id, clock_start, stage_id, aware_at, entity_type, affected, affected_in, member_state,
                    contract_hours, notified_at, at, warn_within, tz, controls_dirs, as_json) -> None:
    """Compute notification deadlines for a clock start (a pure calculator; no store needed).

    Due instants are shown in UTC and in --timezone (default UTC). Naive date-times need --timezone.

    Example:

    \b
        compliance deadlines compute --regime gdpr --clock-start 2026-03-01T11:00:00Z \\
            --timezone Europe/Berlin --json
    """
    from compliance.deadlines.calculator import compute_regime_deadlines
    from compliance.deadlines.regimes import get_regime
    from compliance.incidents.enums import parse_affected_by_state

    regime = get_regime(regime_id, extra_dirs=controls_dirs)
    if stage_id:
        regime.stage(stage_id)
    zone = get_zone(tz) if tz else get_zone("UTC")
    stage_hours = {}
    if contract_hours:
        stage_hours = {f"{regime.id}/{s.id}": contract_hours for s in regime.stages if s.clock.configurable}
    result = compute_regime_deadlines(
        regime=regime, clock_start=parse_instant(clock_start, field="--clock-start", tz=tz), stage=stage_id,
        zone=zone, as_of=_instant(at, "--at", tz) or utcnow(), window=parse_duration(warn_within, field="--warn-within"),
        aware_at=_instant(aware_at, "--aware-at", tz), entity_type=entity_type, affected=affected,
        notified_at=_instant(notified_at, "--notified-at", tz),
        member_state=member_state.upper() if member_state else None, stage_hours=stage_hours,
        affected_by_state=parse_affected_by_state(affected_in))
    for warning in result["warnings"]:
        click.echo(f"warning: {warning}", err=True)
    if as_json:
        emit_json(result)
        return
    click.echo(f"{result['name']} ({result['citation']}), times in UTC and {result['timezone']}")
    for row in result["stages"]:
        due = f"due {to_iso(row['due'])} ({row['due_local']})" if row["due"] else "no fixed due"
        click.echo(f"  {row['stage']}: {due}  [{row['status']}]  {row['rule']}; {row['citation']}")
        for note in row["notes"]:
            click.echo(f"      note: {note}")


@deadlines_group.command("regimes")
@controls_dir_option
@json_option
def regimes_command(controls_dirs, as_json) -> None:
    """List the notification regimes with their stages, the entity types and the Member States each knows.

    --entity-type and --member-state take only these values; anything else is refused.

    Example:

    \b
        compliance deadlines regimes --json
    """
    from compliance.deadlines.regimes import load_regimes

    rows = [{"regime": r.id, "name": r.name, "jurisdiction": r.jurisdiction, "stages": [s.id for s in r.stages],
             "entity_types": list(r.entity_types), "member_states": list(r.member_states)}
            for r in sorted(load_regimes(extra_dirs=controls_dirs).values(), key=lambda r: r.id)]
    if as_json:
        emit_json(rows)
        return
    for row in rows:
        click.echo(f"{row['regime']}: {row['name']} ({row['jurisdiction']})")
        click.echo(f"  stages: {', '.join(row['stages'])}")
        click.echo(f"  entity types: {', '.join(row['entity_types']) or 'none'}")
        click.echo(f"  Member States: {', '.join(row['member_states']) or 'none'}")


@deadlines_group.command("list")
@click.option("--open", "pending_only", is_flag=True, help="Only obligations not yet notified nor waived.")
@click.option("--incident", "incident_id", metavar="ID", help="Only this incident's obligations.")
@click.option("--at", "at", metavar="ISO", help="Instant to judge the status at (default: now).")
@timezone_option
@pass_store
@json_option
def list_command(store, pending_only, incident_id, at, tz, as_json) -> None:
    """List every notification obligation with clock start, due, notified and status.

    Example:

    \b
        compliance deadlines list --open --json
    """
    from compliance.deadlines.service import list_obligation_documents
    from compliance.incidents.service import get_incident

    as_of = _instant(at, "--at", tz) or utcnow()
    with store.session() as session:
        incident = get_incident(session=session, ref=incident_id) if incident_id else None
        rows = list_obligation_documents(session=session, as_of=as_of, pending_only=pending_only,
                                         incident=incident, tz=tz)
    if as_json:
        emit_json(rows)
    else:
        print_table(rows, ["incident", "regime", "stage", "clock_start", "due", "due_local", "notified_at", "status",
                           "status_reason"],
                    empty="no notification obligations")


@deadlines_group.command("check", cls=CheckCommand)
@click.option("--at", "at", metavar="ISO", help="Instant to check at (default: now).")
@click.option("--warn-within", default="24h", show_default=True, metavar="DURATION",
              help="Warn about obligations due within this window.")
@click.option("--webhook", metavar="URL", help="POST the result as JSON (Slack-compatible 'text') to this URL.")
@timezone_option
@pass_store
@json_option
def check_command(store, at, warn_within, webhook, tz, as_json) -> None:
    """Check deadlines: exit 0 OK, 1 some due soon, 2 some missed, 3 the check could not run.

    One line per finding: incident, regime/stage, due, time left or overdue. A stage whose clock
    start is not recorded (e.g. GDPR without --aware-at) is a warning too. A failing webhook is
    reported on stderr and does not change the exit code.

    Example:

    \b
        compliance deadlines check --warn-within 24h --webhook https://hooks.example.com/T0/B0/x
    """
    from compliance.deadlines.check import deliver_check, get_deadline_check
    from compliance.deadlines.webhook import check_webhook_url

    as_of = _instant(at, "--at", tz) or utcnow()
    window = parse_duration(warn_within, field="--warn-within")
    if webhook:
        check_webhook_url(webhook)
    with store.session() as session:
        result = get_deadline_check(session=session, at=as_of, window=window, warn_within=warn_within, tz=tz)
    print_check(result, as_json=as_json)
    if webhook:
        delivered, detail = deliver_check(webhook, result)
        if not delivered:
            click.echo(f"warning: webhook not delivered ({detail}); exit code unchanged", err=True)
    click.get_current_context().exit(int(result.exit_code))


@deadlines_group.command("settings")
@click.option("--org-timezone", metavar="TZ", help="Organisation time zone for calendar-day clocks and local display.")
@click.option("--member-state", metavar="CC", help="Member State whose bank holidays count for DORA relief (e.g. DE).")
@click.option("--warn-within", metavar="DURATION", help="Window for the due_soon status in lists and the audit pack.")
@click.option("--awareness-gap", metavar="DURATION", help="Detection-to-awareness gap beyond which a justification is asked for.")
@click.option("--stage-hours", "stage_hours", multiple=True, metavar="REGIME/STAGE=H",
              help="Contractual hours for a 'without undue delay' stage (repeatable), e.g. gdpr/processor_to_controller=24.")
@pass_store
@json_option
def settings_command(store, org_timezone, member_state, warn_within, awareness_gap, stage_hours, as_json) -> None:
    """Show or change the deadline settings (org time zone, Member State, windows); re-computes obligations.

    Example:

    \b
        compliance deadlines settings --org-timezone Europe/Berlin --member-state DE
    """
    from compliance.core.errors import ValidationError
    from compliance.deadlines.service import get_deadline_settings, set_deadline_settings

    hours = {}
    for item in stage_hours:
        key, sep, value = item.partition("=")
        try:
            hours[key.strip()] = float(value)
        except ValueError:
            sep = ""
        if not sep:
            raise ValidationError(f"{item!r} is not REGIME/STAGE=HOURS", field="--stage-hours")
    with store.session(immediate=True) as session:
        if any(v is not None for v in (org_timezone, member_state, warn_within, awareness_gap)) or hours:
            settings = set_deadline_settings(session=session, timezone=org_timezone, member_state=member_state,
                                             warn_within=warn_within, awareness_gap=awareness_gap,
                                             stage_hours=hours or None)
        else:
            settings = get_deadline_settings(session=session)
    if as_json:
        emit_json(settings)
    else:
        for key, value in settings.items():
            click.echo(f"{key}: {value}")


@deadlines_group.command("delay")
@click.argument("incident_id", metavar="INCIDENT")
@click.option("--regime", required=True, metavar="ID", help="Regime id, e.g. sec_8k, hipaa.")
@click.option("--stage", required=True, metavar="ID", help="Stage id, e.g. form_8k, individual_notice.")
@click.option("--basis", required=True, metavar="ID",
              help="Delay basis the regime declares, e.g. attorney_general (sec_8k), law_enforcement (hipaa).")
@click.option("--requested-by", required=True, metavar="TEXT", help="The official or agency that asked for the delay.")
@click.option("--written/--oral", "written", default=None, help="Whether the request was made in writing or orally.")
@click.option("--reference", metavar="TEXT", help="Reference of the written statement or of the note of the oral one.")
@click.option("--from", "stated_from", required=True, metavar="ISO", help="When the statement or determination was made.")
@click.option("--until", metavar="ISO", help="End of the delay (default: the latest end the basis allows).")
@click.option("--by", "recorded_by", default=default_actor, show_default="login name", help="Who records it (audit trail).")
@timezone_option
@controls_dir_option
@pass_store
@json_option
def delay_command(store, incident_id, regime, stage, basis, requested_by, written, reference, stated_from, until,
                  recorded_by, tz, controls_dirs, as_json) -> None:
    """Record a delay of a notification stage on a basis its regime declares (append-only; an extension is a new record).

    The due of the stage moves to the end of the delay, never beyond what the basis allows.

    Example:

    \b
        compliance deadlines delay INC-0001 --regime sec_8k --stage form_8k --basis attorney_general \\
            --requested-by "U.S. Attorney General" --written --reference "DOJ letter 2026-17" \\
            --from 2026-03-05T15:00:00Z
    """
    from compliance.deadlines.delays import record_delay
    from compliance.incidents.service import get_incident

    stated_at = parse_instant(stated_from, field="--from", tz=tz)
    end = _instant(until, "--until", tz)
    with store.session(immediate=True) as session:
        incident = get_incident(session=session, ref=incident_id)
        doc = record_delay(session=session, incident=incident, regime=regime, stage=stage, basis=basis,
                           form=None if written is None else ("written" if written else "oral"),
                           requested_by=requested_by, stated_at=stated_at,
                           until=end, reference=reference, recorded_by=recorded_by, extra_dirs=controls_dirs)
    if as_json:
        emit_json(doc)
    else:
        kind = f"extension {doc['extension']}" if doc["extension"] else "delay"
        click.echo(f"{doc['incident']} {doc['regime']}/{doc['stage']}: {kind} under {doc['citation']} until "
                   f"{to_iso(doc['until'])} ({doc['form']} request of {doc['requested_by']})")


@deadlines_group.command("delays")
@click.option("--incident", "incident_id", metavar="ID", help="Only this incident's delays.")
@controls_dir_option
@pass_store
@json_option
def delays_command(store, incident_id, controls_dirs, as_json) -> None:
    """List the recorded delays of notification stages, oldest first.

    Example:

    \b
        compliance deadlines delays --incident INC-0001 --json
    """
    from compliance.deadlines.delays import list_delay_documents
    from compliance.incidents.service import get_incident

    with store.session() as session:
        incident = get_incident(session=session, ref=incident_id) if incident_id else None
        rows = list_delay_documents(session=session, incident=incident, extra_dirs=controls_dirs)
    if as_json:
        emit_json(rows)
    else:
        print_table(rows, ["incident", "regime", "stage", "basis", "form", "extension", "requested_by", "from", "until"],
                    empty="no recorded delays")
