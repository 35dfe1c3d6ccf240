"""Incident documents from the store, assessment and coverage, on SQLite and PostgreSQL, through the library and the CLI."""

from __future__ import annotations

import json
from datetime import date

import pytest

from compliance.core.exitcodes import ExitCode
from tests.conftest import at

AS_OF = "2026-04-01T00:00:00Z"


def _document_incident(store, ref: str, *, postmortem: bool = True) -> None:
    """Adds a timeline, a post-mortem and action items to incident `ref`."""
    from compliance.actions.service import add_action, complete_action, verify_action
    from compliance.decisions.service import record_declaration
    from compliance.incidents.service import add_timeline_entry, get_incident, update_incident
    from compliance.postmortems.service import set_postmortem

    with store.session(immediate=True) as session:
        incident = get_incident(session=session, ref=ref)
        for when, kind, text, visible in [
            ("2026-03-01T11:00:00Z", "detection", "Alert on failed-login rate", False),
            ("2026-03-01T11:10:00Z", "decision", "Declared a security incident", False),
            ("2026-03-01T11:15:00Z", "escalation", "Paged the security team", False),
            ("2026-03-01T12:30:00Z", "mitigation", "Throttling enabled", False),
            ("2026-03-01T12:40:00Z", "eradication", "Leaked credentials reset", False),
            ("2026-03-01T13:30:00Z", "communication", "Status page updated", True),
            ("2026-03-01T14:30:00Z", "resolution", "Normal login rates", True),
        ]:
            add_timeline_entry(session=session, incident=incident, at=at(when), kind=kind, text=text,
                               source="monitoring", actor="incident commander", customer_visible=visible)
        update_incident(session=session, incident=incident, changes={"status": "resolved", "resolved_at": at(
            "2026-03-01T14:30:00Z"), "mitigated_at": at("2026-03-01T12:30:00Z")}, changed_by="test")
        if postmortem:
            set_postmortem(session=session, incident=incident, now=at("2026-03-02T09:00:00Z"), data={
                "summary": "Replayed passwords hit the EU login for 4 hours; 1,200 accounts were targeted.",
                "impact_text": "1,200 accounts targeted, 14 taken over for under an hour.", "impact_users": 1200,
                "contributors": ["no per-network rate limit on login"], "mitigators": ["failed-login alert"],
                "root_cause": [{"number": "1", "text": "login had no per-network throttling"},
                               {"number": "1.1", "text": "the rate limiter was only configured for the API"}],
                "lessons": [{"number": 1, "text": "rate limits belong on every login path"}],
                "detection_analysis": "Detected by the failed-login alert after 20 minutes.",
                "status": "published", "drafted_at": "2026-03-02T09:00:00Z", "published_at": "2026-03-04T09:00:00Z",
                "reviewer": "Security review board"})
            action = add_action(session=session, incident=incident, description="Throttle logins per source network",
                                owner="Dana Ruiz", due=date(2026, 3, 20), success_criteria="a replayed attack is throttled",
                                lessons=[1])
            complete_action(session=session, action=action, at=at("2026-03-18T09:00:00Z"))
            verify_action(session=session, action=action, verified_by="Security lead", how="replay test throttled",
                          at=at("2026-03-19T09:00:00Z"))
        record_declaration(session=session, incident=incident, outcome="incident", incident_type="unauthorised_access",
                           rubric="IR plan §4 matrix", decided_by="incident commander",
                           decided_at=at("2026-03-01T11:10:00Z"))


