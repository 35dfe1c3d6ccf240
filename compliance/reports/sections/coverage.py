"""Coverage per framework: totals per requirement, the incidents × requirements matrix, reasons per cell."""

from __future__ import annotations

from reportlab.lib.units import mm
from reportlab.platypus import CondPageBreak, Flowable, KeepTogether, Paragraph, Spacer

from compliance.reports.flowables import Legend
from compliance.reports.formats import pct
from compliance.reports.layout import FONT, FONT_BOLD, text_width
from compliance.reports.model import EXCEPTION, MISSING, NOT_APPLICABLE, PARTIAL, SATISFIED, CoverageMatrix, Framework
from compliance.reports.text import clean, esc, plain
from compliance.reports.writer import PackWriter

FRAMEWORK_ROOM = 80 * mm  # a framework's heading and the start of its totals, or a new page
TITLE_MIN = 24 * mm  # the matrix's title column gives up width for whole requirement ids and statuses


def framework_heading(fw: Framework) -> str:
    """'Name (id) version' as the framework's heading and TOC entry."""
    return f"{fw.name} ({fw.id})" + (f" {fw.version}" if fw.version else "")


def build(w: PackWriter) -> list[Flowable]:
    """One lazily built part per framework, on a new page only when little room is left on the current one."""
    out: list[Flowable] = [w.markup(esc(w.wording["coverage_intro"]))]
    if not w.pack.matrices:
        out.append(w.paragraph("No framework was assessed."))
    titles = {inc.ref: inc.title for inc in w.pack.incidents}
    for i, m in enumerate(w.pack.matrices):
        if i:
            out += [Spacer(1, 8), CondPageBreak(FRAMEWORK_ROOM)]
        out.append(w.lazy(f"fw{i}", lambda m=m: matrix(w, m, titles)))
    return out


def _requirement_markup(row, *, title_limit: int, separator: str = " ") -> str:
    return (f"<b>{esc(row.requirement_id, limit=40)}</b>{separator}{esc(row.title, limit=title_limit)}"
            + (f" <font color='#5F6B7A'>({esc(row.citation, limit=120)})</font>" if row.citation else ""))


def matrix(w: PackWriter, m: CoverageMatrix, titles: dict[str, str]) -> list[Flowable]:
    """One framework: totals per requirement, the matrix in column chunks, and the reasons."""
    out: list[Flowable] = [w.h2(framework_heading(m.framework))]
    out += _totals_per_requirement(w, m)
    if not m.incident_refs or not m.rows:
        out.append(w.paragraph("No incidents to assess in this period." if not m.incident_refs
                               else "No requirements defined."))
        return out
    if len(m.incident_refs) <= w.limit("matrix_incidents"):
        out += _grid(w, m, titles)
        out.append(Legend([SATISFIED, EXCEPTION, PARTIAL, MISSING, NOT_APPLICABLE], w.status_colour))
    else:  # the lists below name every cell that is not plainly satisfied: the same facts in far fewer pages
        out.append(w.paragraph(w.wording["matrix_as_lists"].format(incidents=len(m.incident_refs)), w.styles.muted))
    out += _reasons(w, m, titles)
    return out


def _totals_per_requirement(w: PackWriter, m: CoverageMatrix) -> list[Flowable]:
    rows, totals = [], []
    for r in m.rows:
        c = r.totals()
        totals.append(c)
        app = c[SATISFIED] + c[PARTIAL] + c[MISSING]
        once = " <i>(organisation-level: one verdict for the period)</i>" if r.scope == "organisation" else ""
        rows.append([Paragraph(_requirement_markup(r, title_limit=200) + once, w.styles.cell_id),
                     c[SATISFIED] - c[EXCEPTION], c[EXCEPTION], c[PARTIAL], c[MISSING], c[NOT_APPLICABLE],
                     pct(c[SATISFIED] - c[EXCEPTION], app)])
    status_columns = {1: SATISFIED, 2: EXCEPTION, 3: PARTIAL, 4: MISSING}

    def styles(i, _row):
        if not totals:
            return []
        return [("BACKGROUND", (col, 0), (col, 0), w.status_colour(status))
                for col, status in status_columns.items() if totals[i][status]]

    header = ["Requirement", "Satisfied", "Exception", "Partial", "Missing", "n/a", "Satisfied %"]
    # every count column as wide as its header word (a header is never split inside a word)
    counts = [text_width([h], FONT_BOLD, w.styles.cell.fontSize) for h in header[1:]]
    return [w.h3("Totals per requirement")] + w.table(
        header, rows or [["No requirements defined.", "", "", "", "", "", ""]],
        [w.width - sum(counts), *counts], row_styles=styles)


