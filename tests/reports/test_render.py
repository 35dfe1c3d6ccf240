"""Rendering rules of the audit pack: text safety, fonts, structure, reproducibility."""

from __future__ import annotations

import dataclasses
import shutil
import subprocess
from datetime import UTC, datetime
from io import BytesIO

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from compliance.reports.model import (
    AuditPack,
    Cell,
    CoverageMatrix,
    EvidenceRow,
    Framework,
    IncidentSection,
    RequirementRow,
    TimelineRow,
)
from compliance.reports.render import clean, esc, render_pack


def squash(text: str) -> str:
    """Removes all whitespace (wrapped lines are joined for comparisons)."""
    return "".join(text.split())


NASTY = ["<b>bold</b>", "R&D & Co", "</para>", "<font size=99>huge</font>", "<br/>", "&amp;", "]]>"]
UNICODE = "Zoë Łukasz Ångström Привет Ελλάδα"


def _outline_titles(pdf: bytes) -> list[str]:
    from pypdf import PdfReader

    reader = PdfReader(BytesIO(pdf))
    out = []

    def walk(items):
        for it in items:
            if isinstance(it, list):
                walk(it)
            else:
                out.append(it.title)

    walk(reader.outline)
    return out


@given(st.text(max_size=200))
@settings(max_examples=150, deadline=None)
def test_escaped_text_round_trips_through_paragraph_markup(text):
    from reportlab.lib.styles import ParagraphStyle
    from reportlab.platypus import Paragraph

    para = Paragraph(esc(text, newlines=False), ParagraphStyle("t"))
    assert para.getPlainText().split() == clean(text).split()


def test_user_markup_in_titles_is_shown_not_interpreted(sample_model, text_of):
    model = sample_model(3)
    inc = model.incidents[0]
    nasty = " ".join(NASTY)
    model = dataclasses.replace(model, title=f"Pack {nasty}", organisation=f"Org {NASTY[1]} {NASTY[0]}")
    inc.title = f"Title {nasty}"
    inc.description = f"Description {nasty}"
    inc.timeline[0].text = f"Timeline {nasty}"
    inc.tags = ["<b>tag</b>"]
    model.matrices[0].rows[0].title = f"Req {nasty}"
    model.matrices[0].rows[0].cells[0].status = "missing"
    model.matrices[0].rows[0].cells[0].reasons = [f"Reason {nasty}"]
    inc.assessment[0].status, inc.assessment[0].reasons = "missing", [f"Reason {nasty}"]  # shown on the incident page
    if inc.postmortem:
        inc.postmortem.summary = None
    pdf = render_pack(model)
    text = squash("".join(text_of(pdf)))
    for fragment in NASTY:
        assert squash(fragment) in text, fragment
    assert squash(f"Title {nasty}") in text
    assert squash(f"Reason {nasty}") in text


def test_unicode_names_survive_into_the_text_layer(sample_model, text_of):
    model = sample_model(2)
    model = dataclasses.replace(model, organisation=UNICODE)
    model.incidents[0].title = f"Breach at {UNICODE}"
    pdf = render_pack(model)
    pages = text_of(pdf)
    assert UNICODE in pages[0]
    assert f"Breach at {UNICODE}" in "\n".join(pages)
    assert b"/FontFile2" in pdf  # TrueType embedded (subset), not a base-14 font


def test_long_unbroken_strings_wrap_or_are_cut_without_failing_layout(sample_model, text_of):
    word = "x" * 5000
    url = "https://example.com/" + "a/b?c=d&" * 400
    model = sample_model(2)
    model = dataclasses.replace(model, title=word, organisation=word)
    inc = model.incidents[0]
    inc.title = word
    inc.description = word
    inc.tags = [word]
    inc.affected_services = [url]
    inc.timeline[0].text = url
    inc.timeline[1].actor = word
    if inc.postmortem:
        inc.postmortem.summary = word + " " + url
        inc.postmortem.contributors = [word]
    if inc.actions:
        inc.actions[0].description = word
    inc.evidence.append(EvidenceRow(ref="EV-LONG", incident_ref=inc.ref, filename=word, size=1, sha256="f" * 64,
                                    collected_by=word))
    model.matrices[0].rows[0].cells[0].status = "missing"
    model.matrices[0].rows[0].cells[0].reasons = [word]
    model.notifications and setattr(model.notifications[0], "delay_reason", word)
    stats: dict = {}
    pdf = render_pack(model, stats=stats)
    assert stats["pages"] < 80
    text = squash("".join(text_of(pdf)))
    assert "f" * 64 in text and "…" in text


def test_empty_period_gives_a_valid_pack_saying_there_were_no_incidents(text_of, pdf_problems):
    model = AuditPack(title="Q1", organisation="Example GmbH",
                      generated_at=datetime(2026, 4, 1, tzinfo=UTC),
                      frameworks=[Framework("iso27001", "ISO/IEC 27001:2022")],
                      matrices=[CoverageMatrix(Framework("iso27001", "ISO/IEC 27001:2022"), [],
                                               [RequirementRow("A.5.24", "Planning", "A.5.24")])])
    pdf = render_pack(model)
    text = " ".join(text_of(pdf))
    assert "No incidents were recorded in this period" in " ".join(text.split())
    assert pdf_problems(pdf) == []


