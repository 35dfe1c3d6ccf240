"""No text runs past its column (issue 13 §4): every table cell holding an unbreakable token gets a column wide
enough for it, or, when no width can hold it, the token is broken at safe points; ids stay whole in the text layer."""

from __future__ import annotations

import dataclasses
import re

import pytest
from reportlab.pdfbase.pdfmetrics import stringWidth
from reportlab.platypus import Paragraph
from reportlab.platypus.tables import Table

from compliance.reports.render import render_pack
from tests.reports.test_layout_pack import split_across_lines

# Every kind of identifier the pack prints in a table column, made far longer than its column was drawn for.
LONG = {
    "INC-0001": "INC-2026-PAYMENTS-EU-WEST-000001",
    "INC-0002": "INC-2026-PAYMENTS-EU-WEST-000002",
    "EV-0001": "EV-2026-FORENSIC-IMAGE-0001",
    "A.5.26": "A.5.26-RESPONSE-TO-INCIDENTS-EXT",
    "A.5.28": "A.5.28-COLLECTION-OF-EVIDENCE-EXT",
    "Art.33(1)": "Art.33(1)-NOTIFY-WITHIN-72H-EXT",
    "CC7.4": "CC7.4-RESPONSE-PROGRAMME-EXTENDED",
    "iso27001": "iso27001-2022-annex-a-incident-mgmt",
    "soc2": "soc2-2017-trust-services-cc7-operations",
    "uk-gdpr": "uk-gdpr-data-protection-act-2018-part-3",
    "authority": "authority_notification_within_72_hours_of_awareness",
    "PM-TIMELINE-GAP": "PM-TIMELINE-GAP-DURING-THE-RESPONSE-WINDOW",
}
URL = "https://tickets.example.com/projects/SECURITY-OPERATIONS/issues/SEC-2026-000123456789?view=full&tab=history"
FILENAME = "inc-0001-firewall-export-from-the-primary-datacentre-cluster-2026-03-01.json.gz"


def renamed(value, mapping: dict[str, str], seen: set[int] | None = None):
    """`value` with every string's occurrences of the mapping's keys replaced (dataclasses and lists changed in
    place, each once however often it is referenced)."""
    seen = set() if seen is None else seen
    if isinstance(value, str):
        for old, new in mapping.items():
            value = re.sub(r"(?<![\w.-])" + re.escape(old) + r"(?!\w)", new, value)
        return value
    if isinstance(value, list | dict) or (dataclasses.is_dataclass(value) and not isinstance(value, type)):
        if id(value) in seen:
            return value
        seen.add(id(value))
    if isinstance(value, list):
        value[:] = [renamed(v, mapping, seen) for v in value]
        return value
    if isinstance(value, tuple):
        return tuple(renamed(v, mapping, seen) for v in value)
    if isinstance(value, dict):
        return {renamed(k, mapping, seen): renamed(v, mapping, seen) for k, v in value.items()}
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        for f in dataclasses.fields(value):
            object.__setattr__(value, f.name, renamed(getattr(value, f.name), mapping, seen))
    return value


@pytest.fixture(scope="module")
def long_ids_pack():
    """A sample pack whose refs, requirement, framework, regime, stage and finding ids, ticket URL and evidence file
    name are all longer than the columns they sit in were drawn for."""
    from compliance.reports.sample import sample_pack

    model = renamed(sample_pack(6, seed=11, frameworks=("iso27001", "gdpr", "soc2")), LONG)
    inc = model.incidents[0]
    inc.actions[0].link = URL
    if inc.evidence:
        inc.evidence[0].filename = FILENAME
    return model


@pytest.fixture(scope="module")
def drawn(long_ids_pack):
    """Renders the pack, recording every table cell whose text is drawn past its cell's right edge; and the PDF."""
    over: list[str] = []
    original = Table._drawCell

    def draw_cell(self, value, style, pos, size):
        result = original(self, value, style, pos, size)  # a flowable is wrapped to its (spanned) cell here
        room = size[0] - style.leftPadding - style.rightPadding + style.rightPadding  # up to the cell's edge
        if isinstance(value, str):
            for line in value.split("\n"):
                if stringWidth(line, style.fontname, style.fontsize) > room + 0.01:
                    over.append(line)
        for item in value if isinstance(value, list | tuple) else [value]:
            if isinstance(item, Paragraph) and getattr(item, "blPara", None) is not None:
                for line in item.blPara.lines:
                    extra = line[0] if isinstance(line, tuple) else line.extraSpace
                    if extra < -style.rightPadding - 0.01:
                        over.append(item.getPlainText()[:80])
        return result

    Table._drawCell = draw_cell
    try:
        pdf = render_pack(long_ids_pack)
    finally:
        Table._drawCell = original
    return over, pdf


