"""The one text sanitiser: what stored text may contain on input, and how it is made inert for a terminal.

TX-1 every argument is refused when it holds a NUL byte or invalid UTF-8 (undecodable bytes arrive as lone
     surrogates), naming the field.
TX-2 single-line fields (titles, names, tags, references) refuse every control character, CR and TAB included.
TX-3 multi-line text keeps newlines and tabs (CRLF becomes LF) and refuses other control characters.
TX-4 on output, control characters of stored text (ESC/OSC/CSI sequences, CR, BEL, C1 controls) are shown
     as visible escapes, so stored text can never drive the terminal.
"""

from __future__ import annotations

import re

from compliance.core.errors import ValidationError

# C0 controls, DEL and C1 controls (Unicode category Cc).
_CONTROLS = re.compile(r"[\x00-\x1f\x7f-\x9f]")
_CONTROLS_BUT_LAYOUT = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f]")
_SURROGATES = re.compile(r"[\ud800-\udfff]")


def _describe(char: str) -> str:
    return f"U+{ord(char):04X}"


def check_argument(value: str, *, field: str) -> str:
    """Returns `value`, refusing a NUL byte or invalid UTF-8 (TX-1)."""
    if "\x00" in value:
        raise ValidationError("contains a NUL byte", field=field)
    bad = _SURROGATES.search(value)
    if bad:
        raise ValidationError("is not valid UTF-8", field=field)
    return value


def clean_line(value: object, *, field: str) -> str:
    """Returns a single-line text trimmed, refusing control characters (TX-1, TX-2)."""
    text = check_argument(str(value), field=field)
    bad = _CONTROLS.search(text)
    if bad:
        raise ValidationError(f"must be one line without control characters (found {_describe(bad.group())})", field=field)
    return text.strip()


def one_line(value: str | None, field: str, *, required: bool = False) -> str | None:
    """Returns an optional one-line value trimmed (None when empty), refusing control characters (clean_line)."""
    text = None if value is None else clean_line(value, field=field)
    if required and not text:
        raise ValidationError("must not be empty", field=field)
    return text or None


def clean_text(value: object, *, field: str) -> str:
    """Returns multi-line text trimmed with LF line ends, refusing control characters other than LF and TAB (TX-3)."""
    text = check_argument(str(value), field=field).replace("\r\n", "\n")
    bad = _CONTROLS_BUT_LAYOUT.search(text)
    if bad:
        raise ValidationError(f"must not contain control characters (found {_describe(bad.group())})", field=field)
    return text.strip()


def neutralise(text: str, *, keep_layout: bool = True) -> str:
    """Returns `text` with control characters shown as visible escapes (TX-4); LF and TAB kept when `keep_layout`."""
    pattern = _CONTROLS_BUT_LAYOUT if keep_layout else _CONTROLS
    return pattern.sub(lambda m: f"\\x{ord(m.group()):02x}", text)
