"""The machine-readable sidecar `PACK.manifest.json`: what the pack contains and its SHA-256.

RP-MAN-1  The manifest hashes the final bytes of the PDF (after signing), so `report verify` can
          detect any change to the file, signed or not.
RP-MAN-2  Keys are sorted and instants are ISO 8601 UTC: the same pack gives the same manifest.
RP-MAN-3  The pack also carries the manifest as an attached file (attach.py). A file cannot state its
          own hash, so the embedded copy is the side-car manifest WITHOUT the keys that depend on
          the final bytes or the file's name: `pack.sha256`, `pack.size`, `pack.timestamp` and
          `pack.file` (EMBEDDED_OMITS; a renamed pack stays the same pack, and the same model
          renders byte-identical under any name). Every other key is identical. `report verify`
          drops those keys from the side-car and compares the rest with the embedded copy; any
          difference is a failure.
RP-MAN-4  `generated_at` is the instant CLAIMED by whoever produced the pack (--generated-at can
          set it). `pack.timestamp.instant` is the instant an RFC 3161 timestamp authority put on
          the final file; `pack.timestamp.claim` says how the two relate.
"""

from __future__ import annotations

import hashlib
import json
from pathlib import Path
from typing import Any

from compliance import __version__
from compliance.core.errors import ValidationError
from compliance.core.jsonout import to_jsonable
from compliance.integrity.pack import restrict_store_fields
from compliance.reports.model import AuditPack

MANIFEST_FORMAT = "compliance-audit-pack-manifest/1"
EMBEDDED_OMITS = ("file", "sha256", "size", "timestamp")  # keys of "pack" left out of the embedded copy (RP-MAN-3)


def sha256_bytes(data: bytes) -> str:
    """Returns the hex SHA-256 of `data`."""
    return hashlib.sha256(data).hexdigest()


def sha256_file(path: str | Path) -> str:
    """Returns the hex SHA-256 of a file, read in 1 MiB blocks."""
    h = hashlib.sha256()
    with open(path, "rb") as fh:
        for block in iter(lambda: fh.read(1 << 20), b""):
            h.update(block)
    return h.hexdigest()


def manifest_path_for(pdf_path: str | Path) -> Path:
    """PACK.pdf → PACK.manifest.json (next to the pack)."""
    pdf_path = Path(pdf_path)
    stem = pdf_path.name[:-4] if pdf_path.name.lower().endswith(".pdf") else pdf_path.name
    return pdf_path.with_name(stem + ".manifest.json")


def build_manifest(*, pack: AuditPack, pdf: bytes, pdf_name: str, pages: int | None, public: bool,
                   signer: str | None, signer_certificate: dict[str, str] | None = None,
                   timestamp: dict[str, Any] | None = None, csv_files: list[dict[str, Any]] | None = None,
                   csv_dir: str | None = None) -> dict[str, Any]:
    """Returns the manifest document of a rendered (and possibly signed) pack (with its CSV exports, if any)."""
    manifest = {
        "format": MANIFEST_FORMAT,
        "generator": f"compliance {__version__}",
        "pack": {"file": pdf_name, "sha256": sha256_bytes(pdf), "size": len(pdf), "pages": pages,
                 "signed": signer is not None, "signer": signer},
        "title": pack.title,
        "organisation": pack.organisation,
        "generated_at": to_jsonable(pack.generated_at),
        "period": {"from": to_jsonable(pack.period_from), "to": to_jsonable(pack.period_to)},
        "frameworks": [{"id": f.id, "name": f.name, "version": f.version} for f in pack.frameworks],
        "public": public,
        "restricted_excluded": pack.restricted_excluded,
        "restricted_redacted": pack.restricted_redacted,
        "include_restricted": pack.include_restricted,
        "incidents": [{"ref": i.ref, "title": i.title, "severity": i.severity, "status": i.status,
                       "detected_at": to_jsonable(i.detected_at)} for i in pack.incidents],
        "events": [{"ref": e.ref, "outcome": "not_incident", "detected_at": to_jsonable(e.detected_at),
                    "decided_at": to_jsonable(e.decided_at)} for e in pack.events],
        "requirements": [
            {"framework": m.framework.id, "requirement": row.requirement_id, "incident": c.incident_ref,
             "status": c.status}
            for m in pack.matrices for row in m.rows for c in row.cells
        ],
        "notifications": [
            {"incident": n.incident_ref, "regime": n.regime, "stage": n.stage, "status": n.status,
             "due": to_jsonable(n.due), "notified_at": to_jsonable(n.notified_at)}
            for n in pack.notifications
        ],
        "evidence": [{"ref": e.ref, "incident": e.incident_ref, "filename": e.filename, "size": e.size,
                      "sha256": e.sha256} for e in pack.all_evidence()],
        "integrity": {"chain_head": pack.integrity.chain_head, "chain_length": pack.integrity.chain_length,
                      "verified": pack.integrity.verified, "broken": pack.integrity.broken,
                      "message": pack.integrity.message},
        "store": restrict_store_fields(pack.integrity.store, [i.ref for i in pack.incidents]),
    }
    manifest["pack"]["signer_certificate"] = signer_certificate
    manifest["pack"]["timestamp"] = timestamp
    if csv_files is not None:
        manifest["csv"] = csv_files  # the CSV exports (csvexport RP-CSV-4), in csv_dir relative to the PDF's folder
        manifest["csv_dir"] = csv_dir
    return manifest


