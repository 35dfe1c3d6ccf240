"""Layout of the pack: the layout file, fonts, colours, page geometry and the paragraph styles (built once).

RP-RENDER-3  DejaVu Sans (reports/fonts/) is embedded: Latin-extended, Greek and Cyrillic survive
             into the text layer.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

from reportlab.lib import colors
from reportlab.lib.enums import TA_CENTER
from reportlab.lib.pagesizes import A4, LETTER
from reportlab.lib.styles import ParagraphStyle
from reportlab.lib.units import mm
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.ttfonts import TTFont

from compliance.core.errors import DefinitionError
from compliance.core.resources import builtin_dir
from compliance.core.yamlload import load_yaml_file
from compliance.reports.text import clean

FONT, FONT_BOLD, FONT_MONO = "CPackSans", "CPackSans-Bold", "CPackMono"
TABLE_CHUNK = 40  # rows per Table object: long tables are chained, never split quadratically
# A heading is not kept with everything that follows (keepWithNext moves a whole table to the next page and
# leaves the rest of the page empty); it only asks for this much room below it, or starts a new page.
H2_ROOM, H3_ROOM = 30 * mm, 20 * mm
ROOT_CAUSE_DEPTHS = 6  # root-cause steps deeper than this share the deepest indent style

_REQUIRED_KEYS = ("page", "fonts", "colours", "limits", "sections", "cover", "text", "footer", "footer_detail")
_REGISTERED: set[str] = set()


def load_layout(path: str | Path | None = None) -> dict:
    """Loads reports/audit-pack.yaml (or `path`): wording, colours, limits."""
    path = Path(path) if path else builtin_dir("reports") / "audit-pack.yaml"
    data = load_yaml_file(path)
    for key in _REQUIRED_KEYS:
        if not isinstance(data, dict) or key not in data:
            raise DefinitionError(f"{path}: missing top-level key {key!r}")
    return data


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


def load_colours(layout: dict) -> dict[str, Any]:
    """The layout's colours by name, hex strings turned into ReportLab colours (lists kept as given)."""
    return {k: (colors.HexColor(v) if isinstance(v, str) else v) for k, v in layout["colours"].items()}


@dataclass(frozen=True)
class PageGeometry:
    """Page size, margin and the width of the text frame, in points."""

    pagesize: tuple[float, float]
    margin: float
    width: float

    @classmethod
    def from_layout(cls, layout: dict) -> PageGeometry:
        """Reads page.size (A4 or letter) and page.margin_mm."""
        size = {"A4": A4, "LETTER": LETTER}.get(str(layout["page"].get("size", "A4")).upper())
        if size is None:
            raise DefinitionError(f"page.size must be A4 or letter, not {layout['page'].get('size')!r}")
        margin = float(layout["page"].get("margin_mm", 18)) * mm
        return cls(pagesize=size, margin=margin, width=size[0] - 2 * margin)


