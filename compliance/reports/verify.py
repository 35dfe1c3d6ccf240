"""`report verify`: signature, pack hash against the manifest, evidence hashes against the store.

RP-VER-1  A signature must be intact and cover the whole file: any byte changed or appended after
          signing fails. Trust in the signer is checked only against certificates given with --trust.
RP-VER-2  The pack's SHA-256 must equal the manifest's `pack.sha256`.
RP-VER-3  With a store, every evidence hash of the manifest must still match the stored evidence, and the
          store's ledger must still hold the manifest's head, verify, and re-derive its statuses (IN-PCK-2).
RP-VER-4  Nothing to check the bytes against (no signature, no timestamp, no side-car manifest) is
          an error, not a pass.
RP-VER-5  The side-car manifest is used when present and must match the copy embedded in the pack
          (manifest.py RP-MAN-3); without it the embedded copy is used, and the output says which.
RP-VER-7  CSV exports listed in the manifest are re-hashed in the folder it names (csv_dir, relative to the
          pack's folder): a changed or missing file fails naming the file; without that folder they are
          reported as not checked.
RP-VER-6  --require-signature turns an unsigned pack, a signature not chaining to --trust and a
          missing --trust into failures (authenticity.py RP-AUTH-1..4 for the pack-file checks).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from compliance.core.errors import ValidationError
from compliance.reports.authenticity import (
    check_claimed_instant,
    check_pack_file,
    require_signature_checks,
    verdict,
)
from compliance.reports.checks import Check
from compliance.reports.manifest import (
    load_manifest,
    manifest_differences,
    manifest_path_for,
    parse_embedded_manifest,
    sha256_bytes,
)


@dataclass
class VerifyResult:
    """All checks run on one pack."""

    pdf: str
    sha256: str
    checks: list[Check] = field(default_factory=list)
    signed: bool = False
    authentic: bool = False
    verdict: str = ""
    manifest_source: str | None = None  # "side-car", "embedded" or None
    signer: dict[str, str] | None = None
    timestamps: list[dict[str, Any]] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        """True when no check failed."""
        return all(c.ok is not False for c in self.checks)

    @property
    def first_failure(self) -> Check | None:
        """The first failed check, if any."""
        return next((c for c in self.checks if c.ok is False), None)


def verify_evidence_hashes(store: Any, manifest: dict[str, Any]) -> list[Check]:
    """Checks every evidence hash of the manifest against the store (each blob re-hashed)."""
    from compliance.custody.evidence import verify_evidence_hash

    items = manifest.get("evidence") or []
    problems: list[str] = []
    for item in items:
        problem = verify_evidence_hash(store=store, ref=str(item.get("ref")), sha256=str(item.get("sha256")))
        if problem:
            problems.append(problem)
    if problems:
        more = f" (and {len(problems) - 1} more)" if len(problems) > 1 else ""
        return [Check("evidence", False, problems[0] + more)] + [Check("evidence", False, p) for p in problems[1:]]
    return [Check("evidence", True, f"all {len(items)} evidence hash(es) match the store")]


def verify_store_history(store: Any, manifest: dict[str, Any]) -> list[Check]:
    """Checks the manifest's ledger head, the whole store and the stated statuses against the store (IN-PCK-2)."""
    from compliance.integrity.pack import verify_manifest_against_store

    return [Check(name, ok, detail) for name, ok, detail in verify_manifest_against_store(store=store, manifest=manifest)]


def verify_csv_files(manifest: dict[str, Any] | None, pdf_path: Path) -> list[Check]:
    """Re-hashes the CSV exports the manifest lists (RP-VER-7)."""
    from compliance.reports.manifest import sha256_file

    entries = (manifest or {}).get("csv")
    if not entries:
        return []
    folder = pdf_path.parent / str(manifest.get("csv_dir") or ".")
    if not folder.is_dir():
        return [Check("csv", None, f"{len(entries)} CSV export(s) listed; folder {folder} not found: not checked")]
    failures = []
    for entry in entries:
        name = str(entry.get("file"))
        path = folder / name
        if Path(name).name != name or not path.is_file():
            failures.append(Check("csv", False, f"{name}: listed in the manifest but missing from {folder}"))
            continue
        digest = sha256_file(path)
        if digest != entry.get("sha256"):
            failures.append(Check("csv", False, f"{name}: SHA-256 {digest} differs from the manifest's {entry.get('sha256')}"))
    return failures or [Check("csv", True, f"all {len(entries)} CSV export(s) in {folder} match the manifest")]


