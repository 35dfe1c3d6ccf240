"""Post-mortems as teams really write them: open due dates, team owners, extra sections, dry runs, round trips."""

from __future__ import annotations

import json
from datetime import date
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import MetaData, select

from compliance.core.errors import ValidationError
from compliance.core.exitcodes import ExitCode
from compliance.incidents.service import get_incident
from compliance.postmortems.exporter import render_postmortem_markdown
from compliance.postmortems.importer import import_postmortem, preview_postmortem_import
from compliance.postmortems.parser import parse_postmortem
from compliance.postmortems.service import get_postmortem_document

FIXTURES = Path(__file__).parent / "fixtures"
REAL = FIXTURES / "real-world-database-failover.md"
HEAD = ("# Incident Post-mortem: X\n## Key Facts\n- **Severity:** Sev-2\n- **Impact start:** 2026-01-01 10:00 UTC\n"
        "## Learnings\n- Something learned\n## Follow-ups\n")


def _followup(line: str):
    return parse_postmortem(HEAD + line + "\n").followups[0]


@pytest.mark.parametrize("written", ["unknown", "Unknown", "TBD", "tbc", "n/a", "none", "-", "", "?"])
def test_a_due_date_not_known_yet_imports_as_no_due_date(written):
    follow = _followup(f"- [ ] **Maria:** Add a lag alert **[{written}]**")
    assert follow.due is None and follow.description == "Add a lag alert"


def test_a_follow_up_without_any_due_date_imports_as_no_due_date():
    follow = _followup("- [ ] **@db-oncall:** Add a lag alert")
    assert follow.due is None and follow.owner == "@db-oncall"


@pytest.mark.parametrize("written, owner", [("**Maria Lopez:**", "Maria Lopez"), ("**@maria:**", "@maria"),
                                            ("**Database team:**", "Database team"), ("**SRE**:", "SRE"), ("", None),
                                            ("**unassigned:**", None)])
def test_owners_are_kept_as_written(written, owner):
    assert _followup(f"- [ ] {written} Add a lag alert **[2026-02-01]**").owner == owner


@pytest.mark.parametrize("written", ["2024-13-45", "2026-02-30", "Febtember 40", "Q3 2026"])
def test_a_due_date_that_is_not_a_date_is_a_problem_naming_its_line(written):
    doc = parse_postmortem(HEAD + f"- [ ] **Maria:** Add a lag alert **[{written}]**\n")
    assert doc.problems and doc.problems[0].startswith(f"line 8: due date {written!r} does not parse")


def test_a_bold_date_heading_that_is_not_a_calendar_date_is_one_problem_not_a_traceback():
    doc = parse_postmortem("# T\n## Timeline\n**2026-02-30**\n- **10:00 UTC:** Deploy\n- **10:05 UTC:** Alert\n")
    assert doc.problems == ["line 3: date heading '2026-02-30' is not a calendar date (use YYYY-MM-DD)"]


def test_sections_outside_the_template_are_kept_verbatim_and_reported_once():
    text = REAL.read_text()
    doc = parse_postmortem(text)
    assert [s["title"] for s in doc.kept_sections] == ["Customer Communications"]
    assert doc.kept_sections[0]["text"] == ("## Customer Communications\nFive status page updates, the first 25 minutes "
                                            "after the alert. Support used the standard outage macro.")
    assert doc.skipped == ["line 42: section 'Customer Communications' is not part of the template: kept, not parsed"]
    assert doc.lessons[0]["text"].startswith("Failover tooling drifts")  # the section after it is still read


def test_an_unknown_sub_heading_of_learnings_is_a_lesson_category_not_a_kept_section():
    doc = parse_postmortem("# T\n## Learnings\n### Technical\n- Pools need limits\n### Process\n- Drill yearly\n")
    assert [(lesson["category"], lesson["text"]) for lesson in doc.lessons] == [
        ("technical", "Pools need limits"), ("process", "Drill yearly")]
    assert doc.kept_sections == []


