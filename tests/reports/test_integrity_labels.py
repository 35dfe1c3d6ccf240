"""The integrity page names every kind of record the ledger covers in words (never a bare table name)."""

from __future__ import annotations


def test_every_kind_the_ledger_tracks_has_a_label_on_the_integrity_page():
    from compliance.db.ledger.registry import tracked_kinds
    from compliance.db.metadata import get_metadata
    from compliance.reports.sections.integrity import LEDGER_KINDS

    get_metadata()  # imports every model, so models declaring __ledger__ are seen too
    assert set(tracked_kinds().values()) - set(LEDGER_KINDS) == set()
