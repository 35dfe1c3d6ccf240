"""Audit-pack services: gather the model from the store, render, sign, write pack + manifest.

RP-SVC-1  A pack is not produced from a store whose custody chain does not verify, unless
          allow_broken is given; then the breakage is printed on the cover.
RP-SVC-2  Restricted incidents are redacted rows everywhere (matrix, register, sections) unless
          include_restricted, still counted in every figure; the cover states how many.
RP-SVC-3  Nothing half-written: the PDF and its manifest are written to temporary files in the
          target folder and renamed into place only when both are complete.
"""

from __future__ import annotations

import dataclasses
import os
import tempfile
from dataclasses import dataclass
from datetime import date, datetime
from pathlib import Path
from typing import Any

from compliance.core.errors import IntegrityError, ValidationError
from compliance.core.timeutil import ensure_utc
from compliance.reports.manifest import build_manifest, dump_manifest, manifest_path_for, sha256_bytes
from compliance.reports.model import Assertion, AuditPack
from compliance.reports.render import render_pack
from compliance.reports.sign import SignOptions, load_signer, sign_pdf, signer_name

DEFAULT_TITLE = "Incident management audit pack"


@dataclass
class PackResult:
    """What was written."""

    pdf_path: Path
    manifest_path: Path
    sha256: str
    size: int
    pages: int
    signed: bool
    signer: str | None
    incidents: int
    restricted_excluded: int
    restricted_redacted: int
    chain_broken: bool


def gather_pack_model(**kwargs: Any) -> AuditPack:
    """Returns the AuditPack model of a period from the store (see compliance.reports.gather)."""
    from compliance.reports.gather import gather_pack_model as gather

    return gather(**kwargs)


def build_audit_pack(*, store: Any, frameworks: list[str], period_from: date | None, period_to: date | None,
                     include_restricted: bool, public: bool, title: str | None, organisation: str | None,
                     generated_at: datetime, output: str | Path, sign: SignOptions | None = None,
                     allow_broken: bool = False, manifest_path: str | Path | None = None,
                     controls_dirs: list[str] | None = None, allow_open_period: bool = False,
                     prepared_by: str | None = None, approved_by: str | None = None,
                     approved_at: datetime | None = None) -> PackResult:
    """Gathers the period's pack model from the store and writes the PDF and its manifest."""
    if not frameworks:
        raise ValidationError("give at least one framework", field="--framework")
    if period_from and period_to and period_from > period_to:
        raise ValidationError(f"{period_from} is after --to {period_to}", field="--from")
    generated_at = ensure_utc(generated_at, field="--generated-at")
    check_output(output, manifest_path)
    assertion = management_assertion(prepared_by=prepared_by, approved_by=approved_by, approved_at=approved_at,
                                      generated_at=generated_at)
    pack = gather_pack_model(store=store, frameworks=list(frameworks), period_from=period_from,
                             period_to=period_to, include_restricted=include_restricted,
                             generated_at=generated_at, title=title or DEFAULT_TITLE, organisation=organisation,
                             controls_dirs=controls_dirs, allow_open_period=allow_open_period,
                             assertion=assertion)
    return produce_pack(pack=pack, output=output, public=public, sign=sign, allow_broken=allow_broken,
                        include_restricted=include_restricted, manifest_path=manifest_path)


def produce_pack(*, pack: AuditPack, output: str | Path, public: bool = False, sign: SignOptions | None = None,
                 allow_broken: bool = False, include_restricted: bool = False,
                 manifest_path: str | Path | None = None) -> PackResult:
    """Renders, optionally signs, and writes a pack model and its manifest (see RP-SVC-1..3)."""
    output = Path(output)
    manifest_path = Path(manifest_path) if manifest_path else manifest_path_for(output)
    check_output(output, manifest_path)
    if pack.generated_at.tzinfo is None:
        raise ValidationError("naive datetime refused: give an offset or Z", field="--generated-at")
    if pack.integrity.broken and not allow_broken:
        raise IntegrityError(f"the custody chain does not verify ({pack.integrity.message or 'broken'}): "
                             "no pack produced; --allow-broken prints the breakage on the cover instead")
    pack = dataclasses.replace(pack, include_restricted=True) if include_restricted else pack.with_restricted_redacted()
    signer = load_signer(sign) if sign else None
    if signer is not None:
        pack = dataclasses.replace(pack, signer=signer_name(signer))
    stats: dict[str, int] = {}
    pdf = render_pack(pack, public=public, stats=stats)
    if signer is not None:
        pdf = sign_pdf(pdf, signer, reason=sign.reason, location=sign.location)
    manifest = build_manifest(pack=pack, pdf=pdf, pdf_name=output.name, pages=stats.get("pages"), public=public,
                              signer=pack.signer)
    _write_both(output, pdf, manifest_path, dump_manifest(manifest))
    return PackResult(pdf_path=output, manifest_path=manifest_path, sha256=sha256_bytes(pdf), size=len(pdf),
                      pages=stats.get("pages", 0), signed=signer is not None, signer=pack.signer,
                      incidents=len(pack.incidents), restricted_excluded=pack.restricted_excluded,
                      restricted_redacted=pack.restricted_redacted,
                      chain_broken=pack.integrity.broken)


def management_assertion(*, prepared_by: str | None, approved_by: str | None, approved_at: datetime | None,
                         generated_at: datetime) -> Assertion:
    """The sign-off of a pack: prepared at the generation instant; an approval needs its instant, not after it."""
    prepared_by = (prepared_by or "").strip() or None
    approved_by = (approved_by or "").strip() or None
    if approved_at is not None and approved_by is None:
        raise ValidationError("an approval instant needs --approved-by", field="--approved-at")
    if approved_by is not None:
        if approved_at is None:
            raise ValidationError("give the instant of the approval (ISO 8601 with offset)", field="--approved-at")
        approved_at = ensure_utc(approved_at, field="--approved-at")
        if approved_at > generated_at:
            raise ValidationError("the approval cannot be after the pack was generated", field="--approved-at")
    return Assertion(prepared_by=prepared_by, prepared_at=generated_at, approved_by=approved_by,
                     approved_at=approved_at)


def check_output(output: str | Path, manifest_path: str | Path | None) -> None:
    """Refuses an output path in a missing folder, a folder, or a manifest that is the pack itself."""
    output = Path(output)
    if output.is_dir():
        raise ValidationError(f"{output} is a folder; give a file name such as pack.pdf", field="--output")
    if not output.parent.is_dir():
        raise ValidationError(f"folder {output.parent} does not exist", field="--output")
    if manifest_path is not None:
        mp = Path(manifest_path)
        if not mp.parent.is_dir():
            raise ValidationError(f"folder {mp.parent} does not exist", field="--manifest")
        if mp.resolve() == output.resolve():
            raise ValidationError("the manifest cannot be the pack itself", field="--manifest")


def _write_both(pdf_path: Path, pdf: bytes, manifest_path: Path, manifest: bytes) -> None:
    temps: list[tuple[str, Path]] = []
    try:
        for target, data in ((pdf_path, pdf), (manifest_path, manifest)):
            fd, tmp = tempfile.mkstemp(prefix=f".{target.name}.", suffix=".tmp", dir=target.parent)
            temps.append((tmp, target))
            with os.fdopen(fd, "wb") as fh:
                fh.write(data)
                fh.flush()
                os.fsync(fh.fileno())
        for tmp, target in temps:
            os.replace(tmp, target)
        temps = []
    finally:
        for tmp, _ in temps:
            try:
                os.unlink(tmp)
            except OSError:
                pass
