"""Renders an `AuditPack` model to PDF bytes with ReportLab platypus: the story in section order, then the build.

The pieces: text safety in `text`, formats in `formats`, layout (fonts, colours, styles, geometry) in
`layout`, the document template and page decoration in `document`, the building blocks in `writer`,
and one module per section in `sections/`. See each module for its RP-RENDER rules.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC
from io import BytesIO

from reportlab.lib.units import mm
from reportlab.platypus import CondPageBreak, Flowable, Frame, NextPageTemplate, PageBreak, PageTemplate, Spacer

from compliance import __version__
from compliance.reports.document import PackDoc, PageDecoration, canvas_maker
from compliance.reports.formats import period_text
from compliance.reports.guide_section import guide_flowables
from compliance.reports.layout import load_layout, register_fonts
from compliance.reports.model import AuditPack
from compliance.reports.sections import (
    assertion,
    contents,
    cover,
    coverage,
    events,
    exceptions,
    incidents,
    integrity,
    methodology,
    notifications,
    programme,
    scope,
    summary,
    trends,
)
from compliance.reports.text import KeepUnknown, clean, clip, esc
from compliance.reports.writer import PackWriter

__all__ = ["clean", "esc", "load_layout", "render_pack", "story"]

# RP-ORDER-1  What an auditor reads first comes first: population, sign-off, figures, exceptions, then the detail.
BODY = (("scope", scope.build), ("events", events.build), ("assertion", assertion.build), ("summary", summary.build),
        ("exceptions", exceptions.build), ("coverage", coverage.build), ("notifications", notifications.build),
        ("incidents", incidents.build), ("trends", trends.build), ("programme", programme.build),
        ("methodology", methodology.build),
        ("integrity", integrity.build))


SHARES_PAGE = {"events", "assertion"}
SHARED_PAGE_ROOM = 110 * mm


def contents_entries(w: PackWriter) -> list[tuple[int, str]]:
    """The (level, markup) of every contents entry, in the order of BODY."""
    return contents.expected_entries(w, [name for name, _ in BODY])


def story(w: PackWriter, entries: list[tuple[int, str]] | None = None) -> list[Flowable]:
    """Cover, contents, then each body section on a new page, built lazily when the layout reaches it."""
    out: list[Flowable] = []
    out += cover.build(w)
    out += [NextPageTemplate("body"), PageBreak()]
    out += contents.build(w, contents_entries(w) if entries is None else entries)
    for name, build in BODY:
        # The short front matter after the scope (events, assertion) follows on the same page when it has room.
        out += [Spacer(1, 10), CondPageBreak(SHARED_PAGE_ROOM)] if name in SHARES_PAGE else [PageBreak()]
        out.append(w.lazy(name, lambda build=build, title=w.sections[name]: w.h1(title) + build(w), step=True))
    # The appendix "checking this pack with standard tools" (verification_guide.py), last in every pack.
    out += [PageBreak(), w.lazy("verification", lambda: guide_flowables(w), step=True)]
    return out


def progress_steps(pack: AuditPack) -> int:
    """How many steps a render reports to `progress`: every body section, the appendix and every incident."""
    return len(BODY) + 1 + len(pack.incidents)


def render_pack(pack: AuditPack, *, public: bool = False, layout: dict | None = None,
                stats: dict | None = None, progress: Callable[[int, int], None] | None = None) -> bytes:
    """Renders the pack to PDF bytes in one layout pass (deterministic for the same model and generated_at).

    `stats`, when given, receives {"pages": n, "passes": 1}; `progress`, when given, is called as
    progress(done, total) after each section and each incident is laid out (and once with done = 0 first).
    """
    layout = layout or load_layout()
    register_fonts(layout)
    writer = PackWriter(pack, public=public, layout=layout)
    geometry = writer.geometry
    decoration = PageDecoration(organisation=pack.organisation, public=public, geometry=geometry,
                                colours=writer.colours)
    generated = pack.generated_at.astimezone(UTC)
    values = KeepUnknown(title=clip(pack.title, 80), organisation=clip(pack.organisation, 60),
                         period=period_text(pack, layout["cover"]["all_time"]),
                         generated=generated.strftime("%Y-%m-%d %H:%M:%S"))
    footer = (str(layout["footer"]).format_map(values), str(layout["footer_detail"]).format_map(values))
    buf = BytesIO()
    entries = contents_entries(writer)
    step = None
    if progress is not None:
        total, done = progress_steps(pack), [0]
        progress(0, total)

        def step() -> None:
            done[0] += 1
            progress(done[0], total)

    doc = PackDoc(
        buf, pack=pack, layout=layout, footer=footer, contents=entries, progress=step,
        toc_styles=[(s.fontName, s.fontSize) for s in writer.styles.toc_levels], pagesize=geometry.pagesize,
        leftMargin=geometry.margin, rightMargin=geometry.margin, topMargin=geometry.margin,
        bottomMargin=geometry.margin,
        title=clip(pack.title, 200), author=clip(pack.organisation, 200),
        subject=f"Audit pack, period {period_text(pack)}", creator=f"compliance {__version__}",
        keywords=", ".join(f.id for f in pack.frameworks), invariant=1, pageCompression=1,
    )
    frame = Frame(geometry.margin, geometry.margin, geometry.width, geometry.pagesize[1] - 2 * geometry.margin,
                  id="main", leftPadding=0, rightPadding=0, topPadding=0, bottomPadding=0)
    doc.addPageTemplates([PageTemplate("cover", [frame], onPage=decoration.on_cover),
                          PageTemplate("body", [frame], onPage=decoration.on_page)])
    doc.build(story(writer, entries), canvasmaker=canvas_maker(generated))
    if stats is not None:
        stats.update(pages=doc.total_pages, passes=1)
    return buf.getvalue()
