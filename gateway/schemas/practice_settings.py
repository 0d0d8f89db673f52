"""How a practice runs enrollment: its settings as read, and a change to some of them."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Literal

from pydantic import BaseModel, Field, StringConstraints

from gateway.schemas.types import DisplayPhone, _Request

Day = Literal["monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday"]
DAYS: tuple[str, ...] = Day.__args__  # type: ignore[attr-defined]
ClockTime = Annotated[str, StringConstraints(pattern=r"^\d{2}:\d{2}$")]
SecondFactor = Literal["every_sign_in", "new_device"]


class OpeningHours(_Request):
    """One day's window for automatic invitations, local time in the practice's time zone."""

    day: Day
    opens: ClockTime = Field(examples=["08:00"])
    closes: ClockTime = Field(examples=["17:00"])


class PracticeSettings(BaseModel):
    """The practice's enrollment settings, its patients' second-factor rule, and the reset
    ways they may use. `updated_by` is null until the practice first changes its settings."""

    time_zone: str
    auto_invites_enabled: bool
    auto_invite_hours: list[OpeningHours]
    email_required: bool
    invitation_lifetime_days: int
    throttle_max_sends: int
    throttle_window_days: int
    age_of_majority: int
    # Days after a patient defers ("remind me later") that the reminder goes out (E11).
    deferral_reminder_days: int
    second_factor: SecondFactor
    question_reset: bool
    account_information_reset: bool
    updated_at: datetime | None
    updated_by: str | None


class PracticeSettingsUpdate(_Request):
    """The settings to change; the ones left out keep their values. Going live
    (`auto_invites_enabled`) needs opening hours; each day at most once, closing after
    opening. Ranges: invitation lifetime 1-90 days, throttle 1-20 sends in 1-90 days, age of
    majority 14-21, reminder after a deferral 1-90 days."""

    time_zone: Annotated[str, StringConstraints(min_length=1, max_length=64)] | None = None
    auto_invites_enabled: bool | None = None
    auto_invite_hours: list[OpeningHours] | None = Field(None, max_length=7)
    email_required: bool | None = None
    invitation_lifetime_days: int | None = None
    throttle_max_sends: int | None = None
    throttle_window_days: int | None = None
    age_of_majority: int | None = Field(None, ge=14, le=21)
    deferral_reminder_days: int | None = None
    second_factor: SecondFactor | None = None
    # Whether patients may reset a password with security questions or account information
    # (I8 b, d); knowledge-based, so a practice may turn them off.
    question_reset: bool | None = None
    account_information_reset: bool | None = None


class BrandingUpdate(_Request):
    """How the practice's emails look (N1): the name heading them, the phone in their footer,
    and an https link to its logo; an empty field falls back to the practice's own name and
    phone, or no logo."""

    display_name: Annotated[str, StringConstraints(max_length=200)] = ""
    contact_phone: DisplayPhone | Literal[""] = ""
    logo_url: Annotated[str, StringConstraints(max_length=500)] = ""


class Branding(BaseModel):
    """The practice's email branding; `updated_by` is null until it is first set."""

    display_name: str
    contact_phone: str
    logo_url: str
    updated_at: datetime | None
    updated_by: str | None