def test_no_cell_text_is_drawn_past_its_columns_right_edge(drawn):
    over, _ = drawn
    assert over == [], over


def test_the_overflow_probe_sees_a_token_wider_than_its_column():
    from compliance.reports.layout import load_layout, register_fonts
    from compliance.reports.sample import sample_pack
    from compliance.reports.writer import PackWriter

    layout = load_layout()
    register_fonts(layout)
    w = PackWriter(sample_pack(1), public=False, layout=layout)
    cell = w.ident("X" * 60)
    cell.wrap(40, 1000)
    assert min(line[0] if isinstance(line, tuple) else line.extraSpace for line in cell.blPara.lines) < -2.5


def test_long_ids_stay_whole_tokens_in_the_text_layer(drawn, long_ids_pack, text_of):
    _, pdf = drawn
    pages = text_of(pdf)
    text = "\n".join(pages)
    model = long_ids_pack
    ids = {inc.ref for inc in model.incidents} | {a.ref for inc in model.incidents for a in inc.actions}
    ids |= {ev.ref for inc in model.incidents for ev in inc.evidence}
    ids |= {r.requirement_id for m in model.matrices for r in m.rows} | {f.id for f in model.frameworks}
    ids |= {n.stage for n in model.notifications} | {n.regime for n in model.notifications}
    ids = {i for i in ids if not i.startswith("Art.")}  # 'Art.33(1)-…' is written beside prose 'Art. 33'
    assert {i for i in LONG.values() if not i.startswith("Art.")} & ids  # the long ids are really in the pack
    assert {t: where for t in sorted(ids) if (where := split_across_lines(t, pages))} == {}
    for token in ids:
        assert re.search(r"(?<![\w.-])" + re.escape(token) + r"(?![\w-])", text), token


def test_a_url_or_file_name_wider_than_any_column_is_broken_at_safe_points_never_cut(drawn, long_ids_pack, text_of):
    from compliance.reports.layout import SAFE_BREAKS

    _, pdf = drawn
    pages = text_of(pdf)
    squashed = "".join("".join(pages).split())
    assert URL in squashed
    inc = long_ids_pack.incidents[0]
    if inc.evidence:
        assert FILENAME in squashed
    for text in pages:  # where the URL continues on the next line, the line before ends at a safe character
        lines = text.splitlines()
        for a, b in zip(lines, lines[1:], strict=False):
            tail, head = (a.split() or [""])[-1], (b.split() or [""])[0]
            if URL.startswith(tail) and tail != URL and len(tail) > 8 and URL[len(tail):].startswith(head):
                assert tail[-1] in SAFE_BREAKS, f"{tail} / {head}"


def test_break_token_cuts_only_after_safe_characters_and_keeps_every_character():
    from compliance.reports.layout import FONT, break_token, load_layout, register_fonts

    register_fonts(load_layout())
    pieces = break_token(URL, FONT, 7.2, 120)
    assert "".join(pieces) == URL and len(pieces) > 1
    assert all(p[-1] in "/-_.:?&=#" for p in pieces[:-1])
    assert all(stringWidth(p, FONT, 7.2) <= 120 for p in pieces)


def test_fit_widths_gives_a_column_its_widest_token_from_the_others_spare_room():
    from compliance.reports.layout import fit_widths

    assert fit_widths([50, 50, 100], [80, 10, 20], 200) == pytest.approx([80, 50 - 30 * 40 / 120, 100 - 30 * 80 / 120])
    assert fit_widths([50, 150], [10, 20], 200) == [50, 150]  # everything fits: unchanged
    squeezed = fit_widths([50, 50], [150, 20], 100)  # cannot fit: the fitting column gives up its spare room
    assert squeezed == pytest.approx([80, 20]) and sum(squeezed) == pytest.approx(100)
    # an id short of room gets its full width before a URL that cannot fit anyway (no column claims over half)
    ids_first = fit_widths([60, 150, 60], [100, 600, 20], 270)
    assert ids_first == pytest.approx([100, 150, 20])
    assert sum(ids_first) == pytest.approx(270)


def test_a_digest_too_wide_for_its_column_is_cut_in_halves_or_quarters():
    from compliance.reports.layout import FONT_MONO, break_token, load_layout, register_fonts

    register_fonts(load_layout())
    digest = "0fa41d2a391ca93ae8dce1c326ec55dc1563b6286b92f044358854a5643af13d"
    assert break_token(digest, FONT_MONO, 6.7, 140) == [digest[:32], digest[32:]]
    assert [len(p) for p in break_token(digest, FONT_MONO, 6.7, 70)] == [16] * 4
