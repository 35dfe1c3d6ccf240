"""The pack's own flowables: headings that feed the outline, lazy sections, rules, callouts, page references."""

from __future__ import annotations

from collections.abc import Iterable

from reportlab.lib.styles import ParagraphStyle
from reportlab.lib.units import mm
from reportlab.platypus import Flowable, Paragraph, Table, TableStyle

from compliance.reports.layout import FONT, FONT_BOLD, break_token, cell_min_width, fit_widths
from compliance.reports.text import esc


class Para(Paragraph):
    """A Paragraph that remembers its last wrap: a table wraps every cell once to measure its rows and again to
    draw them, at the same width (line breaking is the costliest step of the layout)."""

    _wrapped: tuple | None = None

    def wrap(self, availWidth, availHeight):
        # Reused only while the lines it broke are still the paragraph's own (split() may drop or replace them).
        wrapped = self._wrapped
        if wrapped is not None and wrapped[0] == availWidth and self.__dict__.get("blPara") is wrapped[2]:
            return wrapped[1]
        size = super().wrap(availWidth, availHeight)
        self._wrapped = (availWidth, size, self.__dict__.get("blPara"))
        return size


class Heading(Para):
    """A heading paragraph that becomes an outline entry (and a TOC entry when toc=True)."""

    def __init__(self, markup: str, style: ParagraphStyle, *, level: int, outline: str, key: str,
                 toc: bool = True) -> None:
        super().__init__(markup, style)
        self.outline = (level, outline, key, toc, markup)


class Anchor(Flowable):
    """A zero-size outline entry (bookmark) without visible text."""

    def __init__(self, level: int, outline: str, key: str, toc_markup: str | None = None) -> None:
        super().__init__()
        self.outline = (level, outline, key, toc_markup is not None, toc_markup)
        self.width = self.height = 0

    def wrap(self, aw, ah):
        return 0, 0

    def draw(self):
        pass


class Lazy(Flowable):
    """Placeholder expanded by PackDoc.handle_flowable into freshly built flowables."""

    def __init__(self, expand, *, step: bool = False) -> None:
        super().__init__()
        self.expand = expand
        self.step = step  # counts as one step of the progress report
        self.width = self.height = 0

    def wrap(self, aw, ah):  # pragma: no cover - always expanded before layout
        return 0, 0

    def draw(self):  # pragma: no cover
        pass


class PageRef(Flowable):
    """A page number not known yet: draws the forward-referenced form `form`, right-aligned in `width`."""

    def __init__(self, form: str, width: float, height: float, baseline: float) -> None:
        super().__init__()
        self.form, self.width, self.height, self.baseline = form, width, height, baseline

    def wrap(self, aw, ah):
        return self.width, self.height

    def draw(self):
        self.canv.saveState()
        self.canv.translate(self.width, self.baseline)
        self.canv.doForm(self.form)
        self.canv.restoreState()


class ChunkedTable(Flowable):
    """A long table laid out chunk by chunk (linear cost, never one quadratic split of a 1,000-row table).

    The header row is drawn at the table's start and at the top of every continuation page, never in the middle of
    a page: `make(start, stop, head)` builds the Table of rows start..stop, with the header row when `head`.
    """

    def __init__(self, make, *, start: int, stop: int, chunk: int, page_height: float) -> None:
        super().__init__()
        self.make, self.start, self.stop, self.chunk, self.page_height = make, start, stop, chunk, page_height

    def wrap(self, aw, ah):
        return aw, ah + 1  # never laid out whole: the frame always asks split() for what fits

    def split(self, aw, ah):
        at_top = ah >= self.page_height - 1
        head = self.start == 0 or at_top
        stop = min(self.start + self.chunk, self.stop)
        table = self.make(self.start, stop, head)
        table.wrap(aw, ah)
        heights = table._rowHeights
        used, fit = (heights[0] if head else 0), 0
        for h in heights[1 if head else 0:]:
            if used + h > ah:
                break
            used, fit = used + h, fit + 1
        if fit == 0:
            if not at_top:
                return []  # the next page starts with the header and this row
            fit = 1  # a row taller than a page (cells are bounded, so not expected): drawn anyway
        if fit < stop - self.start:
            table = self.make(self.start, self.start + fit, head)
        if self.start + fit >= self.stop:
            return [table]
        return [table, ChunkedTable(self.make, start=self.start + fit, stop=self.stop, chunk=self.chunk,
                                    page_height=self.page_height)]

    def draw(self):  # pragma: no cover - always split into Tables first
        pass