def test_the_incident_document_has_the_keys_the_audit_pack_reads_and_renders(store, make_incident):
    from compliance.documents.service import build_incident_document
    from compliance.incidents.service import get_incident
    from compliance.reports.adapt import section_from_document

    ref = make_incident(personal_data=True, regimes=["gdpr"], aware_at=at("2026-03-01T13:00:00Z"))
    _document_incident(store, ref)
    with store.session() as session:
        document = build_incident_document(session=session, incident=get_incident(session=session, ref=ref),
                                           as_of=at(AS_OF))
    assert set(document) == {"as_of", "incident", "timeline", "postmortem", "action_items", "review_findings",
                             "evidence", "obligations", "declaration", "breach_assessment", "breach_assessments",
                             "dora_classification", "recurrences", "programme", "audit_scope"}
    assert document["declaration"]["rubric"] == "IR plan §4 matrix" and document["breach_assessment"] is None
    assert document["incident"]["ref"] == ref and document["incident"]["regimes"] == ["gdpr"]
    assert [e["kind"] for e in document["timeline"]][:2] == ["detection", "decision"]
    assert document["action_items"][0]["verified_by"] == "Security lead"
    assert document["postmortem"]["status"] == "published"
    assert document["action_items"][0]["ref"] == f"{ref}-A1" and document["action_items"][0]["owner"] == "Dana Ruiz"
    section, notifications = section_from_document(document, as_of=at(AS_OF))
    assert section.ref == ref and section.postmortem.summary.startswith("Replayed")
    assert len(section.actions) == 1
    register = {(n.regime, n.stage): n for n in notifications}
    assert register[("gdpr", "authority_notification")].status == "late_open"
    assert register[("gdpr", "authority_notification")].due == at("2026-03-04T13:00:00Z")


def test_review_findings_are_empty_without_a_post_mortem_and_listed_with_one(store, make_incident):
    from compliance.documents.service import build_incident_document
    from compliance.incidents.service import get_incident

    bare = make_incident()
    blamed = make_incident()
    _document_incident(store, blamed)
    from compliance.postmortems.service import set_postmortem

    with store.session(immediate=True) as session:
        incident = get_incident(session=session, ref=blamed)
        set_postmortem(session=session, incident=incident, data={"summary": "Bob broke prod because he was careless."})
    with store.session() as session:
        no_pm = build_incident_document(session=session, incident=get_incident(session=session, ref=bare),
                                        as_of=at(AS_OF))
        with_pm = build_incident_document(session=session, incident=get_incident(session=session, ref=blamed),
                                          as_of=at(AS_OF))
    assert no_pm["postmortem"] is None and no_pm["review_findings"] == []
    assert with_pm["review_findings"] and {"code", "severity", "message"} <= set(with_pm["review_findings"][0])


def test_bulk_documents_equal_the_one_by_one_documents(store, make_incident):
    from compliance.documents.service import build_incident_document, build_incident_documents
    from compliance.incidents.service import list_incidents

    refs = [make_incident(personal_data=True, regimes=["gdpr"]), make_incident(), make_incident(severity="sev4")]
    _document_incident(store, refs[0])
    _document_incident(store, refs[2], postmortem=False)
    with store.session() as session:
        incidents = list_incidents(session=session)
        bulk = build_incident_documents(session=session, incidents=incidents, as_of=at(AS_OF))
        single = [build_incident_document(session=session, incident=i, as_of=at(AS_OF)) for i in incidents]
    assert bulk == single


def test_assess_incident_reports_status_reason_and_fields_per_requirement(store, make_incident):
    from compliance.controls.loader import load_frameworks
    from compliance.controls.service import assess_incident
    from compliance.incidents.service import get_incident

    ref = make_incident(services=["login"])
    _document_incident(store, ref)
    frameworks = load_frameworks()
    with store.session() as session:
        data = assess_incident(session=session, incident=get_incident(session=session, ref=ref),
                               frameworks=[frameworks["iso27001-2022"]], as_of=at(AS_OF))
    results = {r["requirement"]: r for r in data["frameworks"][0]["results"]}
    assert results["A.5.27"]["status"] == "satisfied" and results["A.5.27"]["reason"] is None
    assert results["A.5.28"] == {**results["A.5.28"], "status": "missing",
                                 "reason": "evidence preserved: evidence has 0 items, needs at least 1"}
    assert "evidence[].custody_verified" in results["A.5.28"]["fields"]
    assert results["A.5.24"]["status"] == "missing" and results["A.5.24"]["scope"] == "organisation"
    assert results["A.5.24"]["reason"].startswith("plan in force: no ir_plan programme evidence is recorded")
    assert {r for r, v in results.items() if v["status"] == "satisfied"} == {"A.5.25", "A.5.26", "A.5.27", "10.2"}


