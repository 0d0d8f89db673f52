"""Enrollment service settings (environment variables `VESTIBULE_ENROLLMENT_*`)."""

from __future__ import annotations

from pydantic import Field
from pydantic_settings import BaseSettings, SettingsConfigDict


class EnrollmentSettings(BaseSettings):
    model_config = SettingsConfigDict(
        env_prefix="VESTIBULE_ENROLLMENT_", frozen=True, extra="ignore"
    )

    invitation_lifetime_days: int = Field(30, ge=1, le=365)  # E10
    max_wrong_answers: int = Field(5, ge=1, le=20)  # E9, per invitation
    # E9, per patient record over all its invitations: a resend gives no fresh tries past this.
    max_wrong_answers_per_patient: int = Field(10, ge=1, le=100)
    activation_ticket_minutes: int = Field(60, ge=5, le=24 * 60)
