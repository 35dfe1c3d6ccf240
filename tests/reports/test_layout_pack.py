"""Layout of the audit pack, proved on the text layer (pypdf) of a demo pack: whole tokens, one label, one duration
format, contents beside their page numbers, table headers only where a table or a page starts, evidence oldest first."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta
from io import BytesIO

import pytest
from hypothesis import given
from hypothesis import strategies as st

from compliance.reports.render import render_pack

AS_OF = datetime(2026, 11, 25, 12, tzinfo=UTC)
FRAMEWORKS = ["iso27001-2022", "soc2-2017", "nist-sp800-61r3", "gdpr"]


@pytest.fixture(scope="module")
def demo_pack(tmp_path_factory):
    """A 14-incident demo store's pack model (restricted incidents redacted) and its PDF."""
    from compliance.db.store import init_store
    from compliance.demo.generator import generate_demo
    from compliance.reports.service import gather_pack_model

    folder = tmp_path_factory.mktemp("layout")
    store, _, _ = init_store(url=f"sqlite:///{folder / 'compliance.db'}", evidence_dir=folder / "evidence")
    try:
        generate_demo(store=store, incidents=14, seed=7, as_of=AS_OF, workdir=folder)
        pack = gather_pack_model(store=store, frameworks=FRAMEWORKS, period_from=None, period_to=None,
                                 include_restricted=False, generated_at=AS_OF, title="Audit pack", organisation="Org",
                                 controls_dirs=None, allow_open_period=False, assertion=None)
    finally:
        store.close()
    pack = pack.with_restricted_redacted()
    stats: dict = {}
    pdf = render_pack(pack, stats=stats)
    return pack, pdf, stats


@pytest.fixture(scope="module")
def pages(demo_pack):
    from pypdf import PdfReader

    return [p.extract_text() or "" for p in PdfReader(BytesIO(demo_pack[1])).pages]


def identifiers(pack) -> set[str]:
    """Every identifier the pack prints: requirement, framework, incident, action, evidence, stage ids, hashes."""
    ids = {r.requirement_id for m in pack.matrices for r in m.rows} | {f.id for f in pack.frameworks}
    for inc in pack.incidents:
        ids.add(inc.ref)
        ids |= {a.ref for a in inc.actions} | {a.link for a in inc.actions if a.link}
        ids |= {ev.ref for ev in inc.evidence} | {ev.sha256 for ev in inc.evidence}
        ids |= {c.entry_hash for ev in inc.evidence for c in ev.custody if c.entry_hash}
    ids |= {n.stage for n in pack.notifications} | {n.regime for n in pack.notifications}
    return {i for i in ids if i and len(i) > 2}


def split_across_lines(token: str, pages: list[str]) -> list[str]:
    """Places where `token` starts at the end of one line and ends at the start of the next (a hash may only be
    broken at fixed positions: halves or quarters)."""
    found = []
    for text in pages:
        lines = text.splitlines()
        for a, b in zip(lines, lines[1:], strict=False):
            tail = a.split()[-1] if a.split() else ""
            head = b.split()[0] if b.split() else ""
            joined = tail + head
            at = joined.find(token)
            if at >= 0 and at < len(tail) < at + len(token):
                cut = len(tail) - at
                if re.fullmatch(r"[0-9a-f]{64}", token) and cut % 16 == 0:
                    continue
                found.append(f"{tail} / {head}")
    return found


@pytest.mark.slow
def test_no_identifier_or_hash_is_split_across_lines(demo_pack, pages):
    pack, _, _ = demo_pack
    # GDPR ids are written 'Art.33' while prose writes 'Art. 33(1)': a line break there is a break at a space.
    wanted = {t for t in identifiers(pack) if not t.startswith("Art.")}
    split = {t: where for t in sorted(wanted) if (where := split_across_lines(t, pages))}
    assert split == {}


@pytest.mark.slow
def test_every_identifier_is_found_as_a_whole_token_and_every_hash_reassembles(demo_pack, pages):
    pack, _, _ = demo_pack
    text = "\n".join(pages)
    squashed = "".join(text.split())
    shown = {inc.ref for inc in pack.incidents if not inc.redacted}
    for inc in pack.incidents:
        assert re.search(r"(?<![\w.-])" + re.escape(inc.ref) + r"(?![\w-])", text), inc.ref
        if inc.ref in shown:
            for ev in inc.evidence:
                assert ev.sha256 in squashed, ev.ref
    for m in pack.matrices:
        for row in m.rows:
            assert re.search(r"(?<![\w.-])" + re.escape(row.requirement_id) + r"(?![\w-])", text), row.requirement_id


def test_split_detector_can_fail():
    assert split_across_lines("nist-sp800-61r3", ["framework nist-sp800-61r\n3 applies"]) == ["nist-sp800-61r / 3"]
    assert split_across_lines("DE.AE-08", ["x DE.AE-0\n8 y"]) == ["DE.AE-0 / 8"]
    digest = "ab" * 32
    assert split_across_lines(digest, [f"{digest[:32]}\n{digest[32:]}"]) == []
    assert split_across_lines(digest, [f"{digest[:30]}\n{digest[30:]}"]) != []


