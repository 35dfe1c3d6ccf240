"""`report verify`: signature, pack hash against the manifest, evidence hashes against the store.

RP-VER-1  A signature must be intact and cover the whole file: any byte changed or appended after
          signing fails. Trust in the signer is checked only against certificates given with --trust.
RP-VER-2  The pack's SHA-256 must equal the manifest's `pack.sha256`.
RP-VER-3  With a store, every evidence hash of the manifest must still match the stored evidence, and the
          store's ledger must still hold the manifest's head, verify, and re-derive its statuses (IN-PCK-2).
RP-VER-4  Nothing to check against (unsigned pack, no manifest) is an error, not a pass.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from io import BytesIO
from pathlib import Path
from typing import Any

from compliance.core.errors import ValidationError
from compliance.reports.manifest import load_manifest, manifest_path_for, sha256_bytes


@dataclass
class Check:
    """One verification step: ok True (passed), False (failed) or None (informational / skipped)."""

    name: str
    ok: bool | None
    detail: str


@dataclass
class VerifyResult:
    """All checks run on one pack."""

    pdf: str
    sha256: str
    checks: list[Check] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        """True when no check failed."""
        return all(c.ok is not False for c in self.checks)

    @property
    def first_failure(self) -> Check | None:
        """The first failed check, if any."""
        return next((c for c in self.checks if c.ok is False), None)


def check_signatures(data: bytes, *, trust_certs: list[Path] = ()) -> tuple[list[Check], bool]:
    """Validates every embedded signature; returns the checks and whether the PDF is signed at all."""
    import logging

    from pyhanko.pdf_utils.reader import PdfFileReader
    from pyhanko.sign.validation import validate_pdf_signature
    from pyhanko_certvalidator import ValidationContext

    logging.getLogger("pyhanko").setLevel(logging.CRITICAL)
    logging.getLogger("pyhanko_certvalidator").setLevel(logging.CRITICAL)
    roots = []
    for path in trust_certs:
        roots.append(_load_cert(path))
    try:
        reader = PdfFileReader(BytesIO(data), strict=False)
        signatures = list(reader.embedded_signatures)
    except Exception as exc:  # any parse failure of a pack is a failed integrity check
        return [Check("signature", False, f"the PDF cannot be parsed ({exc.__class__.__name__}: {exc})")], False
    if not signatures:
        return [Check("signature", None, "the pack is not signed")], False
    checks = []
    for sig in signatures:
        name = sig.field_name
        try:
            vc = ValidationContext(trust_roots=roots, allow_fetching=False)
            status = validate_pdf_signature(sig, signer_validation_context=vc, skip_diff=False)
        except Exception as exc:
            checks.append(Check(f"signature {name}", False, f"cannot be validated ({exc.__class__.__name__}: {exc})"))
            continue
        from pyhanko.sign.validation.status import SignatureCoverageLevel

        from compliance.reports.sign import certificate_name

        signer = certificate_name(status.signing_cert) if status.signing_cert else "unknown signer"
        if not (status.intact and status.valid):
            checks.append(Check(f"signature {name}", False,
                                f"signature by {signer} does NOT match the document (altered after signing)"))
            continue
        if status.coverage != SignatureCoverageLevel.ENTIRE_FILE:
            checks.append(Check(f"signature {name}", False,
                                f"signature by {signer} is intact but the file was changed after signing "
                                f"(coverage: {status.coverage.name.lower()})"))
            continue
        if roots:
            if status.trusted:
                checks.append(Check(f"signature {name}", True, f"intact, covers the whole file, signer {signer} trusted"))
            else:
                checks.append(Check(f"signature {name}", False,
                                    f"intact, but signer {signer} does not chain to a --trust certificate"))
        else:
            checks.append(Check(f"signature {name}", True,
                                f"intact and covers the whole file; signer {signer} (trust not checked: give --trust CERT)"))
    return checks, True


def _load_cert(path: Path):
    from pyhanko.keys import load_cert_from_pemder

    try:
        return load_cert_from_pemder(str(path))
    except (OSError, ValueError, TypeError) as exc:
        raise ValidationError(f"{path}: not a PEM or DER certificate ({exc.__class__.__name__})", field="--trust") from None


def verify_evidence_hashes(store: Any, manifest: dict[str, Any]) -> list[Check]:
    """Checks every evidence hash of the manifest against the store (each blob re-hashed)."""
    from compliance.evidence.service import verify_evidence_hash

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


def verify_pack(*, pdf_path: str | Path, manifest_path: str | Path | None = None, store: Any = None,
                trust_certs: list[Path] = ()) -> VerifyResult:
    """Runs every applicable check on a pack file (see RP-VER-1..4)."""
    pdf_path = Path(pdf_path)
    try:
        data = pdf_path.read_bytes()
    except FileNotFoundError:
        raise ValidationError(f"{pdf_path}: no such file", field="PACK") from None
    result = VerifyResult(pdf=str(pdf_path), sha256=sha256_bytes(data))
    sig_checks, signed = check_signatures(data, trust_certs=list(trust_certs))
    result.checks += sig_checks
    explicit = manifest_path is not None
    manifest_path = Path(manifest_path) if explicit else manifest_path_for(pdf_path)
    manifest = None
    if explicit or manifest_path.is_file():
        manifest = load_manifest(manifest_path)
        expected = manifest["pack"]["sha256"]
        if expected == result.sha256:
            result.checks.append(Check("pack hash", True, f"SHA-256 {result.sha256} matches {manifest_path.name}"))
        else:
            result.checks.append(Check("pack hash", False,
                                       f"SHA-256 {result.sha256} differs from the manifest's {expected}"))
    else:
        result.checks.append(Check("pack hash", None, f"no manifest ({manifest_path.name} not found)"))
    if store is not None:
        if manifest is None:
            raise ValidationError("checking evidence against the store needs the pack's manifest", field="--manifest")
        result.checks += verify_store_history(store, manifest)
        result.checks += verify_evidence_hashes(store, manifest)
    if not signed and manifest is None:
        raise ValidationError("nothing to verify against: the pack is not signed and has no manifest "
                              "(give --manifest PACK.manifest.json)", field="--manifest")
    return result
