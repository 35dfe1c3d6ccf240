"""The PDF document: the multi-pass doc template, deterministic timestamps and the page decoration.

RP-RENDER-4  Same model + same generated_at ⇒ byte-identical PDF (invariant mode, /CreationDate and
             /ModDate set to generated_at, deterministic /ID).
RP-RENDER-5  Every section is bookmarked in the outline and listed in the table of contents; every
             page footer carries the period, the generation instant and "page X of Y".
"""

from __future__ import annotations

from datetime import UTC, datetime

from reportlab.lib import colors
from reportlab.lib.units import mm
from reportlab.pdfbase import pdfmetrics
from reportlab.platypus import BaseDocTemplate

from compliance.reports.flowables import Lazy
from compliance.reports.layout import FONT, FONT_BOLD, PageGeometry, fit
from compliance.reports.model import AuditPack
from compliance.reports.text import clip


class PackDoc(BaseDocTemplate):
    """Two passes at least: the TOC and the total page count ('page X of Y') must be stable."""

    def __init__(self, buffer, *, pack: AuditPack, layout: dict, footer: tuple[str, str], **kw) -> None:
        self.total_pages = 0
        self._last_total = -1
        self.footer_text = footer
        self.layout = layout
        self.pack = pack
        super().__init__(buffer, **kw)

    def handle_flowable(self, flowables):
        # RP-RENDER-6: sections are built only when the layout reaches them and dropped once drawn,
        # so memory stays flat with 1,000 incidents (the story itself only holds placeholders).
        while flowables and isinstance(flowables[0], Lazy):
            lazy = flowables[0]
            del flowables[0]
            flowables[0:0] = lazy.expand()
        if flowables:
            super().handle_flowable(flowables)

    def _allSatisfied(self):
        happy = super()._allSatisfied()
        stable = self._last_total == self.page
        self._last_total = self.total_pages = self.page
        return happy and stable

    def afterFlowable(self, flowable):
        outline = getattr(flowable, "outline", None)
        if not outline:
            return
        level, text, key, toc, markup = outline
        self.canv.bookmarkPage(key)
        self.canv.addOutlineEntry(clip(text, 120), key, level=level, closed=level >= 1)
        if toc:
            self.notify("TOCEntry", (level, markup, self.page, key))


class FixedTimeStamp:
    """Stands in for reportlab's TimeStamp: the PDF dates are the pack's generation instant."""

    def __init__(self, when: datetime) -> None:
        when = when.astimezone(UTC)
        self.t = when.timestamp()
        self.lt = when.timetuple()
        self.YMDhms = tuple(self.lt)[:6]
        self.dhh = self.dmm = 0
        self.tzname = "UTC"

    @property
    def datetime(self):
        return datetime.fromtimestamp(self.t, UTC)

    @property
    def asctime(self):
        return self.datetime.strftime("%a %b %d %H:%M:%S %Y")


def canvas_maker(generated_at: datetime):
    """A canvas factory in invariant mode whose PDF dates are `generated_at`."""
    from reportlab.pdfgen.canvas import Canvas

    def make(*args, **kwargs):
        kwargs["invariant"] = 1
        canv = Canvas(*args, **kwargs)
        canv._doc._timeStamp = FixedTimeStamp(generated_at)
        return canv

    return make


class PageDecoration:
    """Draws the cover band, the running header and the footer ('page X of Y') of every page."""

    def __init__(self, *, organisation: str, public: bool, geometry: PageGeometry, colours: dict) -> None:
        self.organisation = organisation
        self.public = public
        self.geometry = geometry
        self.colours = colours

    def on_cover(self, canv, doc) -> None:
        """The cover page's coloured band with the organisation."""
        canv.saveState()
        w, h = self.geometry.pagesize
        margin = self.geometry.margin
        canv.setFillColor(self.colours["primary"])
        canv.rect(0, h - 24 * mm, w, 24 * mm, stroke=0, fill=1)
        canv.setFillColor(colors.white)
        canv.setFont(FONT_BOLD, 11)
        canv.drawString(margin, h - 14 * mm, fit(self.organisation, FONT_BOLD, 11, w - 2 * margin))
        canv.setFillColor(self.colours["accent"])
        canv.rect(0, h - 25.5 * mm, w, 1.5 * mm, stroke=0, fill=1)
        self.footer(canv, doc)
        canv.restoreState()

    def on_page(self, canv, doc) -> None:
        """The running header (organisation, edition) of every body page."""
        canv.saveState()
        w, h = self.geometry.pagesize
        margin = self.geometry.margin
        canv.setStrokeColor(self.colours["rule"])
        canv.setLineWidth(0.5)
        canv.line(margin, h - margin + 4 * mm, w - margin, h - margin + 4 * mm)
        canv.setFont(FONT, 7.5)
        canv.setFillColor(self.colours["muted"])
        canv.drawString(margin, h - margin + 5.5 * mm, fit(self.organisation, FONT, 7.5, (w - 2 * margin) * 0.6))
        edition = "Public edition" if self.public else "Internal — audit use"
        canv.drawRightString(w - margin, h - margin + 5.5 * mm, edition)
        self.footer(canv, doc)
        canv.restoreState()

    def footer(self, canv, doc) -> None:
        """Period and generation instant on the left, 'page X of Y' on the right."""
        w, _ = self.geometry.pagesize
        margin = self.geometry.margin
        y = margin - 8 * mm
        canv.setStrokeColor(self.colours["rule"])
        canv.setLineWidth(0.5)
        canv.line(margin, y + 4 * mm, w - margin, y + 4 * mm)
        canv.setFont(FONT, 7)
        canv.setFillColor(self.colours["muted"])
        total = doc.total_pages or "?"
        right = f"page {doc.page} of {total}"
        rw = pdfmetrics.stringWidth(right, FONT_BOLD, 7.5)
        canv.setFont(FONT_BOLD, 7.5)
        canv.drawRightString(w - margin, y, right)
        canv.setFont(FONT, 7)
        top, bottom = doc.footer_text
        avail = w - 2 * margin - rw - 8 * mm
        canv.drawString(margin, y + 0.5 * mm, fit(top, FONT, 7, avail))
        canv.drawString(margin, y - 3 * mm, fit(bottom, FONT, 7, avail))
