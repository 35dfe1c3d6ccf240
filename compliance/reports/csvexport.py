"""Population exports for sampling: the pack's populations as CSV files, from the very model the PDF renders.

RP-CSV-1  The CSV files are written from the pack model after redaction (restricted rows redacted unless
          --include-restricted; --public names shown as roles), so they state exactly what the PDF states.
RP-CSV-2  A cell starting with = + - @ TAB or CR is prefixed with an apostrophe (no spreadsheet formula runs);
          control characters are shown as visible escapes (core.text.neutralise).
RP-CSV-3  Files are RFC 4180 (comma, double quotes, CRLF), UTF-8 without BOM, instants ISO 8601 UTC with offset.
RP-CSV-4  The manifest lists each file with its SHA-256 and row count; `report verify` re-hashes them.
RP-CSV-5  A bad --csv-dir is refused before anything is written; a failure later removes what was placed.
"""

from __future__ import annotations

import csv
import io
import os
import secrets
import tempfile
from collections.abc import Callable
from datetime import date, datetime
from pathlib import Path
from typing import Any

from compliance.core.errors import ConflictError, ValidationError
from compliance.core.text import neutralise
from compliance.reports.manifest import sha256_bytes
from compliance.reports.model import AuditPack
from compliance.reports.registers import backfilled

FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
WITHHELD = "(withheld)"

# file -> (column, meaning); the README's "Population exports" lists the same.
COLUMNS: dict[str, tuple[tuple[str, str], ...]] = {
    "incidents.csv": (
        ("ref", "incident ref"), ("title", "title (withheld on a redacted row)"), ("severity", "sev1..sev4"),
        ("status", "status at generation"), ("detected_at", "ISO 8601 UTC"), ("started_at", ""), ("aware_at", ""),
        ("resolved_at", ""), ("closed_at", ""), ("personal_data", "true/false"), ("regimes", "';'-separated"),
        ("tags", "';'-separated"), ("restricted", "true/false"), ("redacted", "true: shown as a redacted row"),
        ("actions", "action items"), ("evidence", "evidence items"), ("recurrences", "recurrence links")),
    "obligations.csv": (
        ("incident_ref", ""), ("regime", ""), ("stage", ""), ("clock_start", ""), ("due", "empty: no fixed due"),
        ("status", ""), ("notified_at", "first filing"), ("recipient", ""), ("reference", ""), ("recorded_by", ""),
        ("recorded_at", ""), ("backfilled", "recorded long after the filing (methodology)"), ("delay_reason", ""),
        ("waived", ""), ("waiver_reason", ""), ("decided_by", ""), ("decided_at", ""), ("basis", "Art. 34 basis"),
        ("exceptions", "';'-separated"),
        ("recorded_delay", "a lawful delay (8-K 1.05(c), 45 CFR 164.412) and the due without it")),
    "actions.csv": (
        ("ref", ""), ("incident_ref", ""), ("description", ""), ("status", ""), ("owner", ""), ("due", "date"),
        ("priority", ""), ("completed_at", ""), ("overdue", "")),
    "evidence.csv": (
        ("ref", ""), ("incident_ref", ""), ("filename", ""), ("size", "bytes"), ("sha256", ""), ("collected_by", ""),
        ("collected_at", ""), ("custody_verified", "")),
    "requirements.csv": (
        ("framework", ""), ("requirement", ""), ("incident_ref", ""), ("status", "satisfied/partial/missing/n/a"),
        ("exception", "satisfied with an exception"), ("reasons", "';'-separated"), ("exceptions", "';'-separated")),
    "events.csv": (
        ("ref", ""), ("title", ""), ("detected_at", ""), ("decided_at", "assessed"), ("decided_by", ""),
        ("rubric", ""), ("rationale", ""), ("incident_type", ""), ("redacted", "")),
}


