"""Program metrics against hand-computed values, on both engines."""

from __future__ import annotations

import json
from datetime import date

import pytest

from compliance.actions.service import add_action, complete_action, get_incident_actions
from compliance.incidents.service import get_incident, update_incident
from compliance.metrics.service import get_monthly_trends, get_program_metrics
from compliance.postmortems.service import set_postmortem
from tests.conftest import at

AS_OF = date(2026, 3, 20)


@pytest.fixture
def fixture_set(store, make_incident):
    """INC-0001 sev2 auth: start 10:00, detect 10:30, resolved 14:00; draft +24 h, publish +4 d;
    actions due 03-10 done, due 03-12 open (overdue), due 04-30 open (not yet due).
    INC-0002 sev3 auth+dns: no start, detect 03-15 08:00, resolved 10:00; draft +72 h; action cancelled.
    INC-0003 sev1 dns, restricted: start 03-19 00:00, detect 01:00, unresolved."""
    make_incident(severity="sev2", started_at=at("2026-03-01T10:00:00Z"), detected_at=at("2026-03-01T10:30:00Z"), tags=["auth"])
    make_incident(severity="sev3", detected_at=at("2026-03-15T08:00:00Z"), tags=["auth", "dns"])
    make_incident(severity="sev1", started_at=at("2026-03-19T00:00:00Z"), detected_at=at("2026-03-19T01:00:00Z"),
                  tags=["dns"], restricted=True)
    with store.session() as session:
        one, two = get_incident(session=session, ref="INC-0001"), get_incident(session=session, ref="INC-0002")
        update_incident(session=session, incident=one, changes={"resolved_at": at("2026-03-01T14:00:00Z")}, changed_by="t")
        update_incident(session=session, incident=two, changes={"resolved_at": at("2026-03-15T10:00:00Z")}, changed_by="t")
        set_postmortem(session=session, incident=one, data={"drafted_at": "2026-03-02T14:00:00Z", "status": "published",
                                                            "published_at": "2026-03-05T14:00:00Z"})
        set_postmortem(session=session, incident=two, data={"drafted_at": "2026-03-18T10:00:00Z"})
        for due in ("2026-03-10", "2026-03-12", "2026-04-30"):
            add_action(session=session, incident=one, description=due, owner="Dana", due=due)
        complete_action(session=session, action=get_incident_actions(session=session, incident=one)[0],
                        at=at("2026-03-09T12:00:00Z"))
        cancelled = add_action(session=session, incident=two, description="x", owner="Dana", due="2026-03-16")
        complete_action(session=session, action=cancelled, status="cancelled", at=at("2026-03-16T09:00:00Z"))


def test_metrics_match_hand_computed_values(store, fixture_set):
    with store.session() as session:
        data = get_program_metrics(session=session, as_of=AS_OF)
    m = data["metrics"]
    assert (data["incidents"], data["resolved"]) == (3, 2)
    assert data["by_severity"] == {"sev1": 1, "sev2": 1, "sev3": 1}
    assert (m["mttr_hours"]["value"], m["mttr_hours"]["median"]) == (3.0, 3.0)        # (4 h + 2 h) / 2
    assert m["time_to_detect_hours"]["value"] == 0.75                                  # (0.5 h + 1 h) / 2
    assert m["time_to_draft_hours"]["value"] == 48.0                                   # (24 h + 72 h) / 2
    assert m["time_to_draft_hours"]["within_target_share"] == 0.5                      # 1 of 2 resolved
    assert m["time_to_draft_hours"]["met"] is True                                     # 48 <= 48
    assert m["time_to_publish_days"]["value"] == 4.0                                   # 03-01 14:00 → 03-05 14:00
    assert m["action_closure_rate"]["value"] == 0.5                                    # 1 done / (1 done + 1 open due)
    assert (m["action_closure_rate"]["overdue"], m["action_closure_rate"]["met"]) == (1, False)
    assert m["recurrence_90d"]["value"] == 0.6667                                      # INC-2 (auth), INC-3 (dns) of 3
    assert m["recurrence_90d"]["per_tag"] == {"auth": 1, "dns": 1}


def test_period_is_inclusive_and_recurrence_looks_back_before_it(store, fixture_set):
    with store.session() as session:
        data = get_program_metrics(session=session, period_from=date(2026, 3, 15), period_to=date(2026, 3, 19), as_of=AS_OF)
    assert data["incidents"] == 2
    assert data["metrics"]["recurrence_90d"]["value"] == 1.0  # INC-2 recurs on INC-1, outside the period


def test_restricted_incidents_are_counted_in_every_figure_whether_or_not_details_are_asked_for(store, fixture_set):
    with store.session() as session:
        withheld = get_program_metrics(session=session, as_of=AS_OF, include_restricted=False)
        shown = get_program_metrics(session=session, as_of=AS_OF, include_restricted=True)
        trends = get_monthly_trends(session=session, period_from=None, period_to=None, as_of=AS_OF, include_restricted=False)
    assert withheld == shown and withheld["incidents"] == 3
    assert sum(trends["incidents_by_severity"]["sev1"]) >= 1  # INC-0003, the restricted sev1, is in the series


def test_metrics_cli_refuses_to_exclude_restricted_incidents_from_figures(cli_run):
    result = cli_run(["metrics", "--exclude-restricted"])
    assert result.exit_code == 1
    assert result.stderr.startswith("error: --exclude-restricted: restricted incidents are counted in every figure")


def test_no_incidents_gives_no_values_rather_than_zeros(store):
    with store.session() as session:
        data = get_program_metrics(session=session, as_of=AS_OF)
    assert data["incidents"] == 0
    assert all(metric["value"] is None and metric["met"] is None for metric in data["metrics"].values())


def test_monthly_trends_bucket_by_utc_month(store, fixture_set):
    with store.session() as session:
        trends = get_monthly_trends(session=session, period_from=None, period_to=None, as_of=AS_OF)
    assert trends["months"] == ["2026-03"]
    assert trends["incidents_by_severity"] == {"sev1": [1], "sev2": [1], "sev3": [1]}
    assert trends["mttr_hours"] == [3.0]
    assert (trends["actions_due"], trends["actions_closed"]) == ([3], [1])
    assert trends["top_tags"][0] in [("auth", 2), ("dns", 2)]


def test_metrics_command_json_and_table(cli_run, fixture_set):
    data = json.loads(cli_run(["metrics", "--as-of", "2026-03-20", "--json"]).stdout)
    assert data["metrics"]["mttr_hours"]["value"] == 3.0 and data["monthly"]["months"] == ["2026-03"]
    table = cli_run(["metrics", "--as-of", "2026-03-20"]).stdout
    assert "Action-item closure rate" in table and "50.0%" in table and "NO" in table
    bad = cli_run(["metrics", "--from", "March"])
    assert bad.exit_code == 1 and "--from: 'March' is not an ISO 8601 date" in bad.stderr
