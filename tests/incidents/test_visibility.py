"""RS-1: restricted incidents are counted everywhere; only their details are withheld unless asked for."""

from __future__ import annotations

from types import SimpleNamespace

from compliance.incidents.visibility import shows_details, split_details

OPEN, RESTRICTED = SimpleNamespace(restricted=False), SimpleNamespace(restricted=True)


def test_details_of_a_restricted_incident_are_withheld_unless_asked_for():
    assert shows_details(OPEN, include_restricted=False) and shows_details(OPEN, include_restricted=True)
    assert not shows_details(RESTRICTED, include_restricted=False)
    assert shows_details(RESTRICTED, include_restricted=True)


def test_split_keeps_order_and_counts_what_it_withholds():
    assert split_details([OPEN, RESTRICTED, OPEN], include_restricted=False) == ([OPEN, OPEN], 1)
    assert split_details([OPEN, RESTRICTED], include_restricted=True) == ([OPEN, RESTRICTED], 0)
