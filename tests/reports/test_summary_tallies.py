"""The summary's notification figures: every obligation falls in exactly one column, and a stage that is not owed
(not required under the regime's own breach assessment, or a rule not yet in force) is never counted as open."""

from __future__ import annotations

import dataclasses

import pytest

from compliance.reports.model import NOTIFICATION_STATUSES, NotificationRow


def _row(status: str, waived: bool = False) -> NotificationRow:
    return NotificationRow(incident_ref="INC-0001", incident_title="t", regime="gdpr", stage="s", clock_start=None,
                           due=None, notified_at=None, status=status, waived=waived)


@pytest.mark.parametrize("status", NOTIFICATION_STATUSES)
def test_each_status_lands_in_exactly_one_column_and_not_owed_is_never_open(sample_model, status):
    pack = dataclasses.replace(sample_model(1), notifications=[_row(status)])
    (tally,) = pack.notification_tallies()
    columns = {"on_time": tally.on_time, "late": tally.late, "open": tally.open, "waived": tally.waived,
               "not_owed": tally.not_required + tally.not_in_force}
    if status == "late_open":  # late and still open: both columns say so
        assert columns == {"on_time": 0, "late": 1, "open": 1, "waived": 0, "not_owed": 0}
    else:
        assert sum(columns.values()) == 1, columns
    if status in ("not_required", "not_in_force"):
        assert columns["not_owed"] == 1


def test_the_summary_states_the_population_and_the_not_owed_column(sample_model, text_of):
    from compliance.reports.render import render_pack

    pack = dataclasses.replace(sample_model(2), notifications=[_row("not_required"), _row("not_in_force")])
    text = " ".join(" ".join(text_of(render_pack(pack))).split())
    assert "Not owed" in text
    assert "incident(s) detected in the period" not in text
    assert "in scope for" in text


def test_the_methodology_defines_every_notification_status_the_pack_prints(sample_model, text_of):
    from compliance.reports.render import render_pack

    text = " ".join(" ".join(text_of(render_pack(sample_model(1)))).split())
    start = text.index("Notification statuses")
    definitions = text[start:start + 1500]
    for status in NOTIFICATION_STATUSES:  # printed as the register prints them: 'late open', 'not required'
        label = status.replace("_", " ")
        assert f"{label}," in definitions or f"{label} and" in definitions, status
