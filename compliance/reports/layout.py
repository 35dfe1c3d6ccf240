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
                                   leading=(base - 1.8) * 1.22, spaceAfter=0)
        self.cell_bold = ParagraphStyle("cellb", parent=self.cell, fontName=FONT_BOLD)
        self.cell_reason = ParagraphStyle("cellr", parent=self.cell, textColor=colours["muted"])
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
        self._cell_steps: dict[int, ParagraphStyle] = {}
        self._body_steps: dict[int, ParagraphStyle] = {}

    def body_step(self, depth: int) -> ParagraphStyle:
        """A why-chain step at `depth` in full width: the body's size, indented by depth."""
        depth = min(depth, ROOT_CAUSE_DEPTHS)
        if depth not in self._body_steps:
            self._body_steps[depth] = ParagraphStyle(f"rc{depth}", parent=self.body, leftIndent=10 + 12 * depth,
                                                     spaceAfter=1)
        return self._body_steps[depth]

    def cell_step(self, depth: int) -> ParagraphStyle:
        """A why-chain step at `depth` in a table cell: the cell's size, indented by depth."""
        depth = min(depth, ROOT_CAUSE_DEPTHS)
        if depth not in self._cell_steps:
            self._cell_steps[depth] = ParagraphStyle(f"rcc{depth}", parent=self.cell, leftIndent=8 * depth)
        return self._cell_steps[depth]


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


def text_width(values: Any, font: str, size: float, *, pad: float = 5.0) -> float:
    """The width in points a column needs to show every line of `values` (plain strings) without wrapping,
    cell padding (`pad`) included."""
    widths = [pdfmetrics.stringWidth(line, font, size) for v in values for line in clean(v).split("\n")]
    return max(widths, default=0.0) + pad


def longest_token(values: Any, font: str, size: float, *, pad: float = 5.0) -> float:
    """The width in points of the widest unbreakable token (no space inside) of `values`, cell padding included:
    a column narrower than this draws that token past its right edge or splits it."""
    widths = [pdfmetrics.stringWidth(token, font, size) for v in values for token in clean(v).split()]
    return max(widths, default=0.0) + pad


# Where a token too wide for any column may be broken: after these characters (a URL at '/', a file name at '.' or
# '-'), never inside a run of letters and digits.
SAFE_BREAKS = "/-_.:?&=#"
BREAK_FLOOR = 15 * mm  # the narrowest a column whose token must be broken anyway starts from
MAX_SHARE = 0.55  # no column takes more than this share of its table for a token (a SHA-256 at 6.7 pt fits)


def break_token(token: str, font: str, size: float, width: float) -> list[str]:
    """`token` cut into pieces that each fit `width` points, each cut right after a safe character when one allows
    it (SAFE_BREAKS), else where the width ends: nothing is dropped, the pieces joined are the token. A hex digest
    is cut into halves, quarters … (as PackWriter.hash_cell does), so that a reader reassembles it without doubt."""
    if len(token) >= 32 and all(c in "0123456789abcdefABCDEF" for c in token):  # a digest: halves, quarters …
        piece = len(token)
        while piece > 8 and pdfmetrics.stringWidth(token[:piece], font, size) > width:
            piece //= 2
        return [token[i:i + piece] for i in range(0, len(token), piece)]
    pieces, rest = [], token
    while rest and pdfmetrics.stringWidth(rest, font, size) > width:
        fits = 1
        while fits < len(rest) and pdfmetrics.stringWidth(rest[:fits + 1], font, size) <= width:
            fits += 1
        safe = max((i + 1 for i in range(fits) if rest[i] in SAFE_BREAKS), default=0)
        cut = safe if safe > 0 else fits
        pieces.append(rest[:cut])
        rest = rest[cut:]
    return pieces + ([rest] if rest else [])


def cell_min_width(value: Any, font: str, size: float) -> float:
    """The narrowest width (points, padding excluded) at which a cell shows its widest unbreakable token whole."""
    from reportlab.platypus import Paragraph

    if isinstance(value, str):
        return max((pdfmetrics.stringWidth(t, font, size) for t in value.split()), default=0.0)
    if isinstance(value, Paragraph):
        return value.minWidth() + value.style.leftIndent
    if isinstance(value, list | tuple):
        return max((cell_min_width(v, font, size) for v in value), default=0.0)
    return 0.0


def fit_widths(widths: list[float], needs: list[float], total: float) -> list[float]:
    """Column widths that give every column at least what its widest token needs (`needs`), taken from the columns
    with room to spare in proportion to their spare room; the total stays `total`. When the needs exceed the total,
    the columns that fit shrink to their need and the others get what they lack, the smallest lack first; the widest
    tokens are then broken at safe points (`break_token`)."""
    deficit = sum(max(0.0, n - w) for w, n in zip(widths, needs, strict=True))
    if deficit <= 0.01:
        return widths
    spare = [max(0.0, w - n) for w, n in zip(widths, needs, strict=True)]
    room = sum(spare)
    if room >= deficit:
        return [max(w, n) if n > w else w - deficit * s / room for w, n, s in zip(widths, needs, spare, strict=True)]
    # Not enough room for every token. No column may claim more than MAX_SHARE of the table. The columns that fit
    # give up their spare room, the columns short of room start from half their width (at least BREAK_FLOOR); each
    # short column then gets what it lacks, the smallest lack first (ids are kept whole), and the one lacking most (a
    # long URL) takes what is left and is broken at safe points.
    wanted, needs = needs, [min(n, total * MAX_SHARE) for n in needs]
    out = [n if n <= w else min(w, max(BREAK_FLOOR, w / 2)) for w, n in zip(widths, needs, strict=True)]
    free = total - sum(out)
    if free < 0:
        return [x * total / sum(out) for x in out]
    for _, i in sorted((n - out[i], i) for i, n in enumerate(needs) if n > out[i]):
        give = min(needs[i] - out[i], free)
        out[i] += give
        free -= give
    out[max(range(len(out)), key=lambda i: wanted[i] - out[i])] += free  # the token to break gets what is left
    return out
