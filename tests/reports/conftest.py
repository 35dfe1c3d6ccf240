"""Fixtures for audit-pack tests: synthetic models, rendered packs, throwaway signing material."""

from __future__ import annotations

import datetime as dt
from io import BytesIO

import pytest


@pytest.fixture(scope="session")
def signing_material(tmp_path_factory):
    """A throwaway RSA key and self-signed certificate (PEM files) and a PKCS#12 bundle."""
    from cryptography import x509
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import rsa
    from cryptography.hazmat.primitives.serialization import pkcs12
    from cryptography.x509.oid import NameOID

    folder = tmp_path_factory.mktemp("keys")
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "Audit Signer Test"),
                      x509.NameAttribute(NameOID.ORGANIZATION_NAME, "Example GmbH")])
    now = dt.datetime.now(dt.UTC)
    cert = (x509.CertificateBuilder().subject_name(name).issuer_name(name).public_key(key.public_key())
            .serial_number(x509.random_serial_number()).not_valid_before(now - dt.timedelta(days=1))
            .not_valid_after(now + dt.timedelta(days=30))
            .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
            .add_extension(x509.KeyUsage(digital_signature=True, content_commitment=True, key_encipherment=False,
                                         data_encipherment=False, key_agreement=False, key_cert_sign=True,
                                         crl_sign=True, encipher_only=False, decipher_only=False), critical=True)
            .sign(key, hashes.SHA256()))
    key_pem = folder / "key.pem"
    cert_pem = folder / "cert.pem"
    p12 = folder / "signer.p12"
    key_pem.write_bytes(key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                                          serialization.NoEncryption()))
    cert_pem.write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    p12.write_bytes(pkcs12.serialize_key_and_certificates(b"signer", key, cert, None,
                                                          serialization.BestAvailableEncryption(b"s3cret")))
    other = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    other_pem = folder / "other.pem"
    other_pem.write_bytes(other.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                                              serialization.NoEncryption()))
    return {"key": key_pem, "cert": cert_pem, "p12": p12, "p12_pass": "s3cret", "other_key": other_pem}


@pytest.fixture(scope="session")
def sample_model():
    """A six-incident model over two frameworks (fresh copy per call of the factory)."""
    from compliance.reports.sample import sample_pack

    return lambda n=6, **kw: sample_pack(n, **kw)


@pytest.fixture(scope="session")
def rendered(sample_model):
    """The six-incident sample rendered once: (model, pdf bytes, stats)."""
    from compliance.reports.render import render_pack

    model = sample_model()
    stats: dict = {}
    pdf = render_pack(model, stats=stats)
    return model, pdf, stats


def pdf_text(pdf: bytes) -> list[str]:
    """Text of every page, extracted with pypdf."""
    from pypdf import PdfReader

    return [page.extract_text() or "" for page in PdfReader(BytesIO(pdf)).pages]


def squash(text: str) -> str:
    """Removes all whitespace (wrapped lines are joined for comparisons)."""
    return "".join(text.split())


@pytest.fixture(scope="session")
def text_of():
    """Function: pdf bytes → list of page texts."""
    return pdf_text


@pytest.fixture(scope="session")
def pdf_problems():
    """Function: pdf bytes → the problems pikepdf/qpdf find (check() was renamed in pikepdf 10)."""
    import pikepdf

    def problems(pdf: bytes) -> list[str]:
        with pikepdf.open(BytesIO(pdf)) as doc:
            check = getattr(doc, "check_pdf_syntax", None) or doc.check
            return list(check())

    return problems
