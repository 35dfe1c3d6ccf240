"""PAdES signing of audit packs with pyHanko.

RP-SIGN-1  A pack is signed when --sign-key/--sign-cert or --sign-pkcs12 is given; the key must
           match the certificate. The passphrase, if any, comes from COMPLIANCE_SIGN_PASSPHRASE
           (never from the command line, where other users could read it).
RP-SIGN-2  A signed pack is NOT byte-reproducible: the CMS signature carries the signing time and
           the incremental update a fresh document id. The unsigned rendering underneath is.
RP-SIGN-3  --tsa-url adds an RFC 3161 DOCUMENT timestamp (PAdES, /DocTimeStamp) as the last revision,
           after the signature if any: the token's message imprint is the SHA-256 of the whole file
           before it, signature included, so one token anchors content and signature in time and
           `openssl ts -verify` checks it with no PDF library. Works on unsigned packs too.
RP-SIGN-4  A certificate is shown by its SHA-256 fingerprint in `openssl x509 -fingerprint -sha256`
           form (AB:CD:…) and its RFC 4514 subject, so an auditor can compare it with openssl/pdfsig.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from io import BytesIO
from pathlib import Path

from compliance.core.errors import ValidationError

PASSPHRASE_ENV = "COMPLIANCE_SIGN_PASSPHRASE"
FIELD_NAME = "AuditPackSignature"
TIMESTAMP_FIELD = "AuditPackTimestamp"
TSA_TIMEOUT_SECONDS = 15


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


def certificate_info(cert) -> dict[str, str]:
    """{'sha256': 'AB:CD:…', 'subject': 'CN=…,O=…'} of an asn1crypto certificate (RP-SIGN-4)."""
    from cryptography import x509

    digest = cert.sha256.hex().upper()
    try:
        subject = x509.load_der_x509_certificate(cert.dump()).subject.rfc4514_string()
    except ValueError:  # pragma: no cover - a certificate cryptography cannot parse
        subject = cert.subject.human_friendly
    return {"sha256": ":".join(digest[i:i + 2] for i in range(0, len(digest), 2)), "subject": subject}


def check_tsa_url(url: str | None) -> str | None:
    """Refuses a timestamp server URL that is not http(s)://host[:port]/path."""
    if url is None:
        return None
    from urllib.parse import urlsplit

    try:
        parts = urlsplit(url)
        parts.port  # noqa: B018 - raises ValueError on a malformed port
    except ValueError:
        parts = None
    if parts is None or parts.scheme not in ("http", "https") or not parts.hostname:
        raise ValidationError(f"{url!r} is not an http:// or https:// URL of an RFC 3161 timestamp server",
                              field="--tsa-url")
    return url


def timestamp_pdf(pdf: bytes, tsa_url: str) -> bytes:
    """Returns `pdf` with an RFC 3161 document timestamp from `tsa_url` (RP-SIGN-3)."""
    import logging

    from pyhanko.pdf_utils.incremental_writer import IncrementalPdfFileWriter
    from pyhanko.sign import signers
    from pyhanko.sign.timestamps import HTTPTimeStamper, TimestampRequestError

    logging.getLogger("pyhanko").setLevel(logging.CRITICAL)
    stamper = HTTPTimeStamper(tsa_url, timeout=TSA_TIMEOUT_SECONDS)
    writer = IncrementalPdfFileWriter(BytesIO(pdf))
    try:
        out = signers.PdfTimeStamper(stamper, field_name=TIMESTAMP_FIELD).timestamp_pdf(writer, md_algorithm="sha256")
    except TimestampRequestError as exc:
        cause = exc.__cause__ or exc
        raise ValidationError(f"the timestamp server {tsa_url} did not give a timestamp "
                              f"({cause.__class__.__name__}: {str(cause)[:160]}); nothing written",
                              field="--tsa-url") from None
    except Exception as exc:  # a malformed answer: refuse, never write an unanchored pack silently
        raise ValidationError(f"the answer of {tsa_url} is not a usable RFC 3161 timestamp "
                              f"({exc.__class__.__name__}); nothing written", field="--tsa-url") from None
    return out.getvalue()


def timestamp_token_facts(embedded_sig) -> dict:
    """{'instant': datetime, 'tsa': certificate_info} of a pyHanko embedded /DocTimeStamp."""
    signed_data = embedded_sig.signed_data
    tst_info = signed_data["encap_content_info"]["content"].parsed
    tsa_cert = None
    sid = signed_data["signer_infos"][0]["sid"]
    for cert in signed_data["certificates"]:
        c = cert.chosen
        if sid.name == "issuer_and_serial_number" and c.serial_number == sid.chosen["serial_number"].native \
                and c.issuer == sid.chosen["issuer"]:
            tsa_cert = c
    return {"instant": tst_info["gen_time"].native, "tsa": certificate_info(tsa_cert) if tsa_cert else None,
            "tsa_cert": tsa_cert}