def test_same_model_and_generated_at_give_byte_identical_pdf(sample_model, rendered):
    model, pdf, _ = rendered
    again = render_pack(sample_model())
    assert again == pdf
    later = render_pack(dataclasses.replace(sample_model(), generated_at=datetime(2026, 5, 1, tzinfo=UTC)))
    assert later != pdf


@pytest.mark.slow
def test_byte_identical_across_processes(rendered, tmp_path):
    import os
    import sys
    from pathlib import Path

    root = Path(__file__).resolve().parents[2]
    code = ("import sys; from compliance.reports.sample import sample_pack; "
            "from compliance.reports.render import render_pack; "
            "sys.stdout.buffer.write(render_pack(sample_pack(6)))")
    env = dict(os.environ, PYTHONPATH=str(root), PYTHONHASHSEED="123")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, env=env, check=True).stdout
    assert out == rendered[1]


def test_pdf_dates_and_id_are_fixed_by_the_generation_instant(rendered):
    from pypdf import PdfReader

    model, pdf, _ = rendered
    reader = PdfReader(BytesIO(pdf))
    assert reader.metadata.creation_date.replace(tzinfo=UTC) == model.generated_at
    assert reader.metadata["/ModDate"] == reader.metadata["/CreationDate"]
    assert reader.trailer["/ID"][0] == reader.trailer["/ID"][1]


def test_every_section_is_in_the_outline_and_the_contents(rendered, text_of):
    model, pdf, _ = rendered
    titles = _outline_titles(pdf)
    for section in ("Cover", "Contents", "Executive summary", "Control coverage", "Breach notification register",
                    "Incidents", "Trends", "Evidence manifest and integrity statement"):
        assert section in titles, section
    for inc in model.incidents:
        assert any(t.startswith(inc.ref) for t in titles), inc.ref
    for m in model.matrices:
        assert any(t.startswith(m.framework.name) for t in titles)
    contents = text_of(pdf)[1]
    for section in ("Executive summary", "Breach notification register", "Trends"):
        assert section in contents


def test_every_page_footer_has_page_x_of_y_period_and_generation_instant(rendered, text_of):
    model, pdf, stats = rendered
    pages = text_of(pdf)
    assert len(pages) == stats["pages"]
    for i, page in enumerate(pages, 1):
        flat = " ".join(page.split())
        assert f"page {i} of {len(pages)}" in flat
        assert "Period 2025-04-01 – 2026-03-31" in flat
        assert "generated 2026-04-02 09:30:00 UTC" in flat


def test_text_layer_holds_every_requirement_incident_and_evidence_hash(rendered, text_of):
    model, pdf, _ = rendered
    text = squash("".join(text_of(pdf)))
    for m in model.matrices:
        for row in m.rows:
            assert squash(row.requirement_id) in text
    for inc in model.incidents:
        assert inc.ref in text and squash(inc.title) in text
    assert model.all_evidence()
    for ev in model.all_evidence():
        assert ev.sha256 in text


def test_pikepdf_and_qpdf_find_no_problems(rendered, tmp_path, pdf_problems):
    _, pdf, _ = rendered
    assert pdf_problems(pdf) == []
    if shutil.which("qpdf"):
        path = tmp_path / "pack.pdf"
        path.write_bytes(pdf)
        proc = subprocess.run(["qpdf", "--check", str(path)], capture_output=True, text=True)
        assert proc.returncode == 0, proc.stdout + proc.stderr


def test_public_pack_shows_roles_instead_of_personal_names(sample_model, text_of):
    model = sample_model(2)
    for inc in model.incidents:
        inc.timeline = [TimelineRow(at=inc.detected_at, kind="decision", text="Isolated the host",
                                    actor="Zoë Łukasz", actor_role="incident commander")]
        for ev in inc.evidence:
            for c in ev.custody:
                c.actor = "Zoë Łukasz"
            ev.collected_by = "Zoë Łukasz"
        for a in inc.actions:
            a.owner = "Zoë Łukasz"
        if inc.postmortem:
            inc.postmortem.reviewer = "Zoë Łukasz"
    internal = squash(" ".join(text_of(render_pack(model))))
    public = squash(" ".join(text_of(render_pack(model, public=True))))
    assert squash("Zoë Łukasz") in internal
    assert squash("Zoë Łukasz") not in public
    assert squash("incident commander") in public


