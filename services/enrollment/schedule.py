"""The auto-invite schedule (E6): opening hours per day of the week, in the practice's time zone.

Hours are wall-clock times where the practice is, so a window opens at 08:00 local time in
winter and in summer alike; the instants are found with the time zone's rules for that very
date. A time a daylight-saving change skips (02:30 on the spring-forward night) is taken as the
same distance past the change (03:30), and a time that happens twice is taken the first time.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from enum import IntEnum
from zoneinfo import ZoneInfo


class Weekday(IntEnum):
    """Days as `date.weekday()` numbers them."""

    MONDAY = 0
    TUESDAY = 1
    WEDNESDAY = 2
    THURSDAY = 3
    FRIDAY = 4
    SATURDAY = 5
    SUNDAY = 6


@dataclass(frozen=True)
class OpeningHours:
    """One day's window: invitations go out from `opens` until `closes`, local time."""

    day: Weekday
    opens: time
    closes: time


# Until a practice sets its own: weekdays, 08:00 to 17:00.
DEFAULT_HOURS: tuple[OpeningHours, ...] = tuple(
    OpeningHours(day, time(8), time(17)) for day in list(Weekday)[:5]
)


def problems(hours: Sequence[OpeningHours]) -> list[str]:
    """What is wrong with a schedule, in words for the field: a day given twice, or a window
    that closes before (or when) it opens."""
    found = []
    days = [window.day for window in hours]
    for day in sorted({d for d in days if days.count(d) > 1}):
        found.append(f"{day.name.capitalize()} is given more than once; give each day once.")
    for window in hours:
        if window.closes <= window.opens:
            found.append(
                f"{window.day.name.capitalize()} closes at {window.closes:%H:%M}, not after it "
                f"opens at {window.opens:%H:%M}."
            )
    return found


def _instant(day: date, at: time, zone: ZoneInfo) -> datetime:
    """The UTC instant of a wall-clock time on a date where the practice is (fold 0: a skipped
    time reads with the offset before the change, so it lands as far past the change; a
    repeated time is its first occurrence, PEP 495)."""
    return datetime.combine(day, at, tzinfo=zone).astimezone(UTC)


def windows(
    hours: Iterable[OpeningHours], time_zone: str, start: date, days: int
) -> list[tuple[datetime, datetime]]:
    """The UTC (opens, closes) of every window on `days` dates from `start`, in order."""
    zone = ZoneInfo(time_zone)
    by_day = {window.day: window for window in hours}
    found = []
    for offset in range(days):
        day = start + timedelta(days=offset)
        window = by_day.get(Weekday(day.weekday()))
        if window is not None:
            found.append((_instant(day, window.opens, zone), _instant(day, window.closes, zone)))
    return found


def next_send_time(hours: Sequence[OpeningHours], time_zone: str, now: datetime) -> datetime | None:
    """`now` when it is inside a window, else when the next window opens; None for a schedule
    without any window."""
    today = now.astimezone(ZoneInfo(time_zone)).date()
    for opens, closes in windows(hours, time_zone, today - timedelta(days=1), 9):
        if closes <= now:
            continue
        return max(opens, now)
    return None
