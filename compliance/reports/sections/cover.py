"""Cover: title, organisation, period, frameworks, generation instant, custody fingerprint, signer, audience."""

from __future__ import annotations

from reportlab.lib.units import mm
from reportlab.platypus import Flowable, Paragraph, Spacer, Table, TableStyle

from compliance.reports.flowables import Anchor
from compliance.reports.formats import fmt_exact, fmt_instant, population_period_text
from compliance.reports.scope import RULE
from compliance.reports.text import clip, esc, fill
from compliance.reports.verification_guide import cover_rows
from compliance.reports.writer import PackWriter


def build(w: PackWriter) -> list[Flowable]:
    """The cover page's flowables (the band and footer are drawn by the page decoration)."""
    pack, cover, labels, styles = w.pack, w.layout["cover"], w.layout["cover"]["labels"], w.styles
    out: list[Flowable] = [Anchor(0, "Cover", w.key("cover")), Spacer(1, 38 * mm)]
    out.append(Paragraph(esc(cover["kicker"]), styles.cover_kicker))
    out.append(w.paragraph(pack.title, styles.cover_title, limit=160))
    out.append(Spacer(1, 6 * mm))
    if pack.integrity.broken:
        box = Table([[Paragraph(esc(cover["broken_title"]), styles.broken)],
                     [Paragraph(fill(cover["broken_text"], message=clip(pack.integrity.message or "unknown",
                                                                       w.limit("cell_chars"))),
                                styles.broken_text)]],
                    colWidths=[w.width])
        box.setStyle(TableStyle([("BACKGROUND", (0, 0), (-1, -1), w.colours["broken"]),
                                 ("LEFTPADDING", (0, 0), (-1, -1), 10), ("RIGHTPADDING", (0, 0), (-1, -1), 10),
                                 ("TOPPADDING", (0, 0), (-1, -1), 6), ("BOTTOMPADDING", (0, 0), (-1, -1), 6)]))
        out += [box, Spacer(1, 5 * mm)]
    frameworks = ", ".join(f"{f.name} ({f.id})" + (f" {f.version}" if f.version else "") for f in pack.frameworks)
    integrity = pack.integrity
    head = (f"{integrity.ledger_head} (ledger of {integrity.ledger_length} entries)" if integrity.ledger_head
            else "— (nothing recorded in the ledger)")

    def cover_cell(text):
        return w.cell(text, styles.cover_cell)

    population = pack.population
    rows = [
        (labels["organisation"], cover_cell(pack.organisation)),
        (labels["period"], cover_cell(population_period_text(pack, cover))),
        (labels["frameworks"], cover_cell(frameworks or "—")),
        (labels["generated"], cover_cell(fmt_instant(pack.generated_at))),
        (labels["fingerprint"], Paragraph(esc(head), styles.cover_mono)),
        (labels["signer"], cover_cell(pack.signer or labels["unsigned"])),
        # The signer certificate's fingerprint and what the generation instant is (verification_guide.py).
        *[(k, Paragraph(esc(v), styles.cover_mono if "SHA-256" in k else styles.cover_cell))
          for k, v in cover_rows(signer_fingerprint=pack.signer_fingerprint,
                                 timestamp_authority=pack.timestamp_authority)],
        _restricted_row(pack, labels, cover_cell),
        (labels["audience"], cover_cell(labels["audience_public"] if w.public else labels["audience_internal"])),
    ]
    if population is not None:
        first = population.first_instant
        last = population.last_instant
        rows[2:2] = [
            (labels["first_instant"], cover_cell(fmt_exact(first, population.zone) if first else "the first incident recorded")),
            (labels["last_instant"], cover_cell(fmt_exact(last, population.zone) if last
                                                else fmt_exact(pack.generated_at, population.zone))),
            (labels["scope_rule"], cover_cell(RULE)),
        ]
    t = Table([[Paragraph(esc(k), styles.cover_label), v] for k, v in rows],
              colWidths=[w.width * 0.3, w.width * 0.7], hAlign="LEFT")
    t.setStyle(TableStyle([
        ("VALIGN", (0, 0), (-1, -1), "TOP"),
        ("LINEBELOW", (0, 0), (-1, -1), 0.4, w.colours["rule"]),
        ("TOPPADDING", (0, 0), (-1, -1), 4), ("BOTTOMPADDING", (0, 0), (-1, -1), 5),
    ]))
    out.append(t)
    return out


def _restricted_row(pack, labels: dict, cover_cell) -> tuple:
    """Restricted incidents: included in full, shown redacted (counted), or left out (a model without them)."""
    if pack.include_restricted:
        return (labels["restricted"], cover_cell(labels["restricted_included"]))
    if pack.population is not None or pack.restricted_redacted:
        return (labels["restricted_redacted"], cover_cell(str(pack.restricted_redacted)))
    return (labels["restricted"], cover_cell(str(pack.restricted_excluded)))
