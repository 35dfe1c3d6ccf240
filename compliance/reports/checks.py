"""One verification step of `report verify` (shared by the pack-file and the store checks)."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass
class Check:
    """One verification step: ok True (passed), False (failed) or None (informational / skipped).

    warning marks an informational step the reader should not miss (printed as WARN).
    """

    name: str
    ok: bool | None
    detail: str
    warning: bool = False
