"""Table of contents, pre-filled with the entries the headings will notify so that two passes suffice."""

from __future__ import annotations

from reportlab.platypus import Flowable, Spacer

from compliance.reports.flowables import ChunkedTOC, Heading, Rule
from compliance.reports.sections import coverage, incidents, integrity, methodology, trends
from compliance.reports.text import esc
from compliance.reports.verification_guide import TITLE as GUIDE_TITLE
from compliance.reports.writer import PackWriter

BODY_SECTIONS = ("scope", "assertion", "summary", "exceptions", "coverage", "notifications", "incidents", "trends",
                 "programme", "methodology", "integrity")


def build(w: PackWriter) -> list[Flowable]:
    """The contents heading and the TOC flowable."""
    title = w.sections["contents"]
    toc = ChunkedTOC()
    toc.dotsMinLevel = 0
    toc.levelStyles = w.styles.toc_levels
    # RP-RENDER-7: the TOC starts with the entries it will have (pages unknown), so the first
    # pass already lays out at the final TOC length and two passes suffice.
    toc._entries = expected_entries(w)
    key = w.key("toc")
    return [Heading(esc(title), w.styles.h1, level=0, outline=title, key=key, toc=False),
            Rule(w.width, w.colours["primary"], 1.2), Spacer(1, 6), toc]


def expected_entries(w: PackWriter) -> list[tuple]:
    """The TOC entries the headings will notify, with page 0 (same markup, so same height)."""
    out = []

    def h2(text: str) -> tuple:  # mirrors PackWriter.h2
        return (1, esc(text, limit=160), 0, None)

    for name in BODY_SECTIONS:
        out.append((0, esc(w.sections[name]), 0, None))
        if name == "coverage":
            out += [h2(coverage.framework_heading(m.framework)) for m in w.pack.matrices]
        elif name == "incidents":
            out += [(1, incidents.heading_markup(inc), 0, None) for inc in w.pack.incidents]
        elif name == "trends":
            out += [h2(t) for t in trends.TITLES]
        elif name == "methodology":
            titles = methodology.TITLES if w.pack.methodology is not None else methodology.TITLES[:1]
            out += [h2(t) for t in titles]
        elif name == "integrity":
            out.append(h2(integrity.MANIFEST_TITLE))
    out.append((0, esc(GUIDE_TITLE), 0, None))  # the verification appendix (guide_section.py)
    return out
