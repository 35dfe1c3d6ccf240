"""The pack-file half of `report verify`: signatures, trust, RFC 3161 timestamps, the embedded manifest.

RP-AUTH-1  A signature must be intact and cover the whole file, or be followed only by document
           timestamps (pyHanko's difference analysis: LTA updates). Anything else added after
           signing fails.
RP-AUTH-2  Trust is checked only against the certificates given with --trust (signer's CA and
           TSA's CA alike); a signer or TSA that does not chain to one of them fails. Without
           --trust the output says "trust not checked" and nothing is proven authentic: anyone
           can make a certificate with any subject.
RP-AUTH-3  A document timestamp must be intact and cover the file up to its revision; its instant
           is printed beside the claimed generation instant (manifest `generated_at`). A claim later
           than the timestamp (beyond CLOCK_SKEW) is false and fails; a claim more than
           BACKDATE_WARNING before it is flagged as possibly backdated.
RP-AUTH-4  The verdict "authentic" needs an intact signature that chains to --trust. Everything
           else is "NOT proven authentic", whatever the hashes say.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from io import BytesIO
from pathlib import Path
from typing import Any

from compliance.core.errors import ValidationError
from compliance.reports.checks import Check

CLOCK_SKEW = timedelta(seconds=60)
BACKDATE_WARNING = timedelta(minutes=10)


@dataclass
class FileFacts:
    """What the PDF itself proves: signatures, timestamps, the embedded manifest."""

    checks: list[Check] = field(default_factory=list)
    parsed: bool = True
    signed: bool = False
    signature_ok: bool = False
    trusted: bool | None = None  # None: trust not checked (no --trust)
    signer: dict[str, str] | None = None
    timestamps: list[dict[str, Any]] = field(default_factory=list)
    embedded_manifest: bytes | None = None
    stamp_revisions: set[int] = field(default_factory=set)
    revisions: int = 0

    @property
    def anchored(self) -> bool:
        """True when a signature or a timestamp covers the bytes (intact or not: they were checked)."""
        return self.signed or bool(self.timestamps)


def safe(text: Any) -> str:
    """Text from a certificate or a file, with control characters shown as escapes (terminal-safe)."""
    return "".join(ch if ch.isprintable() else f"\\x{ord(ch):02x}" for ch in str(text))


def load_trust(paths: list[Path]) -> list:
    """Loads --trust certificates (PEM or DER); an unreadable one is a ValidationError."""
    from pyhanko.keys import load_cert_from_pemder, load_certs_from_pemder

    roots = []
    for path in paths:
        try:
            certs = list(load_certs_from_pemder([str(path)]))
            roots += certs or [load_cert_from_pemder(str(path))]
        except (OSError, ValueError, TypeError, KeyError) as exc:
            raise ValidationError(f"{path}: not a PEM or DER certificate ({exc.__class__.__name__})",
                                  field="--trust") from None
    return roots


def check_pack_file(data: bytes, *, trust_certs: list[Path] = ()) -> FileFacts:
    """Validates every signature and document timestamp of a pack and reads its embedded manifest."""
    import logging

    from pyhanko.pdf_utils.reader import PdfFileReader

    from compliance.reports.attach import read_embedded_manifest

    for name in ("pyhanko", "pyhanko_certvalidator"):
        logging.getLogger(name).setLevel(logging.CRITICAL)
    roots = load_trust(list(trust_certs))
    facts = FileFacts()
    try:
        reader = PdfFileReader(BytesIO(data), strict=False)
        signatures = list(reader.embedded_signatures)
        facts.embedded_manifest = read_embedded_manifest(reader)
    except Exception as exc:  # any parse failure of a pack is a failed integrity check
        facts.parsed = False
        facts.checks.append(Check("signature", False, f"the PDF cannot be parsed ({exc.__class__.__name__}: {safe(exc)})"))
        return facts
    sigs = [s for s in signatures if s.sig_object_type != "/DocTimeStamp"]
    stamps = [s for s in signatures if s.sig_object_type == "/DocTimeStamp"]
    facts.stamp_revisions = {s.signed_revision for s in stamps}
    facts.revisions = reader.xrefs.total_revisions
    if not sigs:
        facts.checks.append(Check("signature", None, "the pack is NOT signed: nothing shows who produced it", warning=True))
    for sig in sigs:
        _check_signature(sig, roots, facts)
    for stamp in stamps:
        _check_timestamp(stamp, roots, facts)
    return facts


def _vc(roots):
    from pyhanko_certvalidator import ValidationContext

    return ValidationContext(trust_roots=roots, allow_fetching=False)


def _acceptable_after_signing(status, sig, facts: FileFacts) -> tuple[bool, str]:
    """RP-AUTH-1: the whole file, or every later revision is a document timestamp (and pyHanko agrees)."""
    from pyhanko.sign.diff_analysis import ModificationLevel
    from pyhanko.sign.validation.status import SignatureCoverageLevel

    if status.coverage == SignatureCoverageLevel.ENTIRE_FILE:
        return True, "covers the whole file"
    level = getattr(status, "modification_level", None)
    later = range(sig.signed_revision + 1, facts.revisions)
    only_stamps = len(later) > 0 and all(r in facts.stamp_revisions for r in later)
    if status.coverage == SignatureCoverageLevel.ENTIRE_REVISION and level == ModificationLevel.LTA_UPDATES \
            and getattr(status, "docmdp_ok", False) and only_stamps:
        return True, "covers the file up to the document timestamp added after it"
    return False, f"coverage: {status.coverage.name.lower()}, later changes: {getattr(level, 'name', 'unknown').lower()}"


def _integrity(status, sig, facts: FileFacts) -> tuple[str | None, str]:
    """(None | 'altered' | 'changed_after', coverage) of a validated signature or document timestamp."""
    if not (status.intact and status.valid):
        return "altered", ""
    ok, coverage = _acceptable_after_signing(status, sig, facts)
    return (None if ok else "changed_after"), coverage


def _trusted(status, roots) -> bool | None:
    """None when no trust anchor was given (fail closed: never reported as trusted), else whether it chains to one."""
    return None if not roots else bool(status.trusted)


def _check_signature(sig, roots, facts: FileFacts) -> None:
    from pyhanko.sign.validation import validate_pdf_signature

    from compliance.reports.sign import certificate_info, certificate_name

    facts.signed = True
    name = f"signature {safe(sig.field_name)}"
    try:
        status = validate_pdf_signature(sig, signer_validation_context=_vc(roots), skip_diff=False)
    except Exception as exc:
        facts.checks.append(Check(name, False, f"cannot be validated ({exc.__class__.__name__}: {safe(exc)})"))
        return
    who = safe(certificate_name(status.signing_cert)) if status.signing_cert else "unknown signer"
    if status.signing_cert is not None:
        facts.signer = {"name": certificate_name(status.signing_cert), **certificate_info(status.signing_cert)}
    broken, coverage = _integrity(status, sig, facts)
    if broken == "altered":
        facts.checks.append(Check(name, False, f"signature by {who} does NOT match the document (altered after signing)"))
        return
    if broken:
        facts.checks.append(Check(name, False, f"signature by {who} is intact but the file was changed after signing "
                                               f"({coverage})"))
        return
    facts.signature_ok = True
    facts.checks.append(Check(name, True, f"intact and {coverage}; signed by {who}"))
    info = facts.signer or {}
    facts.checks.append(Check("signer", None, f"certificate SHA-256 {info.get('sha256', '?')}; "
                                              f"subject {safe(info.get('subject', '?'))}"))
    facts.trusted = _trusted(status, roots)
    if facts.trusted is None:
        facts.checks.append(Check("trust", None, "trust NOT checked (no --trust CA.pem given): anyone can make a "
                                                 "certificate with this subject", warning=True))
    elif facts.trusted:
        facts.checks.append(Check("trust", True, "the signer's certificate chains to a --trust certificate"))
    else:
        facts.checks.append(Check("trust", False, f"the signer's certificate ({who}, SHA-256 {info.get('sha256', '?')}) "
                                                  "does not chain to a --trust certificate"))


def _check_timestamp(stamp, roots, facts: FileFacts) -> None:
    from pyhanko.sign.validation import validate_pdf_timestamp

    from compliance.reports.sign import timestamp_token_facts

    name = "timestamp"
    try:
        token = timestamp_token_facts(stamp)
        status = validate_pdf_timestamp(stamp, validation_context=_vc(roots))
    except Exception as exc:
        facts.timestamps.append({"instant": None, "ok": False})
        facts.checks.append(Check(name, False, f"the RFC 3161 timestamp cannot be validated "
                                               f"({exc.__class__.__name__}: {safe(exc)})"))
        return
    instant = token["instant"].astimezone(UTC)
    tsa = token["tsa"] or {"sha256": "?", "subject": "?"}
    entry = {"instant": instant, "tsa": tsa, "ok": False, "trusted": None}
    facts.timestamps.append(entry)
    when = instant.strftime("%Y-%m-%dT%H:%M:%SZ")
    by = f"TSA {safe(tsa['subject'])} (certificate SHA-256 {tsa['sha256']})"
    broken, coverage = _integrity(status, stamp, facts)
    if broken == "altered":
        facts.checks.append(Check(name, False, f"the RFC 3161 timestamp of {when} by {by} does NOT match the file"))
        return
    if broken:
        facts.checks.append(Check(name, False, f"the timestamp of {when} is intact but the file was changed after it "
                                               f"({coverage})"))
        return
    entry["ok"] = True
    entry["trusted"] = _trusted(status, roots)
    if entry["trusted"] is None:
        facts.checks.append(Check(name, True, f"RFC 3161 timestamp {when} by {by}: intact and {coverage}; "
                                              "TSA trust NOT checked (no --trust)", warning=True))
    elif entry["trusted"]:
        facts.checks.append(Check(name, True, f"RFC 3161 timestamp {when} by {by}: intact, {coverage}, "
                                              "TSA chains to a --trust certificate"))
    else:
        facts.checks.append(Check(name, False, f"RFC 3161 timestamp {when}: {by} does not chain to a --trust certificate"))


def claim_relation(claimed: datetime, stamped: datetime) -> tuple[str, str]:
    """('ok'|'claimed_after_timestamp'|'claimed_far_earlier', sentence) for a claimed and a timestamped instant."""
    delta = stamped - claimed
    seconds = int(delta.total_seconds())
    c, s = _iso(claimed), _iso(stamped)
    if delta < -CLOCK_SKEW:
        return "claimed_after_timestamp", (f"claimed generation instant {c} is {_span(-seconds)} AFTER the timestamp {s}: "
                                           "the claim is false")
    if delta > BACKDATE_WARNING:
        return "claimed_far_earlier", (f"claimed generation instant {c} is {_span(seconds)} before the timestamp {s}: "
                                       "the cover may be backdated (--generated-at)")
    return "ok", f"claimed generation instant {c}, timestamped {s} ({_span(abs(seconds))} apart)"


def check_claimed_instant(manifest: dict[str, Any] | None, facts: FileFacts) -> list[Check]:
    """Compares the manifest's claimed generated_at with the first good timestamp (RP-AUTH-3)."""
    good = [t for t in facts.timestamps if t.get("ok")]
    claimed = _parse(manifest.get("generated_at")) if manifest else None
    if not good:
        if claimed is not None:
            return [Check("generated", None, f"claimed generation instant {_iso(claimed)}: the producer's claim, "
                                             "not anchored by a timestamp")]
        return []
    if claimed is None:
        return [Check("generated", None, "no claimed generation instant to compare with the timestamp")]
    flag, sentence = claim_relation(claimed, good[0]["instant"])
    return [Check("generated", False if flag == "claimed_after_timestamp" else True, sentence,
                  warning=flag == "claimed_far_earlier")]


