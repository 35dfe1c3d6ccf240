"""PAdES signing of audit packs with pyHanko.

RP-SIGN-1  A pack is signed when --sign-key/--sign-cert or --sign-pkcs12 is given; the key must
           match the certificate. The passphrase, if any, comes from COMPLIANCE_SIGN_PASSPHRASE
           (never from the command line, where other users could read it).
RP-SIGN-2  A signed pack is NOT byte-reproducible: the CMS signature carries the signing time and
           the incremental update a fresh document id. The unsigned rendering underneath is.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from io import BytesIO
from pathlib import Path

from compliance.core.errors import ValidationError

PASSPHRASE_ENV = "COMPLIANCE_SIGN_PASSPHRASE"
FIELD_NAME = "AuditPackSignature"


@dataclass
class SignOptions:
    """Where the signing key comes from (PEM/DER key + certificate, or a PKCS#12 file)."""

    key: Path | None = None
    cert: Path | None = None
    pkcs12: Path | None = None
    passphrase: bytes | None = None
    reason: str = "Audit pack produced by compliance"
    location: str | None = None


def sign_options(*, key: str | None, cert: str | None, pkcs12: str | None,
                 passphrase: str | None = None) -> SignOptions | None:
    """Checks the combination of signing options; returns None when the pack is not to be signed."""
    if passphrase is None:
        passphrase = os.environ.get(PASSPHRASE_ENV) or None
    if pkcs12 and (key or cert):
        raise ValidationError("give either --sign-pkcs12 or --sign-key with --sign-cert, not both",
                              field="--sign-pkcs12")
    if key and not cert:
        raise ValidationError("--sign-key needs the matching certificate in --sign-cert", field="--sign-cert")
    if cert and not key:
        raise ValidationError("--sign-cert needs the private key in --sign-key", field="--sign-key")
    for value, field in ((key, "--sign-key"), (cert, "--sign-cert"), (pkcs12, "--sign-pkcs12")):
        if value and not Path(value).is_file():
            raise ValidationError(f"{value}: no such file", field=field)
    if not (key or pkcs12):
        return None
    return SignOptions(key=Path(key) if key else None, cert=Path(cert) if cert else None,
                       pkcs12=Path(pkcs12) if pkcs12 else None,
                       passphrase=passphrase.encode() if passphrase else None)


def load_signer(opts: SignOptions):
    """Loads the pyHanko signer; unreadable material or a key/cert mismatch is a ValidationError."""
    import logging

    from pyhanko.sign import signers

    logging.getLogger("pyhanko").setLevel(logging.CRITICAL)  # its own error log would duplicate ours
    if opts.pkcs12:
        signer = signers.SimpleSigner.load_pkcs12(str(opts.pkcs12), passphrase=opts.passphrase)
        if signer is None:
            raise ValidationError(f"{opts.pkcs12}: cannot read the PKCS#12 file (wrong passphrase in "
                                  f"{PASSPHRASE_ENV}, or not PKCS#12)", field="--sign-pkcs12")
    else:
        signer = signers.SimpleSigner.load(str(opts.key), str(opts.cert), key_passphrase=opts.passphrase)
        if signer is None:
            raise ValidationError(f"cannot read the key {opts.key} or the certificate {opts.cert} (PEM or DER; "
                                  f"encrypted keys need {PASSPHRASE_ENV})", field="--sign-key")
    cert_key = signer.signing_cert.public_key.dump()
    try:
        from cryptography.hazmat.primitives import serialization
        from cryptography.hazmat.primitives.serialization import load_der_private_key

        priv = load_der_private_key(signer.signing_key.dump(), password=None)
        own = priv.public_key().public_bytes(serialization.Encoding.DER,
                                             serialization.PublicFormat.SubjectPublicKeyInfo)
    except Exception:  # pragma: no cover - exotic key types: let pyHanko decide when signing
        own = cert_key
    if own != cert_key:
        raise ValidationError("the private key does not match the certificate", field="--sign-cert")
    return signer


def signer_name(signer) -> str:
    """A human-readable name of the signing certificate's subject: 'CN (O)'."""
    return certificate_name(signer.signing_cert)


def certificate_name(cert) -> str:
    """'Common Name (Organization)' of an asn1crypto certificate, else its full subject."""
    subject = cert.subject
    native = subject.native if hasattr(subject, "native") else {}
    cn, org = native.get("common_name"), native.get("organization_name")
    if isinstance(cn, list):
        cn = ", ".join(cn)
    if isinstance(org, list):
        org = ", ".join(org)
    if cn:
        return f"{cn} ({org})" if org else str(cn)
    return subject.human_friendly


def sign_pdf(pdf: bytes, signer, *, reason: str | None = None, location: str | None = None) -> bytes:
    """Returns `pdf` with an invisible PAdES B-B signature covering the whole file."""
    from pyhanko.pdf_utils.incremental_writer import IncrementalPdfFileWriter
    from pyhanko.sign import fields, signers

    writer = IncrementalPdfFileWriter(BytesIO(pdf))
    meta = signers.PdfSignatureMetadata(
        field_name=FIELD_NAME, md_algorithm="sha256", subfilter=fields.SigSeedSubFilter.PADES,
        reason=reason or "Audit pack produced by compliance", location=location,
    )
    out = signers.sign_pdf(writer, meta, signer=signer)
    return out.getvalue()
