"""Human ids of the register (INC-0001, EV-0001): sequential numbers behind a prefix, read leniently."""

from __future__ import annotations

import functools
import re

from compliance.core.errors import ValidationError
from compliance.core.numbers import MAX_INT


@functools.cache
def _pattern(prefix: str) -> re.Pattern[str]:
    return re.compile(rf"^(?:{re.escape(prefix)}-)?0*(\d+)$", re.IGNORECASE)


def format_number_ref(prefix: str, number: int) -> str:
    """Returns the human id of `number` under `prefix` ('INC', 7 -> 'INC-0007')."""
    return f"{prefix}-{number:04d}"


def parse_number_ref(ref: str, *, prefix: str, noun: str, field: str) -> int:
    """Returns the number in a human id ('INC-0001', 'inc-1' or '1'); ValidationError naming `field` otherwise."""
    match = _pattern(prefix).match(str(ref).strip())
    if not match or int(match.group(1)) > MAX_INT:  # a number no store column can hold is no id either
        raise ValidationError(f"{str(ref)[:40]!r} is not {noun} id (e.g. {prefix}-0001)", field=field)
    return int(match.group(1))
