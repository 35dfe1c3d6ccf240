"""PM011 says what the gap is and what to add, at the later entry; PM012 reads an earlier start from Key Facts.

The documents below are new (a CDN configuration incident), not the rules' own examples.
"""

from __future__ import annotations

from compliance.postmortems.lint import review, review_input_from_parsed
from compliance.postmortems.parser import fact_instant, key_facts_of, parse_postmortem

DOC = """# Incident Post-mortem: Edge nodes served stale pricing pages
## Key Facts
- **Severity:** Sev-3
- **Impact start:** {start}
- **Impact end:** 2026-06-11 11:30 UTC
- **Affected services:** edge-cache, pricing
- **Customer impact:** 1,200 shoppers saw last week's prices for 205 minutes
## Executive Summary
A configuration push left the edge cache serving stale pricing pages until the purge completed.
## Timeline
**2026-06-11**
{timeline}
## Contributors, Mitigators, Risks
### Contributors
- The cache key ignored the pricing version header
### Mitigators
- Checkout re-priced every basket from the pricing service
### Risks
- Two other services share the cache key template
## Root Cause Analysis
1. Stale pages were served
   1.1 The cache key template has no version field
## Learnings
**Technical:**
- Cache keys need the version of the content they cache
## Follow-ups
- [ ] **@ines.moreau:** Add the pricing version to the edge cache key — success: a version bump misses \
the cache in staging (lesson 1) **[2026-06-30]**
"""

LATE_START = "\n".join([
    "- **08:47 UTC:** Support tickets about wrong prices double; the on-call engineer is paged",
    "- **08:55 UTC:** Edge cache identified as the source of stale pages",
    "- **09:05 UTC:** Purge of the pricing paths started",
    "- **09:10 UTC:** Purge confirmed complete; prices correct",
])
FULL_START = "- **08:05 UTC:** Configuration push to the edge fleet begins\n" + LATE_START


def _findings(text: str, code: str) -> list:
    return [f for f in review(review_input_from_parsed(parse_postmortem(text))) if f.code == code]


def _line_of(text: str, fragment: str) -> int:
    return next(n for n, line in enumerate(text.splitlines(), start=1) if fragment in line)


def test_a_timeline_that_starts_after_the_impact_start_in_key_facts_is_flagged_at_its_first_entry():
    text = DOC.format(start="2026-06-11 08:05 UTC", timeline=LATE_START)
    [finding] = _findings(text, "PM012")
    assert finding.line == _line_of(text, "08:47 UTC")
    assert "Key Facts 'Impact start' (line 4)" in finding.message and "42 minutes earlier" in finding.message
    assert "08:47 UTC" in finding.message and "08:05 UTC" in finding.message


def test_a_timeline_that_starts_at_the_impact_start_is_not_flagged():
    assert _findings(DOC.format(start="2026-06-11 08:05 UTC", timeline=FULL_START), "PM012") == []
    assert _findings(DOC.format(start="unknown", timeline=FULL_START), "PM012") == []


def test_an_imported_postmortem_is_judged_on_the_impact_start_its_key_facts_name(store, cli_run, tmp_path):
    from compliance.incidents.service import get_incident
    from compliance.postmortems.review import review_postmortem

    opened = cli_run(["incident", "open", "--title", "Stale prices", "--severity", "sev3",
                      "--detected-at", "2026-06-11T08:47:00Z"])
    assert opened.exit_code == 0, opened.output
    path = tmp_path / "pm.md"
    path.write_text(DOC.format(start="2026-06-11 08:05 UTC", timeline=LATE_START))
    imported = cli_run(["postmortem", "import", "INC-0001", str(path)])
    assert imported.exit_code == 0, imported.output
    with store.session() as session:
        incident = get_incident(session=session, ref="INC-0001")
        assert incident.started_at is None  # the record's own field names no earlier start
        found = [f for f in review_postmortem(session=session, incident=incident) if f["code"] == "PM012"]
    assert len(found) == 1 and "imported post-mortem's Key Facts 'Impact start'" in found[0]["message"]


def test_a_gap_is_worded_as_what_is_missing_and_what_to_add_at_the_later_entry():
    timeline = "\n".join([
        "- **10:15 UTC:** Alert on checkout latency fired",
        "- **11:00 UTC:** Rolled back the cache configuration",
        "- **11:10 UTC:** Latency back at baseline; all-clear declared",
    ])
    text = DOC.format(start="2026-06-11 10:15 UTC", timeline=timeline)
    [finding] = _findings(text, "PM011")
    assert finding.message == ("45 minutes without an entry between 10:15 and 11:00 UTC: say what happened or what "
                               "the team waited for")
    assert finding.line == _line_of(text, "11:00 UTC")


def test_a_gap_across_midnight_names_both_dates_and_a_covered_gap_is_quiet():
    timeline = "\n".join([
        "- **23:40 UTC:** Alert on checkout latency fired",
        "",
        "**2026-06-12**",
        "- **00:30 UTC:** Rolled back the cache configuration",
        "- **00:35 UTC:** All-clear declared",
    ])
    [finding] = _findings(DOC.format(start="2026-06-11 23:40 UTC", timeline=timeline), "PM011")
    assert "50 minutes without an entry between 2026-06-11 23:40 UTC and 2026-06-12 00:30 UTC" in finding.message
    waited = timeline.replace("latency fired", "latency fired; waiting for the CDN vendor to confirm the purge window")
    assert _findings(DOC.format(start="2026-06-11 23:40 UTC", timeline=waited), "PM011") == []


def test_key_facts_instants_need_a_zone_and_are_read_only_from_the_key_facts_section():
    assert fact_instant("2026-06-11 08:05 UTC").isoformat() == "2026-06-11T08:05:00+00:00"
    assert fact_instant("2026-06-11T10:05+02:00").isoformat() == "2026-06-11T08:05:00+00:00"
    assert fact_instant("2026-06-11 08:05") is None and fact_instant("unknown") is None
    facts = key_facts_of("# T\n## Summary\n- **Impact start:** 2026-01-01 00:00 UTC\n## Key Facts\n"
                         "- **Impact start:** 2026-06-11 08:05 UTC\n")
    assert facts == {"impact start": ("2026-06-11 08:05 UTC", 5)}
