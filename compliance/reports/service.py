"""Audit-pack services: gather the model from the store, render, sign, write pack + manifest.

RP-SVC-1  A pack is not produced from a store whose custody chain does not verify, unless
          allow_broken is given; then the breakage is printed on the cover.
RP-SVC-2  Restricted incidents are redacted rows everywhere (matrix, register, sections) unless
          include_restricted, still counted in every figure; the cover states how many.
RP-SVC-3  Nothing half-written, nothing silently replaced: see packfiles.py RP-FILE-1..3.
RP-SVC-4  Order of work: render, attach the manifest (without the final-bytes keys), sign, ask the
          TSA for a document timestamp, then compute the side-car manifest from the final bytes.
          A claimed --generated-at later than the timestamp is refused (nothing written).
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime
from pathlib import Path
from typing import Any

from compliance.core.errors import IntegrityError, ValidationError
from compliance.core.timeutil import ensure_utc
from compliance.reports.csvexport import check_csv_dir, manifest_entries, population_csv, write_then
from compliance.reports.manifest import (
    build_manifest,
    dump_manifest,
    embedded_view,
    finalise_manifest,
    manifest_path_for,
    sha256_bytes,
)
from compliance.reports.model import Assertion, AuditPack
from compliance.reports.packfiles import check_output, write_pack_files
from compliance.reports.render import render_pack
from compliance.reports.sign import SignOptions, load_signer, sign_pdf, signer_name

__all__ = ["PackResult", "build_audit_pack", "check_output", "gather_pack_model", "produce_pack"]

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
    timestamp: dict[str, Any] | None = None
    csv_dir: Path | None = None
    csv: list[dict[str, Any]] | None = None  # the manifest's CSV entries (file, sha256, rows)


def gather_pack_model(**kwargs: Any) -> AuditPack:
    """Returns the AuditPack model of a period from the store (see compliance.reports.gather)."""
    from compliance.reports.gather import gather_pack_model as gather

    return gather(**kwargs)


def build_audit_pack(*, store: Any, frameworks: list[str], period_from: date | None, period_to: date | None,
                     include_restricted: bool, public: bool, title: str | None, organisation: str | None,
                     generated_at: datetime, output: str | Path, sign: SignOptions | None = None,
                     allow_broken: bool = False, manifest_path: str | Path | None = None,
                     controls_dirs: list[str] | None = None, allow_open_period: bool = False,
                     tsa_url: str | None = None, force: bool = False, prepared_by: str | None = None,
                     approved_by: str | None = None, approved_at: datetime | None = None,
                     csv_dir: str | Path | None = None,
                     progress: Callable[[int, int], None] | None = None) -> PackResult:
    """Gathers the period's pack model from the store and writes the PDF and its manifest (and the CSV exports)."""
    if not frameworks:
        raise ValidationError("give at least one framework", field="--framework")
    if period_from and period_to and period_from > period_to:
        raise ValidationError(f"{period_from} is after --to {period_to}", field="--from")
    generated_at = ensure_utc(generated_at, field="--generated-at")
    check_output(output, manifest_path, force=force)
    if csv_dir is not None:
        check_csv_dir(csv_dir, force=force)
    policy = None
    if public:
        from compliance.core.redaction import get_redaction_policy

        with store.session() as session:
            policy = get_redaction_policy(session=session)
    assertion = management_assertion(prepared_by=prepared_by, approved_by=approved_by, approved_at=approved_at,
                                      generated_at=generated_at)
    pack = gather_pack_model(store=store, frameworks=list(frameworks), period_from=period_from,
                             period_to=period_to, include_restricted=include_restricted,
                             generated_at=generated_at, title=title or DEFAULT_TITLE, organisation=organisation,
                             controls_dirs=controls_dirs, allow_open_period=allow_open_period,
                             assertion=assertion)
    return produce_pack(pack=pack, output=output, public=public, sign=sign, allow_broken=allow_broken,
                        include_restricted=include_restricted, manifest_path=manifest_path, policy=policy,
                        tsa_url=tsa_url, force=force, csv_dir=csv_dir, progress=progress)