def safe_cell(value: Any) -> str:
    """One CSV cell: text neutralised against formulas and control characters (RP-CSV-2, RP-CSV-3)."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, datetime):
        return value.isoformat()
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, (list, tuple)):
        value = ";".join(str(v) for v in value)
    text = str(value)
    if text.startswith(FORMULA_STARTS):
        text = "'" + text
    return neutralise(text, keep_layout=False)


def _rows(pack: AuditPack, public: bool) -> dict[str, list[list[Any]]]:
    def person(name: str | None, role: str | None = None) -> str | None:
        if public:
            return role or (WITHHELD if name else None)
        return name

    incidents = [[i.ref, i.title, i.severity, i.status, i.detected_at, i.started_at, i.aware_at, i.resolved_at,
                  i.closed_at, i.personal_data, i.regimes, i.tags, i.restricted, i.redacted, len(i.actions),
                  len(i.evidence), len(i.recurrences)] for i in pack.incidents]
    obligations = [[n.incident_ref, n.regime, n.stage, n.clock_start, n.due, n.status, n.notified_at, n.recipient,
                    n.reference, person(n.recorded_by), n.recorded_at,
                    backfilled(notified_at=n.notified_at, recorded_at=n.recorded_at), n.delay_reason, n.waived,
                    n.waiver_reason, person(n.decided_by), n.decided_at, n.basis, n.exceptions, n.recorded_delay]
                   for n in pack.notifications]
    actions = [[a.ref, i.ref, a.description, a.status, person(a.owner, a.owner_role), a.due, a.priority,
                a.completed_at, a.overdue] for i in pack.incidents for a in i.actions]
    evidence = [[e.ref, e.incident_ref, e.filename, e.size, e.sha256, person(e.collected_by, e.collected_by_role),
                 e.collected_at, e.custody_verified] for e in pack.all_evidence()]
    requirements = [[m.framework.id, r.requirement_id, c.incident_ref, c.status, c.exception, c.reasons, c.exceptions]
                    for m in pack.matrices for r in m.rows for c in r.cells]
    events = [[e.ref, e.title, e.detected_at, e.decided_at, person(e.decided_by), e.rubric, e.rationale,
               e.incident_type, e.redacted] for e in pack.events]
    return {"incidents.csv": incidents, "obligations.csv": obligations, "actions.csv": actions,
            "evidence.csv": evidence, "requirements.csv": requirements, "events.csv": events}


def population_csv(pack: AuditPack, *, public: bool = False) -> dict[str, tuple[bytes, int]]:
    """Returns {file name: (CSV bytes, data rows)} of the pack's populations (RP-CSV-1..3)."""
    out = {}
    for name, rows in _rows(pack, public).items():
        buf = io.StringIO(newline="")
        writer = csv.writer(buf, lineterminator="\r\n")
        writer.writerow([column for column, _ in COLUMNS[name]])
        writer.writerows([[safe_cell(v) for v in row] for row in rows])
        out[name] = (buf.getvalue().encode("utf-8"), len(rows))
    return out


def manifest_entries(files: dict[str, tuple[bytes, int]]) -> list[dict[str, Any]]:
    """The manifest's `csv` list: file, SHA-256 and data rows of each file (RP-CSV-4)."""
    return [{"file": name, "sha256": sha256_bytes(data), "rows": rows} for name, (data, rows) in sorted(files.items())]


def check_csv_dir(path: str | Path, *, force: bool = False) -> Path:
    """Refuses a --csv-dir that is a file, cannot be written, or already holds the exports without --force."""
    path = Path(path)
    if path.exists() and not path.is_dir():
        raise ValidationError(f"{path} exists and is not a directory", field="--csv-dir")
    where = path if path.is_dir() else path.parent
    if not where.is_dir():
        raise ValidationError(f"{where} does not exist: create the parent folder first", field="--csv-dir")
    try:
        fd, probe = tempfile.mkstemp(prefix=".csv-probe.", dir=where)
    except OSError as exc:
        raise ValidationError(f"{where} is not writable ({exc.strerror or exc.__class__.__name__})",
                              field="--csv-dir") from None
    os.close(fd)
    os.unlink(probe)
    if path.is_dir() and not force:
        taken = [name for name in COLUMNS if os.path.lexists(path / name)]
        if taken:
            raise ConflictError(f"{path / taken[0]} exists: give --force to replace the exports", field="--csv-dir")
    return path


def write_then(path: Path, files: dict[str, tuple[bytes, int]], then: Callable[[], None], *, force: bool) -> None:
    """Places the CSV files in `path`, then runs `then` (writing the pack); any failure puts everything back."""
    created = not path.exists()
    if created:
        path.mkdir()
    placed: list[Path] = []
    backups: dict[Path, Path] = {}
    temps: list[Path] = []
    try:
        for name, (data, _rows) in files.items():
            fd, tmp = tempfile.mkstemp(prefix=f".{name}.", suffix=".tmp", dir=path)
            temps.append(Path(tmp))
            with os.fdopen(fd, "wb") as fh:
                fh.write(data)
                fh.flush()
                os.fsync(fh.fileno())
        for name, tmp in zip(files, temps, strict=True):
            target = path / name
            if os.path.lexists(target):
                if not force:
                    raise ConflictError(f"{target} exists: give --force to replace the exports", field="--csv-dir")
                backups[target] = target.with_name(f".{name}.{secrets.token_hex(6)}.old")
                os.link(target, backups[target])
                os.replace(tmp, target)
            else:
                os.link(tmp, target)
            placed.append(target)
        then()
    except BaseException:
        for target in placed:
            try:
                if target in backups:
                    os.replace(backups.pop(target), target)
                else:
                    os.unlink(target)
            except OSError:
                pass
        for leftover in [*temps, *backups.values()]:
            try:
                os.unlink(leftover)
            except OSError:
                pass
        if created:
            try:
                path.rmdir()
            except OSError:
                pass
        raise
    for leftover in [*temps, *backups.values()]:
        try:
            os.unlink(leftover)
        except OSError:
            pass
