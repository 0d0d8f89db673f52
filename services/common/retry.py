"""Retrying deliveries until their retention window ends (N5), shared by the outbox relays and
notify's delivery worker: the capped backoff, the window's reason, and which paths are down.

A *path* is what a message needs to be up to go out: the method of another service an outbox
calls, or the mail server or SMS provider behind one of notify's channels. While a path is
down, its messages wait out their own backoff and one of them is tried again every
`PROBE_INTERVAL`; the first success makes every message waiting for that path due at once,
so a backlog goes out within seconds of the path coming back, however long it was down.
"""

from __future__ import annotations

import random
import threading
from collections.abc import Callable, Iterable
from datetime import datetime, timedelta

DEFAULT_RETENTION_HOURS = 72
MIN_BACKOFF = timedelta(seconds=1)
MAX_BACKOFF = timedelta(minutes=10)
PROBE_INTERVAL = timedelta(seconds=2)
MAX_REASON = 200


def backoff(waited: timedelta) -> timedelta:
    """How long a message that has waited `waited` since it was accepted waits for its next
    try: between half that and that (jitter), at least MIN_BACKOFF, at most MAX_BACKOFF. So
    tries thin out exponentially, and messages that were not tried (their path failed a moment
    before) thin out like those that were."""
    ceiling = min(MAX_BACKOFF, max(MIN_BACKOFF, waited)).total_seconds()
    return timedelta(seconds=random.uniform(ceiling / 2, ceiling))  # noqa: S311 - jitter, not a secret


def next_attempt(*, now: datetime, accepted_at: datetime, retention: timedelta) -> datetime | None:
    """When to try again a message accepted at `accepted_at` that failed for now, or None when
    its retention window has ended: it is dead-lettered. The last try is at the end of the
    window, never after it."""
    deadline = accepted_at + retention
    if now >= deadline:
        return None
    return min(now + backoff(now - accepted_at), deadline)


def expired_reason(retention: timedelta, last: str) -> str:
    """Why a message was dead-lettered at the end of its window, as staff and operators read
    it: "not delivered within 72 hours; last: SMTP 421". `last` holds codes, never PHI."""
    hours = f"{retention / timedelta(hours=1):g}"
    return f"not delivered within {hours} hours; last: {last}"[:MAX_REASON]


class PathHealth:
    """What this process has seen of each path: which are down, and when to probe them.

    Only failures that say the path itself is down (unreachable, timing out, unavailable)
    count; a refusal of one message or recipient shows the path is up. After a start, every
    path with messages waiting is suspected down until its first probe answers.
    """

    def __init__(self) -> None:
        self._down: set[str] = set()
        self._started = False
        self._next_probe: datetime | None = None
        self._lock = threading.Lock()

    def answered(self, path: str, *, up: bool) -> bool:
        """Records what one attempt on `path` showed. True when the path was down and is up
        again: the caller makes the messages waiting for it due now."""
        with self._lock:
            if not up:
                self._down.add(path)
                return False
            if path in self._down:
                self._down.discard(path)
                return True
            return False

    def to_probe(self, now: datetime, waiting: Callable[[], Iterable[str]]) -> list[str]:
        """The paths to probe now: those seen down, at most once every PROBE_INTERVAL; on the
        first call, every path `waiting()` names (the paths with messages waiting)."""
        with self._lock:
            if self._next_probe is not None and now < self._next_probe:
                return []
            self._next_probe = now + PROBE_INTERVAL
            first = not self._started
            self._started = True
        suspected = set(waiting()) if first else set()
        with self._lock:
            self._down |= suspected
            return sorted(self._down)

    def nothing_waits(self, path: str) -> None:
        """No message waits for `path` any more (another replica sent them): stop probing it."""
        with self._lock:
            self._down.discard(path)