def verify_pack(*, pdf_path: str | Path, manifest_path: str | Path | None = None, store: Any = None,
                trust_certs: list[Path] = (), require_signature: bool = False) -> VerifyResult:
    """Runs every applicable check on a pack file (see RP-VER-1..6)."""
    pdf_path = Path(pdf_path)
    try:
        data = pdf_path.read_bytes()
    except FileNotFoundError:
        raise ValidationError(f"{pdf_path}: no such file", field="PACK") from None
    result = VerifyResult(pdf=str(pdf_path), sha256=sha256_bytes(data))
    facts = check_pack_file(data, trust_certs=list(trust_certs))
    result.checks += facts.checks
    result.signed, result.signer, result.timestamps = facts.signed, facts.signer, facts.timestamps
    explicit = manifest_path is not None
    manifest_path = Path(manifest_path) if explicit else manifest_path_for(pdf_path)
    sidecar = load_manifest(manifest_path) if (explicit or manifest_path.is_file()) else None
    embedded = parse_embedded_manifest(facts.embedded_manifest) if facts.embedded_manifest is not None else None
    result.checks += _manifest_checks(result, facts, sidecar, embedded, manifest_path)
    manifest = sidecar if sidecar is not None else embedded
    result.checks += check_claimed_instant(manifest, facts)
    result.checks += verify_csv_files(manifest, pdf_path)
    if store is not None:
        if manifest is None:
            raise ValidationError("checking evidence against the store needs the pack's manifest", field="--manifest")
        result.checks += verify_store_history(store, manifest)
        result.checks += verify_evidence_hashes(store, manifest)
    if facts.parsed and sidecar is None and not facts.anchored:
        raise ValidationError("nothing to verify against: the pack is not signed or timestamped and has no side-car "
                              "manifest (give --manifest PACK.manifest.json)", field="--manifest")
    if require_signature:
        result.checks += require_signature_checks(facts)
    result.authentic, result.verdict = verdict(facts=facts, failed=not result.ok)
    return result


def _manifest_checks(result: VerifyResult, facts, sidecar: dict | None, embedded: dict | None,
                     manifest_path: Path) -> list[Check]:
    """Which manifest is used (RP-VER-5), the pack hash against the side-car, and side-car vs embedded copy."""
    checks = []
    if facts.embedded_manifest is not None and embedded is None:
        checks.append(Check("manifest", False, "the manifest attached to the pack is not a readable audit-pack manifest"))
    if sidecar is not None:
        result.manifest_source = "side-car"
        expected = sidecar["pack"]["sha256"]
        if expected == result.sha256:
            checks.append(Check("pack hash", True, f"SHA-256 {result.sha256} matches {manifest_path.name}"))
        else:
            checks.append(Check("pack hash", False, f"SHA-256 {result.sha256} differs from the manifest's {expected}"))
        if embedded is not None:
            diff = manifest_differences(sidecar, embedded)
            if diff:
                checks.append(Check("manifest", False, f"the side-car {manifest_path.name} does not match the manifest "
                                                       f"embedded in the pack (differs in {', '.join(diff[:6])}): "
                                                       "it belongs to another pack or was edited"))
            else:
                checks.append(Check("manifest", True, f"using the side-car {manifest_path.name}; it matches the copy "
                                                      "embedded in the pack"))
        elif facts.parsed:
            checks.append(Check("manifest", None, f"using the side-car {manifest_path.name}; the pack embeds no manifest "
                                                  "(produced before manifests were embedded)"))
    elif embedded is not None:
        result.manifest_source = "embedded"
        checks.append(Check("manifest", None, f"no side-car ({manifest_path.name} not found): using the manifest "
                                              "embedded in the pack"))
        checks.append(Check("pack hash", None, "not checked: a file cannot state its own hash; the signature or "
                                               "timestamp covers the bytes instead"))
    else:
        checks.append(Check("pack hash", None, f"no manifest ({manifest_path.name} not found, none embedded)"))
    return checks