def test_the_real_world_fixture_imports_with_its_open_follow_ups(cli_run):
    result = cli_run(["postmortem", "import", "--new", str(REAL), "--json"])
    assert result.exit_code == ExitCode.OK, result.stderr
    assert "kept, not parsed" in json.loads(result.stdout)["skipped"][0]
    shown = json.loads(cli_run(["postmortem", "show", "INC-0001", "--json"]).stdout)
    assert [(a["owner"], a["due"]) for a in shown["action_items"]] == [
        ("@db-oncall", date(2026, 2, 6).isoformat()), ("Database team", None), ("Amira Haddad", None), (None, None)]
    lint = json.loads(cli_run(["postmortem", "lint", "INC-0001", "--json"]).stdout)
    flagged = {(f["code"], f["message"].split('"')[1][:20]) for f in lint["findings"] if f["code"] in ("PM005", "PM007")}
    assert flagged == {("PM007", "Add failover tooling"), ("PM007", "Drill a storage-cont"),
                       ("PM007", "Agree a vendor escal"), ("PM005", "Agree a vendor escal")}
    exported = cli_run(["postmortem", "export", "INC-0001"]).stdout
    assert "## Customer Communications\nFive status page updates" in exported


def _snapshot(store) -> dict:
    metadata = MetaData()
    with store.engine.connect() as connection:
        metadata.reflect(bind=connection)
        return {name: sorted(map(repr, connection.execute(select(table)).all()))
                for name, table in metadata.tables.items()}


def test_dry_run_shows_what_would_change_and_leaves_the_store_untouched(store, cli_run):
    cli_run(["postmortem", "import", "--new", str(FIXTURES / "sev3-connection-pool.md")])
    before = _snapshot(store)
    created = cli_run(["postmortem", "import", "--new", str(REAL), "--dry-run"])
    assert created.exit_code == ExitCode.OK, created.stderr
    assert created.stdout.startswith("INC-0002: would be created (dry run: nothing written) (timeline: 9 entries added")
    updated = cli_run(["postmortem", "import", "INC-0001", str(REAL), "--dry-run", "--json"])
    data = json.loads(updated.stdout)
    assert data["dry_run"] is True and data["created"] is False and any("action items" in c for c in data["changes"])
    assert _snapshot(store) == before


def test_dry_run_of_a_bad_document_is_the_same_one_line_error(cli_run, tmp_path):
    path = tmp_path / "bad.md"
    path.write_text(HEAD + "- [ ] **Maria:** Add a lag alert **[2024-13-45]**\n")
    result = cli_run(["postmortem", "import", "--new", str(path), "--dry-run"])
    assert result.exit_code == ExitCode.ERROR and len(result.stderr.strip().splitlines()) == 1
    assert "line 8: due date '2024-13-45'" in result.stderr and "Traceback" not in result.stderr


def test_preview_in_the_library_rolls_back(store):
    text = REAL.read_text()
    with store.session() as session:
        result = preview_postmortem_import(session=session, doc=parse_postmortem(text), text=text, source="real.md")
    assert result.dry_run and result.created
    with store.session() as session, pytest.raises(Exception, match="INC-0001"):
        get_incident(session=session, ref="INC-0001")


# --------------------------------------------------------------------------- round trip


def _import(store, text: str, ref: str | None = None):
    doc = parse_postmortem(text, source="pm.md")
    with store.session() as session:
        incident = get_incident(session=session, ref=ref) if ref else None
        return import_postmortem(session=session, doc=doc, text=text, source="pm.md", incident=incident)


def _record(store, ref: str) -> dict:
    with store.session() as session:
        incident = get_incident(session=session, ref=ref)
        document = get_postmortem_document(session=session, incident=incident)
        exported = render_postmortem_markdown(session=session, incident=incident)
        facts = (incident.title, incident.severity, incident.resolved_at, incident.affected_services)
    keep = ("summary", "contributors", "mitigators", "risks", "root_cause", "diagnostics", "lessons", "kept_sections",
            "theme_tags", "impact")
    record = {key: document[key] for key in keep}
    record["timeline"] = [(e["at"], e["text"], e["kind"]) for e in document["timeline"]]
    record["actions"] = [(a["description"], a["owner"], a["due"], a["lessons"], a["success_criteria"], a["status"])
                         for a in document["action_items"]]
    record["incident"] = facts
    return {"record": record, "exported": exported}


