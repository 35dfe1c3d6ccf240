"""Throwaway PKI for signing tests: a CA, a signer and a TSA it issued, an impostor, and a local RFC 3161 server."""

from __future__ import annotations

import datetime as dt
import http.server
import threading
from dataclasses import dataclass
from pathlib import Path

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID

SIGNER_NAME = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "Audit Signer"),
                         x509.NameAttribute(NameOID.ORGANIZATION_NAME, "Example GmbH")])


def _key():
    return rsa.generate_private_key(public_exponent=65537, key_size=2048)


def _usage(*, sign_certs: bool) -> x509.KeyUsage:
    return x509.KeyUsage(digital_signature=True, content_commitment=True, key_encipherment=False,
                         data_encipherment=False, key_agreement=False, key_cert_sign=sign_certs, crl_sign=sign_certs,
                         encipher_only=False, decipher_only=False)


def make_cert(subject: x509.Name, key, *, issuer: x509.Name | None = None, issuer_key=None, ca: bool = False,
              eku=None, not_before: dt.datetime | None = None) -> x509.Certificate:
    """A certificate for `key`; self-signed unless issuer/issuer_key are given."""
    start = not_before or dt.datetime.now(dt.UTC) - dt.timedelta(days=1)
    builder = (x509.CertificateBuilder().subject_name(subject).issuer_name(issuer or subject)
               .public_key(key.public_key()).serial_number(x509.random_serial_number())
               .not_valid_before(start).not_valid_after(start + dt.timedelta(days=60))
               .add_extension(x509.BasicConstraints(ca=ca, path_length=None), critical=True)
               .add_extension(_usage(sign_certs=ca), critical=True))
    if eku:
        builder = builder.add_extension(x509.ExtendedKeyUsage(eku), critical=True)
    return builder.sign(issuer_key or key, hashes.SHA256())


def write_pem(folder: Path, name: str, *, cert=None, key=None) -> Path:
    path = folder / name
    if cert is not None:
        path.write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    else:
        path.write_bytes(key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                                           serialization.NoEncryption()))
    return path


@dataclass
class Pki:
    ca: Path
    signer_key: Path
    signer_cert: Path
    impostor_key: Path
    impostor_cert: Path
    other_ca: Path
    tsa_cert: object
    tsa_key: object


def make_pki(folder: Path) -> Pki:
    """CA → signer and TSA; an impostor self-signed a second earlier with the signer's subject; an unrelated CA."""
    ca_key = _key()
    ca_name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "Example Test CA")])
    ca = make_cert(ca_name, ca_key, ca=True)
    signer_key = _key()
    now = dt.datetime.now(dt.UTC)
    signer = make_cert(SIGNER_NAME, signer_key, issuer=ca_name, issuer_key=ca_key, not_before=now)
    impostor_key = _key()
    impostor = make_cert(SIGNER_NAME, impostor_key, ca=True, not_before=now - dt.timedelta(seconds=1))
    tsa_key = _key()
    tsa = make_cert(x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "Example Test TSA")]), tsa_key,
                    issuer=ca_name, issuer_key=ca_key, eku=[ExtendedKeyUsageOID.TIME_STAMPING])
    other_key = _key()
    other = make_cert(x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "Unrelated CA")]), other_key, ca=True)
    return Pki(ca=write_pem(folder, "ca.pem", cert=ca), signer_key=write_pem(folder, "signer.key", key=signer_key),
               signer_cert=write_pem(folder, "signer.pem", cert=signer),
               impostor_key=write_pem(folder, "impostor.key", key=impostor_key),
               impostor_cert=write_pem(folder, "impostor.pem", cert=impostor),
               other_ca=write_pem(folder, "other-ca.pem", cert=other), tsa_cert=tsa, tsa_key=tsa_key)


class LocalTsa:
    """pyHanko's DummyTimeStamper served over HTTP on 127.0.0.1 (a real RFC 3161 exchange)."""

    def __init__(self, pki: Pki, *, fixed: dt.datetime | None = None) -> None:
        from asn1crypto import keys, tsp
        from asn1crypto import x509 as ax509
        from pyhanko.sign.timestamps import DummyTimeStamper

        cert = ax509.Certificate.load(pki.tsa_cert.public_bytes(serialization.Encoding.DER))
        key = keys.PrivateKeyInfo.load(pki.tsa_key.private_bytes(serialization.Encoding.DER,
                                                                 serialization.PrivateFormat.PKCS8,
                                                                 serialization.NoEncryption()))
        self.stamper = DummyTimeStamper(tsa_cert=cert, tsa_key=key, fixed_dt=fixed)
        self.requests = 0
        outer = self

        class Handler(http.server.BaseHTTPRequestHandler):
            def do_POST(self):  # noqa: N802 - http.server's naming
                body = self.rfile.read(int(self.headers["Content-Length"]))
                outer.requests += 1
                reply = outer.stamper.request_tsa_response(tsp.TimeStampReq.load(body)).dump()
                self.send_response(200)
                self.send_header("Content-Type", "application/timestamp-reply")
                self.send_header("Content-Length", str(len(reply)))
                self.end_headers()
                self.wfile.write(reply)

            def log_message(self, *args):
                pass

        self.server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}/tsa"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()
        self.thread.join(5)
