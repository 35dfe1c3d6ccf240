"""Review rules fire on sentences the rules were not written from, stay quiet on blameless rewrites, and give lines."""

from __future__ import annotations

from pathlib import Path

import pytest

from compliance.postmortems.lint import review, review_input_from_parsed
from compliance.postmortems.parser import parse_postmortem

FIXTURES = Path(__file__).parent / "fixtures"
GOOD = (FIXTURES / "good-sev2-credential-stuffing.md").read_text()


def _with(section_line: str, sentence: str) -> str:
    return GOOD.replace(section_line, f"{section_line}\n{sentence}", 1)


def _codes(text: str) -> set[str]:
    return {f.code for f in review(review_input_from_parsed(parse_postmortem(text)))}


PLACES = {"summary": "## Executive Summary", "analysis": "### Contributors", "learnings": "**Technical:**",
          "risks": "### Risks"}


@pytest.mark.parametrize("place", sorted(PLACES))
@pytest.mark.parametrize("blaming, blameless", [
    ("- Maria skipped the pre-deploy checklist", "- The pre-deploy checklist is optional in the release tool"),
    ("- Tom pushed the migration anyway", "- The release tool let a migration ship while its check was red"),
    ("- The on-call forgot to silence the noisy alert", "- Silencing the noisy alert is a manual step that is easy to miss"),
    ("- Priya did not check the replica lag first", "- The runbook does not ask for the replica lag before failover"),
])
def test_blame_of_a_person_fires_in_every_section_and_the_rewrite_is_quiet(place, blaming, blameless):
    line = blaming if place != "summary" else blaming[2:]
    quiet = blameless if place != "summary" else blameless[2:]
    assert "PM001" in _codes(_with(PLACES[place], line))
    assert "PM001" not in _codes(_with(PLACES[place], quiet))


@pytest.mark.parametrize("place", sorted(PLACES))
@pytest.mark.parametrize("hindsight, rewrite", [
    ("- The dashboard obviously showed the pool filling up", "- The dashboard showed the pool filling; nobody was paged"),
    ("- A canary could have prevented the outage", "- Deploys go to every region at once; there is no canary stage"),
    ("- If only the replica had been promoted sooner", "- Promoting the replica took 40 minutes of manual steps"),
    ("- Responders failed to notice the second alert", "- The second alert went to a channel responders were not watching"),
    ("- We simply restarted the pods", "- Restarting the pods cleared the stuck connections"),
    ("- The team should have rolled back first", "- Rolling back needs a database restore, so it was not the first option"),
])
def test_hindsight_language_fires_in_every_section_and_the_rewrite_is_quiet(place, hindsight, rewrite):
    line = hindsight if place != "summary" else hindsight[2:]
    quiet = rewrite if place != "summary" else rewrite[2:]
    assert "PM020" in _codes(_with(PLACES[place], line))
    assert "PM020" not in _codes(_with(PLACES[place], quiet))


def test_the_impact_finding_points_at_the_impact_line():
    text = GOOD.replace("1,200 users locked out for 65 minutes; 4,100 failed logins", "a number of people could not log in")
    findings = [f for f in review(review_input_from_parsed(parse_postmortem(text))) if f.code == "PM015"]
    assert [f.line for f in findings] == [8]


def test_a_mixed_time_zone_points_at_the_entry_whose_zone_differs():
    text = GOOD.replace("- **10:05 UTC:** Decision", "- **11:05 CET:** Decision")
    findings = [f for f in review(review_input_from_parsed(parse_postmortem(text))) if f.code == "PM013"]
    assert [f.line for f in findings] == [17] and "is in CET" in findings[0].message


@pytest.mark.parametrize("name", ["poor.md", "real-world-database-failover.md", "sev1-ransomware.md"])
def test_every_finding_has_a_line_unless_it_is_about_something_absent(name):
    for finding in review(review_input_from_parsed(parse_postmortem((FIXTURES / name).read_text()))):
        assert finding.line is not None or finding.code in ("PM018", "PM019"), finding


def test_lint_json_has_line_on_every_finding(cli_run):
    import json

    data = json.loads(cli_run(["postmortem", "lint", str(FIXTURES / "poor.md"), "--json"]).stdout)
    assert all("line" in f for f in data["findings"])
    assert all(f["line"] is not None for f in data["findings"] if f["code"] not in ("PM018", "PM019"))
