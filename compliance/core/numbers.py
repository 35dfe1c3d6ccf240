"""Numbers from users: finite, and whole numbers that fit every engine's integer column (PostgreSQL int4)."""

from __future__ import annotations

import math
from typing import Any

from compliance.core.errors import ValidationError

MAX_INT = 2**31 - 1


def check_whole(value: Any, *, field: str, minimum: int = 0, maximum: int = MAX_INT) -> int | None:
    """Returns `value` as an int within [minimum, maximum], or None; refuses anything else with one line."""
    if value is None:
        return None
    if isinstance(value, bool):
        raise ValidationError(f"{value!r} is not a whole number", field=field)
    try:
        number = int(value) if not isinstance(value, float) or value.is_integer() else None
    except (TypeError, ValueError, OverflowError):
        number = None
    if number is None:
        raise ValidationError(f"{str(value)[:40]!r} is not a whole number", field=field)
    if number < minimum:
        raise ValidationError("must not be negative" if minimum == 0 else f"must be at least {minimum}", field=field)
    if number > maximum:
        raise ValidationError(f"must be at most {maximum}", field=field)
    return number


def check_finite(value: Any, *, field: str, minimum: float | None = 0.0) -> float | None:
    """Returns `value` as a finite float (not NaN or infinite), or None; refuses anything else with one line."""
    if value is None:
        return None
    if isinstance(value, bool):
        raise ValidationError(f"{value!r} is not an amount", field=field)
    try:
        number = float(value)
    except (TypeError, ValueError, OverflowError):
        raise ValidationError(f"{str(value)[:40]!r} is not an amount", field=field) from None
    if not math.isfinite(number):
        raise ValidationError(f"{str(value)[:40]!r} is not a finite amount", field=field)
    if minimum is not None and number < minimum:
        raise ValidationError("must not be negative" if minimum == 0 else f"must be at least {minimum:g}", field=field)
    return number
