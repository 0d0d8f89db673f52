"""The gateway's own settings (environment variables `VESTIBULE_GATEWAY_*`)."""

from __future__ import annotations

from pathlib import Path

from limits import parse
from pydantic import Field, field_validator, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict


class GatewaySettings(BaseSettings):
    """Where the gateway listens, its TLS files and its rate limits.

    Rate limits are `limits` strings ("10/minute", "100/hour"); each applies per client IP and
    route. `rate_limit_storage` is a `limits` storage URI: "memory://" for one replica,
    "redis://host:6379" when several replicas must share counters.
    """

    model_config = SettingsConfigDict(env_prefix="VESTIBULE_GATEWAY_", frozen=True, extra="ignore")

    host: str = "127.0.0.1"
    port: int = Field(8443, ge=1, le=65535)
    # Both or neither; with neither, a self-signed certificate for localhost is made and reused.
    tls_cert_file: Path | None = None
    tls_key_file: Path | None = None
    # Serve the portal's pages at `/` beside the API (gateway/portal.py); off for an API-only
    # deployment.
    serve_pages: bool = True
    rate_limit_storage: str = "memory://"
    rate_limit_sign_in: str = "10/minute"
    rate_limit_activation: str = "20/minute"
    rate_limit_password_check: str = "60/minute"  # noqa: S105 (a limit, not a password)
    # Forgot username and password reset: each answer may send an email.
    rate_limit_recovery: str = "5/minute"

    @field_validator(
        "rate_limit_sign_in",
        "rate_limit_activation",
        "rate_limit_password_check",
        "rate_limit_recovery",
    )
    @classmethod
    def _valid_limit(cls, value: str) -> str:
        parse(value)  # raises ValueError on a malformed limit, so start-up fails fast
        return value

    @model_validator(mode="after")
    def _tls_pair(self) -> GatewaySettings:
        if (self.tls_cert_file is None) != (self.tls_key_file is None):
            raise ValueError(
                "Set both VESTIBULE_GATEWAY_TLS_CERT_FILE and VESTIBULE_GATEWAY_TLS_KEY_FILE, "
                "or neither (a self-signed certificate for localhost is then used)."
            )
        return self
