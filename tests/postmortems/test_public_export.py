"""`postmortem export --public`, Markdown and JSON: one redacted document, nothing of the store's people in either."""

from __future__ import annotations

import json
from datetime import date

import pytest

from tests.conftest import at

LEAKS = ["Dana", "Ruiz", "dana", "example.com", "Priya", "Natarajan", "7946", "4567", "1234567",
         "Internal only", "Cancelled idea", "Diagnostics", "Kowalczyk", "ruizan engineer"]


@pytest.fixture
def incident_with_people(store, make_incident, tmp_path):
    """An incident whose texts name the people recorded as owners, actors, collectors and custody holders."""
    from compliance.actions.service import add_action, complete_action
    from compliance.custody.evidence import add_evidence
    from compliance.custody.service import record_custody_event
    from compliance.incidents.service import add_timeline_entry, get_incident
    from compliance.postmortems.service import set_postmortem

    ref = make_incident(title="Login outage reported by Dana Ruiz", started_at=at("2026-03-01T10:00:00Z"))
    with store.session(immediate=True) as session:
        incident = get_incident(session=session, ref=ref)
        add_timeline_entry(session=session, incident=incident, at=at("2026-03-01T10:05:00Z"), kind="detection",
                           text="dana.ruiz@example.com saw errors; called +44 20 7946 0958 <script>x()</script>",
                           actor="Dana Ruiz", customer_visible=True)
        add_timeline_entry(session=session, incident=incident, at=at("2026-03-01T10:30:00Z"), kind="mitigation",
                           text="@priya.natarajan rolled back v2.31.0 on 203.0.113.7 at 2026-03-01 10:30",
                           actor="on-call SRE", customer_visible=True)
        add_timeline_entry(session=session, incident=incident, at=at("2026-03-01T10:40:00Z"), kind="other",
                           text="Internal only: Tomasz Kowalczyk pinged", actor="Tomasz Kowalczyk")
        set_postmortem(session=session, incident=incident, data={
            "summary": "Dana Ruiz and Priya noticed failures; ring (555) 123-4567 or +49 30 1234567.",
            "impact_text": "1,200 users for 65 minutes",
            "root_cause": [{"number": "1", "text": "Config pushed by dana.ruiz without review"}],
            "lessons": [{"number": 1, "text": "Ask @dana.ruiz before pushing", "category": "process"}],
            "diagnostics": ["Diagnostics by Kowalczyk"], "reviewer": "Tomasz Kowalczyk"})
        add_action(session=session, incident=incident, description="Dana Ruiz adds a review gate", owner="dana.ruiz",
                   due=date(2026, 3, 20), priority="high")
        cancelled = add_action(session=session, incident=incident, description="Cancelled idea", owner="Priya Natarajan",
                               due=date(2026, 3, 20), priority="high")
        complete_action(session=session, action=cancelled, status="cancelled")
    blob = tmp_path / "chat.txt"
    blob.write_text("chat log")
    item = add_evidence(store=store, incident_ref=ref, path=blob, collected_by="Zoë Ångström")
    record_custody_event(store=store, ref=item["id"], action="transferred", actor="Zoë Ångström",
                         from_holder="Zoë Ångström", to_holder="Forensics Ltd", reason="analysis")
    return ref


def _export(cli_run, ref, *flags):
    result = cli_run(["postmortem", "export", ref, "--public", *flags])
    return result


@pytest.mark.parametrize("fmt", ["md", "json"])
def test_public_export_shows_no_person_email_phone_or_raw_html_in_either_format(cli_run, incident_with_people, fmt):
    result = _export(cli_run, incident_with_people, "--format", fmt)
    assert result.exit_code == 0, result.output
    for leak in LEAKS:
        assert leak not in result.stdout, (leak, result.stdout)
    assert "[redacted]" in result.stdout
    for kept in ("v2.31.0", "203.0.113.7", "2026-03-01 10:30", "1,200 users for 65 minutes", "adds a review gate",
                 "Config pushed by [redacted] without review", "Ask [redacted] before pushing"):
        assert kept in result.stdout, kept


def test_public_markdown_escapes_html_and_json_carries_it_as_data(cli_run, incident_with_people):
    out = _export(cli_run, incident_with_people).stdout
    assert "&lt;script&gt;x()&lt;/script&gt;" in out and "<script>" not in out
    document = json.loads(_export(cli_run, incident_with_people, "--format", "json").stdout)
    assert document["timeline"][0]["text"].endswith("<script>x()</script>"), "JSON readers escape for their medium"


def test_public_markdown_and_json_carry_the_same_content(cli_run, incident_with_people):
    markdown = _export(cli_run, incident_with_people).stdout
    document = json.loads(_export(cli_run, incident_with_people, "--format", "json").stdout)
    texts = ([document["title"], document["summary"], document["impact"]["text"]]
             + [e["text"] for e in document["timeline"]] + [s["text"] for s in document["root_cause"]]
             + [lesson["text"] for lesson in document["lessons"]] + [a["description"] for a in document["action_items"]])
    for text in texts:
        assert text.replace("<", "&lt;").replace(">", "&gt;") in markdown, text
    assert set(document) == {"incident", "title", "severity", "public", "impact", "summary", "timeline", "root_cause",
                             "lessons", "action_items", "theme_tags"}
    assert [a["status"] for a in document["action_items"]] == ["open"], "cancelled actions are omitted"
    assert len(document["timeline"]) == 2, "only customer-visible entries"


@pytest.mark.parametrize("fmt", ["md", "json"])
def test_a_restricted_incident_needs_include_restricted_even_with_public(cli_run, store, make_incident, fmt):
    ref = make_incident(title="Restricted matter", restricted=True)
    refused = _export(cli_run, ref, "--format", fmt)
    assert refused.exit_code == 1 and refused.stdout == ""
    assert refused.stderr.strip().splitlines() == [
        f"error: INCIDENT: {ref} is restricted; a public output includes it only with --include-restricted"]
    allowed = _export(cli_run, ref, "--format", fmt, "--include-restricted")
    assert allowed.exit_code == 0 and "Restricted matter" in allowed.stdout
    assert cli_run(["postmortem", "export", ref, "--format", fmt]).exit_code == 0, "the internal export is not public"
