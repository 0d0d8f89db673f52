"""The gateway's TLS files: the configured ones, or a self-signed localhost certificate."""

from __future__ import annotations

import ipaddress
import os
from datetime import UTC, datetime, timedelta
from pathlib import Path

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID

from gateway.settings import GatewaySettings
from services.common.settings import Settings

_VALIDITY = timedelta(days=365)
_RENEW_BEFORE = timedelta(days=1)


def certificate_files(shared: Settings, gateway: GatewaySettings) -> tuple[Path, Path]:
    """The certificate and key files to serve with: the configured pair, else a self-signed
    certificate for localhost and 127.0.0.1 in `<data_dir>/tls/`, made on first use and
    reused until it nearly expires."""
    if gateway.tls_cert_file is not None and gateway.tls_key_file is not None:
        return gateway.tls_cert_file, gateway.tls_key_file
    return ensure_self_signed(shared.data_dir / "tls")


def ensure_self_signed(directory: Path) -> tuple[Path, Path]:
    """`directory/localhost.crt` and `directory/localhost.key`, made when missing or expiring."""
    cert_file, key_file = directory / "localhost.crt", directory / "localhost.key"
    if cert_file.exists() and key_file.exists():
        existing = x509.load_pem_x509_certificate(cert_file.read_bytes())
        if existing.not_valid_after_utc - _RENEW_BEFORE > datetime.now(UTC):
            return cert_file, key_file
    directory.mkdir(parents=True, exist_ok=True)
    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "localhost")])
    now = datetime.now(UTC)
    certificate = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - timedelta(minutes=5))
        .not_valid_after(now + _VALIDITY)
        .add_extension(
            x509.SubjectAlternativeName(
                [
                    x509.DNSName("localhost"),
                    x509.IPAddress(ipaddress.ip_address("127.0.0.1")),
                    x509.IPAddress(ipaddress.ip_address("::1")),
                ]
            ),
            critical=False,
        )
        .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
        .sign(key, hashes.SHA256())
    )
    key_bytes = key.private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption(),
    )
    descriptor = os.open(key_file, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(descriptor, "wb") as sink:
        sink.write(key_bytes)
    key_file.chmod(0o600)  # also when an older key file had wider permissions
    cert_file.write_bytes(certificate.public_bytes(serialization.Encoding.PEM))
    return cert_file, key_file