class Rule(Flowable):
    """A horizontal line across `width`."""

    def __init__(self, width: float, colour, thickness: float) -> None:
        super().__init__()
        self.width, self.colour, self.thickness = width, colour, thickness

    def wrap(self, aw, ah):
        return self.width, self.thickness

    def draw(self):
        self.canv.setStrokeColor(self.colour)
        self.canv.setLineWidth(self.thickness)
        self.canv.line(0, 0, self.width, 0)


class Callout(Table):
    """A boxed paragraph with a coloured left bar."""

    def __init__(self, para: Flowable, width: float, background, bar) -> None:
        super().__init__([[para]], colWidths=[width], hAlign="LEFT")
        self.setStyle(TableStyle([("BACKGROUND", (0, 0), (-1, -1), background),
                                  ("LINEBEFORE", (0, 0), (0, -1), 3, bar),
                                  ("LEFTPADDING", (0, 0), (-1, -1), 9), ("RIGHTPADDING", (0, 0), (-1, -1), 9),
                                  ("TOPPADDING", (0, 0), (-1, -1), 6), ("BOTTOMPADDING", (0, 0), (-1, -1), 6)]))


class Legend(Table):
    """A one-row legend of status colours."""

    def __init__(self, statuses: list[str], colour_of) -> None:
        cells = list(statuses)
        super().__init__([["Legend:"] + cells], colWidths=[20 * mm] + [22 * mm] * len(cells), hAlign="LEFT")
        style = [("FONTNAME", (0, 0), (-1, -1), FONT), ("FONTSIZE", (0, 0), (-1, -1), 7),
                 ("ALIGN", (1, 0), (-1, -1), "CENTER")]
        for i, s in enumerate(cells):
            style.append(("BACKGROUND", (i + 1, 0), (i + 1, 0), colour_of(s)))
        self.setStyle(TableStyle(style))


def shift_to_row(commands: Iterable[tuple], row: int) -> list[tuple]:
    """Moves row-relative style commands ((col, 0), (col, 0)) to table row `row`."""
    out = []
    for cmd in commands:
        name, (c0, _), (c1, _), *rest = cmd
        out.append((name, (c0, row), (c1, row), *rest))
    return out


CELL_PAD = 5.0  # left + right padding of a table cell (writer's grid: 2.5 each)


def cell_text(value) -> str:
    """The text a cell shows (a Paragraph's fragments, line breaks kept), for re-breaking it."""
    if isinstance(value, str):
        return value
    return "".join("\n" if getattr(f, "lineBreak", False) else getattr(f, "text", "") for f in value.frags)


def safe_cell(value, width: float, style: ParagraphStyle):
    """A cell whose tokens wider than `width` points are broken at safe points (layout.break_token), one piece a line:
    nothing past the column's edge, nothing cut (bold and colour of the original are given up for it)."""
    style = getattr(value, "style", style)
    font, size = style.fontName, style.fontSize
    lines = []
    for line in cell_text(value).split("\n"):
        words = []
        for token in line.split():
            pieces = break_token(token, font, size, width - style.leftIndent)
            words.append("<br/>".join(esc(p) for p in pieces))
        lines.append(" ".join(words))
    return Para("<br/>".join(lines), style)


def fit_table(header: list, rows: list[list], widths: list[float],
              style: ParagraphStyle) -> tuple[list, list[list], list[float]]:
    """Every column at least as wide as its widest unbreakable token (header included) when the table's width allows
    it (layout.fit_widths); a token wider than its column even then is broken at safe points (`safe_cell`).
    Returns the header and the rows (over-wide cells replaced) and the widths. Plain strings are measured in the bold
    face (a table may draw a column bold) and by token: the writer wraps a plain string wider than its column."""
    size = style.fontSize
    needs = [0.0] * len(widths)
    for row in [header, *rows]:
        for i, value in enumerate(row[:len(widths)]):
            needs[i] = max(needs[i], cell_min_width(value, FONT_BOLD, size) + CELL_PAD)
    widths = fit_widths(list(widths), needs, sum(widths))
    if all(n <= w + 0.01 for n, w in zip(needs, widths, strict=True)):
        return header, rows, widths

    def too_wide(value, width: float) -> bool:
        return isinstance(value, str | Paragraph) and cell_min_width(value, FONT_BOLD, size) + CELL_PAD > width + 0.01

    def fixed(row: list) -> list:
        out = list(row)
        for i, value in enumerate(row[:len(widths)]):
            if too_wide(value, widths[i]):
                out[i] = safe_cell(value, widths[i] - CELL_PAD, style)
            elif isinstance(value, list):
                out[i] = [safe_cell(v, widths[i] - CELL_PAD, style) if too_wide(v, widths[i]) else v for v in value]
        return out

    return fixed(header), [fixed(row) for row in rows], widths