def produce_pack(*, pack: AuditPack, output: str | Path, public: bool = False, sign: SignOptions | None = None,
                 allow_broken: bool = False, include_restricted: bool = False,
                 manifest_path: str | Path | None = None, policy: Any = None, tsa_url: str | None = None,
                 force: bool = False, csv_dir: str | Path | None = None,
                 progress: Callable[[int, int], None] | None = None) -> PackResult:
    """Renders, attaches the manifest, optionally signs and timestamps, and writes pack + manifest (RP-SVC-1..4),
    and the population CSV files of the same model when `csv_dir` is given (csvexport RP-CSV-1..5)."""
    from compliance.reports.attach import embed_manifest
    from compliance.reports.sign import certificate_info, check_tsa_url

    output = Path(output)
    manifest_path = Path(manifest_path) if manifest_path else manifest_path_for(output)
    check_output(output, manifest_path, force=force)
    csv_dir = check_csv_dir(csv_dir, force=force) if csv_dir is not None else None
    tsa_url = check_tsa_url(tsa_url)
    if pack.generated_at.tzinfo is None:
        raise ValidationError("naive datetime refused: give an offset or Z", field="--generated-at")
    if pack.integrity.broken and not allow_broken:
        raise IntegrityError(f"the custody chain does not verify ({pack.integrity.message or 'broken'}): "
                             "no pack produced; --allow-broken prints the breakage on the cover instead")
    pack = dataclasses.replace(pack, include_restricted=True) if include_restricted else pack.with_restricted_redacted()
    if public:  # one redaction policy for every public output (compliance.core.redaction, PUBLIC-1..5)
        from compliance.core.redaction import RedactionPolicy, redact_tree

        pack = redact_tree(pack, policy or RedactionPolicy())
    signer = load_signer(sign) if sign else None
    cert = certificate_info(signer.signing_cert) if signer is not None else None
    if signer is not None:
        pack = dataclasses.replace(pack, signer=signer_name(signer), signer_fingerprint=cert["sha256"])
    if tsa_url:
        pack = dataclasses.replace(pack, timestamp_authority=tsa_url)
    stats: dict[str, int] = {}
    pdf = render_pack(pack, public=public, stats=stats, progress=progress)
    files = population_csv(pack, public=public) if csv_dir is not None else None
    manifest = build_manifest(pack=pack, pdf=pdf, pdf_name=output.name, pages=stats.get("pages"), public=public,
                              signer=pack.signer, signer_certificate=cert,
                              csv_files=manifest_entries(files) if files is not None else None,
                              csv_dir=_relative(csv_dir, output) if csv_dir is not None else None)
    pdf = embed_manifest(pdf, dump_manifest(embedded_view(manifest)))
    if signer is not None:
        pdf = sign_pdf(pdf, signer, reason=sign.reason, location=sign.location)
    timestamp = _timestamp(pdf, tsa_url, pack) if tsa_url else None
    if timestamp is not None:
        pdf = timestamp.pop("_pdf")
    manifest = finalise_manifest(manifest, pdf=pdf, timestamp=timestamp)
    if csv_dir is not None:
        write_then(csv_dir, files, lambda: write_pack_files(output, pdf, manifest_path, dump_manifest(manifest),
                                                            force=force), force=force)
    else:
        write_pack_files(output, pdf, manifest_path, dump_manifest(manifest), force=force)
    return PackResult(pdf_path=output, manifest_path=manifest_path, sha256=sha256_bytes(pdf), size=len(pdf),
                      pages=stats.get("pages", 0), signed=signer is not None, signer=pack.signer,
                      incidents=len(pack.incidents), restricted_excluded=pack.restricted_excluded,
                      restricted_redacted=pack.restricted_redacted,
                      chain_broken=pack.integrity.broken, timestamp=timestamp, csv_dir=csv_dir,
                      csv=manifest.get("csv"))


def _relative(csv_dir: Path, pdf_path: Path) -> str:
    """Where the CSV files are, relative to the PDF's folder (POSIX separators)."""
    import os

    return Path(os.path.relpath(csv_dir.resolve(), pdf_path.resolve().parent)).as_posix()


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


def _timestamp(pdf: bytes, tsa_url: str, pack: AuditPack) -> dict[str, Any]:
    """Timestamps the PDF; returns the manifest's pack.timestamp (plus the new bytes under '_pdf')."""
    from io import BytesIO

    from pyhanko.pdf_utils.reader import PdfFileReader

    from compliance.core.jsonout import to_jsonable
    from compliance.reports.authenticity import claim_relation
    from compliance.reports.sign import timestamp_pdf, timestamp_token_facts

    stamped = timestamp_pdf(pdf, tsa_url)
    stamp = [s for s in PdfFileReader(BytesIO(stamped), strict=False).embedded_signatures
             if s.sig_object_type == "/DocTimeStamp"][-1]
    token = timestamp_token_facts(stamp)
    instant = ensure_utc(token["instant"], field="timestamp")
    claimed = ensure_utc(pack.generated_at, field="--generated-at")
    flag, sentence = claim_relation(claimed, instant)
    if flag == "claimed_after_timestamp":
        raise ValidationError(f"{sentence}; nothing written", field="--generated-at")
    return {"instant": to_jsonable(instant), "tsa_url": tsa_url, "tsa": token["tsa"],
            "claimed_generated_at": to_jsonable(claimed), "claim": flag, "note": sentence,
            "_pdf": stamped}
