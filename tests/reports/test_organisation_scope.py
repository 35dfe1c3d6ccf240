"""Organisation-level requirements (scope: organisation) are judged once for the period, never per incident."""

from __future__ import annotations

from datetime import date

from compliance.reports.model import ORGANISATION_REF
from tests.conftest import at

GENERATED = at("2026-06-30T12:00:00Z")


def test_an_organisation_level_requirement_has_one_verdict_for_the_period_and_none_on_incident_pages(
        store, make_incident, text_of):
    from compliance.controls.loader import load_frameworks
    from compliance.reports.gather import gather_pack_model
    from compliance.reports.render import render_pack
    from tests.reports.conftest import squash

    organisation_level = {r.id for r in load_frameworks()["iso27001-2022"].requirements if r.scope == "organisation"}
    assert "A.5.24" in organisation_level
    for n in range(3):
        make_incident(title=f"incident {n}", detected_at=at(f"2026-03-0{n + 1}T10:00:00Z"))
    pack = gather_pack_model(store=store, frameworks=["iso27001-2022"], period_from=date(2026, 1, 1),
                             period_to=date(2026, 6, 29), include_restricted=False, generated_at=GENERATED,
                             title="t", organisation="o")
    rows = {r.requirement_id: r for r in pack.matrices[0].rows}
    for rid in organisation_level:
        assert rows[rid].scope == "organisation"
        assert [c.incident_ref for c in rows[rid].cells] == [ORGANISATION_REF]
        assert rows[rid].cells[0].status != "satisfied"  # no programme evidence recorded: never satisfied
        assert sum(rows[rid].totals().values()) - rows[rid].totals()["exception"] == 1
    for section in pack.incidents:
        assert not organisation_level & {a.requirement_id for a in section.assessment}
    text = squash("".join(text_of(render_pack(pack.with_restricted_redacted()))))
    assert squash("organisation-level, judged once for the period") in text
