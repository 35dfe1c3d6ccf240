"""Imports every models module so SQLModel.metadata describes the whole schema."""

from __future__ import annotations

import importlib

from sqlmodel import SQLModel

MODEL_MODULES = (
    "compliance.db.settings",
    "compliance.incidents.models",
    "compliance.actions.models",
    "compliance.postmortems.models",
    "compliance.deadlines.models",
    "compliance.evidence.models",
    "compliance.custody.models",
    "compliance.decisions.models",
    "compliance.programme.models",
    "compliance.db.ledger.models",
)


def get_metadata():
    """Returns the metadata of every table the code knows."""
    for name in MODEL_MODULES:
        importlib.import_module(name)
    return SQLModel.metadata