def verdict(*, facts: FileFacts, failed: bool) -> tuple[bool, str]:
    """(authentic, one-line verdict) of a pack (RP-AUTH-4)."""
    if failed:
        return False, "FAILED: the pack or its manifest does not verify (see FAIL above)"
    if not facts.signed:
        return False, ("NOT proven authentic: the pack is unsigned, so the hash only shows that PDF and manifest agree; "
                       "whoever can edit the PDF can update the manifest too")
    if facts.trusted is None:
        who = safe((facts.signer or {}).get("name", "unknown signer"))
        return False, (f"NOT proven authentic: intact signature by {who}, but trust not checked "
                       "(give --trust CA.pem)")
    who = safe((facts.signer or {}).get("name", "the signer"))
    return True, f"authentic: signed by {who}, whose certificate chains to --trust; unchanged since signing"


def require_signature_checks(facts: FileFacts) -> list[Check]:
    """The checks --require-signature adds: unsigned, untrusted or trust not checked all fail."""
    if not facts.signed:
        return [Check("signature required", False, "the pack is not signed")]
    if facts.trusted is None and facts.signature_ok:
        return [Check("signature required", False, "no trust anchor: give --trust CA.pem")]
    if facts.trusted is False or not facts.signature_ok:
        return [Check("signature required", False, "the signature is not intact and trusted")]
    return [Check("signature required", True, "signed, intact and trusted")]


def _parse(value: Any) -> datetime | None:
    try:
        parsed = datetime.fromisoformat(str(value).replace("Z", "+00:00"))
    except ValueError:
        return None
    return parsed.astimezone(UTC) if parsed.tzinfo else None


def _iso(when: datetime) -> str:
    return when.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def _span(seconds: int) -> str:
    if seconds < 120:
        return f"{seconds} s"
    if seconds < 7200:
        return f"{seconds // 60} min"
    if seconds < 172800:
        return f"{seconds // 3600} h"
    return f"{seconds // 86400} days"
