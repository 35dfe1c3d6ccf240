"""The checks every opening of a store makes that need no database library: which SQLite file a plain URL
names, and whether the evidence folder given is the one the store recorded. Shared by db/store.py (ORM)
and db/sqlite_read.py (sqlite3), so both refuse the same stores with the same one-line errors.
"""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

from compliance.core.errors import ValidationError

EVIDENCE_DIR_KEY = "store.evidence_dir"

# A SQLite URL that SQLAlchemy parses to exactly this path and shows back unchanged (no query, no
# percent-escapes, no character its URL rendering would quote). Anything else takes the ORM path.
_PLAIN_SQLITE_URL = re.compile(r"sqlite(?:\+pysqlite)?:///(?P<path>[A-Za-z0-9_./~ +-]+)")


def get_plain_sqlite_path(url: str) -> Path | None:
    """Returns the file a plain SQLite URL names (sqlite:///relative or sqlite:////absolute), else None."""
    match = _PLAIN_SQLITE_URL.fullmatch(url)
    return Path(match["path"]) if match else None


def get_recorded_evidence_path(raw: Any) -> str | None:
    """Returns the evidence folder recorded in the store's setting value (JSON text or decoded), if any."""
    if raw is None:
        return None
    value = json.loads(raw) if isinstance(raw, str) else raw
    return value.get("path") if isinstance(value, dict) else None


def check_evidence_dir(recorded: str | None, *, display: str, path: Path) -> None:
    """Refuses an evidence folder other than the one the store recorded (a store that recorded none accepts any)."""
    if recorded is not None and Path(recorded) != path:
        raise ValidationError(
            f"{path} is not the evidence folder of the store at {display} (it is {recorded}); give that folder, "
            f"or run 'compliance init --evidence-dir {path}' to move the store's evidence there", field="--evidence-dir")
