"""Retrying until the retention window ends (N5): the capped backoff, the window's end, the
reason staff read, and which paths are probed and released."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from services.common.retry import (
    MAX_BACKOFF,
    PROBE_INTERVAL,
    PathHealth,
    backoff,
    expired_reason,
    next_attempt,
)

ACCEPTED = datetime(2026, 12, 1, 9, 0, tzinfo=UTC)
WINDOW = timedelta(hours=72)


@pytest.mark.parametrize(
    ("waited", "shortest", "longest"),
    [
        (timedelta(0), timedelta(seconds=0.5), timedelta(seconds=1)),
        (timedelta(seconds=40), timedelta(seconds=20), timedelta(seconds=40)),
        (timedelta(hours=70), MAX_BACKOFF / 2, MAX_BACKOFF),
    ],
)
# rule N5
def test_the_wait_grows_with_the_time_waited_up_to_the_cap_N5(waited, shortest, longest):
    assert all(shortest <= backoff(waited) <= longest for _ in range(50))


# rule N5
def test_a_retry_is_never_after_the_window_and_none_once_it_ended_N5():
    near_the_end = ACCEPTED + WINDOW - timedelta(seconds=30)
    assert next_attempt(now=near_the_end, accepted_at=ACCEPTED, retention=WINDOW) == (
        ACCEPTED + WINDOW
    )
    assert next_attempt(now=ACCEPTED + WINDOW, accepted_at=ACCEPTED, retention=WINDOW) is None


# rule N5
def test_a_message_retried_for_72_hours_was_tried_many_times_not_eight_N5():
    now, tries = ACCEPTED, 0
    while (later := next_attempt(now=now, accepted_at=ACCEPTED, retention=WINDOW)) is not None:
        now, tries = later, tries + 1
    assert now == ACCEPTED + WINDOW
    assert tries > WINDOW / MAX_BACKOFF  # at least every 10 minutes


# rule N5
def test_the_reason_says_the_window_and_the_last_failure_N5():
    assert expired_reason(WINDOW, "SMTP 421") == "not delivered within 72 hours; last: SMTP 421"
    assert expired_reason(timedelta(minutes=90), "x") == "not delivered within 1.5 hours; last: x"
    assert len(expired_reason(WINDOW, "x" * 500)) == 200


# rule N5
def test_a_path_that_comes_back_releases_its_messages_once_N5():
    paths = PathHealth()
    assert paths.answered("email", up=False) is False
    assert paths.answered("email", up=True) is True
    assert paths.answered("email", up=True) is False
    assert paths.answered("sms", up=True) is False  # never seen down


# rule N5
def test_a_down_path_is_probed_every_interval_and_no_more_N5():
    paths = PathHealth()
    assert paths.to_probe(ACCEPTED, lambda: []) == []
    paths.answered("email", up=False)
    assert paths.to_probe(ACCEPTED + PROBE_INTERVAL / 2, lambda: []) == []
    assert paths.to_probe(ACCEPTED + PROBE_INTERVAL, lambda: []) == ["email"]
    paths.answered("email", up=True)
    assert paths.to_probe(ACCEPTED + 2 * PROBE_INTERVAL, lambda: []) == []


# rule N5
def test_after_a_start_every_path_with_messages_waiting_is_probed_at_once_N5():
    paths = PathHealth()
    assert paths.to_probe(ACCEPTED, lambda: ["sms", "email"]) == ["email", "sms"]
    # Asked once: later, only what the attempts showed counts.
    paths.answered("email", up=True)
    paths.nothing_waits("sms")
    assert paths.to_probe(ACCEPTED + PROBE_INTERVAL, lambda: ["sms", "email"]) == []
