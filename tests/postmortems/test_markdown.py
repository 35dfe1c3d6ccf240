"""Markdown post-mortems: parsing the template, lint rules, import (idempotent, all-or-nothing), export round trip."""

from __future__ import annotations

import json
from collections import Counter
from datetime import UTC
from pathlib import Path

import pytest

from compliance.core.exitcodes import ExitCode
from compliance.postmortems.lint import RULES, review, review_input_from_parsed
from compliance.postmortems.parser import parse_postmortem

FIXTURES = Path(__file__).parent / "fixtures"
TEMPLATE = FIXTURES / "guide-template.md"  # the guide's template, copied: tests never read outside the repository
SEVERITY_DOCS = ["sev1-ransomware.md", "good-sev2-credential-stuffing.md", "sev3-connection-pool.md",
                 "sev4-expired-certificate.md"]


def _codes(name: str) -> Counter:
    doc = parse_postmortem((FIXTURES / name).read_text())
    return Counter(f.code for f in review(review_input_from_parsed(doc)))


def test_template_from_the_guides_parses_completely():
    doc = parse_postmortem(TEMPLATE.read_text(), year=2024)
    assert doc.problems == []
    assert [e.kind for e in doc.timeline][:3] == ["detection", "other", "escalation"]
    assert len(doc.followups) == 4 and doc.followups[3].owner == "@comms-team"
    assert doc.theme_tags == ["capacity", "configuration", "monitoring", "communications"]
    assert [lesson["category"] for lesson in doc.lessons] == ["technical", "technical", "coordination", "coordination",
                                                    "product", "product"]


def test_other_time_zones_are_converted_and_the_original_is_kept():
    doc = parse_postmortem((FIXTURES / "sev1-ransomware.md").read_text())
    first = doc.timeline[0]
    assert first.at.isoformat() == "2026-02-10T07:12:00+00:00" and first.original_time == "2026-02-10 08:12 CET"


def test_why_chains_keep_their_numbering_and_branches():
    doc = parse_postmortem((FIXTURES / "good-sev2-credential-stuffing.md").read_text())
    assert [s["number"] for s in doc.root_cause] == ["1", "1.1", "1.1.1", "2", "2.1"]


def test_tolerates_heading_levels_star_bullets_and_missing_sections():
    doc = parse_postmortem("# Incident Post-mortem: X\n#### key facts\n* **Severity:** sev-4\n### TIMELINE\n"
                           "**2026-01-02**\n* **10:00 UTC:** deploy starts\n")
    assert doc.severity == "sev4" and len(doc.timeline) == 1 and doc.problems == []


def test_unparseable_items_are_reported_with_their_line():
    doc = parse_postmortem("# Incident Post-mortem: X\n## Timeline\n**2026-01-02**\n- around lunch the site broke\n")
    assert doc.problems == ["line 4: timeline entry without a time like '14:23 UTC': around lunch the site broke"]


@pytest.mark.parametrize("code", sorted(RULES))
def test_each_rule_fires_once_on_the_poor_document_and_never_on_the_good_one(code):
    assert _codes("poor.md")[code] == 1
    assert _codes("good-sev2-credential-stuffing.md")[code] == 0


def test_rules_can_be_switched_off_by_code_or_name():
    doc = parse_postmortem((FIXTURES / "poor.md").read_text())
    codes = {f.code for f in review(review_input_from_parsed(doc), disabled=["PM001", "too-many-actions"])}
    assert "PM001" not in codes and "PM010" not in codes and "PM002" in codes


def test_lint_file_exits_non_zero_on_blocking_findings(cli_run):
    poor = cli_run(["postmortem", "lint", str(FIXTURES / "poor.md"), "--json"])
    assert poor.exit_code == ExitCode.ERROR and json.loads(poor.stdout)["blocking"] is True
    good = cli_run(["postmortem", "lint", str(FIXTURES / "good-sev2-credential-stuffing.md")])
    assert good.exit_code == 0 and "0 finding(s)" in good.stdout


@pytest.mark.parametrize("name", SEVERITY_DOCS)
def test_fixture_documents_import_as_new_incidents(cli_run, name):
    result = cli_run(["postmortem", "import", "--new", str(FIXTURES / name), "--json"])
    assert result.exit_code == 0, result.stderr
    data = json.loads(result.stdout)
    assert data["created"] is True and data["incident"] == "INC-0001"
    shown = json.loads(cli_run(["postmortem", "show", "INC-0001", "--json"]).stdout)
    doc = parse_postmortem((FIXTURES / name).read_text())
    assert len(shown["timeline"]) == len(doc.timeline) and len(shown["action_items"]) == len(doc.followups)
    assert shown["severity"] == doc.severity and shown["theme_tags"] == doc.theme_tags


