"""The auto-invite schedule (E6): windows in the practice's time zone, across daylight-saving
changes."""

from __future__ import annotations

from datetime import UTC, datetime, time

from services.enrollment.schedule import (
    DEFAULT_HOURS,
    OpeningHours,
    Weekday,
    next_send_time,
    problems,
)

CHICAGO = "America/Chicago"


def _utc(*parts: int) -> datetime:
    return datetime(*parts, tzinfo=UTC)


# rule E6
def test_inside_a_window_invitations_go_out_at_once_E6():
    tuesday_noon = _utc(2026, 11, 24, 18)  # 12:00 in Chicago
    assert next_send_time(DEFAULT_HOURS, CHICAGO, tuesday_noon) == tuesday_noon


# rule E6
def test_after_closing_the_next_window_is_the_next_mornings_E6():
    tuesday_evening = _utc(2026, 11, 24, 23, 30)  # 17:30 in Chicago
    assert next_send_time(DEFAULT_HOURS, CHICAGO, tuesday_evening) == _utc(2026, 11, 25, 14)


# rule E6
def test_a_weekend_trigger_waits_for_monday_E6():
    saturday = _utc(2026, 11, 28, 18)
    assert next_send_time(DEFAULT_HOURS, CHICAGO, saturday) == _utc(2026, 11, 30, 14)


# rule E6
def test_the_window_after_spring_forward_opens_at_the_same_local_hour_E6():
    saturday_before_the_change = _utc(2026, 3, 7, 18)  # 12:00 CST
    # Monday 08:00 is CDT (UTC-5) now, an hour earlier in UTC than in winter (14:00).
    assert next_send_time(DEFAULT_HOURS, CHICAGO, saturday_before_the_change) == _utc(
        2026, 3, 9, 13
    )


# rule E6
def test_the_window_after_fall_back_opens_at_the_same_local_hour_E6():
    saturday_before_the_change = _utc(2026, 10, 31, 17)  # 12:00 CDT
    assert next_send_time(DEFAULT_HOURS, CHICAGO, saturday_before_the_change) == _utc(
        2026, 11, 2, 14
    )


# rule E6
def test_an_opening_in_the_skipped_hour_opens_as_far_past_the_change_E6():
    sunday = [OpeningHours(Weekday.SUNDAY, time(2, 30), time(9))]
    saturday_night = _utc(2026, 3, 8, 6)  # 00:00 CST, the night the clocks skip 02:00-03:00
    assert next_send_time(sunday, CHICAGO, saturday_night) == _utc(2026, 3, 8, 8, 30)  # 03:30 CDT


# rule E6
def test_an_opening_in_the_repeated_hour_is_its_first_occurrence_E6():
    sunday = [OpeningHours(Weekday.SUNDAY, time(1, 30), time(9))]
    saturday_night = _utc(2026, 11, 1, 5)  # 00:00 CDT, the night 01:00-02:00 happens twice
    assert next_send_time(sunday, CHICAGO, saturday_night) == _utc(2026, 11, 1, 6, 30)  # CDT


# rule E6
def test_a_schedule_without_windows_never_sends_E6():
    assert next_send_time([], CHICAGO, _utc(2026, 11, 24, 18)) is None


# rule E6
def test_closing_before_opening_and_a_day_given_twice_are_named_E6():
    found = problems(
        [
            OpeningHours(Weekday.MONDAY, time(17), time(8)),
            OpeningHours(Weekday.TUESDAY, time(8), time(12)),
            OpeningHours(Weekday.TUESDAY, time(13), time(17)),
        ]
    )
    assert found == [
        "Tuesday is given more than once; give each day once.",
        "Monday closes at 08:00, not after it opens at 17:00.",
    ]
