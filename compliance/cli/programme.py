"""`compliance programme …`: organisation-level evidence (IR plan, roles, rota, training, exercises, contacts)."""

from __future__ import annotations

import click

from compliance.cli.base import ComplianceGroup
from compliance.cli.options import default_actor, emit_json, json_option, pass_store, print_fields, print_table, timezone_option
from compliance.core.timeutil import parse_instant

_KINDS = ("ir_plan, roles, oncall_rota, reporting_channels, training_records, exercise, authority_contacts, "
          "configuration_baseline, vulnerability_scans, classification_rubric, bcp, recovery_test, backup_test, "
          "logging_policy, monitoring_runbook, time_sync_config, communication_plan, targeted_risk_analysis")


@click.group("programme", cls=ComplianceGroup)
def programme_group() -> None:
    """Keep organisation-level evidence with its validity: stale documents fail the requirements that need them."""


@programme_group.command("add")
@click.argument("kind", metavar="KIND")
@click.argument("file", metavar="FILE", type=click.Path(dir_okay=True, path_type=str))
@click.option("--title", required=True, metavar="TEXT", help="Title of the document.")
@click.option("--version", metavar="TEXT", help="Document version, e.g. 3.2.")
@click.option("--approved-by", required=True, metavar="NAME", help="Who approved the document.")
@click.option("--approved-at", metavar="ISO", help="When it was approved (default: now).")
@click.option("--valid-from", required=True, metavar="DATE", help="First day it is in force (YYYY-MM-DD).")
@click.option("--valid-until", required=True, metavar="DATE", help="Last day it is in force (YYYY-MM-DD), e.g. the review date.")
@click.option("--by", "recorded_by", default=default_actor, show_default="login name", help="Who records it.")
@timezone_option
@pass_store
@json_option
def add_command(store, as_json, tz, kind, file, title, version, approved_by, approved_at, valid_from, valid_until,
                recorded_by) -> None:
    """Store a programme document (KIND is one of the kinds below) in the blob store with its validity.

    Kinds: ir_plan, roles, oncall_rota, reporting_channels, training_records, exercise, authority_contacts,
    configuration_baseline, vulnerability_scans, classification_rubric, bcp, recovery_test, backup_test,
    logging_policy, monitoring_runbook, time_sync_config, communication_plan, targeted_risk_analysis.

    The document's chain of custody starts here: a 'collected' custody event (holder: --by, with the file's SHA-256)
    is recorded with it. Move it with 'compliance custody transfer PE-0001 …', seal it with 'compliance custody
    record', see it with 'compliance custody log PE-0001'.

    Example:

    \b
        compliance programme add ir_plan ir-plan-v3.pdf --title "Incident response plan" --version 3 \\
            --approved-by "CISO" --valid-from 2026-01-01 --valid-until 2026-12-31
    """
    from compliance.custody.programme import add_programme_evidence

    instant = parse_instant(approved_at, field="--approved-at", tz=tz) if approved_at else None
    data = add_programme_evidence(store=store, kind=kind, path=file, title=title, version=version,
                                  approved_by=approved_by, approved_at=instant, valid_from=valid_from,
                                  valid_until=valid_until, recorded_by=recorded_by)
    if as_json:
        emit_json(data)
    else:
        click.echo(f"{data['ref']} {data['kind']} sha256 {data['sha256']} valid {data['valid_from']}..{data['valid_until']}")


@programme_group.command("list")
@click.option("--kind", metavar="KIND", help=f"Only this kind ({_KINDS}).")
@click.option("--as-of", "as_of", metavar="ISO", help="Judge freshness on this instant (default: now).")
@timezone_option
@pass_store
@json_option
def list_command(store, as_json, tz, kind, as_of) -> None:
    """List programme documents with their validity, fresh or stale.

    Example:

    \b
        compliance programme list --kind ir_plan
    """
    from compliance.programme.service import list_programme_evidence

    instant = parse_instant(as_of, field="--as-of", tz=tz) if as_of else None
    with store.session() as session:
        rows = list_programme_evidence(session=session, kind=kind, as_of=instant)
    if as_json:
        emit_json(rows)
        return
    table = [{**r, "state": "fresh" if r["fresh"] else "stale", "sha256": r["sha256"][:12]} for r in rows]
    print_table(table, ["ref", "kind", "title", "version", "approved_by", "valid_from", "valid_until", "state", "sha256"])


@programme_group.command("show")
@click.argument("ref", metavar="PE-ID")
@click.option("--as-of", "as_of", metavar="ISO", help="Judge freshness on this instant (default: now).")
@timezone_option
@pass_store
@json_option
def show_command(store, as_json, tz, ref, as_of) -> None:
    """Show one programme document (its chain of custody: 'compliance custody log PE-0001').

    Example:

    \b
        compliance programme show PE-0001
    """
    from compliance.custody.service import get_programme_custody_counts
    from compliance.programme.service import show_programme_evidence

    instant = parse_instant(as_of, field="--as-of", tz=tz) if as_of else None
    with store.session() as session:
        data = show_programme_evidence(session=session, ref=ref, as_of=instant)
        data["custody_events"] = get_programme_custody_counts(session=session).get(data["ref"], 0)
    if as_json:
        emit_json(data)
    else:
        print_fields([*data.items(), ("state", "fresh" if data["fresh"] else "stale")])


@programme_group.command("scope")
@click.option("--soc2-availability/--no-soc2-availability", default=None,
              help="Whether the audit covers the SOC 2 availability criteria (A1.2, A1.3 apply only then).")
@click.option("--soc2-privacy/--no-soc2-privacy", default=None,
              help="Whether the audit covers the SOC 2 privacy criteria (P6.3, P6.6 apply only then).")
@pass_store
@json_option
def scope_command(store, as_json, soc2_availability, soc2_privacy) -> None:
    """Show or change the audit scope: which optional criteria the frameworks assess.

    Example:

    \b
        compliance programme scope --soc2-availability --soc2-privacy
    """
    from compliance.programme.scope import describe_audit_scope, get_audit_scope, set_audit_scope

    if soc2_availability is None and soc2_privacy is None:
        with store.session() as session:
            scope = get_audit_scope(session=session)
    else:
        with store.session(immediate=True) as session:
            scope = set_audit_scope(session=session, soc2_availability=soc2_availability, soc2_privacy=soc2_privacy)
    if as_json:
        emit_json({**scope, "text": describe_audit_scope(scope)})
    else:
        click.echo(describe_audit_scope(scope))


COMMANDS = [programme_group]
