"""Programme evidence: the organisation-level documents organisation-level requirements read, fresh or stale."""

from __future__ import annotations

from reportlab.lib.units import mm
from reportlab.platypus import Flowable

from compliance.reports.formats import fmt_instant
from compliance.reports.text import plain
from compliance.reports.writer import PackWriter

INTRO = ("Documents that belong to no single incident (the incident response plan and its approval, roles, on-call "
         "rota, reporting channels, training, exercises, contacts with authorities). Organisation-level requirements "
         "are judged once per period on the documents valid at the generation instant: a document outside its "
         "validity is stale and does not count. Each file is kept in the evidence store with a chain of custody of its own "
         "(collected when it was added; `compliance custody log PE-…`), which the integrity section's full verification "
         "replays while it re-hashes the file; its SHA-256 is given in full.")
NONE = ("No programme evidence is recorded: organisation-level requirements (for example ISO/IEC 27001 A.5.24, "
        "SOC 2 CC7.1) cannot be satisfied by incident records alone.")


def build(w: PackWriter) -> list[Flowable]:
    """The programme-evidence table (kind, title, version, approval, validity, state, SHA-256)."""
    rows = w.pack.programme
    out: list[Flowable] = [w.paragraph(INTRO)]
    if not rows:
        return out + [w.paragraph(NONE)]
    table = [[w.ident(r.ref), w.cell(f"{r.kind}: {r.title}" + (f" (v{r.version})" if r.version else "")
                                     + f"\ncustody log: {_events(r.custody_events)}"),
              w.cell(f"{r.approved_by}, {fmt_instant(r.approved_at)}"),
              plain(f"{r.valid_from} to {r.valid_until or 'open'}", 30),
              plain("fresh" if r.fresh else "STALE", 8), w.hash_cell(r.sha256)]
             for r in rows]
    widths = [16 * mm, 44 * mm, 34 * mm, 24 * mm, 12 * mm]
    widths.append(w.width - sum(widths))
    return out + w.table(["Ref", "Document", "Approved", "Valid", "State", "SHA-256"], table, widths)


def _events(count: int) -> str:
    """'1 event', '3 events', or the absence verification names as a break."""
    return "NO custody event recorded" if count == 0 else f"{count} event{'s' if count != 1 else ''}"
