"""Identity domain rules without a database: the resend throttle (I11)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from services.identity.domain import resend_wait

NOW = datetime(2025, 3, 1, 12, 0, tzinfo=UTC)


# rule I11
def test_first_resend_needs_no_wait_I11():
    assert resend_wait([], NOW) is None


# rule I11
def test_resend_waits_30_seconds_after_the_last_resend_I11():
    assert resend_wait([NOW - timedelta(seconds=20)], NOW) == timedelta(seconds=10)
    assert resend_wait([NOW - timedelta(seconds=30)], NOW) is None


# rule I11
def test_five_resends_in_an_hour_wait_for_the_oldest_to_leave_it_I11():
    resends = [NOW - timedelta(minutes=minutes) for minutes in (50, 40, 30, 20, 10)]
    assert resend_wait(resends, NOW) == timedelta(minutes=10)


# rule I11
def test_resends_older_than_an_hour_do_not_count_I11():
    resends = [NOW - timedelta(minutes=minutes) for minutes in (70, 40, 30, 20, 10)]
    assert resend_wait(resends, NOW) is None
