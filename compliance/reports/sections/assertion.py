"""Management assertion: who prepared and approved the pack, when, and what the pack asserts."""

from __future__ import annotations

from reportlab.platypus import Flowable

from compliance.reports.formats import fmt_instant, population_period_text
from compliance.reports.text import esc, fill
from compliance.reports.writer import PackWriter


def build(w: PackWriter) -> list[Flowable]:
    """The sign-off table and the statement of what is asserted (and what is not)."""
    pack, a = w.pack, w.pack.assertion
    not_given = w.wording["assertion_not_given"]
    out: list[Flowable] = [w.kv_table([
        ("Prepared by", a.prepared_by or not_given), ("Prepared at", fmt_instant(a.prepared_at or pack.generated_at)),
        ("Approved by", a.approved_by or not_given), ("Approved at", fmt_instant(a.approved_at) if a.approved_by else "—"),
    ], cols=2, label_w=0.14)]
    frameworks = ", ".join(f"{f.name} ({f.id})" for f in pack.frameworks) or "—"
    out.append(w.markup(fill(w.wording["assertion_statement"], period=population_period_text(pack, w.layout["cover"]),
                             frameworks=frameworks, incidents=len(pack.incidents))))
    out.append(w.markup(esc(w.wording["assertion_limits"]), w.styles.muted))
    if not a.approved_by:
        out.append(w.markup(esc(w.wording["assertion_unapproved"]), w.styles.body))
    return out