def test_reimport_is_idempotent_and_a_change_is_reported(cli_run, tmp_path):
    path = tmp_path / "pm.md"
    path.write_text((FIXTURES / "good-sev2-credential-stuffing.md").read_text())
    cli_run(["postmortem", "import", "--new", str(path)])
    again = json.loads(cli_run(["postmortem", "import", "INC-0001", str(path), "--json"]).stdout)
    assert again["unchanged"] is True
    path.write_text(path.read_text().replace("- The US login stack", "- The APAC login stack is similar\n- The US login stack"))
    changed = json.loads(cli_run(["postmortem", "import", "INC-0001", str(path), "--json"]).stdout)
    assert changed["changes"] == ["post-mortem: risks"]
    shown = json.loads(cli_run(["postmortem", "show", "INC-0001", "--json"]).stdout)
    assert len(shown["timeline"]) == 8 and len(shown["action_items"]) == 2 and len(shown["risks"]) == 2


def test_markdown_export_reimports_to_the_same_record(cli_run, tmp_path):
    cli_run(["postmortem", "import", "--new", str(FIXTURES / "good-sev2-credential-stuffing.md")])
    exported = cli_run(["postmortem", "export", "INC-0001"]).stdout
    path = tmp_path / "exported.md"
    path.write_text(exported)
    result = json.loads(cli_run(["postmortem", "import", "--new", str(path), "--json"]).stdout)
    assert result["incident"] == "INC-0002"
    first = json.loads(cli_run(["postmortem", "show", "INC-0001", "--json"]).stdout)
    second = json.loads(cli_run(["postmortem", "show", "INC-0002", "--json"]).stdout)
    for key in ("summary", "contributors", "mitigators", "risks", "root_cause", "lessons", "diagnostics", "theme_tags"):
        assert first[key] == second[key], key
    assert [(e["at"], e["text"]) for e in first["timeline"]] == [(e["at"], e["text"]) for e in second["timeline"]]
    strip = lambda items: [(a["description"], a["owner"], a["due"], a["lessons"], a["success_criteria"]) for a in items]  # noqa: E731
    assert strip(first["action_items"]) == strip(second["action_items"])
    assert json.loads(cli_run(["postmortem", "import", "INC-0002", str(path), "--json"]).stdout)["unchanged"] is True


def test_public_export_drops_names_and_internal_detail(cli_run):
    cli_run(["postmortem", "import", "--new", str(FIXTURES / "good-sev2-credential-stuffing.md")])
    public = cli_run(["postmortem", "export", "INC-0001", "--public"]).stdout
    assert "dana.ruiz" not in public and "@" not in public and "Diagnostics" not in public
    assert "Incident report:" in public


@pytest.mark.parametrize("content, message", [
    (b"", "is empty"),
    (b"\x89PNG\r\n\x1a\n\x00\x00binary", "is a binary file"),
    (b"# Incident Post-mortem: X\n## Executive Summary\nText\n", "no Key Facts section"),
    (b"# Incident Post-mortem: X\n## Key Facts\n- **Severity:** Sev-2\n- **Impact start:** 2026-01-01 10:00 UTC\n"
     b"## Follow-ups\n- [ ] **@a:** Do a thing **[Febtember 40]**\n", "due date 'Febtember 40' does not parse"),
    (b"# Incident Post-mortem: X\n## Key Facts\n- **Severity:** Sev-2\n- **Impact start:** 2026-01-01 10:00 UTC\n"
     b"## Follow-ups\n- [ ] **@a:** Do a thing **[2024-13-45]**\n", "line 6: due date '2024-13-45' does not parse"),
    (b"# Incident Post-mortem: X\n## Key Facts\n- **Severity:** Sev-2\n- **Impact start:** 2026-01-01 10:00 UTC\n"
     b"## Timeline\n**2026-02-30**\n- **10:00 UTC:** Deploy\n", "line 6: date heading '2026-02-30' is not a calendar date"),
    (b"# Incident Post-mortem: X\n## Key Facts\n- **Severity:** Sev-2\n- **Impact start:** 2026-01-01 25:00 UTC\n",
     "line 4: Key Facts 'impact start' '2026-01-01 25:00 UTC' is not a date-time"),
])
def test_bad_documents_give_one_line_and_change_nothing(cli_run, tmp_path, content, message):
    path = tmp_path / "bad.md"
    path.write_bytes(content)
    result = cli_run(["postmortem", "import", "--new", str(path)])
    assert result.exit_code == ExitCode.ERROR and message in result.stderr
    assert len(result.stderr.strip().splitlines()) == 1
    assert json.loads(cli_run(["incident", "list", "--json"]).stdout) == []


