"""Moments for tests that move the clock. The clock only moves forward (gRPC deadlines use the
wall clock), so a test picks moments after today, never fixed dates that will one day be past."""

from __future__ import annotations

from datetime import UTC, datetime, time, timedelta
from zoneinfo import ZoneInfo

CHICAGO = "America/Chicago"


def next_local(weekday: int, hour: int, time_zone: str = CHICAGO, days_ahead: int = 2) -> datetime:
    """The UTC instant of the next `weekday` (0 is Monday), at least `days_ahead` days from
    now, at `hour`:00 local time."""
    zone = ZoneInfo(time_zone)
    day = (datetime.now(zone) + timedelta(days=days_ahead)).date()
    day += timedelta(days=(weekday - day.weekday()) % 7)
    return datetime.combine(day, time(hour), tzinfo=zone).astimezone(UTC)


def local_date_of(moment: datetime, time_zone: str = CHICAGO) -> str:
    """The ISO date of a moment in the practice's calendar."""
    return moment.astimezone(ZoneInfo(time_zone)).date().isoformat()
