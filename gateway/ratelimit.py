"""Rate limits on what strangers can call, per client IP and route, in a moving window."""

from __future__ import annotations

import math
import time
from collections.abc import Callable

from fastapi import Request
from limits import RateLimitItem, parse
from limits.storage import storage_from_string
from limits.strategies import MovingWindowRateLimiter

from gateway.problems import Problem
from gateway.settings import GatewaySettings


class RateLimits:
    """The gateway's limits, named by the group of routes they guard."""

    def __init__(self, settings: GatewaySettings) -> None:
        self._limiter = MovingWindowRateLimiter(storage_from_string(settings.rate_limit_storage))
        self._limits: dict[str, RateLimitItem] = {
            "sign_in": parse(settings.rate_limit_sign_in),
            "activation": parse(settings.rate_limit_activation),
            "password_check": parse(settings.rate_limit_password_check),
            "recovery": parse(settings.rate_limit_recovery),
        }

    def hit(self, group: str, *, route: str, client: str) -> None:
        """Counts one call; raises a 429 problem with Retry-After when over the limit."""
        limit = self._limits[group]
        if self._limiter.hit(limit, route, client):
            return
        reset_at = self._limiter.get_window_stats(limit, route, client).reset_time
        retry_after = max(1, math.ceil(reset_at - time.time()))
        raise Problem(
            429,
            "RATE_LIMITED",
            "Too many attempts from your network. Wait a little and try again.",
            headers={"Retry-After": str(retry_after)},
        )


def rate_limited(group: str) -> Callable[[Request], None]:
    """Dependency factory: counts the call against `group`'s limit for this client IP and route.

    A sync dependency on purpose: FastAPI runs it in a worker thread, so a Redis round trip
    does not block the event loop.
    """

    def check(request: Request) -> None:
        limits: RateLimits = request.app.state.rate_limits
        client = request.client.host if request.client else "unknown"
        route = f"{request.method} {request.scope['route'].path}"
        limits.hit(group, route=route, client=client)

    return check