def test_coverage_counts_restricted_incidents_in_totals_and_withholds_only_their_rows(store, make_incident):
    from compliance.controls.loader import load_frameworks
    from compliance.controls.service import get_coverage

    inside = make_incident(detected_at=at("2026-03-01T11:00:00Z"))
    make_incident(detected_at=at("2026-03-02T11:00:00Z"), restricted=True)
    make_incident(detected_at=at("2026-04-01T00:00:00Z"))  # the day after the period
    _document_incident(store, inside)
    frameworks = load_frameworks()
    with store.session() as session:
        data = get_coverage(session=session, frameworks=[frameworks["soc2-2017"]], period_from=date(2026, 3, 1),
                            period_to=date(2026, 3, 31), as_of=at(AS_OF), include_restricted=False)
        with_restricted = get_coverage(session=session, frameworks=frameworks, period_from=date(2026, 3, 1),
                                       period_to=date(2026, 3, 31), as_of=at(AS_OF), include_restricted=True)
    matrix = data["frameworks"][0]
    assert data["incidents"] == 2 and data["withheld"] == 1
    assert [row["incident"] for row in matrix["incidents"]] == [inside]
    assert set(matrix["incidents"][0]["cells"]) == {"CC2.3", "CC7.2", "CC7.3", "CC7.4", "CC7.5", "P6.3", "P6.6"}
    assert [(o["requirement"], o["status"]) for o in matrix["organisation"]] == [
        ("CC7.1", "missing"), ("A1.2", "not_applicable"), ("A1.3", "not_applicable")]  # availability out of scope
    # RS-1: the withheld restricted incident still counts: 2 incidents x 7 requirements + 3 organisation verdicts.
    assert sum(matrix["totals"].values()) == 17
    assert sorted(sum(r["totals"].values()) for r in matrix["requirements"]) == [1, 1, 1, 2, 2, 2, 2, 2, 2, 2]
    assert with_restricted["incidents"] == 2 and with_restricted["withheld"] == 0
    assert len(with_restricted["frameworks"]) == len(frameworks)
    shown = next(f for f in with_restricted["frameworks"] if f["id"] == "soc2-2017")
    assert len(shown["incidents"]) == 2 and shown["totals"] == matrix["totals"]


# --------------------------------------------------------------------------- CLI

def test_cli_assess_json_is_one_document_with_a_result_per_requirement(cli_run, store, make_incident):
    ref = make_incident(personal_data=True, regimes=["gdpr"], aware_at=at("2026-03-01T13:00:00Z"))
    _document_incident(store, ref)
    result = cli_run(["controls", "assess", ref, "--framework", "gdpr", "--as-of", AS_OF, "--json"])
    assert result.exit_code == ExitCode.OK, result.output
    data = json.loads(result.stdout)
    results = {r["requirement"]: r for r in data["frameworks"][0]["results"]}
    assert list(results) == ["Art.33(1)", "Art.33(2)", "Art.33(3)", "Art.33(4)", "Art.33(5)", "Art.34"]
    assert results["Art.33(1)"]["status"] == "missing"
    assert results["Art.33(1)"]["reason"] == ("authority notified: gdpr authority_notification is overdue and not "
                                              "notified (due 2026-03-04T13:00:00Z)")
    assert results["Art.33(5)"]["status"] == "satisfied"
    filed = cli_run(["notify", "record", ref, "--regime", "gdpr", "--stage", "authority_notification",
                     "--at", "2026-03-03T09:30:00Z", "--recipient", "BfDI portal"])
    assert filed.exit_code == ExitCode.OK, filed.output
    after = json.loads(cli_run(["controls", "assess", ref, "--framework", "gdpr", "--as-of", AS_OF, "--json"]).stdout)
    assert {r["requirement"]: r["status"] for r in after["frameworks"][0]["results"]}["Art.33(1)"] == "satisfied"


def test_cli_assess_text_lists_each_requirement_with_its_status(cli_run, store, make_incident):
    ref = make_incident()
    result = cli_run(["controls", "assess", ref, "--framework", "iso27001-2022", "--as-of", AS_OF])
    assert result.exit_code == ExitCode.OK
    assert "A.5.28       missing" in result.stdout and "A.6.8" in result.stdout


