"""RFC 8785 (JSON Canonicalization Scheme) for the values the ledger records, and the canonical state of a row.

LG-CAN-1  `jcs` writes exactly what RFC 8785 writes for None, bool, int, float, str, list and dict
          (keys sorted by UTF-16 code units, strings as ECMAScript JSON.stringify escapes them, floats
          in the ECMAScript shortest form via the rfc8785 library); a property test compares it with
          the rfc8785 library on generated documents.
LG-CAN-2  A row's state maps every column name to a JSON value: instants as ISO 8601 UTC with
          microseconds and a Z, dates as YYYY-MM-DD, JSON columns as they are.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime
from json.encoder import encode_basestring as _json_str
from typing import Any

import rfc8785

GENESIS = "0" * 64


_last_instant: tuple[Any, str] = (None, "")  # the last instant formatted, and its text


def canonical_instant(value: datetime) -> str:
    """Returns `value` as ISO 8601 UTC with microseconds and a Z (the hashed form of an instant).

    The last instant formatted is remembered (by identity: a datetime is immutable), so a verification that writes
    one custody event's instant for its custody hash and again for its ledger state formats it once.
    """
    global _last_instant
    last = _last_instant  # one read of the pair: safe if another thread replaces it meanwhile
    if value is last[0]:
        return last[1]
    if value.tzinfo is None:
        text = value.isoformat(timespec="microseconds") + "Z"
    elif value.utcoffset():
        text = value.astimezone(UTC).isoformat(timespec="microseconds")[:-6] + "Z"
    else:
        text = value.isoformat(timespec="microseconds")[:-6] + "Z"
    _last_instant = (value, text)
    return text


def short(value: Any) -> str:
    """Returns a hash shortened for messages (first 16 hex digits and an ellipsis)."""
    if value is None:
        return "nothing"
    text = str(value)
    return text[:16] + "…" if len(text) > 16 else text


@dataclass(frozen=True)
class Break:
    """The first broken item of a verification: which item, what was expected, what was found."""

    item: str
    problem: str
    expected: str
    found: str

    def __str__(self) -> str:
        return f"{self.item}: {self.problem}: expected {self.expected}, found {self.found}"

    def to_dict(self) -> dict[str, str]:
        """Returns the JSON form the verify commands print (the fields and the one-line message)."""
        return {"item": self.item, "problem": self.problem, "expected": self.expected, "found": self.found,
                "message": str(self)}



def _key(text: str) -> bytes:
    return text.encode("utf-16-be")


def jcs(value: Any) -> str:
    """Returns the RFC 8785 canonical JSON text of `value` (None, bool, int, float, str, list, tuple, dict)."""
    cls = value.__class__
    if cls is str:
        return _json_str(value)
    if value is None:
        return "null"
    if value is True:
        return "true"
    if value is False:
        return "false"
    if cls is int:
        return str(value)
    if cls is float:
        return rfc8785.dumps(value).decode("ascii")
    if cls is dict:
        for key in value:
            if key.__class__ is not str:
                raise TypeError(f"JSON object keys must be strings, not {key!r}")
        items = sorted(value.items(), key=lambda kv: _key(kv[0]))
        return "{" + ",".join(_json_str(k) + ":" + jcs(v) for k, v in items) + "}"
    if cls is list or cls is tuple:
        return "[" + ",".join(jcs(v) for v in value) + "]"
    if isinstance(value, bool | int | float | str | dict | list):  # subclasses (enums of str, …)
        return jcs(value.value if hasattr(value, "value") else _plain(value))
    raise TypeError(f"{cls.__name__} has no canonical JSON form")


def _plain(value: Any) -> Any:
    for base in (bool, int, float, str, dict, list):
        if isinstance(value, base):
            return base(value)
    return value


def json_value(value: Any) -> Any:
    """Returns a column value as the JSON value the ledger records (instants and dates as text)."""
    if isinstance(value, datetime):
        return canonical_instant(value)
    if isinstance(value, date):
        return value.isoformat()
    if hasattr(value, "value") and isinstance(value, str):  # a str Enum
        return value.value
    return value


def canonical_state(values: dict[str, Any]) -> str:
    """Returns the canonical JSON text of a row state given as column name -> Python value."""
    return jcs({name: json_value(v) for name, v in values.items()})


def _fmt_instant(value: Any) -> str:
    return '"' + canonical_instant(value) + '"'


def _fmt_bool(value: Any) -> str:
    return "true" if value else "false"


def _fmt_generic(value: Any) -> str:
    return jcs(json_value(value))


def _formatter(column: Any):
    type_name = column.type.__class__.__name__
    if type_name == "UTCDateTime":
        return _fmt_instant
    if type_name == "Boolean":
        return _fmt_bool
    if type_name in ("Integer", "BigInteger", "SmallInteger"):
        return str
    if type_name in ("String", "Text", "AutoString", "Unicode"):
        return _json_str
    return _fmt_generic


def row_canonicaliser(columns: list[Any]):
    """Returns f(row tuple in `columns` order) -> the row's canonical state, equal to canonical_state (LG-CAN-2)
    but built once per table: keys pre-sorted and pre-escaped, one formatter per column type, compiled into one
    expression (no per-column loop; a verification calls it for every row)."""
    order = sorted(range(len(columns)), key=lambda i: _key(columns[i].name))
    if not order:
        return lambda row: "{}"
    if not all(c.name.isidentifier() for c in columns):  # only plain names are compiled into code
        return lambda row: canonical_state({c.name: v for c, v in zip(columns, row, strict=True)})
    env: dict[str, Any] = {}
    parts = []
    for n, i in enumerate(order):
        prefix = ("{" if n == 0 else ",") + _json_str(columns[i].name) + ":"
        env[f"f{n}"] = _formatter(columns[i])
        parts.append(prefix.replace("{", "{{").replace("}", "}}").replace("\\", "\\\\").replace("'", "\\'")
                     + f'{{"null" if (v{n} := row[{i}]) is None else f{n}(v{n})}}')
    source = "def canonical(row):\n    return f'" + "".join(parts) + "}}'\n"  # one f-string: one allocation per row
    exec(compile(source, f"<row_canonicaliser {len(columns)} columns>", "exec"), env)  # names are data only
    return env["canonical"]
