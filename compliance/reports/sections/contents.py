"""Table of contents: every entry is known from the model before layout; its page number is stamped afterwards.

RP-RENDER-7  The contents are built from the model (the headings the sections will lay out, in the same
             markup), so their length is right in the one layout pass; each page number is a form written
             after the pass (document.RP-RENDER-8). Title and page number sit in two columns, so a long
             title wraps inside its column and never runs over its page number.
"""

from __future__ import annotations

from collections.abc import Iterable

from reportlab.lib.units import mm
from reportlab.pdfbase import pdfmetrics
from reportlab.platypus import Flowable, Paragraph, Spacer, Table, TableStyle

from compliance.reports.document import toc_form, toc_key
from compliance.reports.flowables import Heading, PageRef, Rule
from compliance.reports.layout import TABLE_CHUNK
from compliance.reports.sections import coverage, incidents, integrity, methodology, trends
from compliance.reports.text import esc
from compliance.reports.verification_guide import TITLE as GUIDE_TITLE
from compliance.reports.writer import PackWriter

PAGE_COLUMN = 12 * mm


def build(w: PackWriter, entries: list[tuple[int, str]]) -> list[Flowable]:
    """The contents heading and one two-column table per chunk of entries (level, markup)."""
    title = w.sections["contents"]
    out: list[Flowable] = [Heading(esc(title), w.styles.h1, level=0, outline=title, key=w.key("toc"), toc=False),
                           Rule(w.width, w.colours["primary"], 1.2), Spacer(1, 6)]
    rows, style = [], [("VALIGN", (0, 0), (-1, -1), "TOP"), ("LEFTPADDING", (0, 0), (-1, -1), 0),
                       ("RIGHTPADDING", (0, 0), (-1, -1), 0), ("TOPPADDING", (0, 0), (-1, -1), 0),
                       ("BOTTOMPADDING", (0, 0), (-1, -1), 1)]
    for n, (level, markup) in enumerate(entries):
        s = w.styles.toc_levels[level]
        ascent = pdfmetrics.getAscent(s.fontName, s.fontSize)
        rows.append([Paragraph(f'<a href="#{toc_key(n)}">{markup}</a>', s),
                     PageRef(toc_form(n), PAGE_COLUMN, s.leading, s.leading - ascent)])
    for start in range(0, len(rows), TABLE_CHUNK):
        part = rows[start:start + TABLE_CHUNK]
        padded = [("TOPPADDING", (0, i), (-1, i), 5) for i, (level, _) in enumerate(entries[start:start + TABLE_CHUNK])
                  if level == 0]
        t = Table(part, colWidths=[w.width - PAGE_COLUMN, PAGE_COLUMN], hAlign="LEFT")
        t.setStyle(TableStyle(style + padded))
        out.append(t)
    return out


def expected_entries(w: PackWriter, sections: Iterable[str]) -> list[tuple[int, str]]:
    """The contents entries (level, markup) the headings of `sections` will lay out, in order."""
    out: list[tuple[int, str]] = []

    def h2(text: str) -> tuple[int, str]:  # mirrors PackWriter.h2
        return (1, esc(text, limit=160))

    for name in sections:
        out.append((0, esc(w.sections[name])))
        if name == "coverage":
            out += [h2(coverage.framework_heading(m.framework)) for m in w.pack.matrices]
        elif name == "incidents":
            out += [(1, incidents.heading_markup(inc)) for inc in w.pack.incidents]
        elif name == "trends":
            out += [h2(t) for t in trends.TITLES]
        elif name == "methodology":
            titles = methodology.TITLES if w.pack.methodology is not None else methodology.TITLES[:1]
            out += [h2(t) for t in titles]
        elif name == "integrity":
            out.append(h2(integrity.MANIFEST_TITLE))
    out.append((0, esc(GUIDE_TITLE)))  # the verification appendix (guide_section.py)
    return out
