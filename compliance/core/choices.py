"""Enumerated values are checked against what is known: an unknown one is refused, never silently ignored."""

from __future__ import annotations

import difflib
from collections.abc import Iterable

from compliance.core.errors import ValidationError


def check_known(value: str, valid: Iterable[str], *, field: str, what: str, context: str = "", normalise=str.strip) -> str:
    """Returns `value` normalised when it is one of `valid`; else ValidationError naming the closest and valid ones."""
    known = list(dict.fromkeys(valid))
    text = normalise(str(value))
    if text in known:
        return text
    close = difflib.get_close_matches(text, known, n=3, cutoff=0.6)
    hint = f"did you mean {' or '.join(close)}? " if close else ""
    listed = ", ".join(known) if known else "none"
    raise ValidationError(f"unknown {what} {value!r}{context} ({hint}valid: {listed})", field=field)
