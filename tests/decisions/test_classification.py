"""DORA classification records (DC-6) on SQLite and PostgreSQL: the outcome is computed from the criteria per
Delegated Regulation (EU) 2024/1772 Art. 8(1), recorded with who and when, in the ledger and in the document."""

from __future__ import annotations

import json

import pytest
from hypothesis import given
from hypothesis import strategies as st
from sqlmodel import func, select

from compliance.core.exitcodes import ExitCode
from compliance.decisions.service import DORA_INPUT_CRITERIA, is_major_dora, parse_dora_criteria
from tests.conftest import at

AS_OF = "2026-04-01T00:00:00Z"
OTHERS = ("clients", "reputational", "duration", "geographical", "data_losses", "economic")


def _count(store, model) -> int:
    with store.session() as session:
        return session.exec(select(func.count()).select_from(model)).one()


@pytest.mark.parametrize("criteria, major", [
    ({"critical_services", "malicious_access"}, True),        # Art. 8(1)(a): the Art. 9(5)(b) threshold
    ({"critical_services", "clients", "duration"}, True),     # Art. 8(1)(b): two other thresholds
    ({"critical_services", "data_losses", "clients"}, True),  # the Art. 9(5)(a) data threshold is one of the two
    ({"critical_services", "data_losses"}, False),            # Art. 9(5)(a) alone is one threshold only
    ({"critical_services", "economic"}, False),               # one other threshold only
    ({"malicious_access", "clients", "duration", "economic"}, False),  # no critical service affected (Art. 6)
    ({"critical_services"}, False),
    (set(), False),
])
def test_major_needs_critical_services_and_malicious_access_or_two_other_thresholds(criteria, major):
    """2024/1772 Art. 8(1) (OJ L, 2024/1772, 25.6.2024): critical services affected (Art. 6) and either (a) the
    Art. 9(5)(b) threshold (a successful, malicious, unauthorised access that may result in data losses) or (b) two
    or more of the other Art. 9(1) to (6) thresholds, among them the Art. 9(5)(a) impact on data."""
    assert is_major_dora(criteria) is major


@given(st.sets(st.sampled_from(DORA_INPUT_CRITERIA)), st.sampled_from(DORA_INPUT_CRITERIA))
def test_meeting_one_more_threshold_never_makes_an_incident_less_major(criteria, extra):
    assert is_major_dora(criteria) <= is_major_dora(criteria | {extra})
    assert is_major_dora(criteria) == ("critical_services" in criteria and (
        "malicious_access" in criteria or len(criteria & set(OTHERS)) >= 2))


@pytest.mark.parametrize("criteria, listed, data_losses, criteria_met, major", [
    ("critical_services,malicious_access", ["critical_services", "malicious_access"], True, 0, True),
    ("critical_services,data_losses", ["critical_services", "data_losses"], True, 1, False),
    ("critical_services,data_losses,clients", ["critical_services", "clients", "data_losses"], True, 2, True),
    # both points of Art. 9(5): the access decides (Art. 8(1)(a)); the record keeps the access
    ("critical_services,data_losses,malicious_access", ["critical_services", "malicious_access"], True, 0, True),
])
def test_the_two_points_of_the_data_losses_threshold_are_told_apart_in_the_record(store, make_incident, criteria,
                                                                                 listed, data_losses, criteria_met,
                                                                                 major):
    from compliance.decisions.service import classification_to_dict, record_classification
    from compliance.incidents.service import get_incident

    ref = make_incident(regimes=["dora"], entity_type="credit_institution")
    with store.session(immediate=True) as session:
        row = record_classification(session=session, incident=get_incident(session=session, ref=ref),
                                    criteria=criteria, rationale="figures", decided_by="CISO",
                                    decided_at=at("2026-03-01T16:00:00Z"))
        data = classification_to_dict(row)
    assert (data["criteria"], data["data_losses"], data["criteria_met"], data["major"]) == (
        listed, data_losses, criteria_met, major)


def test_a_record_made_before_the_two_points_were_told_apart_reads_as_the_access_it_was_recorded_for():
    """Before this reading, data_losses was to be recorded only for a malicious access (the old notes) and
    criteria_met never counted it: such a row reads as Art. 9(5)(b), so its stored `major` still follows."""
    from compliance.decisions.models import DoraClassification
    from compliance.decisions.service import classification_to_dict

    row = DoraClassification(incident_id=1, regime="dora", critical_services=True, data_losses=True, clients=False,
                             reputational=False, duration=False, geographical=False, economic=False, criteria_met=0,
                             major=True, rationale="r", decided_by="CISO", decided_at=at("2026-03-01T16:00:00Z"))
    data = classification_to_dict(row)
    assert data["criteria"] == ["critical_services", "malicious_access"]
    assert is_major_dora(data["criteria"]) is data["major"]