def embedded_view(manifest: dict[str, Any]) -> dict[str, Any]:
    """The manifest as embedded in the pack: without the keys that depend on the final bytes (RP-MAN-3)."""
    view = dict(manifest)
    view["pack"] = {k: v for k, v in (manifest.get("pack") or {}).items() if k not in EMBEDDED_OMITS}
    return view


def finalise_manifest(manifest: dict[str, Any], *, pdf: bytes, timestamp: dict[str, Any] | None) -> dict[str, Any]:
    """The side-car manifest: the embedded view plus the hash, size and timestamp of the final bytes."""
    final = dict(manifest)
    final["pack"] = {**manifest["pack"], "sha256": sha256_bytes(pdf), "size": len(pdf), "timestamp": timestamp}
    return final


def manifest_differences(sidecar: dict[str, Any], embedded: dict[str, Any]) -> list[str]:
    """The top-level (and pack.*) keys in which the side-car's embedded view and the embedded copy differ."""
    a, b = embedded_view(sidecar), embedded_view(embedded)
    keys = sorted(set(a) | set(b))
    out = [k for k in keys if k != "pack" and a.get(k) != b.get(k)]
    pa, pb = a.get("pack") or {}, b.get("pack") or {}
    out += [f"pack.{k}" for k in sorted(set(pa) | set(pb)) if pa.get(k) != pb.get(k)]
    return out


def dump_manifest(manifest: dict[str, Any]) -> bytes:
    """Serialises a manifest (sorted keys, UTF-8, trailing newline)."""
    return (json.dumps(manifest, indent=2, sort_keys=True, ensure_ascii=False) + "\n").encode("utf-8")


def parse_embedded_manifest(data: bytes) -> dict[str, Any] | None:
    """Parses an embedded copy; None when it is not a readable audit-pack manifest."""
    try:
        doc = json.loads(data.decode("utf-8"))
    except (UnicodeDecodeError, json.JSONDecodeError):
        return None
    return doc if isinstance(doc, dict) and doc.get("format") == MANIFEST_FORMAT else None


def load_manifest(path: str | Path, *, field: str = "--manifest") -> dict[str, Any]:
    """Reads a manifest; a missing, unreadable or foreign file is a ValidationError naming the field."""
    path = Path(path)
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise ValidationError(f"{path}: no such manifest file", field=field) from None
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise ValidationError(f"{path}: not a readable JSON manifest ({exc.__class__.__name__})", field=field) from None
    if not isinstance(data, dict) or data.get("format") != MANIFEST_FORMAT:
        raise ValidationError(f"{path}: not an audit-pack manifest (expected format {MANIFEST_FORMAT})", field=field)
    sha = (data.get("pack") or {}).get("sha256")
    if not isinstance(sha, str) or len(sha) != 64:
        raise ValidationError(f"{path}: manifest has no pack.sha256", field=field)
    return data
