"""The verification guide as the last section of every pack (ReportLab flowables; text in verification_guide.py)."""

from __future__ import annotations

from reportlab.platypus import Flowable, KeepTogether, Preformatted

from compliance.reports.text import esc
from compliance.reports.verification_guide import TITLE, guide_sections


def guide_flowables(r) -> list[Flowable]:
    """The appendix, built with the pack writer's headings and styles (called by render.story)."""
    out: list[Flowable] = list(r.h1(TITLE))
    for section in guide_sections():
        block: list[Flowable] = [r.h3(section.title)]
        block += [r.markup(esc(p)) for p in section.prose]
        if section.commands:
            block.append(Preformatted(section.commands, r.styles.mono))
        out.append(KeepTogether(block) if len(section.commands) < 900 else block[0])
        if len(section.commands) >= 900:
            out += block[1:]
    return out
