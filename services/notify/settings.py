"""Notify's own settings (environment variables `VESTIBULE_NOTIFY_*`): mail server and SMS."""

from __future__ import annotations

from email.utils import parseaddr
from pathlib import Path
from typing import Literal
from urllib.parse import urlsplit

from pydantic import Field, SecretStr, field_validator, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

from services.common.settings import Settings

# A sender: an E.164 number, or a Twilio Messaging Service SID.
SMS_SENDER = r"^(\+[1-9][0-9]{1,14}|MG[0-9a-fA-F]{32})$"
LOOPBACK_HOSTS = frozenset({"127.0.0.1", "::1", "localhost"})


class NotifySettings(BaseSettings):
    """How notify reaches people. The defaults suit the local mail sink (`deploy.local`)."""

    # Errors name the setting, never its value: a model-level error would otherwise quote every
    # input, passwords and tokens included.
    model_config = SettingsConfigDict(
        env_prefix="VESTIBULE_NOTIFY_", frozen=True, extra="ignore", hide_input_in_errors=True
    )

    smtp_host: str = "127.0.0.1"
    smtp_port: int = Field(8025, ge=1, le=65535)
    smtp_starttls: bool = False
    smtp_username: SecretStr | None = None
    smtp_password: SecretStr | None = None
    # Below the delivery lease (60 s), so no other worker takes a message still being sent.
    smtp_timeout_seconds: float = Field(10.0, gt=0, le=30)
    mail_from: str = "Vestibule <no-reply@vestibule.localhost>"
    # "folder": the local SMS sink; "twilio": a Twilio-compatible HTTP API (`sms_api.py`).
    sms_provider: Literal["folder", "twilio"] = "folder"
    # Where the local SMS sink writes messages; None means `<data_dir>/sms`.
    sms_folder: Path | None = None
    sms_api_base_url: str = "https://api.twilio.com"
    sms_account_sid: str | None = Field(None, pattern=r"^[A-Za-z0-9_-]+$")
    sms_auth_token: SecretStr | None = None
    # An E.164 number (sent as From) or a Messaging Service SID "MG..." (MessagingServiceSid).
    sms_from: str | None = Field(None, pattern=SMS_SENDER)
    # Each of connect, send and read waits at most this long, so one attempt stays below the
    # delivery lease (60 s) and no other worker takes a message still being sent.
    sms_timeout_seconds: float = Field(10.0, gt=0, le=15)

    @field_validator("mail_from")
    @classmethod
    def _mail_from_has_address(cls, value: str) -> str:
        if "@" not in parseaddr(value)[1]:
            raise ValueError('mail_from needs an address, e.g. "Clinic <no-reply@example.org>"')
        return value

    @field_validator("sms_api_base_url")
    @classmethod
    def _api_over_tls(cls, value: str) -> str:
        # The auth token travels in every request: plain HTTP only to a fake on this machine.
        url = urlsplit(value)
        if (url.scheme == "https" and url.hostname) or (
            url.scheme == "http" and url.hostname in LOOPBACK_HOSTS
        ):
            return value.rstrip("/")
        raise ValueError(
            "sms_api_base_url must be an https URL, e.g. https://api.twilio.com "
            "(http only on loopback, for a local fake)"
        )

    @model_validator(mode="after")
    def _twilio_configured(self) -> NotifySettings:
        if self.sms_provider == "twilio":
            required = {
                "VESTIBULE_NOTIFY_SMS_ACCOUNT_SID": self.sms_account_sid,
                "VESTIBULE_NOTIFY_SMS_AUTH_TOKEN": self.sms_auth_token,
                "VESTIBULE_NOTIFY_SMS_FROM": self.sms_from,
            }
            if missing := [name for name, value in required.items() if not value]:
                raise ValueError(
                    "VESTIBULE_NOTIFY_SMS_PROVIDER=twilio needs the provider's account SID, auth "
                    "token and sender (an E.164 number or a Messaging Service SID MG...); set "
                    + ", ".join(missing)
                )
        return self

    def sms_folder_for(self, shared: Settings) -> Path:
        """The folder the local SMS sink writes to."""
        return self.sms_folder or shared.data_dir / "sms"
