"""The engine on hand-built documents: statuses, reasons, fields, and the knock-out rule derived from the YAML."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from compliance.controls.engine import STATUSES, assess_document
from compliance.controls.loader import load_frameworks
from tests.controls.docs import at, full_document

FRAMEWORKS = load_frameworks()
REQUIREMENTS = [r for f in FRAMEWORKS.values() for r in f.requirements]
ALL_FIELDS = sorted({f for r in REQUIREMENTS for f in r.fields})
_SELECTOR = re.compile(r"^(?P<list>\w+)\[(?P<sel>[^\]]+)\]$")
_ITEM_FIELD = re.compile(r"^(?P<list>\w+)\[\]\.(?P<sub>\w+)$")


def _statuses(document: dict) -> dict[str, str]:
    return {f"{f.id}:{r.requirement_id}": r.status for f in FRAMEWORKS.values() for r in assess_document(document, f)}


def _results(document: dict, framework: str) -> dict:
    return {r.requirement_id: r for r in assess_document(document, FRAMEWORKS[framework])}


def _selector(text: str) -> dict[str, str]:
    return dict(part.split("=", 1) for part in text.split(","))


def _matches(item: dict, selector: dict[str, str]) -> bool:
    return all(str(item.get(k)).lower() == v.lower() for k, v in selector.items())


def knock_out(document: dict, path: str) -> None:
    """Removes the evidence `path` names: a field set to null, list items removed, or a blocking finding added."""
    if path == "review_findings[severity=blocking]":
        document["review_findings"].append({"code": "PM001", "rule": "blame", "severity": "blocking",
                                            "message": "names a person as the cause", "suggestion": "", "line": 3})
        return
    if m := _SELECTOR.match(path):
        selector = _selector(m["sel"])
        document[m["list"]] = [i for i in document[m["list"]] or [] if not _matches(i, selector)]
        return
    if m := _ITEM_FIELD.match(path):
        for item in document[m["list"]] or []:
            item[m["sub"]] = None
        return
    *parents, leaf = path.split(".")
    target = document
    for part in parents:
        target = target[part]
        if target is None:
            return
    target[leaf] = None


def touches(field: str, broken: str) -> bool:
    """Whether knocking out `broken` can change what a check reading `field` sees."""
    for a, b in ((field, broken), (broken, field)):
        if a == b or a.startswith(b + ".") or a.startswith(b + "["):
            return True
    fm, bm = _SELECTOR.match(field), _SELECTOR.match(broken)
    if fm and bm and fm["list"] == bm["list"]:
        return _selector(bm["sel"]).items() <= _selector(fm["sel"]).items() or \
            _selector(fm["sel"]).items() <= _selector(bm["sel"]).items()
    item = _ITEM_FIELD.match(broken)
    if item and fm and fm["list"] == item["list"] and item["sub"] in _selector(fm["sel"]):
        return True
    return False


def test_a_fully_documented_incident_satisfies_every_requirement_of_every_framework():
    statuses = _statuses(full_document())
    assert statuses and all(s == "satisfied" for s in statuses.values()), \
        {k: v for k, v in statuses.items() if v != "satisfied"}


@pytest.mark.parametrize("field", ALL_FIELDS)
def test_removing_one_field_flips_exactly_the_requirements_that_read_it(field):
    before = _statuses(full_document())
    document = full_document()
    knock_out(document, field)
    after = _statuses(document)
    flipped = {key for key in before if before[key] != after[key]}
    by_key = {r.key: r for r in REQUIREMENTS}
    reading = {key for key, r in by_key.items() if any(touches(f, field) for f in r.fields)}
    requiring = {key for key, r in by_key.items() if field in r.required_fields}
    assert flipped <= reading, f"{field} changed requirements that do not read it: {sorted(flipped - reading)}"
    assert requiring <= flipped, f"{field} is required by {sorted(requiring - flipped)} but they did not change"


@pytest.mark.parametrize("requirement", REQUIREMENTS, ids=[r.key for r in REQUIREMENTS])
def test_no_requirement_is_satisfied_once_every_field_it_reads_is_removed(requirement):
    document = full_document()
    for field in requirement.fields:
        knock_out(document, field)
    framework = FRAMEWORKS[requirement.framework_id]
    result = next(r for r in assess_document(document, framework) if r.requirement_id == requirement.id)
    assert result.status != "satisfied"


def test_gdpr_requirements_are_not_applicable_to_an_incident_without_personal_data():
    document = full_document()
    document["incident"]["personal_data"] = False
    results = _results(document, "gdpr")
    assert {r.status for r in results.values()} == {"not_applicable"}
    assert results["Art.33(1)"].reason == "not applicable: incident.personal_data is not true"


def test_gdpr_requirements_do_not_apply_when_the_regime_is_not_recorded():
    document = full_document()
    document["incident"]["regimes"] = ["hipaa"]
    assert _results(document, "gdpr")["Art.33(5)"].reason == "not applicable: none of gdpr, uk_gdpr is in incident.regimes"


def test_severity_threshold_makes_escalation_not_applicable_for_minor_incidents():
    document = full_document()
    document["incident"]["severity"] = "sev3"
    result = _results(document, "nist-sp800-61r3")["RS.MA-04"]
    assert result.status == "not_applicable"
    assert result.reason == "not applicable: incident.severity is sev3, not at least sev2"


def test_learning_requirements_wait_until_the_incident_is_resolved():
    document = full_document()
    document["incident"]["status"] = "open"
    assert _results(document, "iso27001-2022")["A.5.27"].status == "not_applicable"


def test_a_failing_required_check_gives_missing_with_the_check_and_field_named():
    document = full_document()
    document["postmortem"]["root_cause"] = []
    result = _results(document, "iso27001-2022")["A.5.27"]
    assert result.status == "missing"
    assert result.reason == "root cause analysed: postmortem.root_cause has 0 items, needs at least 1"
    assert "postmortem.root_cause" in result.fields


def test_a_failing_partial_check_gives_partial_not_missing():
    document = full_document()
    document["postmortem"]["drafted_at"] = document["incident"]["resolved_at"] + timedelta(hours=60)
    result = _results(document, "iso27001-2022")["A.5.27"]
    assert result.status == "partial"
    assert result.reason == ("review drafted promptly: postmortem.drafted_at is 2d 12h after incident.resolved_at, "
                             "more than 48h")


def test_a_missing_check_outranks_a_partial_one_and_both_are_in_the_reason():
    document = full_document()
    document["postmortem"]["drafted_at"] = document["incident"]["resolved_at"] + timedelta(hours=60)
    document["action_items"] = []
    result = _results(document, "iso27001-2022")["A.5.27"]
    assert result.status == "missing"
    assert result.reason.startswith("corrective actions: action_items has 0 items")
    assert "review drafted promptly" in result.reason


def test_a_time_limit_is_partial_while_pending_and_stays_partial_once_passed_with_an_overdue_reason():
    # A.5.27 lists "review drafted promptly" as a partial check: passing the limit changes the reason, not the rank.
    document = full_document()
    document["postmortem"]["drafted_at"] = None
    document["as_of"] = document["incident"]["resolved_at"] + timedelta(hours=10)
    pending = _results(document, "iso27001-2022")["A.5.27"]
    assert pending.status == "partial"
    assert pending.reason == "review drafted promptly: postmortem.drafted_at is not recorded yet (due by 2026-03-03T14:30:00Z)"
    document["as_of"] = document["incident"]["resolved_at"] + timedelta(hours=49)
    result = _results(document, "iso27001-2022")["A.5.27"]
    assert result.status == "partial"
    assert result.reason == ("review drafted promptly: postmortem.drafted_at is not recorded "
                             "(48h after incident.resolved_at has passed)")


def test_every_action_item_needs_an_owner_but_cancelled_items_are_not_judged():
    document = full_document()
    document["action_items"][1]["owner"] = None
    result = _results(document, "iso27001-2022")["A.5.27"]
    assert result.status == "missing"
    assert result.reason == "actions owned and scheduled: action_items INC-0001-A2: owner is not recorded"
    document["action_items"][1]["status"] = "cancelled"
    assert _results(document, "iso27001-2022")["A.5.27"].status == "satisfied"


@pytest.mark.parametrize("obligation, status, reason_part", [
    ({"status": "on_time"}, "satisfied", None),
    ({"status": "late", "delay_reason": "forensics needed to confirm the breach"}, "satisfied", None),
    ({"status": "undue_delay", "delay_reason": ""}, "missing", "notified late without a reason for the delay"),
    ({"status": "late", "delay_reason": None}, "missing", "notified late without a reason for the delay"),
    ({"status": "late_open", "notified_at": None}, "missing", "overdue and not notified"),
    ({"status": "undue_delay", "notified_at": None, "age_hours": 30.5}, "missing",
     "is not notified (required without undue delay; 30.5 h since the clock started)"),
    ({"status": "late", "notified_at": None, "delay_reason": "still investigating"}, "missing",
     "overdue and not notified"),
    ({"status": "cancelled"}, "missing", "has unknown status 'cancelled'"),
    ({"status": "open", "notified_at": None}, "partial", "not notified yet (due 2026-03-04T13:00:00Z)"),
    ({"status": "due_soon", "notified_at": None}, "partial", "not notified yet"),
    ({"status": "waived", "waived": True, "waiver_reason": "data were encrypted", "decided_by": "DPO",
      "decided_at": at("2026-03-01T16:00:00Z")}, "satisfied", None),
    ({"status": "waived", "waived": True, "waiver_reason": None, "decided_by": "DPO",
      "decided_at": at("2026-03-01T16:00:00Z")}, "missing", "waived without a recorded decision"),
    ({"status": "waived", "waived": True, "waiver_reason": "encrypted", "decided_by": None, "decided_at": None},
     "missing", "waived without a recorded decision (obligations[].decided_by, obligations[].decided_at missing)"),
])
def test_gdpr_notification_is_on_time_or_late_with_reasons_or_waived_with_a_recorded_decision(obligation, status,
                                                                                              reason_part):
    document = full_document()
    document["obligations"][0].update(obligation)
    document["breach_assessment"]["level"] = "none"  # a waiver rests on "unlikely to result in a risk"
    result = _results(document, "gdpr")["Art.33(1)"]
    assert result.status == status
    if reason_part:
        assert reason_part in result.reason and result.reason.startswith("authority notified: gdpr authority_notification")
    else:
        assert result.reason is None


def test_no_recorded_obligation_means_the_notification_is_missing():
    document = full_document()
    document["obligations"] = []
    result = _results(document, "gdpr")["Art.33(1)"]
    assert result.status == "missing"
    assert result.reason == "authority notified: no gdpr authority_notification obligation is recorded (obligations)"


def test_late_awareness_is_partial_unless_it_is_justified():
    document = full_document()
    document["incident"]["aware_at"] = at("2026-03-04T11:00:00Z")
    assert _results(document, "gdpr")["Art.33(1)"].status == "partial"
    document["incident"]["awareness_justification"] = "forensic review needed to confirm personal data was read"
    assert _results(document, "gdpr")["Art.33(1)"].status == "satisfied"


def test_evidence_whose_custody_does_not_verify_is_missing_and_names_the_item():
    document = full_document()
    document["evidence"].append({**document["evidence"][0], "ref": "EV-0002", "custody_verified": False})
    result = _results(document, "iso27001-2022")["A.5.28"]
    assert result.status == "missing"
    assert "EV-0002" in result.reason and "EV-0001" not in result.reason


def test_blocking_review_findings_make_learning_partial_and_warnings_do_not():
    document = full_document()
    assert _results(document, "iso27001-2022")["A.5.27"].status == "satisfied"  # fixture holds a warning
    knock_out(document, "review_findings[severity=blocking]")
    result = _results(document, "iso27001-2022")["A.5.27"]
    assert result.status == "partial"
    assert result.reason == ("review free of blocking findings: review_findings has 1 blocking finding: "
                             "PM001 names a person as the cause")


def test_documents_read_back_from_json_are_assessed_the_same():
    import json

    from compliance.core.jsonout import dumps

    document = full_document()
    document["postmortem"]["drafted_at"] = document["incident"]["resolved_at"] + timedelta(hours=60)
    assert _statuses(json.loads(dumps(document))) == _statuses(document)


_scalars = st.none() | st.booleans() | st.integers() | st.text(max_size=8) | st.sampled_from(
    ["sev1", "sev4", "resolved", "gdpr", "on_time", "late", "2026-03-01T11:00:00Z", "blocking", "detection"])
_values = st.recursive(_scalars, lambda inner: st.lists(inner, max_size=3)
                       | st.dictionaries(st.sampled_from(["kind", "status", "owner", "due", "regime", "stage",
                                                          "severity", "custody_verified", "summary"]), inner,
                                         max_size=4), max_leaves=12)
_documents = st.fixed_dictionaries({}, optional={
    key: _values for key in ("incident", "timeline", "postmortem", "action_items", "review_findings", "evidence",
                             "obligations", "as_of")})


@settings(max_examples=150, deadline=None)
@given(_documents)
def test_the_engine_gives_a_status_for_any_document_shape_and_never_raises(document):
    for framework in FRAMEWORKS.values():
        for result in assess_document(document, framework):
            assert result.status in STATUSES
            assert (result.status == "satisfied") == (not result.reason)
            assert "\n" not in (result.reason or "")


@settings(max_examples=100, deadline=None)
@given(st.integers(min_value=0, max_value=200))
def test_a_post_mortem_drafted_within_the_limit_never_scores_lower_than_a_later_one(hours):
    rank = {"satisfied": 0, "partial": 1, "missing": 2}
    document = full_document()
    document["postmortem"]["drafted_at"] = document["incident"]["resolved_at"] + timedelta(hours=hours)
    earlier = _results(document, "iso27001-2022")["A.5.27"].status
    document["postmortem"]["drafted_at"] += timedelta(hours=1)
    later = _results(document, "iso27001-2022")["A.5.27"].status
    assert rank[earlier] <= rank[later]
    assert (earlier == "satisfied") == (hours <= 48)


def test_equals_and_in_keep_true_apart_from_one():
    from compliance.controls.builder import ErrorList, parse_check

    errors = ErrorList("test")
    equals = parse_check({"equals": {"path": "incident.personal_data", "value": 1}}, errors, 1)
    listed = parse_check({"in": {"path": "incident.records_approx", "values": [True, 1500]}}, errors, 1)
    assert not errors.items
    document = full_document()
    assert equals.run(document).state == "fail"
    assert equals.run(document).detail == "incident.personal_data is True, expected 1"
    assert listed.run(document).state == "pass"
    document["incident"]["records_approx"] = 1
    assert listed.run(document).state == "fail"