def test_oversized_file_is_refused_before_reading(cli_run, tmp_path):
    path = tmp_path / "huge.md"
    with open(path, "wb") as handle:
        handle.truncate(50 * 1024 * 1024)
    result = cli_run(["postmortem", "import", "--new", str(path)])
    assert result.exit_code == ExitCode.ERROR and "over 10485760 bytes are refused" in result.stderr


def test_stored_postmortem_review_honours_disabled_rules(store, cli_run):
    from compliance.db.settings import set_setting
    from compliance.incidents.service import get_incident
    from compliance.postmortems.review import review_postmortem

    cli_run(["postmortem", "import", "--new", str(FIXTURES / "sev1-ransomware.md")])
    with store.session() as session:
        incident = get_incident(session=session, ref="INC-0001")
        assert {f["code"] for f in review_postmortem(session=session, incident=incident)} == {"PM011"}
        set_setting(session=session, key="lint.disabled_rules", value={"rules": ["PM011"]})
    with store.session() as session:
        assert review_postmortem(session=session, incident=get_incident(session=session, ref="INC-0001")) == []


def _gap_findings(*lines: tuple[str, str, str]) -> list:
    from datetime import datetime

    from compliance.postmortems.lint import ReviewEntry, ReviewInput

    entries = [ReviewEntry(datetime.fromisoformat(f"2026-03-02T{hhmm}:00").replace(tzinfo=UTC), text, kind,
                           "UTC") for hhmm, kind, text in lines]
    data = ReviewInput(summary="s", impact="i", impact_numbers=True, contributors=[], mitigators=["m"],
                       root_cause=[], lessons=[], actions=[], timeline=entries,
                       detected_at=entries[0].at, started_at=None, reference_date=entries[0].at.date())
    return [f for f in review(data) if f.code == "PM011"]


def test_a_gap_is_explained_by_an_entry_that_says_what_the_team_waited_for():
    explained = _gap_findings(("09:00", "detection", "Alert on error rate"),
                              ("09:10", "mitigation", "Rolled back; monitoring the error rate until it stays at baseline"),
                              ("11:40", "resolution", "All-clear after two hours at baseline"))
    assert explained == []
    unexplained = _gap_findings(("09:00", "detection", "Alert on error rate"),
                                ("09:10", "mitigation", "Rolled back the release"),
                                ("11:40", "resolution", "All-clear declared"))
    assert len(unexplained) == 1 and "150 minutes" in unexplained[0].message


def test_rules_are_switched_off_and_on_per_store_from_the_command_line(cli_run):
    cli_run(["postmortem", "import", "--new", str(FIXTURES / "sev1-ransomware.md")])
    assert "PM011" in cli_run(["postmortem", "lint", "INC-0001"]).stdout
    off = cli_run(["postmortem", "rules", "--disable", "timeline-gap", "--json"])
    assert off.exit_code == ExitCode.OK, off.output
    assert {r["code"]: r["enabled"] for r in json.loads(off.stdout)}["PM011"] is False
    assert "PM011" not in cli_run(["postmortem", "lint", "INC-0001"]).stdout
    listed = cli_run(["postmortem", "rules"]).stdout
    assert any(line.startswith("PM011") and " OFF " in line for line in listed.splitlines())
    cli_run(["postmortem", "rules", "--enable", "PM011"])
    assert "PM011" in cli_run(["postmortem", "lint", "INC-0001"]).stdout


def test_an_unknown_rule_is_refused_and_nothing_changes(cli_run):
    cli_run(["postmortem", "rules", "--disable", "PM005"])
    bad = cli_run(["postmortem", "rules", "--disable", "PM099", "--disable", "PM001"])
    assert bad.exit_code == ExitCode.ERROR
    assert bad.stderr.startswith("error: --disable: unknown review rule 'PM099'") and len(bad.stderr.splitlines()) == 1
    rules = {r["code"]: r["enabled"] for r in json.loads(cli_run(["postmortem", "rules", "--json"]).stdout)}
    assert rules["PM005"] is False and rules["PM001"] is True


def test_lint_of_a_file_can_skip_rules_for_one_run(cli_run):
    poor = str(FIXTURES / "poor.md")
    assert "PM001" in cli_run(["postmortem", "lint", poor]).stdout
    skipped = cli_run(["postmortem", "lint", poor, "--disable", "PM001", "--disable", "too-many-actions"]).stdout
    assert "PM001" not in skipped and "PM010" not in skipped and "PM002" in skipped
