"""Incident writes and obligations (SQLite and PostgreSQL): custom regime definitions are never lost, and a
clock change cannot make a filing late without the delay reason."""

from __future__ import annotations

import json

from sqlmodel import select

from compliance.core.exitcodes import ExitCode
from compliance.deadlines.models import Notification, Obligation
from compliance.deadlines.service import get_regime_definitions
from compliance.incidents.service import get_incident, get_incident_changes
from tests.deadlines.regime_files import write_regime


def _documents(store, ref):
    from compliance.core.timeutil import utcnow
    from compliance.deadlines.service import get_incident_obligation_documents

    with store.session() as session:
        return get_incident_obligation_documents(session=session, incident=get_incident(session=session, ref=ref),
                                                 as_of=utcnow())


def _obligations(store, ref):
    with store.session() as session:
        incident = get_incident(session=session, ref=ref)
        rows = session.exec(select(Obligation).where(Obligation.incident_id == incident.id)).all()
        return {(o.regime, o.stage): o for o in rows}


def _controls(tmp_path):
    folder = tmp_path / "org-controls"
    write_regime(folder)
    return folder


def test_a_resync_without_the_custom_regime_folder_refuses_and_keeps_its_obligations(store, cli_run, tmp_path):
    folder = _controls(tmp_path)
    with_folder = {"COMPLIANCE_CONTROLS": str(folder)}
    opened = cli_run(["incident", "open", "--title", "Payroll export leaked", "--severity", "sev2", "--detected-at",
                      "2026-03-01T11:00:00Z", "--aware-at", "2026-03-01T12:00:00Z", "--regime", "state_law"],
                     extra_env=with_folder)
    assert opened.exit_code == 0, opened.stderr
    ref = opened.stdout.strip()
    assert set(_obligations(store, ref)) == {("state_law", "attorney_general")}
    with store.session() as session:
        recorded = get_regime_definitions(session=session)
    assert recorded["state_law"]["path"] == str((folder / "regimes" / "state_law.yaml").resolve())
    assert len(recorded["state_law"]["sha256"]) == 64

    for args in (["deadlines", "settings", "--org-timezone", "Europe/Berlin"],
                 ["incident", "update", ref, "--aware-at", "2026-03-01T13:00:00Z", "--reason", "log review"]):
        refused = cli_run(args)
        assert refused.exit_code == ExitCode.ERROR
        lines = refused.stderr.strip().splitlines()
        assert len(lines) == 1 and "Traceback" not in refused.output
        assert "'state_law'" in lines[0] and "COMPLIANCE_CONTROLS" in lines[0] and "nothing was changed" in lines[0]
        assert set(_obligations(store, ref)) == {("state_law", "attorney_general")}

    check = cli_run(["deadlines", "check", "--at", "2026-03-02T00:00:00Z", "--json"], extra_env=with_folder)
    assert [(f["incident"], f["regime"]) for f in json.loads(check.stdout)["findings"]] == [(ref, "state_law")]
    assert cli_run(["deadlines", "settings", "--org-timezone", "Europe/Berlin"], extra_env=with_folder).exit_code == 0
    assert set(_obligations(store, ref)) == {("state_law", "attorney_general")}


def _open_and_file(store, cli_run, regime="gdpr", stage="authority_notification"):
    ref = cli_run(["incident", "open", "--title", "Mailbox takeover", "--severity", "sev2", "--detected-at",
                   "2026-02-20T09:00:00Z", "--aware-at", "2026-03-01T12:00:00Z", "--regime", regime]).stdout.strip()
    filed = cli_run(["notify", "record", ref, "--regime", regime, "--stage", stage, "--at", "2026-03-03T12:00:00Z"])
    assert filed.exit_code == 0, filed.stderr
    assert _obligations(store, ref)[(regime, stage)].late is False
    return ref


def test_moving_a_clock_start_that_makes_a_filing_late_requires_the_delay_reason(store, cli_run):
    ref = _open_and_file(store, cli_run)
    refused = cli_run(["incident", "update", ref, "--aware-at", "2026-02-25T12:00:00Z", "--reason", "log review"])
    assert refused.exit_code == ExitCode.ERROR
    message = refused.stderr.strip()
    assert len(message.splitlines()) == 1 and message.startswith("error: --delay-reason: changing aware_at makes the "
                                                                 "gdpr/authority_notification filing of")
    with store.session() as session:
        incident = get_incident(session=session, ref=ref)
        assert incident.aware_at.isoformat() == "2026-03-01T12:00:00+00:00"
        assert get_incident_changes(session=session, incident=incident) == []
    assert _obligations(store, ref)[("gdpr", "authority_notification")].late is False

    accepted = cli_run(["incident", "update", ref, "--aware-at", "2026-02-25T12:00:00Z", "--reason", "log review",
                        "--delay-reason", "the breach was recognised only on review", "--json"])
    assert accepted.exit_code == 0, accepted.stderr
    assert json.loads(accepted.stdout)["made_late"] == [
        "gdpr/authority_notification filing is now late (3d after the due 2026-02-28T12:00:00Z)"]
    assert "warning: gdpr/authority_notification filing is now late" in accepted.stderr
    assert _obligations(store, ref)[("gdpr", "authority_notification")].late is True
    with store.session() as session:
        first, correction = session.exec(select(Notification).order_by(Notification.id)).all()
    # Filings are append-only: the recorded filing is unchanged, and a correction carries the lateness and reasons.
    assert first.late is False and first.delay_reason is None and not first.correction
    assert correction.correction and correction.late is True and correction.notified_at == first.notified_at
    assert correction.delay_reason == "the breach was recognised only on review"
    docs = {(d["regime"], d["stage"]): d for d in _documents(store, ref)}
    assert docs[("gdpr", "authority_notification")]["status"] == "late"
    assert docs[("gdpr", "authority_notification")]["delay_reason"] == "the breach was recognised only on review"


def test_a_clock_move_that_keeps_filings_on_time_needs_no_delay_reason(store, cli_run):
    ref = _open_and_file(store, cli_run)
    moved = cli_run(["incident", "update", ref, "--aware-at", "2026-03-01T06:00:00Z", "--reason", "log review"])
    assert moved.exit_code == 0, moved.stderr
    assert _obligations(store, ref)[("gdpr", "authority_notification")].late is False
