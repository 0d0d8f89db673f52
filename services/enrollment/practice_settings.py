"""A practice's enrollment settings: time zone, going live with automatic invitations and their
opening hours (E6), whether email is required (E1), how long an invitation works (E10), the
send throttle (E7), the age of majority and when a patient who deferred is reminded (E11).
Read whole, changed field by field."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, replace
from datetime import datetime, time
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from sqlalchemy.orm import Session

from services.common import context
from services.common.db import utcnow
from services.common.errors import FieldViolation, InvalidArgument
from services.enrollment import errors
from services.enrollment.audit import trail
from services.enrollment.models import Practice
from services.enrollment.schedule import DEFAULT_HOURS, OpeningHours, Weekday, problems

# Each numeric setting's allowed range, inclusive.
RANGES = {
    "invitation_lifetime_days": (1, 90),
    "throttle_max_sends": (1, 20),
    "throttle_window_days": (1, 90),
    "age_of_majority": (14, 21),
    "deferral_reminder_days": (1, 90),
}


@dataclass(frozen=True)
class PracticeSettings:
    """Everything a practice sets about enrollment; `updated_by` is empty until first set."""

    time_zone: str
    auto_invites_enabled: bool
    auto_invite_hours: tuple[OpeningHours, ...]
    email_required: bool
    invitation_lifetime_days: int
    throttle_max_sends: int
    throttle_window_days: int
    age_of_majority: int
    deferral_reminder_days: int
    updated_at: datetime | None = None
    updated_by: str = ""


FIELDS = tuple(
    name
    for name in PracticeSettings.__dataclass_fields__
    if name not in ("updated_at", "updated_by")
)


def hours_of(practice: Practice) -> tuple[OpeningHours, ...]:
    """The practice's opening hours for automatic invitations (E6)."""
    if practice.auto_invite_hours is None:
        return DEFAULT_HOURS
    return tuple(
        OpeningHours(
            Weekday(int(w["day"])),  # type: ignore[call-overload]
            time.fromisoformat(str(w["opens"])),
            time.fromisoformat(str(w["closes"])),
        )
        for w in practice.auto_invite_hours
    )


def settings_of(practice: Practice) -> PracticeSettings:
    return PracticeSettings(
        time_zone=practice.time_zone,
        auto_invites_enabled=practice.auto_invites_enabled,
        auto_invite_hours=hours_of(practice),
        email_required=practice.email_required,
        invitation_lifetime_days=practice.invitation_lifetime_days,
        throttle_max_sends=practice.throttle_max_sends,
        throttle_window_days=practice.throttle_window_days,
        age_of_majority=practice.age_of_majority,
        deferral_reminder_days=practice.deferral_reminder_days,
        updated_at=practice.settings_updated_at,
        updated_by=practice.settings_updated_by or "",
    )


def _violations(wanted: PracticeSettings) -> list[FieldViolation]:
    found = []
    try:
        ZoneInfo(wanted.time_zone)
    except (ZoneInfoNotFoundError, ValueError):
        found.append(FieldViolation("time_zone", "Use an IANA name like America/Chicago."))
    for name, (low, high) in RANGES.items():
        if not low <= getattr(wanted, name) <= high:
            found.append(FieldViolation(name, f"Use a whole number from {low} to {high}."))
    found += [
        FieldViolation("auto_invite_hours", text) for text in problems(wanted.auto_invite_hours)
    ]
    if wanted.auto_invites_enabled and not wanted.auto_invite_hours:
        found.append(
            FieldViolation(
                "auto_invite_hours",
                "Add at least one day's opening hours before turning automatic invitations on.",
            )
        )
    return found


def update(
    session: Session, *, practice_id: str, changes: Mapping[str, object]
) -> PracticeSettings:
    """Applies the named changes (other settings keep their values) once all of them are valid;
    an invalid one refuses the whole change with a problem naming each field. Audited with what
    changed (X2)."""
    practice = session.get(Practice, practice_id, with_for_update=True) if practice_id else None
    if practice is None:
        raise errors.PracticeNotFound("No such practice.")
    unknown = sorted(set(changes) - set(FIELDS))
    if unknown:
        raise InvalidArgument(
            "Only practice settings can be changed here.",
            violations=[FieldViolation(name, "Not a practice setting.") for name in unknown],
        )
    current = settings_of(practice)
    wanted = replace(current, **changes)  # type: ignore[arg-type]
    violations = _violations(wanted)
    if violations:
        raise InvalidArgument(
            "Fix the settings named and save again; nothing was changed.", violations=violations
        )
    for name in FIELDS:
        if name != "auto_invite_hours":
            setattr(practice, name, getattr(wanted, name))
    practice.auto_invite_hours = [
        {"day": int(w.day), "opens": f"{w.opens:%H:%M}", "closes": f"{w.closes:%H:%M}"}
        for w in sorted(wanted.auto_invite_hours, key=lambda w: w.day)
    ]
    practice.settings_updated_at = utcnow()
    practice.settings_updated_by = context.current().actor[:100]
    changed = sorted(name for name in FIELDS if getattr(wanted, name) != getattr(current, name))
    trail.record(
        session,
        "practice.settings.update",
        f"practice:{practice.id}",
        practice_id=practice.id,
        details={"changed": ",".join(changed) or "nothing"},
    )
    session.flush()
    return settings_of(practice)