class Styles:
    """Every paragraph style of the pack, built once per render from the layout's base size and colours."""

    def __init__(self, layout: dict, colours: dict[str, Any]) -> None:
        base = float(layout["page"].get("base_font_size", 9))
        self.body = ParagraphStyle("body", fontName=FONT, fontSize=base, leading=base * 1.35,
                                   splitLongWords=1, spaceAfter=4)
        self.muted = ParagraphStyle("muted", parent=self.body, textColor=colours["muted"])
        self.small = ParagraphStyle("small", parent=self.body, fontSize=base - 1.5,
                                    leading=(base - 1.5) * 1.3, spaceAfter=0)
        self.cell = ParagraphStyle("cell", parent=self.body, fontSize=base - 1.8,
                                   leading=(base - 1.8) * 1.28, spaceAfter=0)
        self.cell_bold = ParagraphStyle("cellb", parent=self.cell, fontName=FONT_BOLD)
        self.cell_head = ParagraphStyle("cellh", parent=self.cell, fontName=FONT_BOLD, textColor=colors.white)
        self.mono = ParagraphStyle("mono", parent=self.cell, fontName=FONT_MONO,
                                   fontSize=base - 2.3, leading=(base - 2.3) * 1.3)
        # Identifiers and hashes are never split inside a token (a column is made wide enough instead).
        self.cell_id = ParagraphStyle("cellid", parent=self.cell, splitLongWords=0)
        self.cell_id_head = ParagraphStyle("cellidh", parent=self.cell_head, splitLongWords=0)
        self.body_id = ParagraphStyle("bodyid", parent=self.body, splitLongWords=0)
        self.small_id = ParagraphStyle("smallid", parent=self.small, splitLongWords=0)
        self.hash = ParagraphStyle("hash", parent=self.mono, splitLongWords=0)
        self.h1 = ParagraphStyle("h1", parent=self.body, fontName=FONT_BOLD, fontSize=17,
                                 leading=21, textColor=colours["primary"], spaceBefore=0, spaceAfter=8)
        self.h2 = ParagraphStyle("h2", parent=self.body, fontName=FONT_BOLD, fontSize=12.5,
                                 leading=16, textColor=colours["primary"], spaceBefore=10, spaceAfter=5)
        self.h3 = ParagraphStyle("h3", parent=self.body, fontName=FONT_BOLD, fontSize=10,
                                 leading=12, textColor=colours["accent"], spaceBefore=3.5, spaceAfter=1.5)
        self.bullet = ParagraphStyle("bullet", parent=self.body, leftIndent=12, bulletIndent=2, spaceAfter=1)
        self.cover_title = ParagraphStyle("ct", parent=self.body, fontName=FONT_BOLD, fontSize=24,
                                          leading=29, textColor=colours["primary"], spaceAfter=6)
        self.cover_kicker = ParagraphStyle("ck", parent=self.body, fontName=FONT_BOLD, fontSize=10,
                                           textColor=colours["accent"], spaceAfter=4)
        self.cover_cell = ParagraphStyle("cover_cell", parent=self.body, fontSize=9.5, leading=12.5, spaceAfter=0)
        self.cover_label = ParagraphStyle("cover_label", parent=self.cover_cell, fontName=FONT_BOLD,
                                          textColor=colours["primary"])
        self.cover_mono = ParagraphStyle("cover_mono", parent=self.cover_cell, fontName=FONT_MONO, fontSize=8,
                                         leading=11)
        self.big = ParagraphStyle("big", parent=self.body, fontName=FONT_BOLD, fontSize=20,
                                  leading=24, alignment=TA_CENTER, textColor=colours["primary"])
        self.big_label = ParagraphStyle("bigl", parent=self.small, alignment=TA_CENTER, textColor=colours["muted"])
        self.broken = ParagraphStyle("broken", parent=self.body, fontName=FONT_BOLD, fontSize=12,
                                     leading=15, textColor=colors.white)
        self.broken_text = ParagraphStyle("brokent", parent=self.body, textColor=colors.white)
        self.toc_levels = [
            ParagraphStyle("toc0", parent=self.body, fontName=FONT_BOLD, fontSize=10, leading=14,
                           leftIndent=0, firstLineIndent=0, spaceBefore=0, spaceAfter=0),
            ParagraphStyle("toc1", parent=self.small, leftIndent=14, firstLineIndent=0, leading=9.2),
        ]
        self.root_cause = [ParagraphStyle(f"rc{depth}", parent=self.body, leftIndent=10 + 12 * depth, spaceAfter=1)
                           for depth in range(ROOT_CAUSE_DEPTHS + 1)]

    def root_cause_step(self, depth: int) -> ParagraphStyle:
        """The indented style of a why-chain step at `depth` (0 = top level)."""
        if depth < len(self.root_cause):
            return self.root_cause[depth]
        return ParagraphStyle(f"rc{depth}", parent=self.body, leftIndent=10 + 12 * depth, spaceAfter=1)


def fit(text: Any, font: str, size: float, width: float) -> str:
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
