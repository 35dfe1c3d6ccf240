"""`compliance custody …`: record custody events, show the log, verify the whole chain and every blob."""

from __future__ import annotations

import click

from compliance.cli.base import ComplianceCommand, ComplianceGroup
from compliance.cli.options import (
    default_actor,
    emit_json,
    json_option,
    pass_store,
    print_table,
    progress_bar,
    timezone_option,
)
from compliance.core.errors import IntegrityError
from compliance.core.timeutil import parse_instant


def _print_event(data: dict, as_json: bool) -> None:
    if as_json:
        emit_json(data)
    else:
        click.echo(f"{data['evidence']} #{data['seq']} {data['action']} {data['event_hash']}")


def _blob_size(store, ref: str) -> int:
    from compliance.custody.service import get_custody_item

    with store.session() as session:
        return get_custody_item(session=session, ref=ref).size


@click.group("custody", cls=ComplianceGroup)
def custody_group() -> None:
    """Chain of custody: who held each evidence item (EV-0001) and programme document (PE-0001), when and why.

    One hash-chained, append-only log for both; a programme document's custody starts when 'compliance programme
    add' records it.
    """


@custody_group.command("transfer")
@click.argument("evidence_id", metavar="EV|PE")
@click.option("--from", "from_holder", required=True, metavar="NAME", help="Current holder handing it over.")
@click.option("--to", "to_holder", required=True, metavar="NAME", help="New holder receiving it.")
@click.option("--reason", required=True, metavar="TEXT", help="Why it changes hands.")
@click.option("--location", metavar="TEXT", help="Where it is kept after the transfer.")
@click.option("--at", "at", metavar="ISO", help="When the transfer happened (default: now).")
@click.option("--by", "actor", metavar="NAME", help="Who records it (default: COMPLIANCE_ACTOR or login name).")
@timezone_option
@pass_store
@json_option
def transfer_command(store, as_json, tz, evidence_id, from_holder, to_holder, reason, location, at, actor) -> None:
    """Record a transfer of an evidence item or programme document from its current holder to another.

    Example:

    \b
        compliance custody transfer EV-0001 --from "Dana Ruiz" --to "Forensics Ltd" \\
            --reason "disk image analysis" --location "Forensics Ltd evidence safe"
    """
    from compliance.custody.service import record_custody_event

    when = parse_instant(at, field="--at", tz=tz) if at else None
    with progress_bar("re-hashing", _blob_size(store, evidence_id), quiet=as_json) as progress:
        data = record_custody_event(store=store, ref=evidence_id, action="transferred", actor=actor or default_actor(),
                                    at=when, from_holder=from_holder, to_holder=to_holder, location=location,
                                    reason=reason, progress=progress)
    _print_event(data, as_json)


@custody_group.command("record")
@click.argument("evidence_id", metavar="EV|PE")
@click.option("--action", required=True, metavar="ACTION",
              help="transferred, accessed, analysed, exported, sealed, released or disposed.")
@click.option("--actor", required=True, metavar="NAME", help="Who did it.")
@click.option("--reason", metavar="TEXT", help="Why (required for transferred, released and disposed).")
@click.option("--from", "from_holder", metavar="NAME", help="Current holder (transfers).")
@click.option("--to", "to_holder", metavar="NAME", help="New holder (transfers).")
@click.option("--location", metavar="TEXT", help="Where it happened or where the item is kept.")
@click.option("--at", "at", metavar="ISO", help="When it happened (default: now).")
@timezone_option
@pass_store
@json_option
def record_command(store, as_json, tz, evidence_id, action, actor, reason, from_holder, to_holder, location, at) -> None:
    """Record a custody event of an evidence item or programme document (sealed ones accept only a look or their
    release; order and instants are checked).

    Example:

    \b
        compliance custody record EV-0001 --action sealed --actor "Dana Ruiz" --reason "legal hold"
    """
    from compliance.custody.service import record_custody_event

    when = parse_instant(at, field="--at", tz=tz) if at else None
    with progress_bar("re-hashing", _blob_size(store, evidence_id), quiet=as_json) as progress:
        data = record_custody_event(store=store, ref=evidence_id, action=action, actor=actor, at=when,
                                    from_holder=from_holder, to_holder=to_holder, location=location, reason=reason,
                                    progress=progress)
    _print_event(data, as_json)


@custody_group.command("log")
@click.argument("evidence_id", metavar="[EV|PE]", required=False)
@pass_store
@json_option
def log_command(store, as_json, evidence_id) -> None:
    """Show the custody log of one evidence item or programme document, or the whole chain, in chain order.

    Example:

    \b
        compliance custody log EV-0001 --json
        compliance custody log PE-0001
    """
    from compliance.custody.service import get_custody_log

    with store.session() as session:
        rows = get_custody_log(session=session, evidence_ref=evidence_id)
    if as_json:
        emit_json(rows)
        return
    for row in rows:
        row["event_hash"] = row["event_hash"][:16] + "…"
    print_table(rows, ["seq", "evidence", "action", "at", "actor", "from", "to", "reason", "event_hash"],
                empty="no custody events")


@custody_group.command("verify")
@pass_store
@json_option
def verify_command(store, as_json) -> None:
    """Verify custody, every blob and the whole ledger (rules replayed); exit 4 naming the first broken item.

    Example:

    \b
        compliance custody verify --json
    """
    run_verify(store, as_json)


def run_verify(store, as_json: bool) -> None:
    """Runs the whole-store verification and prints it (shared by `custody verify` and `verify`)."""
    from compliance.custody.service import get_blob_bytes_total
    from compliance.integrity.service import verify_store

    with store.session() as session:
        total = get_blob_bytes_total(session=session)
    with progress_bar("verifying blobs", total, quiet=as_json) as progress:
        result = verify_store(store=store, progress=progress)
    if as_json:
        emit_json(result.to_dict())
    elif result.intact:
        click.echo(result.summary())
    if not result.intact:
        raise IntegrityError(str(result.first_break))


@click.command("verify", cls=ComplianceCommand)
@pass_store
@json_option
def verify_all_command(store, as_json) -> None:
    """Verify the whole store: ledger, custody chain, rules, every blob; exit 4 naming the first broken item.

    Example:

    \b
        compliance verify --json
    """
    run_verify(store, as_json)

