"""Timeline entries in and out as CSV or JSON, with the same columns both ways (the DFIR-IRIS round trip).

Every row needs an instant with its own offset (or Z); a naive one is refused unless a zone is given.
A bad row is refused with its row and column, and then nothing is written.
"""

from __future__ import annotations

import csv
import io
import json
import re
from datetime import datetime
from typing import Any

from sqlmodel import Session

from compliance.core.errors import ValidationError
from compliance.core.timeutil import parse_instant, to_iso
from compliance.incidents.models import Incident
from compliance.incidents.service import TIMELINE_KINDS, add_timeline_entry, get_timeline

COLUMNS = ("at", "kind", "text", "source", "actor", "customer_visible")
REQUIRED = ("at", "kind", "text")
FORMATS = ("csv", "json")
_TRUE, _FALSE = {"true", "yes", "y", "1"}, {"false", "no", "n", "0", ""}


def _norm(text: str) -> str:
    return re.sub(r"\W+", " ", text.lower()).strip()


def get_timeline_rows(*, session: Session, incident: Incident) -> list[dict[str, Any]]:
    """Returns the incident's timeline as rows of COLUMNS (instants as ISO 8601 UTC)."""
    return [{"at": to_iso(e.at), "kind": e.kind, "text": e.text, "source": e.source, "actor": e.actor,
             "customer_visible": e.customer_visible} for e in get_timeline(session=session, incident=incident)]


def render_timeline(rows: list[dict[str, Any]], *, fmt: str) -> str:
    """Returns rows as CSV (header COLUMNS) or as a JSON list of objects with COLUMNS."""
    fmt = check_format(fmt)
    if fmt == "json":
        return json.dumps(rows, ensure_ascii=False, indent=2) + "\n"
    out = io.StringIO()
    writer = csv.DictWriter(out, fieldnames=COLUMNS, lineterminator="\n")
    writer.writeheader()
    for row in rows:
        writer.writerow({k: ("true" if v is True else "false" if v is False else v) for k, v in row.items()})
    return out.getvalue()


def check_format(fmt: str) -> str:
    """Returns the format name, refusing one that is not csv or json."""
    value = str(fmt).strip().lower()
    if value not in FORMATS:
        raise ValidationError(f"unknown format {fmt!r} (valid: {', '.join(FORMATS)})", field="--format")
    return value


def read_timeline_rows(text: str, *, fmt: str) -> list[dict[str, Any]]:
    """Reads CSV or JSON text into raw rows (dicts of column → value); refuses unknown or missing columns."""
    fmt = check_format(fmt)
    if fmt == "json":
        try:
            data = json.loads(text)
        except json.JSONDecodeError as exc:
            raise ValidationError(f"not JSON (line {exc.lineno}: {exc.msg})", field="FILE") from None
        if not isinstance(data, list) or not all(isinstance(r, dict) for r in data):
            raise ValidationError("a JSON timeline is a list of objects with columns " + ", ".join(COLUMNS), field="FILE")
        rows = data
    else:
        reader = csv.DictReader(io.StringIO(text))
        if not reader.fieldnames:
            raise ValidationError("the CSV file has no header row", field="FILE")
        rows = []
        for row in reader:
            if None in row:
                raise ValidationError(f"row {len(rows) + 1}: more cells than columns", field="FILE")
            rows.append(row)
    for number, row in enumerate(rows, start=1):
        unknown = sorted(set(row) - set(COLUMNS))
        if unknown:
            raise ValidationError(f"row {number}, column {unknown[0]!r}: unknown column (valid: {', '.join(COLUMNS)})",
                                  field="FILE")
        for column in REQUIRED:
            if row.get(column) in (None, ""):
                raise ValidationError(f"row {number}, column {column!r}: missing", field="FILE")
    return rows


def _flag(value: Any, where: str) -> bool:
    if isinstance(value, bool):
        return value
    text = "" if value is None else str(value).strip().lower()
    if text in _TRUE:
        return True
    if text in _FALSE:
        return False
    raise ValidationError(f"{where}: {value!r} is not true or false", field="FILE")


def _entry(row: dict[str, Any], number: int, tz: str | None) -> dict[str, Any]:
    where = f"row {number}, column"
    try:
        at = parse_instant(str(row["at"]), field="at", tz=tz)
    except ValidationError as exc:
        raise ValidationError(f"{where} 'at': {exc.message}", field="FILE") from None
    kind = str(row["kind"]).strip().lower()
    if kind not in TIMELINE_KINDS:
        raise ValidationError(f"{where} 'kind': {row['kind']!r} is not one of {', '.join(TIMELINE_KINDS)}", field="FILE")
    text = str(row["text"]).strip()
    if not text:
        raise ValidationError(f"{where} 'text': must not be empty", field="FILE")
    optional = {k: (str(row[k]).strip() or None) if row.get(k) is not None else None for k in ("source", "actor")}
    written = str(row["at"]).strip()
    return {"at": at, "kind": kind, "text": text, **optional,
            "customer_visible": _flag(row.get("customer_visible"), f"{where} 'customer_visible'"),
            "original_time": None if written.endswith("Z") or written.endswith("+00:00") else written}


def import_timeline(*, session: Session, incident: Incident, text: str, fmt: str, tz: str | None = None,
                    dry_run: bool = False) -> dict[str, int]:
    """Adds the rows not already recorded (same instant and text); every row is checked before any is written."""
    entries = [_entry(row, n, tz) for n, row in enumerate(read_timeline_rows(text, fmt=fmt), start=1)]
    known: set[tuple[datetime, str]] = {(e.at, _norm(e.text)) for e in get_timeline(session=session, incident=incident)}
    added = skipped = 0
    for entry in entries:
        key = (entry["at"], _norm(entry["text"]))
        if key in known:
            skipped += 1
            continue
        known.add(key)
        added += 1
        if not dry_run:
            add_timeline_entry(session=session, incident=incident, **entry)
    return {"added": added, "already_recorded": skipped}