def _wide_model(n_incidents: int):
    refs = [f"INC-{i:04d}" for i in range(1, n_incidents + 1)]
    reqs = [RequirementRow(f"R-{k:02d}", f"Requirement {k}", None,
                           [Cell(r, "satisfied" if (i + k) % 3 else "missing", ["no evidence"] if (i + k) % 3 == 0 else [])
                            for i, r in enumerate(refs)]) for k in range(1, 21)]
    fw = Framework("big", "Big framework")
    incidents = [IncidentSection(ref=r, title=f"Incident {r}", severity="sev3", status="open",
                                 detected_at=datetime(2026, 1, 1 + i % 28, tzinfo=UTC))
                 for i, r in enumerate(refs)]
    return AuditPack(title="Wide", organisation="Org", generated_at=datetime(2026, 4, 1, tzinfo=UTC),
                     frameworks=[fw], matrices=[CoverageMatrix(fw, refs, reqs)], incidents=incidents)


def test_wide_matrix_is_split_into_column_pages_with_incidents_as_rows(text_of):
    text = " ".join(" ".join(text_of(render_pack(_wide_model(30)))).split())
    for part in ("requirements 1–8 of 20", "requirements 9–16 of 20", "requirements 17–20 of 20"):
        assert part in text
    for k in range(1, 21):
        assert f"R-{k:02d}" in text


def test_matrix_of_many_incidents_is_given_as_lists_naming_every_cell_not_satisfied(text_of):
    model = _wide_model(60)
    text = " ".join(" ".join(text_of(render_pack(model))).split())
    assert "requirements 1–8 of 20" not in text and "grid is not printed" in text
    for row in model.matrices[0].rows:
        missing = ", ".join(c.incident_ref for c in row.cells if c.status == "missing")
        assert f"missing: {missing}" in text, row.requirement_id


def test_layout_file_missing_a_key_is_a_definition_error(tmp_path):
    from compliance.core.errors import DefinitionError
    from compliance.reports.render import load_layout

    path = tmp_path / "layout.yaml"
    path.write_text("page: {size: A4}\n")
    with pytest.raises(DefinitionError, match="missing top-level key"):
        load_layout(path)


_any_text = st.one_of(
    st.text(max_size=300),
    st.text(alphabet=st.sampled_from("<>&;/=\"' abcxyzÅλЖ\n\t\x00\x07"), max_size=400),
    st.integers(min_value=1, max_value=6000).map(lambda n: "W" * n),
)


@given(title=_any_text, text=_any_text, reason=_any_text, name=_any_text, tag=_any_text)
@settings(max_examples=12, deadline=None)
def test_no_user_text_can_make_the_layout_fail(sample_model, title, text, reason, name, tag):
    model = sample_model(1)
    inc = model.incidents[0]
    model = dataclasses.replace(model, title=title, organisation=name)
    inc.title, inc.description, inc.tags = title, text, [tag]
    inc.timeline[0].text, inc.timeline[0].actor, inc.timeline[0].source = text, name, reason
    if inc.postmortem:
        inc.postmortem.summary, inc.postmortem.risks = text, [reason]
        inc.postmortem.lessons[0].text = reason
    model.matrices[0].rows[0].title = title
    model.matrices[0].rows[0].cells[0].status = "missing"
    model.matrices[0].rows[0].cells[0].reasons = [reason]
    stats: dict = {}
    pdf = render_pack(model, stats=stats)
    assert pdf.startswith(b"%PDF") and stats["pages"] >= 8


def test_layout_takes_one_pass_and_the_contents_give_each_heading_its_outline_page(rendered, text_of):
    from pypdf import PdfReader

    model, pdf, stats = rendered
    assert stats["passes"] == 1
    reader = PdfReader(BytesIO(pdf))
    pages = {}

    def walk(items):
        for it in items:
            if isinstance(it, list):
                walk(it)
            else:
                pages[it.title] = reader.get_destination_page_number(it) + 1

    walk(reader.outline)
    contents = " ".join(" ".join(text_of(pdf)[1:3]).split())
    for inc in model.incidents:
        title = next(t for t in pages if t.startswith(inc.ref))
        assert f"{inc.ref} — {inc.title} {pages[title]}" in contents, inc.ref
    assert f"Trends {pages['Trends']}" in contents


def test_ratio_metrics_are_printed_as_percentages(sample_model, text_of):
    from compliance.reports.model import ExecutiveSummary, Metric

    model = dataclasses.replace(sample_model(1), summary=ExecutiveSummary(metrics=[
        Metric("Action-item closure rate", 0.8333, "ratio", 0.9, lower_is_better=False)]))
    text = squash(" ".join(text_of(render_pack(model))[:7]))
    assert "Action-itemclosurerate83%90%notmet" in text


def test_an_actor_recorded_as_a_role_is_not_printed_twice(sample_model, text_of):
    model = sample_model(1)
    section = model.incidents[0]
    row = dataclasses.replace(section.timeline[0], actor="on-call SRE", actor_role="on-call SRE")
    model = dataclasses.replace(model, incidents=[dataclasses.replace(section, timeline=[row, *section.timeline[1:]])])
    text = squash(" ".join(text_of(render_pack(model))))
    assert "on-callSRE(on-callSRE)" not in text and "on-callSRE" in text
