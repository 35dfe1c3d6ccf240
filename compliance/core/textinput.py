"""Checks of one-line free-text inputs (names, reasons, locations) shared by every domain."""

from __future__ import annotations


def one_line(value: str | None, field: str, *, required: bool = False) -> str | None:
    """Returns `value` stripped (None when empty); ValidationError naming `field` when required and empty or multi-line."""
    from compliance.core.errors import ValidationError

    text = None if value is None else str(value).strip()
    if required and not text:
        raise ValidationError("must not be empty", field=field)
    if text and ("\n" in text or "\r" in text):
        raise ValidationError("must be one line", field=field)
    return text or None
