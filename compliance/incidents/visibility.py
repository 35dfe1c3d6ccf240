"""The one rule for restricted incidents, applied by metrics, coverage and the audit pack.

RS-1  A restricted incident is COUNTED in every figure (totals, rates, matrices), so a figure never
      depends on who asked for it; only its details (id, title, per-incident rows) are withheld
      unless the reader asks for them (`--include-restricted`).
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any, TypeVar

T = TypeVar("T")


def shows_details(incident: Any, *, include_restricted: bool) -> bool:
    """Tells whether the details of `incident` may be shown (RS-1): always unless it is restricted and not asked for."""
    return include_restricted or not bool(getattr(incident, "restricted", False))


def split_details(incidents: Iterable[T], *, include_restricted: bool) -> tuple[list[T], int]:
    """Returns (the incidents whose details are shown, how many are counted with their details withheld)."""
    shown, withheld = [], 0
    for incident in incidents:
        if shows_details(incident, include_restricted=include_restricted):
            shown.append(incident)
        else:
            withheld += 1
    return shown, withheld
