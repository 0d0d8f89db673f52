"""Proxy service errors."""

from services.common.errors import InvalidArgument


class InvalidRequest(InvalidArgument):
    """A proxy request names no practice or patient."""

    reason = "INVALID_PROXY_REQUEST"
