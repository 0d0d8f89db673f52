"""The shared settings fail fast on a half-configured mutual TLS and name what to fix; the
OpenTelemetry endpoint is read from its standard variable."""

from __future__ import annotations

import pytest
from pydantic import ValidationError

from services.common.settings import Settings


def test_mutual_tls_needs_all_three_files(tmp_path):
    with pytest.raises(ValidationError) as refused:
        Settings(tls_cert_file=tmp_path / "tls.crt", tls_key_file=tmp_path / "tls.key")  # type: ignore[call-arg]
    assert "VESTIBULE_TLS_CA_FILE" in str(refused.value)


def test_without_tls_files_there_is_no_mutual_tls():
    assert Settings().mutual_tls() is None  # type: ignore[call-arg]


def test_an_unreadable_tls_file_is_named_with_its_setting(tmp_path):
    (tmp_path / "tls.crt").write_text("certificate")
    (tmp_path / "ca.crt").write_text("ca")
    shared = Settings(  # type: ignore[call-arg]
        tls_cert_file=tmp_path / "tls.crt",
        tls_key_file=tmp_path / "missing.key",
        tls_ca_file=tmp_path / "ca.crt",
    )
    with pytest.raises(ValueError, match="VESTIBULE_TLS_KEY_FILE: cannot read"):
        shared.mutual_tls()


def test_the_otlp_endpoint_comes_from_the_opentelemetry_variable(monkeypatch):
    monkeypatch.setenv("OTEL_EXPORTER_OTLP_ENDPOINT", "http://collector:4317")
    assert Settings().otlp_endpoint == "http://collector:4317"  # type: ignore[call-arg]
