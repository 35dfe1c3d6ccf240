"""The lower layer of the evidence aggregate that custody builds on: evidence ids, row lookup and the blob store.

EV-LKP-1  This module imports nothing from compliance.custody; compliance.custody imports only this,
          evidence.models and evidence.blobs, and the add/export workflows (evidence.service) sit above custody.
"""

from __future__ import annotations

from sqlmodel import Session, select

from compliance.core.errors import NotFoundError
from compliance.core.refs import parse_number_ref
from compliance.db.store import Store
from compliance.evidence.blobs import LocalBlobStore
from compliance.evidence.models import Evidence

PREFIX = "EV"


def parse_evidence_ref(ref: str, *, field: str = "EV") -> int:
    """Returns the number in an evidence id ('EV-0001', 'ev-1' or '1')."""
    return parse_number_ref(ref, prefix=PREFIX, noun="an evidence", field=field)


def get_blob_store(*, store: Store) -> LocalBlobStore:
    """Returns the blob store of `store` (its evidence folder's `blobs`)."""
    return LocalBlobStore(store.blobs_dir)


def get_evidence(*, session: Session, ref: str, field: str = "EV") -> Evidence:
    """Returns the evidence with human id `ref`, or raises NotFoundError."""
    number = parse_evidence_ref(ref, field=field)
    evidence = session.exec(select(Evidence).where(Evidence.number == number)).first()
    if evidence is None:
        raise NotFoundError(f"unknown evidence {ref!r}", field=field)
    return evidence