@pytest.mark.slow
def test_contents_give_every_entry_its_page_on_a_token_of_its_own(demo_pack, pages):
    from pypdf import PdfReader

    _, pdf, _ = demo_pack
    reader = PdfReader(BytesIO(pdf))
    start = next(i for i, p in enumerate(pages) if "Contents" in p.splitlines()[:6] or "\nContents\n" in p)
    scope = reader.outline[2]
    first_body = reader.get_destination_page_number(scope)
    contents = pages[start:first_body]
    flat = " ".join(" ".join(contents).split())
    checked = 0
    for item in reader.outline:
        if isinstance(item, list) or item.title in ("Cover", "Contents"):
            continue
        page = reader.get_destination_page_number(item) + 1
        assert f"{item.title} {page}" in flat, item.title
        checked += 1
    numbers = [line for p in contents for line in p.splitlines() if re.fullmatch(r"\d+", line.strip())]
    assert checked >= 10 and len(numbers) >= checked  # each page number is its own text, never run into a title


@pytest.mark.slow
def test_a_notification_stage_has_one_label_everywhere(demo_pack, pages):
    pack, _, _ = demo_pack
    text = " ".join(" ".join(pages).split())
    for n in pack.notifications:
        if "_" in n.stage:
            assert f"{n.regime} / {n.stage}" in text
            assert f"{n.regime} {n.stage.replace('_', ' ')}" not in text, n.stage
            assert f"{n.regime} / {n.stage.replace('_', ' ')}" not in text, n.stage


@pytest.mark.slow
def test_durations_are_written_one_way(demo_pack, pages):
    compact = [m.group(0) for p in pages for m in re.finditer(r"(?<![\w.:/-])\d+[dhm](?![\w-])", p)]
    assert compact == []


@pytest.mark.slow
def test_a_status_never_runs_into_the_next_column(demo_pack, pages):
    text = "\n".join(pages)
    glued = re.findall(r"(?:undue delay|late open|on time|waived|late|open|done)(?=[—\-A-Za-z0-9])", text)
    assert [g for g in glued if g in ("undue delay", "late open", "on time")] == []
    assert "delay—" not in text and "open—" not in text


def test_a_plain_cell_wider_than_its_column_wraps(sample_model):
    from reportlab.platypus import Paragraph

    from compliance.reports.layout import load_layout
    from compliance.reports.writer import PackWriter

    w = PackWriter(sample_model(1), public=False, layout=load_layout())
    row = w.fitting(["ok", "undue delay with a long explanation"], [40, 40])
    assert row[0] == "ok" and isinstance(row[1], Paragraph)


def test_evidence_is_listed_oldest_first(sample_model, text_of):
    from compliance.reports.model import EvidenceRow

    model = sample_model(1)
    inc = model.incidents[0]
    t0 = datetime(2026, 1, 1, tzinfo=UTC)
    inc.evidence = [EvidenceRow(ref=f"EV-ORD{k}", incident_ref=inc.ref, filename="log.txt", size=10, sha256=f"{k:064x}",
                                collected_by="analyst", collected_at=t0 + timedelta(hours=k))
                    for k in (3, 1, 2)]  # recorded newest first
    text = "".join("".join(text_of(render_pack(model))).split())
    where = [text.index(f"EV-ORD{k}") for k in (1, 2, 3)]
    assert where == sorted(where)


def test_a_long_table_repeats_its_header_only_at_the_top_of_a_continuation_page(sample_model, text_of):
    from compliance.reports.model import TimelineRow

    model = sample_model(1)
    inc = model.incidents[0]
    inc.timeline = [TimelineRow(at=inc.detected_at + timedelta(minutes=k), kind="note", text=f"step {k}",
                                actor="analyst") for k in range(150)]
    header = ["When (UTC)", "Kind", "Actor", "What happened"]  # pypdf gives each cell a line of its own
    pages_with_header = 0
    for page in text_of(render_pack(model)):
        lines = [" ".join(line.split()) for line in page.splitlines()]
        starts = [i for i in range(len(lines)) if lines[i:i + 4] == header]
        if not starts:
            continue
        pages_with_header += 1
        assert len(starts) == 1  # never a second header further down the page
        before = lines[starts[0] - 1]
        # first on the page (right after the running header and footer text) or right under its 'Timeline' heading
        assert before == "Timeline" or before.startswith("Period "), lines[max(0, starts[0] - 3):starts[0] + 1]
    assert pages_with_header >= 3


def test_progress_reports_every_section_and_incident_up_to_the_total(sample_model):
    from compliance.reports.render import progress_steps

    model = sample_model(3)
    calls = []
    render_pack(model, progress=lambda done, total: calls.append((done, total)))
    total = progress_steps(model)
    assert calls[0] == (0, total) and calls[-1] == (total, total)
    assert [d for d, _ in calls] == list(range(total + 1))


@given(st.timedeltas(min_value=timedelta(days=-400), max_value=timedelta(days=400)))
def test_one_duration_formatter_writes_number_and_unit_apart(delta):
    from compliance.reports.formats import fmt_duration, spaced_durations

    text = fmt_duration(delta)
    assert re.fullmatch(r"-?\d+ (d|h|min)( \d+ (h|min))?", text)
    assert spaced_durations(text) == text


def test_contents_out_of_step_with_the_headings_stop_the_render(sample_model, monkeypatch):
    from compliance.reports import render

    real = render.contents_entries
    monkeypatch.setattr(render, "contents_entries", lambda w: [e for e in real(w) if "Trends" not in e[1]])
    with pytest.raises(RuntimeError, match="contents"):
        render_pack(sample_model(1))
