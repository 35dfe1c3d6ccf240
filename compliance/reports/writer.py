"""The building blocks every section uses: escaped paragraphs and cells, headings, tables, status colours.

RP-RENDER-2  Table cells are bounded (`limits.cell_chars`, ellipsis) and long words are split, so no
             input can make a cell taller than a page and fail the layout.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import Any

from reportlab.lib import colors
from reportlab.lib.styles import ParagraphStyle
from reportlab.pdfbase import pdfmetrics
from reportlab.platypus import Flowable, Paragraph, Spacer, Table, TableStyle

from compliance.reports.flowables import ChunkedTable, Heading, Lazy, Para, Rule, fit_table, shift_to_row
from compliance.reports.layout import FONT, FONT_BOLD, H2_ROOM, H3_ROOM, TABLE_CHUNK, PageGeometry, Styles, load_colours
from compliance.reports.model import MISSING, NOT_APPLICABLE, PARTIAL, SATISFIED, AuditPack
from compliance.reports.text import clean, clip, esc

RowStyles = Callable[[int, list], Iterable[tuple]]


def without_header_row(command: tuple) -> tuple:
    """A style command written for a table with its header row, moved up one row for a chunk without it."""
    name, (c0, r0), (c1, r1), *rest = command
    return (name, (c0, max(r0 - 1, 0) if r0 > 0 else r0), (c1, max(r1 - 1, 0) if r1 > 0 else r1), *rest)


def roomy(flowable: Flowable, room: float) -> Flowable:
    """Marks `flowable` to start a new page when less than `room` points are left (PackDoc.handle_flowable)."""
    flowable.room = room
    return flowable


class PackWriter:
    """What the sections write with: the pack, the layout (wording, limits, colours, styles) and helpers.

    `public` shows roles instead of personal names.
    """

    def __init__(self, pack: AuditPack, *, public: bool, layout: dict) -> None:
        self.pack = pack
        self.public = public
        self.layout = layout
        self.colours = load_colours(layout)
        self.limits = layout["limits"]
        self.wording = layout["text"]
        self.sections = {"scope": "Scope, population and reconciliation", "assertion": "Management assertion",
                         "exceptions": "Exceptions", "methodology": "Methodology appendix", **layout["sections"]}
        self.geometry = PageGeometry.from_layout(layout)
        self.width = self.geometry.width
        self.page_height = self.geometry.pagesize[1] - 2 * self.geometry.margin  # the text frame's height
        self.styles = Styles(layout, self.colours)
        # The style commands every table starts with (built once per render); key-value tables share the grid.
        grid = (
            ("VALIGN", (0, 0), (-1, -1), "TOP"),
            ("LINEBELOW", (0, 0), (-1, -1), 0.3, self.colours["rule"]),
            ("TOPPADDING", (0, 0), (-1, -1), 1.0),
            ("BOTTOMPADDING", (0, 0), (-1, -1), 1.5),
            ("LEFTPADDING", (0, 0), (-1, -1), 2.5),
            ("RIGHTPADDING", (0, 0), (-1, -1), 2.5),
        )
        self._table_style = (
            ("FONTNAME", (0, 0), (-1, -1), FONT),
            ("FONTSIZE", (0, 0), (-1, -1), self.styles.cell.fontSize),
            ("LEADING", (0, 0), (-1, -1), self.styles.cell.leading),
            ("BACKGROUND", (0, 0), (-1, 0), self.colours["primary"]),
            ("TEXTCOLOR", (0, 0), (-1, 0), colors.white),
            *grid,
        )
        self._table_body_style = tuple(c for c in self._table_style if c[1] != (0, 0) or c[2] != (-1, 0))
        self._kv_fonts = (
            ("FONTNAME", (0, 0), (-1, -1), FONT), ("FONTSIZE", (0, 0), (-1, -1), self.styles.cell.fontSize),
            ("LEADING", (0, 0), (-1, -1), self.styles.cell.leading),
        )
        self._kv_style = grid
        self._scope, self._keys = "root", 0

    def limit(self, name: str) -> int:
        """A limit of the layout file (cell_chars, paragraph_chars, list_items …) as an int."""
        return int(self.limits[name])

    # ---- outline keys and lazy sections
    def key(self, prefix: str) -> str:
        """A bookmark key, stable across build passes (scope prefix + counter within the scope)."""
        self._keys += 1
        return f"{self._scope}.{prefix}-{self._keys}"

    def lazy(self, scope: str, build: Callable[[], list[Flowable]], *, step: bool = False) -> Lazy:
        """A placeholder whose flowables are built when the layout reaches it (`step`: one progress step)."""

        def expand() -> list[Flowable]:
            self._scope, self._keys = scope, 0
            return build()

        return Lazy(expand, step=step)

    # ---- text
    def person(self, name: str | None, role: str | None) -> str:
        """The name (and role) internally; the role only in a public pack."""
        if self.public:
            return clean(role) if role else self.wording["withheld"]
        if name and role and name.strip().casefold() != role.strip().casefold():
            return f"{clean(name)} ({clean(role)})"
        return clean(name or role or "—")

    def paragraph(self, text: Any, style: ParagraphStyle | None = None, *, limit: int | None = None) -> Paragraph:
        """A paragraph of user text (escaped, cut when longer than the limit)."""
        limit = limit or self.limit("paragraph_chars")
        s = clean(text)
        if len(s) > limit:
            more = len(s) - limit
            return Para(esc(s[:limit]) + esc(self.wording["truncated"].format(more=more)),
                             style or self.styles.body)
        return Para(esc(s), style or self.styles.body)

    def cell(self, text: Any, style: ParagraphStyle | None = None) -> Paragraph:
        """A table cell of user text (escaped, bounded to limits.cell_chars)."""
        return Para(esc(text, limit=self.limit("cell_chars")) or "—", style or self.styles.cell)

    def ident(self, text: Any, *, bold: bool = False) -> Paragraph:
        """An identifier (ref, requirement, stage, URL) in a cell: never split inside a token, never cut short of the
        cell bound (a column is made wide enough, or a token wider than any column breaks at safe points)."""
        body = esc(text, limit=self.limit("cell_chars"))
        return Para(f"<b>{body}</b>" if bold else body, self.styles.cell_id)

    def hash_cell(self, digest: Any, *, width: float | None = None) -> Paragraph:
        """A hash in full, in the monospaced face, never cut: on one line, or when wider than `width` points broken
        only at fixed positions (halves, then quarters), so that a reader reassembles it without doubt."""
        text = clean(digest)[:200]
        style = self.styles.hash
        if width is not None and " " not in text:
            size = len(text)
            while size > 8 and pdfmetrics.stringWidth(text[:size], style.fontName, style.fontSize) > width:
                size //= 2
            if size < len(text):
                return Para("<br/>".join(esc(text[i:i + size]) for i in range(0, len(text), size)), style)
        return Para(esc(text), style)

    def markup(self, markup: str, style: ParagraphStyle | None = None) -> Paragraph:
        """A paragraph of trusted markup (wording from the layout file filled by `fill`)."""
        return Para(markup, style or self.styles.body)

    def h1(self, text: str) -> list:
        """A section title (outline level 0, in the TOC) with its rule."""
        key = self.key("s")
        return [Heading(esc(text), self.styles.h1, level=0, outline=clean(text), key=key),
                Rule(self.width, self.colours["primary"], 1.2), Spacer(1, 6)]

    def h2(self, text: str, *, toc: bool = True, outline: bool = True) -> Paragraph:
        """A sub-heading, in the outline (and the TOC unless toc=False)."""
        if not outline:
            return roomy(Para(esc(text), self.styles.h2), H2_ROOM)
        return roomy(Heading(esc(text, limit=160), self.styles.h2, level=1, outline=clean(text),
                             key=self.key("s"), toc=toc), H2_ROOM)

    def h3(self, text: str) -> Paragraph:
        """A minor heading (not in the outline), on a new page when less than H3_ROOM is left below it."""
        return roomy(Para(esc(text), self.styles.h3), H3_ROOM)

    def bullets(self, items: Iterable[Any]) -> list:
        """A bullet list of user strings."""
        return [Para(esc(clip(i, self.limit("paragraph_chars"))), self.styles.bullet, bulletText="•")
                for i in items]

    # ---- tables
    def table(self, header: list, rows: list[list], widths: list[float], *,
              extra_style: Iterable[tuple] = (), row_styles: RowStyles | None = None, zebra: bool = True,
              chunk: int = TABLE_CHUNK) -> list[Flowable]:
        """A table with a coloured header; long tables are chained in chunks (linear layout cost).

        `row_styles(i, row)` returns extra style commands for row `i` (0-based, without header).
        """
        head = [h if isinstance(h, Flowable) else Para(esc(h), self.styles.cell_head) for h in header]
        total = scale = sum(widths)
        widths = [w * self.width / scale for w in widths] if total > self.width else widths
        head, rows, widths = fit_table(head, rows, widths, self.styles.cell)  # no token past its column's edge
        extra = list(extra_style)
        rows = [self.fitting(row, widths) for row in rows]

        def make(start: int, stop: int, with_head: bool) -> Table:
            part = rows[start:stop]
            first = 1 if with_head else 0
            style = list(self._table_style if with_head else self._table_body_style)
            for i, row in enumerate(part, start):
                if zebra and i % 2 == 1:
                    style.append(("BACKGROUND", (0, i - start + first), (-1, i - start + first), self.colours["zebra"]))
                if row_styles:
                    style.extend(shift_to_row(row_styles(i, row), i - start + first))
            style.extend(extra if with_head else [without_header_row(c) for c in extra])
            t = Table(([head] if with_head else []) + part, colWidths=widths, repeatRows=first, hAlign="LEFT")
            t.setStyle(TableStyle(style))
            return t

        if len(rows) <= chunk:
            return [make(0, len(rows), True)]
        return [ChunkedTable(make, start=0, stop=len(rows), chunk=chunk, page_height=self.page_height)]

    def fitting(self, row: list, widths: list[float], styles: list[ParagraphStyle] | None = None) -> list:
        """The row with every plain-string cell wider than its column made a wrapping cell (a status never runs
        into the next column); plain strings that fit stay plain (the table draws them: cheaper than paragraphs).
        `styles` gives the paragraph style per column (default: the cell style)."""
        out = row
        for i, value in enumerate(row):
            if not isinstance(value, str) or i >= len(widths) or not value:
                continue
            style = styles[i] if styles else self.styles.cell
            if max(pdfmetrics.stringWidth(part, style.fontName, style.fontSize)
                   for part in value.split("\n")) > widths[i] - 5:
                if out is row:
                    out = list(row)
                out[i] = self.cell(value, style)
        return out

    def text(self, text: Any) -> str:
        """User text for a table cell as plain text, bounded like a cell: the table draws it as it is when it fits its
        column, and makes it a wrapping (escaped) paragraph when not (see `fitting`)."""
        return clip(text, self.limit("cell_chars")) or "—"

    def kv_table(self, pairs: list[tuple[str, Any]], *, cols: int = 2, label_w: float = 0.16) -> Table:
        """Label/value pairs in `cols` column pairs."""
        rows = []
        for i in range(0, len(pairs), cols):
            row = []
            for label, value in pairs[i:i + cols]:
                row += [clip(label, 80), value if isinstance(value, Flowable) else self.text(value)]
            row += [""] * (2 * cols - len(row))
            rows.append(row)
        lw = self.width * label_w
        vw = (self.width - cols * lw) / cols
        widths = [lw, vw] * cols
        styles = [self.styles.cell_bold, self.styles.cell] * cols
        _, rows, widths = fit_table([], rows, widths, self.styles.cell)  # no token past its column's edge
        t = Table([self.fitting(row, widths, styles) for row in rows], colWidths=widths, hAlign="LEFT")
        t.setStyle(TableStyle([*self._kv_style, *self._kv_fonts,
                               *[("FONTNAME", (2 * c, 0), (2 * c, -1), FONT_BOLD) for c in range(cols)],
                               *[("BACKGROUND", (2 * c, 0), (2 * c, -1), self.colours["zebra"]) for c in range(cols)]]))
        return t

    def status_colour(self, status: str):
        """The background colour of a cell, notification or action status (None: no colour)."""
        c = self.colours
        return {
            SATISFIED: c["satisfied"], PARTIAL: c["partial"], MISSING: c["missing"],
            NOT_APPLICABLE: c["not_applicable"], "late": c["late"], "undue_delay": c["late"],
            "late_open": c["late"], "open": c["open"], "due_soon": c["open"],
            "on_time": c["on_time"], "waived": c["waived"], "not_required": c["waived"], "done": c["on_time"],
            "cancelled": c["waived"], "exception": c["exception"],
        }.get(status)

    def colour_column(self, column: int, colours: list) -> RowStyles:
        """Row styles that paint cell `column` of row i with colours[i] (None: unpainted)."""
        return lambda i, _row: [("BACKGROUND", (column, 0), (column, 0), colours[i])] if colours[i] is not None else []
