"""Typed settings read once from the environment, failing fast on bad values."""

from __future__ import annotations

import os
from datetime import timedelta
from pathlib import Path

from pydantic import AliasChoices, Field, SecretStr, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

from services.common.crypto import Keyring
from services.common.retry import DEFAULT_RETENTION_HOURS
from services.common.tls import MutualTls

_MAKE_A_KEY = (
    "Set it to at least 32 random characters, e.g. the output of "
    "python -c 'import secrets; print(secrets.token_urlsafe(48))'"
)

DEFAULT_PORTS = {"identity": 50051, "enrollment": 50052, "proxy": 50053, "notify": 50054}


class Settings(BaseSettings):
    """What every service and the gateway share (environment variables `VESTIBULE_*`)."""

    # Errors name the setting, never its value: a model-level error would otherwise quote every
    # input, the secret keys included.
    model_config = SettingsConfigDict(
        env_prefix="VESTIBULE_",
        frozen=True,
        extra="ignore",
        populate_by_name=True,
        hide_input_in_errors=True,
    )

    data_dir: Path = Path(".data")
    # At least 32 characters; seals outbox payloads and keys code hashes. Required by every
    # service (see `keyring()`), not by migrations.
    secret_key: SecretStr | None = None
    # During a rotation: the keys before `secret_key`, newest first, comma-separated.
    secret_key_previous: SecretStr | None = None
    log_level: str = "INFO"
    # "console" prints spans to standard output, for debugging on one machine.
    telemetry_exporter: str = Field("none", pattern="^(none|console)$")
    # Where traces and metrics go over OTLP/gRPC (the OpenTelemetry variable, e.g.
    # http://otel-collector:4317); unset, nothing is exported. The exporter reads the other
    # OTEL_EXPORTER_OTLP_* variables (headers, certificate) itself.
    otlp_endpoint: str | None = Field(
        None, validation_alias=AliasChoices("OTEL_EXPORTER_OTLP_ENDPOINT")
    )
    # A port that serves metrics for Prometheus to scrape at /metrics; unset, none is served.
    metrics_port: int | None = Field(None, ge=1, le=65535)
    # Mutual TLS between services: this process's certificate and key, and the CA that signs
    # every peer's. All three or none; with them every gRPC server requires a client
    # certificate from that CA and every channel presents this one.
    tls_cert_file: Path | None = None
    tls_key_file: Path | None = None
    tls_ca_file: Path | None = None
    portal_url: str = "https://localhost:8443"
    identity_address: str = f"127.0.0.1:{DEFAULT_PORTS['identity']}"
    enrollment_address: str = f"127.0.0.1:{DEFAULT_PORTS['enrollment']}"
    proxy_address: str = f"127.0.0.1:{DEFAULT_PORTS['proxy']}"
    notify_address: str = f"127.0.0.1:{DEFAULT_PORTS['notify']}"
    rpc_timeout_seconds: float = Field(5.0, gt=0)
    # How long a message accepted for sending is retried before it is dead-lettered (N5): a
    # notification to a person, or a call waiting in a service's outbox.
    delivery_retention_hours: int = Field(DEFAULT_RETENTION_HOURS, ge=1)

    @model_validator(mode="after")
    def _secret_long_enough(self) -> Settings:
        if self.secret_key is not None and len(self.secret_key.get_secret_value()) < 32:
            raise ValueError(f"VESTIBULE_SECRET_KEY is too short. {_MAKE_A_KEY}")
        if any(len(key) < 32 for key in self._previous_keys()):
            raise ValueError(
                "VESTIBULE_SECRET_KEY_PREVIOUS holds a key shorter than 32 characters; it lists "
                "the earlier VESTIBULE_SECRET_KEY values, newest first, separated by commas."
            )
        return self

    def _previous_keys(self) -> list[str]:
        if self.secret_key_previous is None:
            return []
        return [key.strip() for key in self.secret_key_previous.get_secret_value().split(",")]

    @model_validator(mode="after")
    def _tls_all_or_none(self) -> Settings:
        files = (self.tls_cert_file, self.tls_key_file, self.tls_ca_file)
        if any(files) and not all(files):
            raise ValueError(
                "Set all of VESTIBULE_TLS_CERT_FILE, VESTIBULE_TLS_KEY_FILE and "
                "VESTIBULE_TLS_CA_FILE for mutual TLS between services, or none of them."
            )
        return self

    def mutual_tls(self) -> MutualTls | None:
        """The certificate, key and CA read from their files, or None without mutual TLS."""
        if self.tls_cert_file is None or self.tls_key_file is None or self.tls_ca_file is None:
            return None
        return MutualTls.read(
            certificate=self.tls_cert_file, private_key=self.tls_key_file, ca=self.tls_ca_file
        )

    def keyring(self) -> Keyring:
        """The keys derived from the secret key; fails fast when it is not set."""
        if self.secret_key is None:
            raise ValueError(f"VESTIBULE_SECRET_KEY is not set. {_MAKE_A_KEY}")
        return Keyring(self.secret_key.get_secret_value(), self._previous_keys())

    @property
    def delivery_retention(self) -> timedelta:
        """`delivery_retention_hours` as a duration."""
        return timedelta(hours=self.delivery_retention_hours)

    def address_of(self, service: str) -> str:
        """The gRPC target of another service, by name."""
        return str(getattr(self, f"{service}_address"))


class ServiceSettings(BaseSettings):
    """One service's own settings (environment variables `VESTIBULE_<SERVICE>_*`).

    Build with `ServiceSettings.for_service("identity")`; tests pass values as keywords.
    """

    model_config = SettingsConfigDict(frozen=True, extra="ignore")

    name: str
    database_url: str = ""
    host: str = "127.0.0.1"
    port: int = Field(0, ge=0, le=65535)
    # A plaintext port serving only the standard health service, for probes that cannot do
    # TLS (the kubelet's gRPC probes); unset, health is served on `port` only.
    health_port: int | None = Field(None, ge=0, le=65535)
    # Connections older than this are closed gracefully, so clients resolve the service's
    # name again and spread their calls over replicas added since.
    max_connection_age_seconds: float = Field(300.0, gt=0)
    max_workers: int = Field(16, ge=2)
    shutdown_grace_seconds: float = Field(5.0, ge=0)
    worker_interval_seconds: float = Field(0.5, gt=0)

    @classmethod
    def for_service(cls, name: str, shared: Settings, **overrides: object) -> ServiceSettings:
        """Reads `VESTIBULE_<NAME>_*`; the database defaults to a SQLite file in the data dir."""
        prefix = f"VESTIBULE_{name.upper()}_"
        values: dict[str, object] = {"name": name, **overrides}
        if f"{prefix}PORT" not in os.environ:
            values.setdefault("port", DEFAULT_PORTS[name])
        settings = cls(_env_prefix=prefix, **values)  # type: ignore[call-arg]
        if not settings.database_url:
            path = (shared.data_dir / f"{name}.db").resolve()
            settings = settings.model_copy(update={"database_url": f"sqlite:///{path}"})
        return settings
