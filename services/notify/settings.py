"""Notify's own settings (environment variables `VESTIBULE_NOTIFY_*`): mail server and SMS."""

from __future__ import annotations

from email.utils import parseaddr
from pathlib import Path

from pydantic import Field, SecretStr, field_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

from services.common.settings import Settings


class NotifySettings(BaseSettings):
    """How notify reaches people. The defaults suit the local mail sink (`deploy.local`)."""

    model_config = SettingsConfigDict(env_prefix="VESTIBULE_NOTIFY_", frozen=True, extra="ignore")

    smtp_host: str = "127.0.0.1"
    smtp_port: int = Field(8025, ge=1, le=65535)
    smtp_starttls: bool = False
    smtp_username: SecretStr | None = None
    smtp_password: SecretStr | None = None
    # Below the delivery lease (60 s), so no other worker takes a message still being sent.
    smtp_timeout_seconds: float = Field(10.0, gt=0, le=30)
    mail_from: str = "Vestibule <no-reply@vestibule.localhost>"
    # Where the local SMS sink writes messages; None means `<data_dir>/sms`.
    sms_folder: Path | None = None
    # Attempts before a notification that keeps failing temporarily is given up (FAILED).
    max_attempts: int = Field(8, ge=1)

    @field_validator("mail_from")
    @classmethod
    def _mail_from_has_address(cls, value: str) -> str:
        if "@" not in parseaddr(value)[1]:
            raise ValueError('mail_from needs an address, e.g. "Clinic <no-reply@example.org>"')
        return value

    def sms_folder_for(self, shared: Settings) -> Path:
        """The folder the local SMS sink writes to."""
        return self.sms_folder or shared.data_dir / "sms"
