"""Text safety for the pack: every user string is cleaned and escaped here before it reaches ReportLab markup.

RP-RENDER-1  Every user string passes through `esc()` (or is drawn as plain text) before it can
             reach paragraph markup: `<b>`, `&`, `</para>` in a title are shown, never interpreted.
"""

from __future__ import annotations

import re
from typing import Any
from xml.sax.saxutils import escape as _xml_escape

_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f\ud800-\udfff]")


def clean(text: Any) -> str:
    """Returns `text` as a str without control characters or lone surrogates."""
    if text is None:
        return ""
    return _CONTROL.sub("", str(text).replace("\r\n", "\n").replace("\r", "\n").replace("\t", " "))


def clip(text: Any, limit: int) -> str:
    """Returns `text` cut to `limit` characters with an ellipsis."""
    s = clean(text)
    return s if len(s) <= limit else s[: max(0, limit - 1)] + "…"


def esc(text: Any, *, limit: int | None = None, newlines: bool = True) -> str:
    """Escapes a user string for paragraph markup (after clipping); newlines become <br/>."""
    s = clean(text) if limit is None else clip(text, limit)
    s = _xml_escape(s)
    return s.replace("\n", "<br/>" if newlines else " ")


def plain(text: Any, limit: int) -> str:
    """A single-line plain string for a table cell drawn without markup."""
    return clip(clean(text).replace("\n", " "), limit)


class KeepUnknown(dict):
    """format_map mapping: unknown placeholders stay as written."""

    def __missing__(self, key: str) -> str:
        return "{" + key + "}"


def fill(template: str, **values: Any) -> str:
    """Fills a wording template with escaped values (the template's own markup is kept)."""
    return str(template).format_map(KeepUnknown({k: esc(v) for k, v in values.items()}))