def _round_trip(store, text: str) -> None:
    first = _import(store, text)
    original = _record(store, first.incident)
    second = _import(store, original["exported"])
    again = _record(store, second.incident)
    assert again["record"] == original["record"]
    assert again["exported"] == original["exported"]
    assert _import(store, original["exported"], ref=second.incident).unchanged


@pytest.mark.parametrize("name", sorted(p.name for p in FIXTURES.glob("*.md") if p.name != "poor.md"))
def test_every_fixture_survives_import_export_import(store, name):
    text = (FIXTURES / name).read_text()
    if name == "guide-template.md":
        text = text.replace("[Brief Description]", "Template").replace("[Sev-1/2/3]", "Sev-2").replace(
            "[UTC timestamp]", "2024-01-15 14:20 UTC", 1)
    _round_trip(store, text)


_WORD = st.from_regex(r"[A-Z][a-z]{1,7}", fullmatch=True)
_TEXT = st.lists(st.from_regex(r"[a-z]{2,8}|[0-9]{1,3}", fullmatch=True), min_size=1, max_size=6).map(" ".join)
_SENTENCE = st.builds(lambda w, t: f"{w} {t}", _WORD, _TEXT)
_OWNER = st.one_of(st.none(), _WORD.map(lambda w: f"@{w.lower()}"), _WORD.map(lambda w: f"{w} team"),
                   st.builds(lambda a, b: f"{a} {b}", _WORD, _WORD))
_DUE = st.one_of(st.none(), st.sampled_from(["unknown", "TBD", "n/a", "-"]),
                 st.dates(min_value=date(2026, 1, 1), max_value=date(2027, 12, 31)).map(str))
_ZONE = st.sampled_from(["UTC", "CET", "EST", "JST"])


@st.composite
def _documents(draw) -> str:
    lines = [f"# Incident Post-mortem: {draw(_SENTENCE)}", "## Key Facts", f"- **Severity:** Sev-{draw(st.integers(1, 4))}",
             "- **Impact start:** 2026-03-02 08:00 UTC", "- **Impact end:** 2026-03-03 08:00 UTC",
             f"- **Customer impact:** {draw(st.integers(0, 9999))} users for {draw(st.integers(1, 600))} minutes",
             "## Executive Summary", draw(_SENTENCE), "## Timeline", "**2026-03-02**"]
    minutes = sorted(draw(st.sets(st.integers(10 * 60, 14 * 60), min_size=1, max_size=6)))
    for minute in minutes:
        zone = draw(_ZONE)
        shift = {"UTC": 0, "CET": 60, "EST": -300, "JST": 540}[zone]
        local = minute + shift
        lines.append(f"- **{local // 60:02d}:{local % 60:02d} {zone}:** {draw(_SENTENCE)}")
    for heading in ("Contributors", "Mitigators", "Risks"):
        lines += [f"### {heading}"] + [f"- {s}" for s in draw(st.lists(_SENTENCE, max_size=3))]
    lines += ["## Learnings"] + [f"- {s}" for s in draw(st.lists(_SENTENCE, min_size=1, max_size=3))]
    for title, body in draw(st.lists(st.tuples(_WORD, _SENTENCE), max_size=2, unique_by=lambda t: t[0])):
        if title.lower() not in ("summary", "timeline", "lessons", "evidence", "appendix", "actions", "risks",
                                 "diagnostics", "contributors", "mitigators", "learnings", "followups"):
            lines += [f"## {title} notes", body]
    lines.append("## Follow-ups")
    for description in draw(st.lists(_SENTENCE, max_size=4, unique_by=str.lower)):
        owner, due, done = draw(_OWNER), draw(_DUE), draw(st.booleans())
        label = f"**{owner}:** " if owner else ""
        tail = f" **[{due}]**" if due is not None else ""
        lines.append(f"- [{'x' if done else ' '}] {label}{description}{tail}")
    return "\n".join(lines) + "\n"


@pytest.mark.slow
@settings(max_examples=15, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(text=_documents())
def test_generated_documents_survive_import_export_import(store, text):
    _round_trip(store, text)


def test_library_import_refuses_problems_with_the_line(store):
    text = HEAD + "- [ ] **Maria:** Add a lag alert **[2024-13-45]**\n"
    with pytest.raises(ValidationError, match="line 8: due date '2024-13-45'"):
        _import(store, text)
