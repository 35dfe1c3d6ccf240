"""Scope, population and reconciliation: the in-scope rule and how the store's incidents became the pack's."""

from __future__ import annotations

from reportlab.lib.units import mm
from reportlab.platypus import Flowable

from compliance.reports.formats import population_period_text
from compliance.reports.model import AuditPack
from compliance.reports.scope import RULE
from compliance.reports.writer import PackWriter


def reconciliation_rows(pack: AuditPack) -> list[tuple[str, int, str]]:
    """(line, number, explanation) of the reconciliation table; the pack's total is the fifth line from the end."""
    p = pack.population
    restricted = sum(1 for inc in pack.incidents if inc.restricted or inc.redacted)
    shown = "shown in full (--include-restricted)" if pack.include_restricted else "shown as redacted rows"
    return [
        ("Incidents recorded in the store", p.in_store, "every incident in the store at the generation instant"),
        ("less: detected after the period's end", p.after_end, "not yet detected during the period"),
        ("less: assessed as not an incident", p.not_incident,
         f"latest declaration decision 'not an incident'; the {len(pack.events)} assessed in the period are in the "
         "event register"),
        ("less: closed before the period's start", p.inactive,
         "closed before the period began, with no obligation, filing or action in the period"),
        ("less: excluded for any other reason", 0, "none: restricted incidents are not excluded"),
        ("Incidents in this pack", p.in_pack, "the population every figure of this pack counts"),
        ("of which active in the period", p.active, "detected before the end and not closed before the start"),
        ("of which only an obligation, filing or action in the period", p.activity_only,
         "closed earlier, but a deadline, filing or action falls in the period"),
        ("of which restricted", restricted, shown + "; counted in every figure"),
    ]


def build(w: PackWriter) -> list[Flowable]:
    """The period, the in-scope rule and the reconciliation table."""
    pack = w.pack
    if pack.population is None:
        return [w.paragraph("This pack was not gathered from a store: there is no population to reconcile.")]
    out: list[Flowable] = [w.paragraph("Period: " + population_period_text(pack, w.layout["cover"]) + "."),
                           w.paragraph("Rule: " + RULE)]
    rows = reconciliation_rows(pack)
    out.append(w.h3("Reconciliation"))
    out += w.table(["", "Incidents", "Explanation"],
                   [[w.cell(line), str(n), w.cell(why)] for line, n, why in rows],
                   [70 * mm, 20 * mm, w.width - 90 * mm])
    return out