def test_cli_coverage_prints_the_matrix_with_totals_and_json(cli_run, store, make_incident):
    ref = make_incident()
    _document_incident(store, ref)
    text = cli_run(["controls", "coverage", "--framework", "nist-sp800-61r3", "--as-of", AS_OF])
    assert text.exit_code == ExitCode.OK
    assert ref in text.stdout and "total ok" in text.stdout and "RS.AN-03" in text.stdout
    data = json.loads(cli_run(["controls", "coverage", "--from", "2026-03-01", "--to", "2026-03-01",
                               "--as-of", AS_OF, "--json"]).stdout)
    assert data["incidents"] == 1 and [f["id"] for f in data["frameworks"]] == [
        "dora-2022-2554", "gdpr", "iso27001-2022", "iso27035-1-2023", "nis2-art21", "nist-sp800-61r3",
        "pci-dss-4.0.1", "soc2-2017"]


@pytest.mark.parametrize("args, message", [
    (["assess", "INC-0099"], "error: INCIDENT: unknown incident 'INC-0099'"),
    (["assess", "nonsense"], "error: INCIDENT: 'nonsense' is not an incident id"),
    (["assess", "INC-0001", "--framework", "iso27001"], "error: --framework: unknown framework 'iso27001'"),
    (["assess", "INC-0001", "--as-of", "2026-04-01T00:00:00"], "error: --as-of: 2026-04-01T00:00:00 has no time zone"),
    (["coverage", "--from", "2026-13-01"], "error: --from: '2026-13-01' is not an ISO 8601 date"),
    (["coverage", "--from", "2026-03-02", "--to", "2026-03-01"], "error: --from: 2026-03-02 is after --to 2026-03-01"),
    (["coverage", "--framework", "nope"], "error: --framework: unknown framework 'nope'"),
])
def test_cli_bad_input_is_one_line_and_exit_1(cli_run, make_incident, args, message):
    make_incident()
    result = cli_run(["controls", *args])
    assert result.exit_code == ExitCode.ERROR
    assert result.stderr.startswith(message) and len(result.stderr.strip().splitlines()) == 1, result.stderr


def test_cli_naive_as_of_is_accepted_with_a_timezone(cli_run, make_incident):
    ref = make_incident()
    result = cli_run(["controls", "assess", ref, "--as-of", "2026-04-01T02:00:00", "--timezone", "Europe/Berlin",
                      "--json"])
    assert result.exit_code == ExitCode.OK and json.loads(result.stdout)["as_of"] == "2026-04-01T00:00:00Z"


def test_a_team_framework_from_an_added_folder_is_assessed_like_a_built_in_one(cli_run, store, make_incident, tmp_path):
    from tests.controls.test_validation import VALID, write

    write(tmp_path, "internal-ir.yaml", VALID)
    serious, minor = make_incident(severity="sev1"), make_incident(severity="sev4")
    _document_incident(store, serious)
    result = cli_run(["controls", "coverage", "--framework", "internal-ir", "--as-of", AS_OF, "--json"],
                     extra_env={"COMPLIANCE_CONTROLS": str(tmp_path)})
    assert result.exit_code == ExitCode.OK, result.output
    rows = {row["incident"]: row for row in json.loads(result.stdout)["frameworks"][0]["incidents"]}
    assert rows[serious]["cells"] == {"IR-1": "satisfied"}
    assert rows[minor]["cells"] == {"IR-1": "not_applicable"}
    assert rows[minor]["reasons"] == {"IR-1": "not applicable: incident.severity is sev4, not at least sev2"}


def test_coverage_cli_says_how_many_restricted_incidents_are_counted_with_rows_withheld(cli_run, make_incident):
    make_incident(detected_at=at("2026-03-01T11:00:00Z"))
    make_incident(detected_at=at("2026-03-02T11:00:00Z"), restricted=True)
    text = cli_run(["controls", "coverage", "--framework", "soc2-2017", "--as-of", AS_OF]).stdout
    assert text.startswith("2 incident(s) (1 restricted: counted, rows withheld); as of")
    assert "INC-0002" not in text
    shown = cli_run(["controls", "coverage", "--framework", "soc2-2017", "--as-of", AS_OF, "--include-restricted"]).stdout
    assert shown.startswith("2 incident(s); as of") and "INC-0002" in shown
