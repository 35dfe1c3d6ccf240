"""Decision records on SQLite and PostgreSQL: declaration, breach risk assessment, significance; filing content
and action verification that the corrected checks read."""

from __future__ import annotations

import json

import pytest
from sqlmodel import func, select

from compliance.core.exitcodes import ExitCode
from tests.conftest import at

AS_OF = "2026-04-01T00:00:00Z"


def _rows(store, model) -> int:
    with store.session() as session:
        return session.exec(select(func.count()).select_from(model)).one()


def test_declaration_is_recorded_with_who_when_rubric_outcome_and_type(cli_run, store, make_incident):
    ref = make_incident()
    result = cli_run(["decision", "declare", ref, "--outcome", "incident", "--type", "ransomware", "--rubric",
                      "IR plan §4 matrix", "--decided-by", "incident commander", "--at", "2026-03-01T11:10:00Z", "--json"])
    assert result.exit_code == 0, result.output
    data = json.loads(result.stdout)
    assert (data["outcome"], data["incident_type"], data["decided_at"]) == ("incident", "ransomware", "2026-03-01T11:10:00Z")
    shown = json.loads(cli_run(["decision", "show", ref, "--json"]).stdout)
    assert [d["rubric"] for d in shown["declarations"]] == ["IR plan §4 matrix"]


def test_the_latest_assessment_is_the_one_the_document_carries(store, make_incident):
    from compliance.decisions.service import record_breach_assessment
    from compliance.documents.service import build_incident_document
    from compliance.incidents.service import get_incident

    ref = make_incident(personal_data=True, regimes=["gdpr"], aware_at=at("2026-03-01T13:00:00Z"))
    with store.session(immediate=True) as session:
        incident = get_incident(session=session, ref=ref)
        record_breach_assessment(session=session, incident=incident, regime="gdpr", likelihood="high", severity="high",
                                 level="high", rationale="passwords exposed", decided_by="DPO",
                                 decided_at=at("2026-03-02T10:00:00Z"))
        record_breach_assessment(session=session, incident=incident, regime="gdpr", likelihood="low", severity="medium",
                                 level="risk", rationale="hashes were salted", decided_by="DPO",
                                 decided_at=at("2026-03-01T18:00:00Z"))  # recorded later, decided earlier
    with store.session() as session:
        document = build_incident_document(session=session, incident=get_incident(session=session, ref=ref),
                                           as_of=at(AS_OF))
    assert document["breach_assessment"]["level"] == "high"


@pytest.mark.parametrize("args, message", [
    (["declare", "--outcome", "maybe"], "--outcome: 'maybe' is not one of incident, not_incident"),
    (["declare", "--type", "aliens"], "--type: 'aliens' is not one of malware, ransomware"),
    (["declare", "--rubric", " "], "--rubric: must not be empty"),
    (["declare", "--at", "2099-01-01T00:00:00Z"], "--at: 2099-01-01T00:00:00Z is in the future"),
    (["assess", "--level", "medium"], "--level: 'medium' is not one of none, risk, high"),
    (["assess", "--likelihood", "certain"], "--likelihood: 'certain' is not one of low, medium, high"),
    (["assess", "--exemption", "a"], "--exemption: an Art. 34(3) exemption applies only to a high risk"),
    (["assess", "--level", "high", "--exemption", "d"], "--exemption: 'd' is not one of a, b, c"),
    (["assess", "--level", "high", "--exemption", "a"], "--exemption-reason: must say why the exemption applies"),
    (["assess", "--regime", "hipaa"], "--regime: 'hipaa' is not one of gdpr, uk_gdpr"),
])
def test_bad_decisions_are_one_line_and_record_nothing(cli_run, store, make_incident, args, message):
    from compliance.decisions.models import BreachAssessment, Declaration

    ref = make_incident(personal_data=True, regimes=["gdpr"])
    command, *rest = args
    if command == "declare":
        options = {"--outcome": "incident", "--type": "phishing", "--rubric": "matrix", "--decided-by": "IC"}
    else:
        options = {"--likelihood": "low", "--severity": "low", "--level": "none", "--rationale": "encrypted",
                   "--decided-by": "DPO"}
    for flag, value in zip(rest[::2], rest[1::2], strict=True):
        options[flag] = value
    result = cli_run(["decision", command, ref, *[x for kv in options.items() for x in kv]])
    assert result.exit_code == int(ExitCode.ERROR)
    assert len(result.stderr.strip().splitlines()) == 1 and message in result.stderr
    assert _rows(store, Declaration) == 0 and _rows(store, BreachAssessment) == 0


