"""Decision texts go through the one core one-line check (compliance.core.text.one_line), white space folded as before."""

from __future__ import annotations

import pytest

from compliance.core.errors import ValidationError
from compliance.decisions.service import record_declaration
from compliance.incidents.service import get_incident
from tests.conftest import at


def _declare(store, ref, **texts):
    values = {"outcome": "incident", "incident_type": "phishing", "rubric": "IR plan §4", "decided_by": "IC",
              "decided_at": at("2026-03-01T11:10:00Z"), "now": at("2026-03-02T00:00:00Z")}
    values.update(texts)
    with store.session(immediate=True) as session:
        row = record_declaration(session=session, incident=get_incident(session=session, ref=ref), **values)
        return row.rubric, row.rationale, row.decided_by


def test_a_decision_text_spread_over_lines_is_folded_onto_one_line(store, make_incident):
    ref = make_incident()
    assert _declare(store, ref, rubric="IR plan\n  §4   matrix", rationale="  phishing kit,\r\nthree mailboxes ",
                    decided_by=" incident\tcommander ") == ("IR plan §4 matrix", "phishing kit, three mailboxes",
                                                            "incident commander")


@pytest.mark.parametrize("field, value, message", [
    ("rubric", "   ", "--rubric: must not be empty"),
    ("decided_by", "IC\x1b[2J", "--decided-by: must be one line without control characters"),
    ("rationale", "ok\x00", "--rationale: contains a NUL byte"),
])
def test_an_empty_or_control_character_decision_text_is_refused(store, make_incident, field, value, message):
    ref = make_incident()
    with pytest.raises(ValidationError) as caught:
        _declare(store, ref, **{field: value})
    assert message in str(caught.value)
