"""Practice reports: the enrollment funnel."""

from __future__ import annotations

from datetime import date

from pydantic import BaseModel


class FunnelStages(BaseModel):
    """The patients first invited in the period through one channel ("all", "email" or
    "sms"), and how many reached each stage since; `rates` are shares of the invited.
    `throttled` (automatic invitations the throttle held back) is given for "all" only."""

    channel: str
    invited: int
    opened: int
    verified: int
    activated: int
    declined: int
    deferred: int
    throttled: int | None
    rates: dict[str, float]


class EnrollmentFunnel(BaseModel):
    """The enrollment funnel of the patients first invited from `start` to `end` (the
    practice's calendar days, both included)."""

    start: date
    end: date
    channels: list[FunnelStages]
