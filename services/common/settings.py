"""Typed settings read once from the environment, failing fast on bad values."""

from __future__ import annotations

import os
from pathlib import Path

from pydantic import Field, SecretStr, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

from services.common.crypto import Keyring

_MAKE_A_KEY = (
    "Set it to at least 32 random characters, e.g. the output of "
    "python -c 'import secrets; print(secrets.token_urlsafe(48))'"
)

DEFAULT_PORTS = {"identity": 50051, "enrollment": 50052, "proxy": 50053, "notify": 50054}


class Settings(BaseSettings):
    """What every service and the gateway share (environment variables `VESTIBULE_*`)."""

    model_config = SettingsConfigDict(env_prefix="VESTIBULE_", frozen=True, extra="ignore")

    data_dir: Path = Path(".data")
    # At least 32 characters; seals outbox payloads and keys code hashes. Required by every
    # service (see `keyring()`), not by migrations.
    secret_key: SecretStr | None = None
    log_level: str = "INFO"
    telemetry_exporter: str = Field("none", pattern="^(none|console)$")
    portal_url: str = "https://localhost:8443"
    identity_address: str = f"127.0.0.1:{DEFAULT_PORTS['identity']}"
    enrollment_address: str = f"127.0.0.1:{DEFAULT_PORTS['enrollment']}"
    proxy_address: str = f"127.0.0.1:{DEFAULT_PORTS['proxy']}"
    notify_address: str = f"127.0.0.1:{DEFAULT_PORTS['notify']}"
    rpc_timeout_seconds: float = Field(5.0, gt=0)

    @model_validator(mode="after")
    def _secret_long_enough(self) -> Settings:
        if self.secret_key is not None and len(self.secret_key.get_secret_value()) < 32:
            raise ValueError(f"VESTIBULE_SECRET_KEY is too short. {_MAKE_A_KEY}")
        return self

    def keyring(self) -> Keyring:
        """The keys derived from the secret key; fails fast when it is not set."""
        if self.secret_key is None:
            raise ValueError(f"VESTIBULE_SECRET_KEY is not set. {_MAKE_A_KEY}")
        return Keyring(self.secret_key.get_secret_value())

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
