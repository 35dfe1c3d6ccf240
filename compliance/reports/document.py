"""The PDF document: the multi-pass doc template, deterministic timestamps and the page decoration.

RP-RENDER-4  Same model + same generated_at ⇒ byte-identical PDF (invariant mode, /CreationDate and
             /ModDate set to generated_at, deterministic /ID).
RP-RENDER-5  Every section is bookmarked in the outline and listed in the table of contents; every
             page footer carries the period, the generation instant and "page X of Y".
RP-RENDER-8  One layout pass (issue 18): "page X of Y" and the contents' page numbers are drawn as PDF form
             XObjects that pages reference before they exist; the forms are written once the pass has
             counted the pages, just before the file is saved.
"""

from __future__ import annotations

from datetime import UTC, datetime

from reportlab.lib import colors
from reportlab.lib.units import mm
from reportlab.pdfbase import pdfmetrics
from reportlab.platypus import BaseDocTemplate, CondPageBreak

from compliance.reports.flowables import Lazy
from compliance.reports.layout import FONT, FONT_BOLD, PageGeometry, fit
from compliance.reports.model import AuditPack
from compliance.reports.text import clip


def page_form(page: int) -> str:
    """The name of the form holding page `page`'s "page X of Y"."""
    return f"pg{page}"


def toc_form(n: int) -> str:
    """The name of the form holding the page number of the `n`-th contents entry."""
    return f"tocp{n}"


def toc_key(n: int) -> str:
    """The named destination of the `n`-th contents entry (its heading's page)."""
    return f"toc{n}"


class PackDoc(BaseDocTemplate):
    """One layout pass; the page numbers only known at its end are stamped into forward-referenced forms."""

    def __init__(self, buffer, *, pack: AuditPack, layout: dict, footer: tuple[str, str],
                 contents: list[tuple[int, str]], toc_styles: list[tuple[str, float]], progress=None, **kw) -> None:
        self.total_pages = 0
        self.footer_text = footer
        self.footer_right = None  # (x, y): where "page X of Y" ends, set by the page decoration
        self.colours_muted = colors.grey
        self.layout = layout
        self.pack = pack
        self.contents = contents  # (level, markup) of every contents entry, in order (sections/contents.py)
        self.toc_styles = toc_styles  # (font, size) of a contents page number per level
        self.toc_pages: list[int] = []
        self.progress = progress
        super().__init__(buffer, **kw)

    def handle_flowable(self, flowables):
        # RP-RENDER-6: sections are built only when the layout reaches them and dropped once drawn,
        # so memory stays flat with 1,000 incidents (the story itself only holds placeholders).
        while flowables and isinstance(flowables[0], Lazy):
            lazy = flowables[0]
            del flowables[0]
            flowables[0:0] = lazy.expand()
            if self.progress is not None and lazy.step:
                self.progress()
        room = getattr(flowables[0], "room", 0) if flowables else 0
        if room:  # a heading: a new page unless there is room for it and the start of what it heads
            flowables[0].room = 0
            flowables.insert(0, CondPageBreak(room))
        if flowables:
            super().handle_flowable(flowables)

    def handle_pageBegin(self):
        super().handle_pageBegin()
        self.total_pages = max(self.total_pages, self.page)

    def _endBuild(self):
        """Ends the last page, then writes the page-number forms and saves (the one pass is over)."""
        self._doSave = 0
        super()._endBuild()
        if len(self.toc_pages) != len(self.contents):
            raise RuntimeError(f"the contents list {len(self.contents)} entries, but {len(self.toc_pages)} headings "
                               "were laid out")
        canv = self.canv
        font, size = FONT_BOLD, 7.5
        x, y = self.footer_right or (0, 0)
        for page in range(1, self.total_pages + 1):
            canv.beginForm(page_form(page))
            canv.setFont(font, size)
            canv.setFillColor(self.colours_muted)
            canv.drawRightString(x, y, f"page {page} of {self.total_pages}")
            canv.endForm()
        for n, page in enumerate(self.toc_pages):
            font, size = self.toc_styles[self.contents[n][0]]
            canv.beginForm(toc_form(n), lowerx=-60, lowery=-4, upperx=0, uppery=size + 4)
            canv.setFont(font, size)
            canv.drawRightString(0, 0, str(page))
            canv.endForm()
        canv.save()

    def afterFlowable(self, flowable):
        outline = getattr(flowable, "outline", None)
        if not outline:
            return
        level, text, key, toc, markup = outline
        self.canv.bookmarkPage(key)
        self.canv.addOutlineEntry(clip(text, 120), key, level=level, closed=level >= 1)
        if toc:
            n = len(self.toc_pages)
            if n >= len(self.contents) or self.contents[n][1] != markup:
                raise RuntimeError(f"heading {clip(text, 60)!r} is not the contents entry {n} the contents announced")
            self.canv.bookmarkPage(toc_key(n))
            self.toc_pages.append(self.page)


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
        y = margin - 6.5 * mm  # the lower footer line stays >= 5 mm from the paper's edge (printers)
        canv.setStrokeColor(self.colours["rule"])
        canv.setLineWidth(0.5)
        canv.line(margin, y + 4 * mm, w - margin, y + 4 * mm)
        canv.setFont(FONT, 7)
        canv.setFillColor(self.colours["muted"])
        # The total is not known yet: the form is written after the pass (room kept for 5 digits).
        rw = pdfmetrics.stringWidth(f"page {doc.page} of 99999", FONT_BOLD, 7.5)
        doc.footer_right, doc.colours_muted = (w - margin, y), self.colours["muted"]
        canv.doForm(page_form(doc.page))
        top, bottom = doc.footer_text
        avail = w - 2 * margin - rw - 8 * mm
        canv.drawString(margin, y + 0.5 * mm, fit(top, FONT, 7, avail))
        canv.drawString(margin, y - 3 * mm, fit(bottom, FONT, 7, avail))