@given(st.lists(st.sampled_from(DORA_INPUT_CRITERIA), min_size=1), st.data())
def test_criteria_are_read_in_any_order_case_and_spacing(criteria, data):
    text = ",".join(f" {c.upper() if data.draw(st.booleans()) else c} " for c in criteria)
    assert parse_dora_criteria(text) == [c for c in DORA_INPUT_CRITERIA if c in criteria]


def test_a_classification_is_recorded_with_its_computed_outcome_and_shown(cli_run, store, make_incident):
    ref = make_incident(regimes=["dora"], entity_type="credit_institution", aware_at=at("2026-03-01T11:00:00Z"))
    result = cli_run(["decision", "classify", ref, "--criteria", "critical_services,clients,duration",
                      "--rationale", "card payments down 3 h for 14% of clients", "--decided-by", "incident commander",
                      "--at", "2026-03-01T13:00:00Z", "--json"])
    assert result.exit_code == 0, result.output
    data = json.loads(result.stdout)
    assert (data["major"], data["criteria"], data["criteria_met"]) == (
        True, ["critical_services", "clients", "duration"], 2)
    assert data["decided_at"] == "2026-03-01T13:00:00Z" and data["decided_by"] == "incident commander"
    text = cli_run(["decision", "show", ref]).stdout
    assert "dora major (critical_services, clients, duration) by incident commander" in text


def test_the_latest_classification_is_the_one_the_document_carries_and_all_are_kept(store, make_incident):
    from compliance.decisions.service import get_incident_decisions, record_classification
    from compliance.documents.service import build_incident_document, build_incident_documents
    from compliance.incidents.service import get_incident

    ref = make_incident(regimes=["dora"], entity_type="credit_institution")
    with store.session(immediate=True) as session:
        incident = get_incident(session=session, ref=ref)
        record_classification(session=session, incident=incident, criteria="critical_services,malicious_access",
                              rationale="attacker in the customer database", decided_by="CISO",
                              decided_at=at("2026-03-01T16:00:00Z"))
        record_classification(session=session, incident=incident, criteria="none", rationale="first look: no impact",
                              decided_by="duty manager", decided_at=at("2026-03-01T12:00:00Z"))  # decided earlier
    with store.session() as session:
        incident = get_incident(session=session, ref=ref)
        single = build_incident_document(session=session, incident=incident, as_of=at(AS_OF))
        (bulk,) = build_incident_documents(session=session, incidents=[incident], as_of=at(AS_OF))
        history = get_incident_decisions(session=session, incident=incident)["classifications"]
    assert single["dora_classification"]["major"] is True and single["dora_classification"] == bulk["dora_classification"]
    assert [c["major"] for c in history] == [False, True]


def test_a_classification_is_in_the_ledger_and_the_ledger_verifies(store, make_incident):
    from compliance.db.ledger.models import LedgerEntry
    from compliance.db.ledger.service import verify_ledger
    from compliance.decisions.service import record_classification
    from compliance.incidents.service import get_incident

    ref = make_incident(regimes=["dora"], entity_type="credit_institution")
    with store.session(immediate=True) as session:
        record_classification(session=session, incident=get_incident(session=session, ref=ref),
                              criteria=["critical_services", "malicious_access"], rationale="attacker in the database",
                              decided_by="CISO", decided_at=at("2026-03-01T16:00:00Z"))
    with store.session() as session:
        entries = session.exec(select(LedgerEntry.state).where(LedgerEntry.kind == "dora_classification")).all()
        result = verify_ledger(session=session)
    assert len(entries) == 1 and json.loads(entries[0])["major"] is True
    assert not result.problems and result.counts["dora_classification"] == 1


@pytest.mark.parametrize("options, message", [
    ({"--criteria": "critical_services,vibes"}, "--criteria: unknown criterion 'vibes'"),
    ({"--criteria": " , "}, "--criteria: name the criteria whose threshold is met, or 'none'"),
    ({"--criteria": "none,clients"}, "--criteria: 'none' cannot be combined with criteria"),
    ({"--regime": "nis2"}, "--regime: unknown regime 'nis2' (valid: dora)"),
    ({"--rationale": " "}, "--rationale: must not be empty"),
    ({"--decided-by": ""}, "--decided-by: must not be empty"),
    ({"--at": "2099-01-01T00:00:00Z"}, "--at: 2099-01-01T00:00:00Z is in the future"),
    ({"--at": "2026-03-01T13:00:00"}, "--at"),  # naive instant
])
def test_bad_classifications_are_one_line_and_record_nothing(cli_run, store, make_incident, options, message):
    from compliance.decisions.models import DoraClassification

    ref = make_incident(regimes=["dora"], entity_type="credit_institution")
    values = {"--criteria": "critical_services", "--rationale": "r", "--decided-by": "IC", **options}
    result = cli_run(["decision", "classify", ref, *[x for kv in values.items() for x in kv]])
    assert result.exit_code == int(ExitCode.ERROR), result.output
    assert len(result.stderr.strip().splitlines()) == 1 and message in result.stderr
    if "unknown criterion" in message:
        assert "valid: critical_services, malicious_access, clients, reputational, duration, geographical, data_losses, " \
            "economic, none" \
            in result.stderr
    assert _count(store, DoraClassification) == 0


