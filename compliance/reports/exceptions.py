"""Exceptions: obligations met only with a qualification, and the requirement cells they keep from plain "satisfied".

RP-EXC-1  A late filing with reasons, a waiver, and a filing made before its stage's clock start are
          exceptions: the cell reads "satisfied, exception: …", and exceptions are counted apart from
          plain satisfied cells in every total.
RP-EXC-2  A requirement's cell carries the exceptions of the obligations its checks read (its fields name
          `obligations[regime=…,stage=…]`, or `obligations` for every regime), plus any the engine's
          Result gives itself (`exceptions`), so the pack is right whichever side reports them.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from datetime import datetime
from typing import Any

from compliance.core.timeutil import parse_instant

LATE = ("late", "undue_delay")
_FIELD = re.compile(r"^obligations(?:\[(?P<filter>[^\]]*)\])?")


def _instant(value: Any) -> datetime | None:
    if value in (None, ""):
        return None
    return value if isinstance(value, datetime) else parse_instant(value, field="obligation")


def _hours(delta) -> str:
    hours = delta.total_seconds() / 3600
    return f"{hours:.0f} h" if hours >= 1 else f"{max(1, round(hours * 60))} min"


def obligation_exceptions(ob: Mapping[str, Any], *, named: bool = True) -> list[str]:
    """The exceptions of one obligation document (empty when it was met plainly or not at all).

    `named`: each starts with the regime and stage (for a requirement's cell); without, for the obligation's own row.
    """
    out = []
    notified, start, due = (_instant(ob.get(k)) for k in ("notified_at", "clock_start", "due"))
    where = f"{ob.get('regime')} {ob.get('stage')}" if named else ""
    if ob.get("waived"):
        by = ob.get("decided_by") or "someone not recorded"
        at = ob.get("decided_at")
        out.append(f"{where} waived by {by}".strip() + (f" on {at:%Y-%m-%d}" if at else "")
                   + (", reason given" if (ob.get("waiver_reason") or "").strip() else ", NO reason"))
    if notified is not None and ob.get("status") in LATE and (ob.get("delay_reason") or "").strip():
        late = _hours(notified - due) if due is not None and notified > due else "without undue delay not met"
        out.append(f"{where} late {late}, reasons given".strip())
    if notified is not None and start is not None and notified < start:
        out.append(f"{where} filed {_hours(start - notified)} before its clock start".strip())
    return out


def _matches(field: str, ob: Mapping[str, Any]) -> bool:
    m = _FIELD.match(field)
    if not m:
        return False
    wanted = dict(part.split("=", 1) for part in (m.group("filter") or "").split(",") if "=" in part)
    return all(str(ob.get(k)) == v for k, v in wanted.items())


def requirement_exceptions(result: Any, obligations: Iterable[Mapping[str, Any]]) -> list[str]:
    """The exceptions of a requirement's result: the engine's own, and those of the obligations its checks read."""
    out = [str(x) for x in getattr(result, "exceptions", ()) or ()]
    fields = [f for f in getattr(result, "fields", ()) or () if str(f).startswith("obligations")]
    for ob in obligations:
        if any(_matches(str(f), ob) for f in fields):
            out += [x for x in obligation_exceptions(ob) if x not in out]
    return out


def exception_marking(exceptions: list[str]) -> str:
    """'satisfied, exception: late 9 h, reasons given' (the cell's own marking)."""
    return "satisfied, exception: " + "; ".join(exceptions)