def test_significance_is_a_store_setting_that_decides_where_reviews_apply(cli_run, store, make_incident):
    from compliance.controls.loader import load_frameworks
    from compliance.controls.service import assess_incident
    from compliance.incidents.service import get_incident, update_incident

    ref = make_incident(severity="sev3")
    with store.session(immediate=True) as session:
        update_incident(session=session, incident=get_incident(session=session, ref=ref),
                        changes={"status": "resolved", "resolved_at": at("2026-03-01T14:00:00Z")}, changed_by="test")
    iso = [load_frameworks()["iso27001-2022"]]

    def status() -> str:
        with store.session() as session:
            data = assess_incident(session=session, incident=get_incident(session=session, ref=ref), frameworks=iso,
                                   as_of=at(AS_OF))
        return next(r for r in data["frameworks"][0]["results"] if r["requirement"] == "A.5.27")["status"], data

    assert status()[0] == "not_applicable"  # default: sev2 or worse, personal data, any regime
    result = cli_run(["decision", "significance", "--severity-at-least", "sev3", "--json"])
    assert json.loads(result.stdout)["text"].startswith("An incident is significant when: severity sev3 or worse")
    verdict, data = status()
    assert verdict == "missing" and data["significance"]["rule"]["severity_at_least"] == "sev3"
    bad = cli_run(["decision", "significance", "--severity-at-least", "sev9"])
    assert bad.exit_code == int(ExitCode.ERROR) and "--severity-at-least: 'sev9' is not one of sev1" in bad.stderr


def test_filings_record_their_content_and_unknown_elements_are_refused(cli_run, store, make_incident):
    from compliance.deadlines.models import Notification

    ref = make_incident(personal_data=True, regimes=["gdpr"], aware_at=at("2026-03-01T13:00:00Z"))
    base = ["notify", "record", ref, "--regime", "gdpr", "--stage", "authority_notification",
            "--at", "2026-03-02T09:00:00Z"]
    bad = cli_run([*base, "--content", "nature,dpo_contact,feelings"])
    assert bad.exit_code == int(ExitCode.ERROR)
    assert len(bad.stderr.strip().splitlines()) == 1
    assert bad.stderr.strip().endswith("--content: unknown content element 'feelings' (known: nature, categories, "
                                       "data_subjects, records, dpo_contact, consequences, measures, delay_reasons)")
    assert _rows(store, Notification) == 0
    ok = cli_run([*base, "--content", "nature, dpo_contact", "--content", "measures", "--json"])
    assert ok.exit_code == 0, ok.output
    assert json.loads(ok.stdout)["content"] == ["nature", "dpo_contact", "measures"]
    from compliance.documents.service import build_incident_document
    from compliance.incidents.service import get_incident

    with store.session() as session:
        document = build_incident_document(session=session, incident=get_incident(session=session, ref=ref),
                                           as_of=at(AS_OF))
    authority = next(o for o in document["obligations"] if o["stage"] == "authority_notification")
    assert authority["filings"][0]["content"] == ["nature", "dpo_contact", "measures"]