def test_an_incident_not_under_dora_cannot_be_classified_under_it(cli_run, store, make_incident):
    from compliance.decisions.models import DoraClassification

    ref = make_incident(regimes=["gdpr"], personal_data=True)
    result = cli_run(["decision", "classify", ref, "--criteria", "critical_services,data_losses", "--rationale", "r",
                      "--decided-by", "IC"])
    assert result.exit_code == int(ExitCode.ERROR)
    assert result.stderr.strip().endswith(f"--regime: {ref} does not carry regime 'dora'")
    assert _count(store, DoraClassification) == 0


@pytest.mark.parametrize("command, options", [
    ("classify", {"--criteria": "critical_services", "--decided-by": "IC"}),
    ("declare", {"--outcome": "incident", "--type": "phishing", "--decided-by": "IC"}),
])
def test_terminal_control_characters_in_decision_text_are_refused_not_recorded(cli_run, store, make_incident, command,
                                                                               options):
    from compliance.decisions.models import Declaration, DoraClassification

    ref = make_incident(regimes=["dora"], entity_type="credit_institution")
    text = {"--rationale" if command == "classify" else "--rubric": "ok\x1b[2J\x1b[31mall clear"}
    result = cli_run(["decision", command, ref, *[x for kv in {**options, **text}.items() for x in kv]])
    assert result.exit_code == int(ExitCode.ERROR), result.output
    assert len(result.stderr.strip().splitlines()) == 1 and "control characters (found U+001B)" in result.stderr
    assert _count(store, DoraClassification) == 0 and _count(store, Declaration) == 0


def test_who_classified_is_a_person_the_public_document_redacts_even_in_other_text(store, make_incident):
    from compliance.core.redaction import REDACTED, get_redaction_policy, redact_incident_document
    from compliance.decisions.service import record_classification
    from compliance.documents.service import build_incident_document
    from compliance.incidents.service import get_incident

    ref = make_incident(regimes=["dora"], entity_type="credit_institution")
    with store.session(immediate=True) as session:
        record_classification(session=session, incident=get_incident(session=session, ref=ref), criteria="none",
                              rationale="no client impact", decided_by="Marta Nowak",
                              decided_at=at("2026-03-01T16:00:00Z"))
    with store.session() as session:
        document = build_incident_document(session=session, incident=get_incident(session=session, ref=ref),
                                           as_of=at(AS_OF))
        document["incident"]["description"] = "Marta Nowak classified it"
        public = redact_incident_document(document, get_redaction_policy(session=session))
    assert public["dora_classification"]["decided_by"] == REDACTED
    assert "Marta Nowak" not in public["incident"]["description"]


def test_the_first_major_classification_starts_the_dora_clock_and_a_later_one_never_moves_it(store, make_incident):
    from compliance.decisions.service import record_classification
    from compliance.documents.service import build_incident_document
    from compliance.incidents.models import IncidentChange
    from compliance.incidents.service import get_incident

    ref = make_incident(regimes=["dora"], entity_type="credit_institution", aware_at=at("2026-03-01T11:00:00Z"))

    def classify(criteria: str, when: str) -> None:
        with store.session(immediate=True) as session:
            record_classification(session=session, incident=get_incident(session=session, ref=ref), criteria=criteria,
                                  rationale="figures", decided_by="incident commander", decided_at=at(when))

    def document() -> dict:
        with store.session() as session:
            return build_incident_document(session=session, incident=get_incident(session=session, ref=ref),
                                           as_of=at("2026-03-01T20:00:00Z"))

    classify("critical_services", "2026-03-01T12:00:00Z")  # not major: no clock
    assert document()["incident"]["classified_at"] is None
    classify("critical_services,malicious_access", "2026-03-01T13:00:00Z")
    first = document()
    assert first["incident"]["classified_at"] == at("2026-03-01T13:00:00Z")
    initial = next(o for o in first["obligations"] if o["regime"] == "dora" and o["stage"] == "initial_notification")
    assert initial["due"] == at("2026-03-01T17:00:00Z")  # 4 h from classification (RTS 2025/301 Art. 5(1)(a))
    classify("critical_services,clients,duration", "2026-03-01T15:00:00Z")
    assert document()["incident"]["classified_at"] == at("2026-03-01T13:00:00Z")
    with store.session() as session:
        changes = session.exec(select(IncidentChange).where(IncidentChange.field == "classified_at")).all()
    assert [(c.changed_by, c.reason) for c in changes] == [("incident commander", "DORA classification: major")]
