"""Exceptions stay visible: a late filing with reasons, a waiver, a filing before its clock start are never plain
"satisfied", and they are counted apart."""

from __future__ import annotations

import dataclasses
from datetime import UTC, datetime, timedelta
from types import SimpleNamespace

from compliance.reports.exceptions import obligation_exceptions, requirement_exceptions
from compliance.reports.model import EXCEPTION, SATISFIED
from compliance.reports.render import render_pack

DUE = datetime(2026, 3, 4, 10, tzinfo=UTC)


def _ob(**kw):
    base = {"regime": "gdpr", "stage": "authority_notification", "clock_start": DUE - timedelta(hours=72), "due": DUE,
            "notified_at": DUE - timedelta(hours=1), "status": "on_time", "delay_reason": None, "waived": False,
            "waiver_reason": None, "decided_by": None, "decided_at": None}
    return base | kw


def test_a_late_filing_with_reasons_a_waiver_and_an_early_filing_are_exceptions_and_a_plain_one_is_not():
    assert obligation_exceptions(_ob()) == []
    late = _ob(notified_at=DUE + timedelta(hours=9), status="late", delay_reason="forensics")
    assert obligation_exceptions(late) == ["gdpr authority_notification late 9 h, reasons given"]
    waived = _ob(notified_at=None, status="waived", waived=True, waiver_reason="encrypted", decided_by="DPO",
                 decided_at=DUE - timedelta(hours=50))
    assert obligation_exceptions(waived) == ["gdpr authority_notification waived by DPO on 2026-03-02, reason given"]
    early = _ob(notified_at=DUE - timedelta(hours=80))
    assert obligation_exceptions(early, named=False) == ["filed 8 h before its clock start"]


def test_a_requirement_carries_the_exceptions_of_the_obligations_its_checks_read_or_that_the_engine_gives():
    late = _ob(notified_at=DUE + timedelta(hours=9), status="late", delay_reason="forensics")
    other = _ob(regime="nis2", stage="early_warning", notified_at=DUE + timedelta(hours=2), status="late",
                delay_reason="x")
    reads_gdpr = SimpleNamespace(fields=["incident.aware_at", "obligations[regime=gdpr,stage=authority_notification]"])
    assert requirement_exceptions(reads_gdpr, [late, other]) == ["gdpr authority_notification late 9 h, reasons given"]
    reads_all = SimpleNamespace(fields=["obligations"])
    assert len(requirement_exceptions(reads_all, [late, other])) == 2
    engine_says = SimpleNamespace(fields=[], exceptions=["waiver on record"])
    assert requirement_exceptions(engine_says, [late]) == ["waiver on record"]
    assert requirement_exceptions(SimpleNamespace(fields=["incident.title"]), [late]) == []


def test_a_satisfied_cell_with_an_exception_is_rendered_and_counted_apart(sample_model, text_of):
    model = sample_model(2)
    inc = model.incidents[0]
    row = next(a for a in inc.assessment if a.status == SATISFIED)
    marking = "gdpr authority_notification late 9 h, reasons given"
    row.exceptions = [marking]
    for m in model.matrices:
        for r in m.rows:
            for c in r.cells:
                if r.requirement_id == row.requirement_id and c.incident_ref == inc.ref and c.status == SATISFIED:
                    c.exceptions = [marking]
    model = dataclasses.replace(model)
    totals = [m.totals() for m in model.matrices]
    assert sum(t[EXCEPTION] for t in totals) >= 1
    text = " ".join(" ".join(text_of(render_pack(model))).split())
    assert f"satisfied, exception: {marking}" in text
    assert "1 satisfied with an exception" in text
