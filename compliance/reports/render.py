"""Renders an `AuditPack` model to PDF bytes with ReportLab platypus.

RP-RENDER-1  Every user string passes through `esc()` (or is drawn as plain text) before it can
             reach paragraph markup: `<b>`, `&`, `</para>` in a title are shown, never interpreted.
RP-RENDER-2  Table cells are bounded (`limits.cell_chars`, ellipsis) and long words are split, so no
             input can make a cell taller than a page and fail the layout.
RP-RENDER-3  DejaVu Sans (reports/fonts/) is embedded: Latin-extended, Greek and Cyrillic survive
             into the text layer.
RP-RENDER-4  Same model + same generated_at ⇒ byte-identical PDF (invariant mode, /CreationDate and
             /ModDate set to generated_at, deterministic /ID).
RP-RENDER-5  Every section is bookmarked in the outline and listed in the table of contents; every
             page footer carries the period, the generation instant and "page X of Y".
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from datetime import UTC, date, datetime
from io import BytesIO
from pathlib import Path
from typing import Any
from xml.sax.saxutils import escape as _xml_escape

from reportlab.lib import colors
from reportlab.lib.enums import TA_CENTER
from reportlab.lib.pagesizes import A4, LETTER
from reportlab.lib.styles import ParagraphStyle
from reportlab.lib.units import mm
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.ttfonts import TTFont
from reportlab.platypus import (
    BaseDocTemplate,
    CondPageBreak,
    Flowable,
    Frame,
    KeepTogether,
    NextPageTemplate,
    PageBreak,
    PageTemplate,
    Paragraph,
    Spacer,
    Table,
    TableStyle,
)
from reportlab.platypus.tableofcontents import TableOfContents

from compliance import __version__
from compliance.core.errors import DefinitionError
from compliance.core.resources import builtin_dir
from compliance.core.timeutil import format_timedelta
from compliance.core.yamlload import load_yaml_file
from compliance.reports import charts
from compliance.reports.model import (
    MISSING,
    NOT_APPLICABLE,
    PARTIAL,
    SATISFIED,
    AuditPack,
    CoverageMatrix,
    IncidentSection,
)
from compliance.reports.verification_guide import TITLE as GUIDE_TITLE  # sign: appendix and cover rows
from compliance.reports.verification_guide import cover_rows

FONT, FONT_BOLD, FONT_MONO = "CPackSans", "CPackSans-Bold", "CPackMono"
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f\ud800-\udfff]")
TABLE_CHUNK = 40  # rows per Table object: long tables are chained, never split quadratically


# --------------------------------------------------------------------------- text safety

def clean(text: Any) -> str:
    """Returns `text` as a str without control characters or lone surrogates."""
    if text is None:
        return ""
    return _CONTROL.sub("", str(text).replace("\r\n", "\n").replace("\r", "\n").replace("\t", " "))


def clip(text: Any, limit: int) -> str:
    """Returns `text` cut to `limit` characters with an ellipsis."""
    s = clean(text)
    return s if len(s) <= limit else s[: max(0, limit - 1)] + "…"


def esc(text: Any, *, limit: int | None = None, newlines: bool = True) -> str:
    """Escapes a user string for paragraph markup (after clipping); newlines become <br/>."""
    s = clean(text) if limit is None else clip(text, limit)
    s = _xml_escape(s)
    return s.replace("\n", "<br/>" if newlines else " ")


def plain(text: Any, limit: int) -> str:
    """A single-line plain string for a table cell drawn without markup."""
    return clip(clean(text).replace("\n", " "), limit)


def fmt_instant(dt: datetime | None) -> str:
    """'2026-03-01 14:23 UTC' (seconds shown when not zero)."""
    if dt is None:
        return "—"
    dt = dt.astimezone(UTC)
    return dt.strftime("%Y-%m-%d %H:%M:%S" if dt.second else "%Y-%m-%d %H:%M") + " UTC"


def fmt_short(dt: datetime | None) -> str:
    """'2026-03-01 14:23' in UTC, for table columns whose header says (UTC)."""
    if dt is None:
        return "—"
    return dt.astimezone(UTC).strftime("%Y-%m-%d %H:%M")


def fmt_stacked(dt: datetime | None) -> str:
    """'2026-03-01\n14:23' in UTC: a date over its time, for narrow table columns."""
    return fmt_short(dt).replace(" ", "\n", 1)


def fmt_date(d: date | None) -> str:
    return "—" if d is None else d.isoformat()


def fmt_size(n: int | None) -> str:
    if n is None:
        return "—"
    for unit in ("B", "KiB", "MiB", "GiB"):
        if n < 1024 or unit == "GiB":
            return f"{n} {unit}" if unit == "B" else f"{n:.1f} {unit}"
        n /= 1024
    return str(n)  # pragma: no cover


def period_text(pack: AuditPack, all_time: str = "all recorded incidents") -> str:
    if pack.period_from is None and pack.period_to is None:
        return all_time
    return f"{fmt_date(pack.period_from) if pack.period_from else '…'} – {fmt_date(pack.period_to) if pack.period_to else '…'}"


class _Safe(dict):
    """format_map mapping: unknown placeholders stay as written."""

    def __missing__(self, key: str) -> str:
        return "{" + key + "}"


def fill(template: str, **values: Any) -> str:
    """Fills a wording template with escaped values (the template's own markup is kept)."""
    return str(template).format_map(_Safe({k: esc(v) for k, v in values.items()}))


# --------------------------------------------------------------------------- layout / fonts

def load_layout(path: str | Path | None = None) -> dict:
    """Loads reports/audit-pack.yaml (or `path`): wording, colours, limits."""
    path = Path(path) if path else builtin_dir("reports") / "audit-pack.yaml"
    data = load_yaml_file(path)
    for key in ("page", "fonts", "colours", "limits", "sections", "cover", "text", "footer", "footer_detail"):
        if not isinstance(data, dict) or key not in data:
            raise DefinitionError(f"{path}: missing top-level key {key!r}")
    return data


_REGISTERED: set[str] = set()


def register_fonts(layout: dict) -> None:
    """Registers the bundled TrueType fonts once per process (and the bold family mapping)."""
    fonts_dir = builtin_dir("reports") / "fonts"
    for name, key in ((FONT, "regular"), (FONT_BOLD, "bold"), (FONT_MONO, "mono")):
        if name in _REGISTERED:
            continue
        file = fonts_dir / layout["fonts"][key]
        if not file.is_file():
            raise DefinitionError(f"font file {file} not found (reports/fonts/)")
        pdfmetrics.registerFont(TTFont(name, str(file)))
        _REGISTERED.add(name)
    pdfmetrics.registerFontFamily(FONT, normal=FONT, bold=FONT_BOLD, italic=FONT, boldItalic=FONT_BOLD)


# --------------------------------------------------------------------------- document template

class _Heading(Paragraph):
    """A heading paragraph that becomes an outline entry (and a TOC entry when toc=True)."""

    def __init__(self, markup: str, style: ParagraphStyle, *, level: int, outline: str, key: str,
                 toc: bool = True) -> None:
        super().__init__(markup, style)
        self.outline = (level, outline, key, toc, markup)


class _Anchor(Flowable):
    """A zero-size outline entry (bookmark) without visible text."""

    def __init__(self, level: int, outline: str, key: str, toc_markup: str | None = None) -> None:
        super().__init__()
        self.outline = (level, outline, key, toc_markup is not None, toc_markup)
        self.width = self.height = 0

    def wrap(self, aw, ah):
        return 0, 0

    def draw(self):
        pass


class PackDoc(BaseDocTemplate):
    """Two passes at least: the TOC and the total page count ('page X of Y') must be stable."""

    def __init__(self, buffer, *, pack: AuditPack, layout: dict, footer: str, **kw) -> None:
        self.total_pages = 0
        self._last_total = -1
        self.footer_text = footer
        self.layout = layout
        self.pack = pack
        super().__init__(buffer, **kw)

    def handle_flowable(self, flowables):
        # RP-RENDER-6: sections are built only when the layout reaches them and dropped once drawn,
        # so memory stays flat with 1,000 incidents (the story itself only holds placeholders).
        while flowables and isinstance(flowables[0], _Lazy):
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


class _Stamp:
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


def _canvas_maker(generated_at: datetime):
    from reportlab.pdfgen.canvas import Canvas

    def make(*args, **kwargs):
        kwargs["invariant"] = 1
        canv = Canvas(*args, **kwargs)
        canv._doc._timeStamp = _Stamp(generated_at)
        return canv

    return make


# --------------------------------------------------------------------------- renderer

class Renderer:
    """Builds the story of one pack; `public` shows roles instead of personal names."""

    def __init__(self, pack: AuditPack, *, public: bool, layout: dict) -> None:
        self.pack = pack
        self.public = public
        self.L = layout
        self.C = {k: (colors.HexColor(v) if isinstance(v, str) else v) for k, v in layout["colours"].items()}
        self.lim = layout["limits"]
        self.T = layout["text"]
        size = {"A4": A4, "LETTER": LETTER}.get(str(layout["page"].get("size", "A4")).upper())
        if size is None:
            raise DefinitionError(f"page.size must be A4 or letter, not {layout['page'].get('size')!r}")
        self.pagesize = size
        self.margin = float(layout["page"].get("margin_mm", 18)) * mm
        self.width = size[0] - 2 * self.margin
        self._styles()
        self._scope, self._keys = "root", 0

    # ---- styles
    def _styles(self) -> None:
        base = float(self.L["page"].get("base_font_size", 9))
        C = self.C
        self.s_body = ParagraphStyle("body", fontName=FONT, fontSize=base, leading=base * 1.35,
                                     splitLongWords=1, spaceAfter=4)
        self.s_muted = ParagraphStyle("muted", parent=self.s_body, textColor=C["muted"])
        self.s_small = ParagraphStyle("small", parent=self.s_body, fontSize=base - 1.5,
                                      leading=(base - 1.5) * 1.3, spaceAfter=0)
        self.s_cell = ParagraphStyle("cell", parent=self.s_body, fontSize=base - 1.8,
                                     leading=(base - 1.8) * 1.28, spaceAfter=0)
        self.s_cell_b = ParagraphStyle("cellb", parent=self.s_cell, fontName=FONT_BOLD)
        self.s_cell_head = ParagraphStyle("cellh", parent=self.s_cell, fontName=FONT_BOLD,
                                          textColor=colors.white)
        self.s_mono = ParagraphStyle("mono", parent=self.s_cell, fontName=FONT_MONO,
                                     fontSize=base - 2.3, leading=(base - 2.3) * 1.3)
        self.s_h1 = ParagraphStyle("h1", parent=self.s_body, fontName=FONT_BOLD, fontSize=17,
                                   leading=21, textColor=C["primary"], spaceBefore=0, spaceAfter=8)
        self.s_h2 = ParagraphStyle("h2", parent=self.s_body, fontName=FONT_BOLD, fontSize=12.5,
                                   leading=16, textColor=C["primary"], spaceBefore=10, spaceAfter=5,
                                   keepWithNext=1)
        self.s_h3 = ParagraphStyle("h3", parent=self.s_body, fontName=FONT_BOLD, fontSize=10,
                                   leading=13, textColor=C["accent"], spaceBefore=8, spaceAfter=3,
                                   keepWithNext=1)
        self.s_bullet = ParagraphStyle("bullet", parent=self.s_body, leftIndent=12, bulletIndent=2,
                                       spaceAfter=1)
        self.s_cover_title = ParagraphStyle("ct", parent=self.s_body, fontName=FONT_BOLD, fontSize=24,
                                            leading=29, textColor=C["primary"], spaceAfter=6)
        self.s_cover_kicker = ParagraphStyle("ck", parent=self.s_body, fontName=FONT_BOLD, fontSize=10,
                                             textColor=C["accent"], spaceAfter=4)
        self.s_big = ParagraphStyle("big", parent=self.s_body, fontName=FONT_BOLD, fontSize=20,
                                    leading=24, alignment=TA_CENTER, textColor=C["primary"])
        self.s_big_label = ParagraphStyle("bigl", parent=self.s_small, alignment=TA_CENTER,
                                          textColor=C["muted"])
        self.s_broken = ParagraphStyle("broken", parent=self.s_body, fontName=FONT_BOLD, fontSize=12,
                                       leading=15, textColor=colors.white)
        self.s_broken_text = ParagraphStyle("brokent", parent=self.s_body, textColor=colors.white)

    # ---- helpers
    def key(self, prefix: str) -> str:
        """A bookmark key, stable across build passes (scope prefix + counter within the scope)."""
        self._keys += 1
        return f"{self._scope}.{prefix}-{self._keys}"

    def lazy(self, scope: str, build) -> _Lazy:
        """A placeholder whose flowables are built when the layout reaches it (on every pass)."""

        def expand() -> list[Flowable]:
            self._scope, self._keys = scope, 0
            return build()

        return _Lazy(expand)

    def person(self, name: str | None, role: str | None) -> str:
        """The name (and role) internally; the role only in a public pack."""
        if self.public:
            return clean(role) if role else self.T["withheld"]
        if name and role and name.strip().casefold() != role.strip().casefold():
            return f"{clean(name)} ({clean(role)})"
        return clean(name or role or "—")

    def p(self, text: Any, style: ParagraphStyle | None = None, *, limit: int | None = None) -> Paragraph:
        """A paragraph of user text (escaped, cut when longer than the limit)."""
        limit = limit or int(self.lim["paragraph_chars"])
        s = clean(text)
        if len(s) > limit:
            more = len(s) - limit
            return Paragraph(esc(s[:limit]) + esc(self.T["truncated"].format(more=more)),
                             style or self.s_body)
        return Paragraph(esc(s), style or self.s_body)

    def cell(self, text: Any, style: ParagraphStyle | None = None) -> Paragraph:
        return Paragraph(esc(text, limit=int(self.lim["cell_chars"])) or "—", style or self.s_cell)

    def markup(self, markup: str, style: ParagraphStyle | None = None) -> Paragraph:
        """A paragraph of trusted markup (wording from the layout file filled by `fill`)."""
        return Paragraph(markup, style or self.s_body)

    def h1(self, text: str) -> list:
        key = self.key("s")
        return [_Heading(esc(text), self.s_h1, level=0, outline=clean(text), key=key),
                _Rule(self.width, self.C["primary"], 1.2), Spacer(1, 6)]

    def h2(self, text: str, *, toc: bool = True, outline: bool = True) -> Paragraph:
        if not outline:
            return Paragraph(esc(text), self.s_h2)
        return _Heading(esc(text, limit=160), self.s_h2, level=1, outline=clean(text),
                        key=self.key("s"), toc=toc)

    def h3(self, text: str) -> Paragraph:
        return Paragraph(esc(text), self.s_h3)

    def bullets(self, items: Iterable[Any]) -> list:
        return [Paragraph(esc(clip(i, int(self.lim["paragraph_chars"]))), self.s_bullet, bulletText="•")
                for i in items]

    def table(self, header: list, rows: list[list], widths: list[float], *,
              extra_style: Iterable[tuple] = (), row_styles=None, zebra: bool = True,
              chunk: int = TABLE_CHUNK) -> list[Flowable]:
        """A table with a coloured header; long tables are chained in chunks (linear layout cost).

        `row_styles(i, row)` returns extra style commands for row `i` (0-based, without header).
        """
        head = [h if isinstance(h, Flowable) else Paragraph(esc(h), self.s_cell_head) for h in header]
        out: list[Flowable] = []
        total = scale = sum(widths)
        widths = [w * self.width / scale for w in widths] if total > self.width else widths
        for start in range(0, max(len(rows), 1), chunk):
            part = rows[start:start + chunk]
            if not part and rows:
                break
            style = [
                ("FONTNAME", (0, 0), (-1, -1), FONT),
                ("FONTSIZE", (0, 0), (-1, -1), self.s_cell.fontSize),
                ("LEADING", (0, 0), (-1, -1), self.s_cell.leading),
                ("BACKGROUND", (0, 0), (-1, 0), self.C["primary"]),
                ("TEXTCOLOR", (0, 0), (-1, 0), colors.white),
                ("VALIGN", (0, 0), (-1, -1), "TOP"),
                ("LINEBELOW", (0, 0), (-1, -1), 0.3, self.C["rule"]),
                ("TOPPADDING", (0, 0), (-1, -1), 2.2),
                ("BOTTOMPADDING", (0, 0), (-1, -1), 2.6),
                ("LEFTPADDING", (0, 0), (-1, -1), 3),
                ("RIGHTPADDING", (0, 0), (-1, -1), 3),
            ]
            for i in range(len(part)):
                if zebra and i % 2 == 1:
                    style.append(("BACKGROUND", (0, i + 1), (-1, i + 1), self.C["zebra"]))
                if row_styles:
                    style.extend(_shift(row_styles(start + i, part[i]), i + 1))
            style.extend(extra_style)
            t = Table([head] + part, colWidths=widths, repeatRows=1, hAlign="LEFT")
            t.setStyle(TableStyle(style))
            out.append(t)
        return out

    def kv_table(self, pairs: list[tuple[str, Any]], *, cols: int = 2, label_w: float = 0.16) -> Table:
        """Label/value pairs in `cols` column pairs."""
        rows = []
        for i in range(0, len(pairs), cols):
            row = []
            for label, value in pairs[i:i + cols]:
                row += [Paragraph(esc(label), self.s_cell_b),
                        value if isinstance(value, Flowable) else self.cell(value)]
            row += [""] * (2 * cols - len(row))
            rows.append(row)
        lw = self.width * label_w
        vw = (self.width - cols * lw) / cols
        t = Table(rows, colWidths=[lw, vw] * cols, hAlign="LEFT")
        t.setStyle(TableStyle([
            ("VALIGN", (0, 0), (-1, -1), "TOP"),
            ("LINEBELOW", (0, 0), (-1, -1), 0.3, self.C["rule"]),
            ("TOPPADDING", (0, 0), (-1, -1), 2.2),
            ("BOTTOMPADDING", (0, 0), (-1, -1), 2.6),
            ("LEFTPADDING", (0, 0), (-1, -1), 3),
            *[("BACKGROUND", (2 * c, 0), (2 * c, -1), self.C["zebra"]) for c in range(cols)],
        ]))
        return t

    def status_colour(self, status: str):
        return {
            SATISFIED: self.C["satisfied"], PARTIAL: self.C["partial"], MISSING: self.C["missing"],
            NOT_APPLICABLE: self.C["not_applicable"], "late": self.C["late"], "undue_delay": self.C["late"],
            "late_open": self.C["late"], "open": self.C["open"], "due_soon": self.C["open"],
            "on_time": self.C["on_time"], "waived": self.C["waived"], "done": self.C["on_time"],
            "cancelled": self.C["waived"],
        }.get(status)

    # ---- story
    def story(self) -> list[Flowable]:
        S = self.L["sections"]
        story: list[Flowable] = []
        story += self.cover()
        story += [NextPageTemplate("body"), PageBreak()]
        story += self.contents(S["contents"])
        for name, builder in (("summary", self.summary), ("coverage", self.coverage),
                              ("notifications", self.notifications), ("incidents", self.incidents),
                              ("trends", self.trends), ("integrity", self.integrity)):
            story.append(PageBreak())
            story.append(self.lazy(name, lambda b=builder, t=S[name]: self.h1(t) + b()))
        # sign: appendix "checking this pack with standard tools" (compliance/reports/guide_section.py)
        from compliance.reports.guide_section import guide_flowables

        story += [PageBreak(), self.lazy("verification", lambda: guide_flowables(self))]
        return story

    def cover(self) -> list[Flowable]:
        pack, T, lab = self.pack, self.L["cover"], self.L["cover"]["labels"]
        out: list[Flowable] = [_Anchor(0, "Cover", self.key("cover")), Spacer(1, 38 * mm)]
        out.append(Paragraph(esc(T["kicker"]), self.s_cover_kicker))
        out.append(self.p(pack.title, self.s_cover_title, limit=160))
        out.append(Spacer(1, 6 * mm))
        if pack.integrity.broken:
            box = Table([[Paragraph(esc(T["broken_title"]), self.s_broken)],
                         [Paragraph(fill(T["broken_text"], message=clip(pack.integrity.message or "unknown",
                                                                          int(self.lim["cell_chars"]))),
                                    self.s_broken_text)]],
                        colWidths=[self.width])
            box.setStyle(TableStyle([("BACKGROUND", (0, 0), (-1, -1), self.C["broken"]),
                                     ("LEFTPADDING", (0, 0), (-1, -1), 10), ("RIGHTPADDING", (0, 0), (-1, -1), 10),
                                     ("TOPPADDING", (0, 0), (-1, -1), 6), ("BOTTOMPADDING", (0, 0), (-1, -1), 6)]))
            out += [box, Spacer(1, 5 * mm)]
        fws = ", ".join(f"{f.name} ({f.id})" + (f" {f.version}" if f.version else "") for f in pack.frameworks)
        head = pack.integrity.chain_head or "— (no custody entries)"
        cs = ParagraphStyle("cover_cell", parent=self.s_body, fontSize=9.5, leading=12.5, spaceAfter=0)
        label = ParagraphStyle("cover_label", parent=cs, fontName=FONT_BOLD, textColor=self.C["primary"])
        mono = ParagraphStyle("cover_mono", parent=cs, fontName=FONT_MONO, fontSize=8, leading=11)

        def cc(text):
            return self.cell(text, cs)

        rows = [
            (lab["organisation"], cc(pack.organisation)),
            (lab["period"], cc(period_text(pack, T["all_time"]))),
            (lab["frameworks"], cc(fws or "—")),
            (lab["generated"], cc(fmt_instant(pack.generated_at))),
            (lab["fingerprint"], Paragraph(esc(head), mono)),
            (lab["signer"], cc(pack.signer or lab["unsigned"])),
            # sign: signer certificate fingerprint and what the generation instant is (verification_guide.py)
            *[(k, Paragraph(esc(v), mono if "SHA-256" in k else cs)) for k, v in cover_rows(
                signer_fingerprint=pack.signer_fingerprint, timestamp_authority=pack.timestamp_authority)],
            (lab["restricted"], cc(lab["restricted_included"] if pack.include_restricted
                                          else str(pack.restricted_excluded))),
            (lab["audience"], cc(lab["audience_public"] if self.public else lab["audience_internal"])),
        ]
        t = Table([[Paragraph(esc(k), label), v] for k, v in rows],
                  colWidths=[self.width * 0.3, self.width * 0.7], hAlign="LEFT")
        t.setStyle(TableStyle([
            ("VALIGN", (0, 0), (-1, -1), "TOP"),
            ("LINEBELOW", (0, 0), (-1, -1), 0.4, self.C["rule"]),
            ("TOPPADDING", (0, 0), (-1, -1), 4), ("BOTTOMPADDING", (0, 0), (-1, -1), 5),
        ]))
        out.append(t)
        return out

    def contents(self, title: str) -> list[Flowable]:
        toc = _ChunkedTOC()
        toc.dotsMinLevel = 0
        toc.levelStyles = [
            ParagraphStyle("toc0", parent=self.s_body, fontName=FONT_BOLD, fontSize=10, leading=14,
                           leftIndent=0, firstLineIndent=0, spaceBefore=5),
            ParagraphStyle("toc1", parent=self.s_small, leftIndent=14, firstLineIndent=0, leading=10.5),
        ]
        # RP-RENDER-7: the TOC starts with the entries it will have (pages unknown), so the first
        # pass already lays out at the final TOC length and two passes suffice.
        toc._entries = self.expected_toc()
        key = self.key("toc")
        return [_Heading(esc(title), self.s_h1, level=0, outline=title, key=key, toc=False),
                _Rule(self.width, self.C["primary"], 1.2), Spacer(1, 6), toc]

    def expected_toc(self) -> list[tuple]:
        """The TOC entries the headings will notify, with page 0 (same markup, so same height)."""
        S, out = self.L["sections"], []
        h2 = lambda text: (1, esc(text, limit=160), 0, None)  # noqa: E731 - mirrors Renderer.h2
        for name in ("summary", "coverage", "notifications", "incidents", "trends", "integrity"):
            out.append((0, esc(S[name]), 0, None))
            if name == "coverage":
                out += [h2(_framework_heading(m.framework)) for m in self.pack.matrices]
            elif name == "incidents":
                out += [(1, _incident_markup(inc), 0, None) for inc in self.pack.incidents]
            elif name == "trends":
                out += [h2(t) for t in TREND_TITLES]
            elif name == "integrity":
                out.append(h2(MANIFEST_TITLE))
        out.append((0, esc(GUIDE_TITLE), 0, None))  # sign: the verification appendix
        return out

    # ---- 2. executive summary
    def summary(self) -> list[Flowable]:
        pack, T = self.pack, self.T
        out: list[Flowable] = []
        fws = ", ".join(f.name for f in pack.frameworks) or "—"
        out.append(self.markup(fill(T["summary_intro"], incidents=len(pack.incidents),
                                    period=period_text(pack, self.L["cover"]["all_time"]), frameworks=fws)))
        if not pack.incidents:
            out.append(_Callout(self.markup(esc(T["no_incidents"]), self.s_body), self.width,
                                self.C["zebra"], self.C["accent"]))
        closure = pack.action_closure()
        tallies = pack.notification_tallies()
        late = sum(t.late for t in tallies)
        open_ = sum(t.open for t in tallies)
        cov = [m.totals() for m in pack.matrices]
        sat = sum(c[SATISFIED] for c in cov)
        applicable = sum(c[SATISFIED] + c[PARTIAL] + c[MISSING] for c in cov)
        tiles = [
            (str(len(pack.incidents)), "incidents in the period"),
            (f"{late} / {open_}", "notifications late / still open"),
            (_pct(sat, applicable), "requirement cells satisfied"),
            (_pct(closure.done, closure.done + closure.open), "action items closed"),
        ]
        tw = self.width / 4
        t = Table([[Paragraph(esc(v), self.s_big) for v, _ in tiles],
                   [Paragraph(esc(lbl), self.s_big_label) for _, lbl in tiles]], colWidths=[tw] * 4)
        t.setStyle(TableStyle([("BOX", (0, 0), (0, -1), 0.6, self.C["rule"]),
                               ("BOX", (1, 0), (1, -1), 0.6, self.C["rule"]),
                               ("BOX", (2, 0), (2, -1), 0.6, self.C["rule"]),
                               ("BOX", (3, 0), (3, -1), 0.6, self.C["rule"]),
                               ("BACKGROUND", (0, 0), (-1, -1), self.C["zebra"]),
                               ("TOPPADDING", (0, 0), (-1, 0), 8), ("BOTTOMPADDING", (0, -1), (-1, -1), 8)]))
        out += [Spacer(1, 4), t, Spacer(1, 6)]

        out.append(self.h2("Incidents by severity", toc=False))
        sev = pack.severity_counts()
        out += self.table(["Severity", "Incidents"], [[plain(k, 40), str(v)] for k, v in sev.items()]
                          or [["—", "0"]], [60 * mm, 30 * mm])

        out.append(self.h2("Notifications per regime", toc=False))
        out += self.table(["Regime", "On time", "Late", "Open", "Waived"],
                          [[plain(t.regime, 60), t.on_time, t.late, t.open, t.waived] for t in tallies]
                          or [[T["no_notifications"], "", "", "", ""]],
                          [70 * mm, 22 * mm, 22 * mm, 22 * mm, 22 * mm],
                          row_styles=lambda i, r: ([("BACKGROUND", (2, 0), (2, 0), self.C["late"])]
                                                   if isinstance(r[2], int) and r[2] else [])
                          + ([("BACKGROUND", (3, 0), (3, 0), self.C["open"])]
                             if isinstance(r[3], int) and r[3] else []))

        out.append(self.h2("Control coverage per framework", toc=False))
        rows = []
        for m in pack.matrices:
            c = m.totals()
            app = c[SATISFIED] + c[PARTIAL] + c[MISSING]
            rows.append([self.cell(m.framework.name), len(m.rows), len(m.incident_refs), c[SATISFIED],
                         c[PARTIAL], c[MISSING], c[NOT_APPLICABLE], _pct(c[SATISFIED], app)])
        out += self.table(["Framework", "Req.", "Incidents", "Satisfied", "Partial", "Missing", "n/a",
                           "Satisfied %"], rows or [["—", "", "", "", "", "", "", ""]],
                          [52 * mm, 12 * mm, 17 * mm, 17 * mm, 15 * mm, 15 * mm, 12 * mm, 20 * mm])

        out.append(self.h2("Action items", toc=False))
        out += self.table(["Total", "Done", "Open", "of which overdue", "Cancelled", "Closure rate"],
                          [[closure.total, closure.done, closure.open, closure.overdue, closure.cancelled,
                            _pct(closure.done, closure.done + closure.open)]],
                          [25 * mm, 25 * mm, 25 * mm, 30 * mm, 25 * mm, 30 * mm])

        out.append(self.h2("Key metrics and targets", toc=False))
        mrows = []
        for m in pack.summary.metrics:
            met = m.met
            mrows.append([self.cell(m.name), _num(m.value, m.unit), _num(m.target, m.unit),
                          "—" if met is None else ("met" if met else "not met"), self.cell(m.note or "")])
        out += self.table(["Metric", "Value", "Target", "Status", "Note"],
                          mrows or [["No metrics were computed for this pack.", "", "", "", ""]],
                          [50 * mm, 25 * mm, 25 * mm, 20 * mm, 54 * mm],
                          row_styles=lambda i, r: [("BACKGROUND", (3, 0), (3, 0),
                                                    self.C["on_time"] if r[3] == "met" else self.C["late"])]
                          if r[3] in ("met", "not met") else [])
        if pack.summary.highlights:
            out.append(self.h2("Highlights", toc=False))
            out += self.bullets(pack.summary.highlights)
        return out

    # ---- 3. coverage
    def coverage(self) -> list[Flowable]:
        out: list[Flowable] = [self.markup(esc(self.T["coverage_intro"]))]
        if not self.pack.matrices:
            out.append(self.p("No framework was assessed."))
        titles = {inc.ref: inc.title for inc in self.pack.incidents}
        for i, m in enumerate(self.pack.matrices):
            if i:
                out.append(PageBreak())
            out.append(self.lazy(f"fw{i}", lambda m=m: self.matrix(m, titles)))
        return out

    def matrix(self, m: CoverageMatrix, titles: dict[str, str]) -> list[Flowable]:
        fw = m.framework
        out: list[Flowable] = [self.h2(_framework_heading(fw))]
        # totals per requirement
        rows = []
        for r in m.rows:
            c = r.totals()
            app = c[SATISFIED] + c[PARTIAL] + c[MISSING]
            rows.append([Paragraph(f"<b>{esc(r.requirement_id, limit=40)}</b> {esc(r.title, limit=200)}"
                                   + (f" <font color='#5F6B7A'>({esc(r.citation, limit=120)})</font>"
                                      if r.citation else ""), self.s_cell),
                         c[SATISFIED], c[PARTIAL], c[MISSING], c[NOT_APPLICABLE], _pct(c[SATISFIED], app)])
        status_cols = {2: SATISFIED, 3: PARTIAL, 4: MISSING}
        out.append(self.h3("Totals per requirement"))
        out += self.table(["Requirement", "Satisfied", "Partial", "Missing", "n/a", "Satisfied %"],
                          rows or [["No requirements defined.", "", "", "", "", ""]],
                          [self.width - 80 * mm, 16 * mm, 16 * mm, 16 * mm, 12 * mm, 20 * mm],
                          row_styles=lambda i, r: [("BACKGROUND", (col - 1, 0), (col - 1, 0),
                                                    self.status_colour(st))
                                                   for col, st in status_cols.items()
                                                   if isinstance(r[col - 1], int) and r[col - 1]])
        if not m.incident_refs or not m.rows:
            out.append(self.p("No incidents to assess in this period." if not m.incident_refs
                              else "No requirements defined."))
            return out
        # the matrix: incidents as rows, requirements as columns (chunks of N columns)
        n = max(1, int(self.lim["matrix_columns"]))
        index = {ref: k for k, ref in enumerate(m.incident_refs)}
        grid = {(r.requirement_id, c.incident_ref): c for r in m.rows for c in r.cells}
        chunks = [m.rows[k:k + n] for k in range(0, len(m.rows), n)]
        ref_w, title_w = 20 * mm, 42 * mm
        for k, reqs in enumerate(chunks):
            label = f"Matrix — requirements {k * n + 1}–{k * n + len(reqs)} of {len(m.rows)}"
            out.append(CondPageBreak(60 * mm))
            out.append(self.h3(label))
            col_w = (self.width - ref_w - title_w) / len(reqs)
            header = ["Incident", "Title"] + [Paragraph(esc(r.requirement_id, limit=30), self.s_cell_head)
                                              for r in reqs]
            body = []
            for ref in m.incident_refs:
                row = [plain(ref, 16), plain(titles.get(ref, ""), 30)]
                for r in reqs:
                    c = grid.get((r.requirement_id, ref))
                    row.append(c.status if c else "—")
                body.append(row)
            totals = ["Satisfied", ""] + [f"{r.totals()[SATISFIED]} / {len(m.incident_refs)}" for r in reqs]
            body.append(totals)
            last = len(body) - 1

            def styles(i, row, _reqs=reqs, _last=last):
                if i == _last:  # the totals row closes the last chunk, so it is never orphaned
                    return [("FONTNAME", (0, 0), (-1, 0), FONT_BOLD),
                            ("BACKGROUND", (0, 0), (-1, 0), self.C["zebra"]),
                            ("LINEABOVE", (0, 0), (-1, 0), 0.8, self.C["primary"])]
                return [("BACKGROUND", (j + 2, 0), (j + 2, 0), self.status_colour(row[j + 2]))
                        for j in range(len(_reqs)) if self.status_colour(row[j + 2]) is not None]

            out += self.table(header, body, [ref_w, title_w] + [col_w] * len(reqs), row_styles=styles,
                              zebra=False, extra_style=[("ALIGN", (2, 0), (-1, -1), "CENTER"),
                                                        ("FONTNAME", (0, 1), (0, -1), FONT_BOLD)])
            out.append(Spacer(1, 6))
        out.append(_Legend(self, [SATISFIED, PARTIAL, MISSING, NOT_APPLICABLE]))
        # reasons for every cell that is not satisfied
        out.append(CondPageBreak(45 * mm))
        out.append(self.h3(self.T["coverage_reasons"]))
        for r in m.rows:
            bad = [c for c in r.cells if c.status not in (SATISFIED, NOT_APPLICABLE)]
            not_applicable: dict[str, list[str]] = {}
            for c in r.cells:
                if c.status == NOT_APPLICABLE:
                    reason = "; ".join(clean(x) for x in c.reasons) or "no reason recorded"
                    not_applicable.setdefault(reason, []).append(c.incident_ref)
            head = Paragraph(f"<b>{esc(r.requirement_id, limit=40)}</b> — {esc(r.title, limit=300)}"
                             + (f" <font color='#5F6B7A'>({esc(r.citation, limit=120)})</font>"
                                if r.citation else ""), self.s_body)
            na_paras = [Paragraph(f"<b>n/a</b> ({esc(reason, limit=300)}): "
                                  + esc(", ".join(refs), limit=int(self.lim["paragraph_chars"])), self.s_small)
                        for reason, refs in not_applicable.items()]
            if not bad:
                text = self.T["all_satisfied"] if not na_paras else self.T["all_applicable_satisfied"]
                out.append(KeepTogether([head, self.p(text, self.s_muted), *na_paras, Spacer(1, 4)]))
                continue
            bad.sort(key=lambda c: ({MISSING: 0, PARTIAL: 1}.get(c.status, 2), index.get(c.incident_ref, 0)))
            rows = [[plain(c.incident_ref, 16), self.cell(clip(titles.get(c.incident_ref, ""), 100)), c.status,
                     self.cell("\n".join(f"• {clean(x)}" for x in c.reasons) or "no reason recorded")]
                    for c in bad]
            out.append(CondPageBreak(30 * mm))
            out.append(head)
            out += self.table(["Incident", "Title", "Status", "Reasons"], rows,
                              [20 * mm, 42 * mm, 16 * mm, self.width - 78 * mm],
                              row_styles=lambda i, row: [("BACKGROUND", (2, 0), (2, 0),
                                                          self.status_colour(row[2]))]
                              if self.status_colour(row[2]) else [])
            out += na_paras
            out.append(Spacer(1, 4))
        return out

    # ---- 4. notifications
    def notifications(self) -> list[Flowable]:
        out: list[Flowable] = [self.markup(esc(self.T["notifications_intro"]))]
        rows = sorted(self.pack.notifications, key=lambda n: (
            0 if n.needs_attention else 1,
            n.due or datetime.max.replace(tzinfo=UTC), n.incident_ref, n.regime, n.stage))
        if not rows:
            out.append(self.p(self.T["no_notifications"]))
            return out
        body = []
        for n in rows:
            reason = n.delay_reason or (f"waived: {n.waiver_reason}" if n.waived and n.waiver_reason else "")
            body.append([
                Paragraph(f"<b>{esc(n.incident_ref, limit=20)}</b><br/>{esc(n.incident_title, limit=80)}",
                          self.s_cell),
                self.cell(f"{n.regime}\n{n.stage.replace('_', ' ')}"),  # spaces let a narrow column wrap
                fmt_stacked(n.clock_start), fmt_stacked(n.due),
                fmt_stacked(n.notified_at),
                n.status.replace("_", " "),
                self.cell(reason or ("— missing —" if n.status in ("late", "undue_delay", "late_open") else "")),
            ])
        colour = {i: self.status_colour(n.status) for i, n in enumerate(rows)}
        out += self.table(["Incident", "Regime / stage", "Clock start (UTC)", "Due (UTC)", "Notified (UTC)", "Status",
                           "Delay reason"], body,
                          [34 * mm, 26 * mm, 21 * mm, 21 * mm, 21 * mm, 16 * mm, self.width - 139 * mm],
                          row_styles=lambda i, r: [("BACKGROUND", (5, 0), (5, 0), colour[i])] if colour[i] else [])
        return out

    # ---- 5. incidents
    def incidents(self) -> list[Flowable]:
        if not self.pack.incidents:
            return [self.p(self.T["no_incidents"])]
        out: list[Flowable] = []
        regs: dict[str, list] = {}
        for n in self.pack.notifications:
            regs.setdefault(n.incident_ref, []).append(n)
        for i, inc in enumerate(self.pack.incidents):
            if i:
                out.append(PageBreak())
            out.append(self.lazy(f"inc{i}", lambda inc=inc: self.incident(inc, regs.get(inc.ref, []))))
        return out

    def incident(self, inc: IncidentSection, obligations: list) -> list[Flowable]:
        lim = int(self.lim["list_items"])
        head = f"{clip(inc.ref, 20)} — {clip(inc.title, int(self.lim['title_chars']))}"
        out: list[Flowable] = [
            _Heading(_incident_markup(inc), self.s_h2, level=1,
                     outline=clip(head, 120), key=self.key("inc")),
        ]
        if len(clean(inc.title)) > 100:
            out.append(self.p(inc.title, self.s_muted, limit=int(self.lim["title_chars"])))
        ttr = (format_timedelta(inc.resolved_at - inc.detected_at) if inc.resolved_at else "not resolved")
        pdata = "no"
        if inc.personal_data:
            bits = ["yes"]
            if inc.data_categories:
                bits.append("categories: " + ", ".join(clean(c) for c in inc.data_categories))
            if inc.data_subjects_approx is not None:
                bits.append(f"≈{inc.data_subjects_approx:,} data subjects")
            if inc.records_approx is not None:
                bits.append(f"≈{inc.records_approx:,} records")
            pdata = "; ".join(bits)
        facts = [
            ("Severity", inc.severity), ("Status", inc.status),
            ("Started", fmt_instant(inc.started_at)), ("Detected", fmt_instant(inc.detected_at)),
            ("Aware", fmt_instant(inc.aware_at)), ("Mitigated", fmt_instant(inc.mitigated_at)),
            ("Resolved", fmt_instant(inc.resolved_at)), ("Closed", fmt_instant(inc.closed_at)),
            ("Time to resolve", ttr), ("Regimes", ", ".join(map(clean, inc.regimes)) or "—"),
            ("Services", ", ".join(map(clean, inc.affected_services)) or "—"),
            ("Tags", ", ".join(map(clean, inc.tags)) or "—"),
            ("Personal data", pdata), ("Restricted", "yes" if inc.restricted else "no"),
        ]
        out += [self.h3("Key facts"), self.kv_table(facts)]
        if inc.awareness_gap_hours is not None:
            why = inc.awareness_justification
            out.append(Spacer(1, 4))
            out.append(Paragraph(
                f"<b>Awareness gap.</b> The organisation became aware {inc.awareness_gap_hours:g} h after detection "
                f"(threshold {inc.awareness_threshold_hours or 0:g} h). "
                + ("Justification: " + esc(clip(why, int(self.lim["paragraph_chars"]))) if why and why.strip()
                   else "<b>No justification recorded.</b>"), self.s_body))
        pm = inc.postmortem
        summary = (pm.summary if pm and pm.summary else None) or inc.description
        out.append(self.h3("Summary"))
        out.append(self.p(summary or "No summary recorded."))
        if pm and pm.impact:
            out.append(Paragraph("<b>Impact.</b> " + esc(clip(pm.impact, int(self.lim["paragraph_chars"]))),
                                 self.s_body))

        out.append(self.h3("Timeline"))
        if inc.timeline:
            entries = sorted(inc.timeline, key=lambda e: e.at)
            rows = [[fmt_short(e.at), plain(e.kind, 14),
                     self.cell(self.person(e.actor, e.actor_role)),
                     self.cell(clean(e.text) + (f"\n[source: {clean(e.source)}]" if e.source else "")
                               + ("\n[customer-visible]" if e.customer_visible else ""))]
                    for e in entries[:lim]]
            out += self.table(["When (UTC)", "Kind", "Actor", "What happened"], rows,
                              [27 * mm, 23 * mm, 32 * mm, self.width - 82 * mm])
            if len(entries) > lim:
                out.append(self.p(self.T["list_truncated"].format(more=len(entries) - lim), self.s_muted))
        else:
            out.append(self.p("No timeline entries recorded.", self.s_muted))

        out.append(self.h3("Post-mortem"))
        if pm is None:
            out.append(self.p("No post-mortem recorded.", self.s_muted))
        else:
            out.append(self.kv_table([
                ("Status", pm.status), ("Reviewer", self.person(pm.reviewer, pm.reviewer_role)
                                        if (pm.reviewer or pm.reviewer_role) else "—"),
                ("Drafted", fmt_instant(pm.drafted_at)), ("Published", fmt_instant(pm.published_at)),
            ]))
            cols = []
            for label, items in (("Contributors", pm.contributors), ("Mitigators", pm.mitigators),
                                 ("Risks", pm.risks)):
                cols.append([Paragraph(esc(label), self.s_cell_b)]
                            + ([Paragraph("• " + esc(clip(x, int(self.lim["cell_chars"]))), self.s_cell)
                                for x in items[:lim]] or [Paragraph("—", self.s_cell)]))
            t = Table([cols], colWidths=[self.width / 3] * 3, hAlign="LEFT")
            t.setStyle(TableStyle([("VALIGN", (0, 0), (-1, -1), "TOP"),
                                   ("BACKGROUND", (0, 0), (-1, -1), self.C["zebra"]),
                                   ("LINEAFTER", (0, 0), (1, 0), 0.5, colors.white)]))
            out += [Spacer(1, 3), t]
            out.append(self.h3("Root-cause chains"))
            if pm.root_cause:
                for step in pm.root_cause[:lim]:
                    depth = clean(step.number).count(".")
                    style = ParagraphStyle(f"rc{depth}", parent=self.s_body, leftIndent=10 + 12 * depth,
                                           spaceAfter=1)
                    out.append(Paragraph(f"<b>{esc(step.number, limit=12)}</b>  "
                                         f"{esc(step.text, limit=int(self.lim['paragraph_chars']))}", style))
            else:
                out.append(self.p("No root-cause analysis recorded.", self.s_muted))
            out.append(self.h3("Lessons learned"))
            if pm.lessons:
                for lesson in pm.lessons[:lim]:
                    cat = f" <font color='#5F6B7A'>[{esc(lesson.category, limit=40)}]</font>" if lesson.category else ""
                    out.append(Paragraph(f"<b>{esc(lesson.number, limit=8)}.</b> "
                                         f"{esc(lesson.text, limit=int(self.lim['paragraph_chars']))}{cat}",
                                         self.s_bullet))
            else:
                out.append(self.p("No lessons recorded.", self.s_muted))
            if pm.findings:
                out.append(self.h3("Review findings"))
                sev_col = {"blocking": self.C["missing"], "warning": self.C["partial"]}
                out += self.table(["Code", "Severity", "Finding"],
                                  [[plain(f.code, 24), plain(f.severity, 12), self.cell(f.message)]
                                   for f in pm.findings[:lim]],
                                  [30 * mm, 20 * mm, self.width - 50 * mm],
                                  row_styles=lambda i, r: [("BACKGROUND", (1, 0), (1, 0), sev_col[r[1]])]
                                  if r[1] in sev_col else [])

        out.append(self.h3("Action items"))
        if inc.actions:
            rows, colours = [], []
            for a in inc.actions[:lim]:
                status = a.status + (" (overdue)" if a.overdue and a.status == "open" else "")
                rows.append([plain(a.ref, 24), self.cell(a.description + (f"\n{a.link}" if a.link else "")),
                             self.cell(self.person(a.owner, a.owner_role) if (a.owner or a.owner_role) else "—"),
                             fmt_date(a.due), plain(a.priority or "—", 10), status])
                colours.append(self.C["late"] if a.overdue and a.status == "open" else self.status_colour(a.status))
            out += self.table(["Ref", "Action", "Owner", "Due", "Priority", "Status"], rows,
                              [26 * mm, self.width - 126 * mm, 32 * mm, 20 * mm, 16 * mm, 32 * mm],
                              row_styles=lambda i, r: [("BACKGROUND", (5, 0), (5, 0), colours[i])]
                              if colours[i] is not None else [])
        else:
            out.append(self.p("No action items recorded.", self.s_muted))

        out.append(self.h3("Notification obligations"))
        if obligations:
            out += self.table(["Regime / stage", "Clock start (UTC)", "Due (UTC)", "Notified (UTC)", "Status",
                               "Delay reason"],
                              [[self.cell(f"{n.regime} / {n.stage}"), fmt_stacked(n.clock_start),
                                fmt_stacked(n.due), fmt_stacked(n.notified_at),
                                n.status.replace("_", " "), self.cell(n.delay_reason or "")]
                               for n in obligations],
                              [34 * mm, 25 * mm, 25 * mm, 25 * mm, 18 * mm, self.width - 127 * mm],
                              row_styles=lambda i, r: [("BACKGROUND", (4, 0), (4, 0),
                                                        self.status_colour(r[4].replace(" ", "_")))]
                              if self.status_colour(r[4].replace(" ", "_")) else [])
        else:
            out.append(self.p("No notification obligations.", self.s_muted))

        out.append(self.h3("Evidence and chain of custody"))
        if inc.evidence:
            for ev in inc.evidence[:lim]:
                out += self.evidence_block(ev, lim)
        else:
            out.append(self.p("No evidence recorded.", self.s_muted))

        out.append(self.h3("Requirement assessment"))
        if inc.assessment:
            rows = [[self.cell(f"{a.framework_id}"), Paragraph(f"<b>{esc(a.requirement_id, limit=40)}</b> "
                                                                 f"{esc(a.title, limit=160)}", self.s_cell),
                     a.status, self.cell("\n".join(f"• {clean(x)}" for x in a.reasons) or "—")]
                    for a in inc.assessment]
            out += self.table(["Framework", "Requirement", "Status", "Reasons"], rows,
                              [22 * mm, 58 * mm, 16 * mm, self.width - 96 * mm],
                              row_styles=lambda i, r: [("BACKGROUND", (2, 0), (2, 0), self.status_colour(r[2]))]
                              if self.status_colour(r[2]) else [])
        else:
            out.append(self.p("Not assessed.", self.s_muted))
        return out

    def evidence_block(self, ev, lim: int) -> list[Flowable]:
        custody_ok = "verified" if ev.custody_verified else "DOES NOT VERIFY"
        head = [
            [Paragraph(f"<b>{esc(ev.ref, limit=24)}</b>", self.s_cell), self.cell(ev.filename),
             plain(fmt_size(ev.size), 14),
             self.cell(f"{self.person(ev.collected_by, ev.collected_by_role)}\n{fmt_instant(ev.collected_at)}"),
             self.cell(f"custody {custody_ok}")],
            [Paragraph("SHA-256", self.s_cell_b), Paragraph(esc(ev.sha256, limit=200), self.s_mono), "", "", ""],
        ]
        t = Table(head, colWidths=[22 * mm, self.width - 110 * mm, 20 * mm, 40 * mm, 28 * mm], hAlign="LEFT")
        t.setStyle(TableStyle([
            ("SPAN", (1, 1), (-1, 1)), ("VALIGN", (0, 0), (-1, -1), "TOP"),
            ("FONTNAME", (0, 0), (-1, -1), FONT), ("FONTSIZE", (0, 0), (-1, -1), self.s_cell.fontSize),
            ("BACKGROUND", (0, 0), (-1, -1), self.C["zebra"]),
            ("LINEABOVE", (0, 0), (-1, 0), 0.8, self.C["accent"]),
            ("BACKGROUND", (4, 0), (4, 0), self.C["on_time"] if ev.custody_verified else self.C["late"]),
            ("TOPPADDING", (0, 0), (-1, -1), 2), ("BOTTOMPADDING", (0, 0), (-1, -1), 2.5),
        ]))
        out: list[Flowable] = [Spacer(1, 3), t]
        if ev.custody:
            rows = [[str(c.seq), fmt_short(c.at), plain(c.action, 20),
                     self.cell(self.person(c.actor, c.actor_role)), self.cell(c.note or ""),
                     Paragraph(esc((c.entry_hash or "")[:16] + ("…" if c.entry_hash else ""), limit=20), self.s_mono)]
                    for c in ev.custody[:lim]]
            out += self.table(["#", "When (UTC)", "Action", "By", "Note", "Entry hash"], rows,
                              [8 * mm, 27 * mm, 20 * mm, 32 * mm, self.width - 117 * mm, 30 * mm], zebra=False)
        return out

    # ---- 6. trends
    def trends(self) -> list[Flowable]:
        s = self.pack.trend_series()
        palette = list(self.L["colours"].get("severity") or ["#1F3A5F"])
        out: list[Flowable] = [self.markup(esc(self.T["trends_intro"]))]
        out += [self.h2(TREND_TITLES[0]),
                charts.incidents_by_severity_chart(s.months, s.incidents_by_severity, width=self.width,
                                                   font=FONT, palette=palette)]
        out += [CondPageBreak(70 * mm), self.h2(TREND_TITLES[1]),
                charts.mttr_chart(s.months, s.mttr_hours, width=self.width, font=FONT,
                                  colour=self.L["colours"]["accent"])]
        out += [CondPageBreak(70 * mm), self.h2(TREND_TITLES[2]),
                charts.action_closure_chart(s.months, s.actions_due, s.actions_closed, width=self.width,
                                            font=FONT, colours=(self.L["colours"]["muted"],
                                                                self.L["colours"]["accent"]))]
        out += [CondPageBreak(70 * mm), self.h2(TREND_TITLES[3]),
                charts.top_tags_chart(s.top_tags, width=self.width, font=FONT,
                                      colour=self.L["colours"]["primary"])]
        return out

    # ---- 7. integrity
    def integrity(self) -> list[Flowable]:
        pack, T, ig = self.pack, self.T, self.pack.integrity
        head = ig.chain_head or "— (no custody entries)"
        out: list[Flowable] = [self.markup(esc(T["integrity_intro"]))]
        if ig.broken or not ig.verified:
            text = fill(T["integrity_broken"], generated=fmt_instant(pack.generated_at),
                        message=clip(ig.message or "verification failed", int(self.lim["cell_chars"])), head=head)
            out.append(_Callout(Paragraph(text, self.s_broken_text), self.width, self.C["broken"], self.C["broken"]))
        else:
            text = fill(T["integrity_ok"], length=ig.chain_length, generated=fmt_instant(pack.generated_at),
                        head=head)
            out.append(_Callout(Paragraph(text, self.s_body), self.width, self.C["zebra"], self.C["accent"]))
        out.append(Spacer(1, 4))
        out.append(self.kv_table([
            ("Custody chain head", Paragraph(esc(head, limit=200), self.s_mono)),
            ("Chain entries", str(ig.chain_length)),
            ("Full verification", "passed" if (ig.verified and not ig.broken) else "FAILED"),
            ("Verified at", fmt_instant(pack.generated_at)),
        ], cols=1, label_w=0.25))
        out.append(Spacer(1, 4))
        out.append(self.markup(T["how_to_verify"], self.s_muted))
        out.append(self.h2(MANIFEST_TITLE))
        evidence = pack.all_evidence()
        if not evidence:
            out.append(self.p(T["no_evidence"]))
            return out
        rows = [[Paragraph(f"<b>{esc(ev.ref, limit=24)}</b><br/>{esc(ev.incident_ref, limit=20)}", self.s_cell),
                 self.cell(ev.filename), plain(fmt_size(ev.size), 14),
                 Paragraph(esc(ev.sha256, limit=200), self.s_mono)]
                for ev in evidence]
        out += self.table(["Evidence", "File", "Size", "SHA-256"], rows,
                          [22 * mm, self.width - 22 * mm - 16 * mm - 99 * mm, 16 * mm, 99 * mm])
        return out

    # ---- page decoration
    def on_cover(self, canv, doc) -> None:
        canv.saveState()
        w, h = self.pagesize
        canv.setFillColor(self.C["primary"])
        canv.rect(0, h - 24 * mm, w, 24 * mm, stroke=0, fill=1)
        canv.setFillColor(colors.white)
        canv.setFont(FONT_BOLD, 11)
        canv.drawString(self.margin, h - 14 * mm, _fit(self.pack.organisation, FONT_BOLD, 11, w - 2 * self.margin))
        canv.setFillColor(self.C["accent"])
        canv.rect(0, h - 25.5 * mm, w, 1.5 * mm, stroke=0, fill=1)
        self._footer(canv, doc)
        canv.restoreState()

    def on_page(self, canv, doc) -> None:
        canv.saveState()
        w, h = self.pagesize
        canv.setStrokeColor(self.C["rule"])
        canv.setLineWidth(0.5)
        canv.line(self.margin, h - self.margin + 4 * mm, w - self.margin, h - self.margin + 4 * mm)
        canv.setFont(FONT, 7.5)
        canv.setFillColor(self.C["muted"])
        canv.drawString(self.margin, h - self.margin + 5.5 * mm,
                        _fit(self.pack.organisation, FONT, 7.5, (w - 2 * self.margin) * 0.6))
        edition = "Public edition" if self.public else "Internal — audit use"
        canv.drawRightString(w - self.margin, h - self.margin + 5.5 * mm, edition)
        self._footer(canv, doc)
        canv.restoreState()

    def _footer(self, canv, doc) -> None:
        w, _ = self.pagesize
        y = self.margin - 8 * mm
        canv.setStrokeColor(self.C["rule"])
        canv.setLineWidth(0.5)
        canv.line(self.margin, y + 4 * mm, w - self.margin, y + 4 * mm)
        canv.setFont(FONT, 7)
        canv.setFillColor(self.C["muted"])
        total = doc.total_pages or "?"
        right = f"page {doc.page} of {total}"
        rw = pdfmetrics.stringWidth(right, FONT_BOLD, 7.5)
        canv.setFont(FONT_BOLD, 7.5)
        canv.drawRightString(w - self.margin, y, right)
        canv.setFont(FONT, 7)
        top, bottom = doc.footer_text
        avail = w - 2 * self.margin - rw - 8 * mm
        canv.drawString(self.margin, y + 0.5 * mm, _fit(top, FONT, 7, avail))
        canv.drawString(self.margin, y - 3 * mm, _fit(bottom, FONT, 7, avail))


# --------------------------------------------------------------------------- small flowables

class _ChunkedTOC(TableOfContents):
    """A TOC that splits into independent chunks: a 1,000-entry TOC costs linear, not quadratic, layout."""

    def split(self, availWidth, availHeight):
        rows = self._table._cellvalues
        heights = self._table._rowHeights
        fit, used = 0, 0.0
        for h in heights:
            if used + h > availHeight:
                break
            used += h
            fit += 1
        if fit == 0:
            return []
        parts = [Table(rows[i:i + TABLE_CHUNK], colWidths=(availWidth,), style=self.tableStyle)
                 for i in range(fit, len(rows), TABLE_CHUNK)]
        return [Table(rows[:fit], colWidths=(availWidth,), style=self.tableStyle)] + parts


class _Lazy(Flowable):
    """Placeholder expanded by PackDoc.handle_flowable into freshly built flowables."""

    def __init__(self, expand) -> None:
        super().__init__()
        self.expand = expand
        self.width = self.height = 0

    def wrap(self, aw, ah):  # pragma: no cover - always expanded before layout
        return 0, 0

    def draw(self):  # pragma: no cover
        pass


class _Rule(Flowable):
    def __init__(self, width: float, colour, thickness: float) -> None:
        super().__init__()
        self.width, self.colour, self.thickness = width, colour, thickness

    def wrap(self, aw, ah):
        return self.width, self.thickness

    def draw(self):
        self.canv.setStrokeColor(self.colour)
        self.canv.setLineWidth(self.thickness)
        self.canv.line(0, 0, self.width, 0)


class _Callout(Table):
    """A boxed paragraph with a coloured left bar."""

    def __init__(self, para: Flowable, width: float, background, bar) -> None:
        super().__init__([[para]], colWidths=[width], hAlign="LEFT")
        self.setStyle(TableStyle([("BACKGROUND", (0, 0), (-1, -1), background),
                                  ("LINEBEFORE", (0, 0), (0, -1), 3, bar),
                                  ("LEFTPADDING", (0, 0), (-1, -1), 9), ("RIGHTPADDING", (0, 0), (-1, -1), 9),
                                  ("TOPPADDING", (0, 0), (-1, -1), 6), ("BOTTOMPADDING", (0, 0), (-1, -1), 6)]))


class _Legend(Table):
    def __init__(self, r: Renderer, statuses: list[str]) -> None:
        cells = [s for s in statuses]
        super().__init__([["Legend:"] + cells], colWidths=[20 * mm] + [22 * mm] * len(cells), hAlign="LEFT")
        style = [("FONTNAME", (0, 0), (-1, -1), FONT), ("FONTSIZE", (0, 0), (-1, -1), 7),
                 ("ALIGN", (1, 0), (-1, -1), "CENTER")]
        for i, s in enumerate(cells):
            style.append(("BACKGROUND", (i + 1, 0), (i + 1, 0), r.status_colour(s)))
        self.setStyle(TableStyle(style))


TREND_TITLES = ("Incidents per month by severity", "Mean time to resolve per month", "Action-item closure",
                "Top theme tags")
MANIFEST_TITLE = "Evidence manifest"


def _framework_heading(fw) -> str:
    return f"{fw.name} ({fw.id})" + (f" {fw.version}" if fw.version else "")


def _incident_markup(inc: IncidentSection) -> str:
    return f"{esc(inc.ref, limit=20)} — {esc(inc.title, limit=100)}"


def _shift(commands: Iterable[tuple], row: int) -> list[tuple]:
    """Moves row-relative style commands ((col, 0), (col, 0)) to table row `row`."""
    out = []
    for cmd in commands:
        name, (c0, _), (c1, _), *rest = cmd
        out.append((name, (c0, row), (c1, row), *rest))
    return out


def _fit(text: Any, font: str, size: float, width: float) -> str:
    """Cuts `text` (one line) with an ellipsis so that it fits `width` points."""
    s = clean(text).replace("\n", " ")
    if pdfmetrics.stringWidth(s, font, size) <= width:
        return s
    lo, hi = 0, len(s)
    while lo < hi:
        mid = (lo + hi + 1) // 2
        if pdfmetrics.stringWidth(s[:mid] + "…", font, size) <= width:
            lo = mid
        else:
            hi = mid - 1
    return s[:lo] + "…"


def _pct(part: int, whole: int) -> str:
    return "—" if not whole else f"{100 * part / whole:.0f} %"


def _num(value: float | None, unit: str) -> str:
    if value is None:
        return "—"
    if unit == "%":
        return f"{value:.0f} %"
    if unit == "ratio":
        return f"{100 * value:.0f} %"
    text = f"{value:.1f}" if isinstance(value, float) and not value.is_integer() else f"{value:g}"
    return f"{text} {unit}".strip()


# --------------------------------------------------------------------------- entry point

def render_pack(pack: AuditPack, *, public: bool = False, layout: dict | None = None,
                stats: dict | None = None) -> bytes:
    """Renders the pack to PDF bytes (deterministic for the same model and generated_at).

    `stats`, when given, receives {"pages": n, "passes": n}.
    """
    layout = layout or load_layout()
    register_fonts(layout)
    r = Renderer(pack, public=public, layout=layout)
    generated = pack.generated_at.astimezone(UTC)
    values = _Safe(title=clip(pack.title, 80), organisation=clip(pack.organisation, 60),
                   period=period_text(pack, layout["cover"]["all_time"]),
                   generated=generated.strftime("%Y-%m-%d %H:%M:%S"))
    footer = (str(layout["footer"]).format_map(values), str(layout["footer_detail"]).format_map(values))
    buf = BytesIO()
    doc = PackDoc(
        buf, pack=pack, layout=layout, footer=footer, pagesize=r.pagesize,
        leftMargin=r.margin, rightMargin=r.margin, topMargin=r.margin, bottomMargin=r.margin,
        title=clip(pack.title, 200), author=clip(pack.organisation, 200),
        subject=f"Audit pack, period {period_text(pack)}", creator=f"compliance {__version__}",
        keywords=", ".join(f.id for f in pack.frameworks), invariant=1, pageCompression=1,
    )
    frame = Frame(r.margin, r.margin, r.width, r.pagesize[1] - 2 * r.margin, id="main",
                  leftPadding=0, rightPadding=0, topPadding=0, bottomPadding=0)
    doc.addPageTemplates([PageTemplate("cover", [frame], onPage=r.on_cover),
                          PageTemplate("body", [frame], onPage=r.on_page)])
    passes = doc.multiBuild(r.story(), canvasmaker=_canvas_maker(generated), maxPasses=6)
    if stats is not None:
        stats.update(pages=doc.total_pages, passes=passes)
    return buf.getvalue()
