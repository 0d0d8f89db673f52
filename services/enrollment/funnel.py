"""The enrollment funnel of a practice: how the patients first invited in a period moved on.

The cohort is every patient whose first invitation went out between two dates of the
practice's calendar; each stage counts the cohort's patients who reached it since, by the
channels their invitations used: invited, opened (the link was used at least once), verified
(ZIP code and date of birth matched, E9), activated, declined and deferred (E11). Throttled
counts the automatic invitations the throttle held back in the period (E7), for all channels.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from services.common.errors import FieldViolation, InvalidArgument
from services.enrollment import domain
from services.enrollment.models import (
    ActivationTicket,
    AutoInvitation,
    Invitation,
    Patient,
    Practice,
    StatusChange,
)

STAGES = ("invited", "opened", "verified", "activated", "declined", "deferred")
CHANNELS = ("all", "email", "sms")
MAX_DAYS = 366


@dataclass
class FunnelRow:
    """One channel's counts per stage; `throttled` only for "all"."""

    channel: str
    counts: dict[str, int] = field(default_factory=lambda: dict.fromkeys(STAGES, 0))
    throttled: int | None = None


def period(start: str, end: str) -> tuple[date, date]:
    """The period's first and last days from ISO dates; InvalidArgument naming the field."""
    problems, days = [], {}
    for name, text in (("start", start), ("end", end)):
        try:
            days[name] = date.fromisoformat(text)
        except ValueError:
            problems.append(FieldViolation(name, "Use a date like 2026-11-01."))
    if not problems and days["end"] < days["start"]:
        problems.append(FieldViolation("end", "Use a date on or after the start."))
    if not problems and (days["end"] - days["start"]).days >= MAX_DAYS:
        problems.append(FieldViolation("end", f"Ask for at most {MAX_DAYS} days at a time."))
    if problems:
        raise InvalidArgument("Give the period as two dates.", violations=problems)
    return days["start"], days["end"]


def _bounds(practice: Practice, first: date, last: date) -> tuple[datetime, datetime]:
    zone = ZoneInfo(practice.time_zone)
    start = datetime.combine(first, time(), tzinfo=zone).astimezone(UTC)
    return start, datetime.combine(last + timedelta(days=1), time(), tzinfo=zone).astimezone(UTC)


def funnel(session: Session, *, practice: Practice, first: date, last: date) -> list[FunnelRow]:
    """The practice's funnel for the patients first invited from `first` to `last`."""
    start, end = _bounds(practice, first, last)
    first_sent = (
        select(Invitation.patient_id)
        .join(Patient, Patient.id == Invitation.patient_id)
        .where(Patient.practice_id == practice.id)
        .group_by(Invitation.patient_id)
        .having(func.min(Invitation.sent_at) >= start, func.min(Invitation.sent_at) < end)
    )
    cohort = set(session.scalars(first_sent))
    channels: dict[str, set[str]] = defaultdict(set)
    reached: dict[str, set[str]] = defaultdict(set)
    for patient_id, used, failed, tickets in session.execute(
        select(
            Invitation.patient_id,
            Invitation.channels,
            Invitation.failed_answers,
            func.count(ActivationTicket.id),
        )
        .outerjoin(ActivationTicket, ActivationTicket.invitation_id == Invitation.id)
        .where(Invitation.patient_id.in_(cohort))
        .group_by(Invitation.id)
    ):
        channels[patient_id].update(used)
        if failed or tickets:
            reached[patient_id].add("opened")
        if tickets:
            reached[patient_id].add("verified")
    for patient_id, to_status in session.execute(
        select(StatusChange.patient_id, StatusChange.to_status).where(
            StatusChange.patient_id.in_(cohort)
        )
    ):
        stage = {
            domain.Status.ENROLLED: "activated",
            domain.Status.DECLINED: "declined",
            domain.Status.DEFERRED: "deferred",
        }.get(domain.Status(to_status))
        if stage:
            reached[patient_id].add(stage)
    rows = {channel: FunnelRow(channel) for channel in CHANNELS}
    for patient_id in cohort:
        for channel in ("all", *sorted(channels[patient_id])):
            row = rows[channel]
            row.counts["invited"] += 1
            for stage in reached[patient_id]:
                row.counts[stage] += 1
    rows["all"].throttled = session.scalar(
        select(func.count(AutoInvitation.id)).where(
            AutoInvitation.practice_id == practice.id,
            AutoInvitation.state == domain.AutoInvitationState.THROTTLED,
            AutoInvitation.triggered_at >= start,
            AutoInvitation.triggered_at < end,
        )
    )
    return [rows[channel] for channel in CHANNELS]
