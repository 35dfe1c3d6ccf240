"""`compliance notify …`: record a notification filed with a regulator, or close a stage as not required."""

from __future__ import annotations

import click

from compliance.cli.base import ComplianceGroup
from compliance.cli.options import controls_dir_option, default_actor, emit_json, json_option, pass_store, timezone_option
from compliance.core.timeutil import parse_instant, to_iso


@click.group("notify", cls=ComplianceGroup)
def notify_group() -> None:
    """Record breach notifications and decisions not to notify."""


@notify_group.command("record")
@click.argument("incident_id", metavar="INCIDENT")
@click.option("--regime", required=True, metavar="ID", help="Regime id, e.g. gdpr.")
@click.option("--stage", required=True, metavar="ID", help="Stage id, e.g. authority_notification.")
@click.option("--at", "at", required=True, metavar="ISO", help="When the notification was submitted.")
@click.option("--recipient", metavar="TEXT", help="Who received it (authority, portal).")
@click.option("--reference", metavar="TEXT", help="The recipient's case or submission reference.")
@click.option("--delay-reason", metavar="TEXT", help="Reasons for the delay (required for a late filing where the regime asks).")
@click.option("--content", "content", multiple=True, metavar="LIST",
    help="Content elements the filing carried, comma-separated: nature, categories, data_subjects, records, "
         "dpo_contact, consequences, measures, delay_reasons (GDPR Art. 33(3), 34(2)).")
@click.option("--by", "recorded_by", default=default_actor, show_default="login name", help="Who records it (audit trail).")
@timezone_option
@controls_dir_option
@pass_store
@json_option
def record_command(store, incident_id, regime, stage, at, recipient, reference, delay_reason, content, recorded_by, tz,
                   controls_dirs, as_json) -> None:
    """Record that a stage was notified; a late filing without --delay-reason is refused where required.

    The first filing of a stage decides on-time or late; later filings are kept as corrections.

    Example:

    \b
        compliance notify record INC-0001 --regime gdpr --stage authority_notification \\
            --at 2026-03-03T09:30:00Z --recipient "BfDI portal" --reference DE-2026-0042 \\
            --content nature,categories,data_subjects,records,dpo_contact,consequences,measures
    """
    from compliance.deadlines.service import record_notification
    from compliance.incidents.service import get_incident

    instant = parse_instant(at, field="--at", tz=tz)
    with store.session(immediate=True) as session:
        incident = get_incident(session=session, ref=incident_id)
        result = record_notification(session=session, incident=incident, regime=regime, stage=stage, at=instant,
                                     recipient=recipient, reference=reference, delay_reason=delay_reason,
                                     recorded_by=recorded_by, extra_dirs=controls_dirs, content=content)
    for warning in result["warnings"]:
        click.echo(f"warning: {warning}", err=True)
    if as_json:
        emit_json(result)
    else:
        kind = "correction" if result["correction"] else ("late" if result["late"] else "on time")
        due = to_iso(result["due"]) if result["due"] else "no fixed due"
        click.echo(f"{result['incident']} {result['regime']}/{result['stage']}: notified {to_iso(result['notified_at'])} "
                   f"(due {due}; {kind})")


@notify_group.command("waive")
@click.argument("incident_id", metavar="INCIDENT")
@click.option("--regime", required=True, metavar="ID", help="Regime id, e.g. gdpr.")
@click.option("--stage", required=True, metavar="ID", help="Stage id, e.g. authority_notification.")
@click.option("--reason", required=True, metavar="TEXT",
    help="Why notification is not required (e.g. unlikely to result in a risk).")
@click.option("--decided-by", required=True, metavar="NAME", help="Who took the decision.")
@click.option("--at", "at", metavar="ISO", help="When the decision was taken (default: now).")
@timezone_option
@controls_dir_option
@pass_store
@json_option
def waive_command(store, incident_id, regime, stage, reason, decided_by, at, tz, controls_dirs, as_json) -> None:
    """Close a stage as not required, recording who decided, when and why.

    GDPR Art. 33(1) allows it when a breach is unlikely to result in a risk; Art. 33(5) asks for the reasoning.

    Example:

    \b
        compliance notify waive INC-0002 --regime gdpr --stage authority_notification \\
            --reason "Encrypted laptop, key not compromised: unlikely to result in a risk" --decided-by "DPO"
    """
    from compliance.deadlines.service import waive_obligation
    from compliance.incidents.service import get_incident

    decided_at = parse_instant(at, field="--at", tz=tz) if at else None
    with store.session(immediate=True) as session:
        incident = get_incident(session=session, ref=incident_id)
        waiver = waive_obligation(session=session, incident=incident, regime=regime, stage=stage, reason=reason,
                                  decided_by=decided_by, decided_at=decided_at, extra_dirs=controls_dirs)
        data = {"incident": incident.ref, "regime": waiver.regime, "stage": waiver.stage, "reason": waiver.reason,
                "decided_by": waiver.decided_by, "decided_at": waiver.decided_at}
    if as_json:
        emit_json(data)
    else:
        click.echo(f"{data['incident']} {data['regime']}/{data['stage']}: closed as not required by {data['decided_by']}")