def test_only_a_done_action_can_be_verified_and_once(cli_run, store, make_incident):
    ref = make_incident()
    cli_run(["action", "add", ref, "--text", "Add rate limit", "--owner", "Dana", "--due", "2026-03-20"])
    action = f"{ref}-A1"
    early = cli_run(["action", "verify", action, "--by", "SRE lead", "--how", "replay test"])
    assert early.exit_code == int(ExitCode.ERROR) and "only a done action can be verified" in early.stderr
    cli_run(["action", "done", action])
    missing_how = cli_run(["action", "verify", action, "--by", "SRE lead", "--how", " "])
    assert missing_how.exit_code == int(ExitCode.ERROR) and "--how: must say how" in missing_how.stderr
    ok = cli_run(["action", "verify", action, "--by", "SRE lead", "--how", "replay test throttled", "--json"])
    assert ok.exit_code == 0, ok.output
    data = json.loads(ok.stdout)
    assert data["verified_by"] == "SRE lead" and data["verification"] == "replay test throttled" and data["verified_at"]
    again = cli_run(["action", "verify", action, "--by", "x", "--how", "y"])
    assert again.exit_code != 0 and "already verified by SRE lead" in again.stderr


def test_a_later_incident_sharing_a_theme_within_90_days_is_a_recurrence_whatever_its_declared_type(store, make_incident):
    """One recurrence truth: the theme rule of the pack's recurrence links and the 90-day metric also fails
    the controls' "no recurrence" check of the earlier incident; a dismissed event and a late repeat do not."""
    from compliance.decisions.service import get_recurrences_by_incident, record_declaration
    from compliance.incidents.service import get_incident

    first = make_incident(tags=["credential-stuffing"], detected_at=at("2026-03-01T11:00:00Z"))
    within = make_incident(tags=["credential-stuffing", "login"], detected_at=at("2026-05-29T11:00:00Z"))
    beyond = make_incident(tags=["credential-stuffing"], detected_at=at("2026-05-30T11:00:01Z"))
    dismissed = make_incident(tags=["credential-stuffing"], detected_at=at("2026-03-05T11:00:00Z"))
    unrelated = make_incident(tags=["ddos"], detected_at=at("2026-03-06T11:00:00Z"))
    with store.session(immediate=True) as session:
        record_declaration(session=session, incident=get_incident(session=session, ref=dismissed), outcome="not_incident",
                           incident_type="other", rubric="matrix", decided_by="IC", decided_at=at("2026-03-05T12:00:00Z"))
        incidents = [get_incident(session=session, ref=ref) for ref in (first, dismissed, unrelated)]
        found = get_recurrences_by_incident(session=session, incidents=incidents)
    by_ref = {incident.ref: found[incident.id] for incident in incidents}
    assert [(r["ref"], r["tags"], r["services"]) for r in by_ref[first]] == [(within, ["credential-stuffing"], [])]
    assert beyond not in {r["ref"] for r in by_ref[first]}
    assert by_ref[dismissed] == [] and by_ref[unrelated] == []


def test_a_later_incident_of_the_same_type_on_the_same_service_is_a_recurrence(store, make_incident):
    from compliance.decisions.service import record_declaration
    from compliance.documents.service import build_incident_document, build_incident_documents
    from compliance.incidents.service import get_incident, list_incidents, update_incident

    first = make_incident(services=["login"])
    again = make_incident(services=["login", "api"], detected_at=at("2026-03-10T00:00:00Z"))
    other = make_incident(services=["billing"], detected_at=at("2026-03-11T00:00:00Z"))
    with store.session(immediate=True) as session:
        for ref in (first, again, other):
            record_declaration(session=session, incident=get_incident(session=session, ref=ref), outcome="incident",
                               incident_type="phishing", rubric="matrix", decided_by="IC",
                               decided_at=at("2026-03-01T12:00:00Z"))
        update_incident(session=session, incident=get_incident(session=session, ref=first),
                        changes={"status": "resolved", "resolved_at": at("2026-03-02T00:00:00Z")}, changed_by="t")
    with store.session() as session:
        doc = build_incident_document(session=session, incident=get_incident(session=session, ref=first), as_of=at(AS_OF))
        bulk = build_incident_documents(session=session, incidents=list_incidents(session=session), as_of=at(AS_OF))
    assert [(r["ref"], r["services"]) for r in doc["recurrences"]] == [(again, ["login"])]
    assert bulk[0]["recurrences"] == doc["recurrences"] and bulk[1]["recurrences"] == []
