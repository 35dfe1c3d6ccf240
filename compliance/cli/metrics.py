"""`compliance metrics`: program metrics against their targets."""

from __future__ import annotations

import click

from compliance.cli.base import ComplianceCommand
from compliance.cli.options import emit_json, json_option, pass_store, print_table
from compliance.core.errors import ValidationError
from compliance.core.timeutil import parse_date, utcnow


def _fmt(value, unit):
    if value is None:
        return "-"
    return f"{value * 100:.1f}%" if unit == "ratio" else f"{value:.1f} {unit}"


@click.command("metrics", cls=ComplianceCommand)
@click.option("--from", "period_from", metavar="DATE", help="First day of the period (detected on or after).")
@click.option("--to", "period_to", metavar="DATE", help="Last day of the period (inclusive).")
@click.option("--as-of", metavar="DATE", help="Date to judge due/overdue action items against (default: today, UTC).")
@click.option("--include-restricted/--exclude-restricted", default=True, show_default=True,
              help="Restricted incidents are counted in every figure; --exclude-restricted is refused.")
@pass_store
@json_option
def metrics_command(store, as_json, period_from, period_to, as_of, include_restricted) -> None:
    """Show program metrics (MTTR, time to draft/publish, closure, recurrence) against targets.

    Example:

    \b
        compliance metrics --from 2026-01-01 --to 2026-03-31 --json
    """
    from compliance.metrics.service import get_monthly_trends, get_program_metrics

    if not include_restricted:
        raise ValidationError("restricted incidents are counted in every figure (only their details are withheld, "
                              "and metrics show none)", field="--exclude-restricted")
    start = parse_date(period_from, field="--from") if period_from else None
    end = parse_date(period_to, field="--to") if period_to else None
    today = parse_date(as_of, field="--as-of") if as_of else utcnow().date()
    with store.session() as session:
        data = get_program_metrics(session=session, period_from=start, period_to=end, as_of=today,
                                   include_restricted=include_restricted)
        data["monthly"] = get_monthly_trends(session=session, period_from=start, period_to=end, as_of=today,
                                             include_restricted=include_restricted)
    if as_json:
        emit_json(data)
        return
    click.echo(f"{data['incidents']} incidents ({data['resolved']} resolved); by severity: "
               + (", ".join(f"{k} {v}" for k, v in data["by_severity"].items()) or "none"))
    rows = [{"metric": m["label"], "value": _fmt(m["value"], m["unit"]),
             "target": _fmt(m["target"], m["unit"]) if m["target"] is not None else "-",
             "met": {True: "yes", False: "NO", None: "-"}[m["met"]]} for m in data["metrics"].values()]
    print_table(rows, ["metric", "value", "target", "met"])
