"""The self-signed localhost certificate is made once and reused; a configured pair wins."""

from __future__ import annotations

import ipaddress
import stat

from cryptography import x509

from gateway.settings import GatewaySettings
from gateway.tls import certificate_files
from services.common.settings import Settings


def test_self_signed_certificate_covers_localhost_and_is_reused(tmp_path):
    shared = Settings(data_dir=tmp_path)  # type: ignore[call-arg]
    cert_file, key_file = certificate_files(shared, GatewaySettings())
    assert cert_file.parent == tmp_path / "tls"
    certificate = x509.load_pem_x509_certificate(cert_file.read_bytes())
    names = certificate.extensions.get_extension_for_class(x509.SubjectAlternativeName).value
    assert names.get_values_for_type(x509.DNSName) == ["localhost"]
    assert ipaddress.ip_address("127.0.0.1") in names.get_values_for_type(x509.IPAddress)
    assert stat.S_IMODE(key_file.stat().st_mode) == 0o600
    first = cert_file.read_bytes()
    assert certificate_files(shared, GatewaySettings()) == (cert_file, key_file)
    assert cert_file.read_bytes() == first


def test_configured_files_are_used_as_given(tmp_path):
    configured = GatewaySettings(tls_cert_file=tmp_path / "c.pem", tls_key_file=tmp_path / "k.pem")
    shared = Settings(data_dir=tmp_path)  # type: ignore[call-arg]
    assert certificate_files(shared, configured) == (tmp_path / "c.pem", tmp_path / "k.pem")
    assert not (tmp_path / "tls").exists()