def _grid(w: PackWriter, m: CoverageMatrix, titles: dict[str, str]) -> list[Flowable]:
    """Incidents as rows, requirements as columns (chunks of limits.matrix_columns columns)."""
    out: list[Flowable] = []
    per_incident = [r for r in m.rows if r.scope != "organisation"]  # organisation-level: once, in the totals above
    grid = {(r.requirement_id, c.incident_ref): c for r in per_incident for c in r.cells}
    size = w.styles.cell.fontSize
    ref_w, title_w = max(20 * mm, text_width(m.incident_refs, FONT_BOLD, size)), 42 * mm
    # as many requirement columns per table as fit with the longest requirement id (bold header) and status whole,
    # the title column giving up width down to TITLE_MIN (at most matrix_columns)
    column = max(text_width([r.requirement_id for r in per_incident], FONT_BOLD, size),
                 text_width([SATISFIED, EXCEPTION, PARTIAL, MISSING], FONT, size))
    n = max(1, min(w.limit("matrix_columns"), int((w.width - ref_w - TITLE_MIN) // column)))
    chunks = [per_incident[k:k + n] for k in range(0, len(per_incident), n)]
    first_status_col = 2
    for k, reqs in enumerate(chunks):
        label = f"Matrix — requirements {k * n + 1}–{k * n + len(reqs)} of {len(per_incident)} judged per incident"
        out.append(CondPageBreak(60 * mm))
        out.append(w.h3(label))
        col_w = (w.width - ref_w - title_w) / len(reqs)
        header = ["Incident", "Title"] + [Paragraph(esc(r.requirement_id, limit=40), w.styles.cell_id_head) for r in reqs]
        body, statuses = [], []
        for ref in m.incident_refs:
            row_statuses = []
            for r in reqs:
                c = grid.get((r.requirement_id, ref))
                row_statuses.append((EXCEPTION if c.exception else c.status) if c else "—")
            statuses.append(row_statuses)
            body.append([plain(ref, 80), plain(titles.get(ref, ""), 30)] + row_statuses)
        body.append(["Satisfied", "(plain)"] + [f"{r.totals()[SATISFIED] - r.totals()[EXCEPTION]} / {len(m.incident_refs)}"
                                                for r in reqs])
        totals_row = len(body) - 1

        def styles(i, _row, _statuses=statuses, _totals_row=totals_row):
            if i == _totals_row:  # the totals row closes the last chunk, so it is never orphaned
                return [("FONTNAME", (0, 0), (-1, 0), FONT_BOLD),
                        ("BACKGROUND", (0, 0), (-1, 0), w.colours["zebra"]),
                        ("LINEABOVE", (0, 0), (-1, 0), 0.8, w.colours["primary"])]
            return [("BACKGROUND", (j + first_status_col, 0), (j + first_status_col, 0), w.status_colour(status))
                    for j, status in enumerate(_statuses[i]) if w.status_colour(status) is not None]

        out += w.table(header, body, [ref_w, title_w] + [col_w] * len(reqs), row_styles=styles, zebra=False,
                       extra_style=[("ALIGN", (2, 0), (-1, -1), "CENTER"), ("FONTNAME", (0, 1), (0, -1), FONT_BOLD)])
        out.append(Spacer(1, 6))
    return out


def _reasons(w: PackWriter, m: CoverageMatrix, titles: dict[str, str]) -> list[Flowable]:
    """Per requirement, the incidents whose cell is not plainly satisfied, by status (reasons on each incident's page)."""
    out: list[Flowable] = [CondPageBreak(45 * mm), w.h3(w.wording["coverage_reasons"]),
                           w.paragraph(w.wording["coverage_reasons_where"], w.styles.muted)]
    for r in m.rows:
        if r.scope == "organisation":  # one verdict for the period, on programme evidence: its reason is only here
            out.append(_organisation_reason(w, r))
            continue
        groups: dict[str, list[str]] = {}
        not_applicable: dict[str, list[str]] = {}
        for c in r.cells:
            if c.status == NOT_APPLICABLE:
                reason = "; ".join(clean(x) for x in c.reasons).removeprefix("not applicable: ") or "no reason recorded"
                not_applicable.setdefault(reason, []).append(c.incident_ref)
            elif c.exception:
                groups.setdefault(EXCEPTION, []).append(c.incident_ref)
            elif c.status != SATISFIED:
                groups.setdefault(c.status, []).append(c.incident_ref)
        lines = [f"<b>{esc(status)}</b>: " + esc(", ".join(refs), limit=w.limit("paragraph_chars"))
                 for status in (MISSING, PARTIAL, EXCEPTION) if (refs := groups.get(status))]
        lines += [f"<b>n/a</b> ({esc(reason, limit=300)}): " + esc(", ".join(refs), limit=w.limit("paragraph_chars"))
                  for reason, refs in not_applicable.items()]
        if not lines:
            lines = [esc(w.wording["all_satisfied"])]
        elif not groups:
            lines.insert(0, esc(w.wording["all_applicable_satisfied"]))
        head = Paragraph(_requirement_markup(r, title_limit=300, separator=" — "), w.styles.body_id)
        out.append(KeepTogether([head, *[Paragraph(line, w.styles.small_id) for line in lines], Spacer(1, 4)]))
    return out


def _organisation_reason(w: PackWriter, r) -> Flowable:
    """An organisation-level requirement: its one verdict for the period and the reason (programme evidence)."""
    cell = r.cells[0]
    status = EXCEPTION if cell.exception else cell.status
    reason = "; ".join(clean(x) for x in [*cell.reasons, *cell.exceptions]) or "records present and fresh"
    line = (f"<b>organisation-level, judged once for the period</b>: <b>{esc(status)}</b> — "
            + esc(reason, limit=w.limit("paragraph_chars")))
    head = Paragraph(_requirement_markup(r, title_limit=300, separator=" — "), w.styles.body_id)
    return KeepTogether([head, Paragraph(line, w.styles.small_id), Spacer(1, 4)])
