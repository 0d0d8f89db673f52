"""What both route groups share: documented problem answers and the Idempotency-Key header."""

from __future__ import annotations

import uuid
from typing import Annotated, Any

from fastapi import Cookie, Header

from gateway.schemas import ProblemDocument


def problem_responses(*statuses: int) -> dict[int | str, dict[str, Any]]:
    """OpenAPI entries saying these statuses (and 400 for a body that is not JSON, 422, 429,
    503, which any route can answer) come with a problem document;
    `problems.openapi_media_types` files them under application/problem+json."""
    return {status: {"model": ProblemDocument} for status in (400, 422, 429, 503, *statuses)}


def device_token(
    vestibule_device: Annotated[str | None, Cookie(include_in_schema=False, max_length=128)] = None,
) -> str:
    """Dependency: the remembered device's token from its cookie (I4), or empty."""
    return vestibule_device or ""


def idempotency_key(
    key: Annotated[
        str | None,
        Header(
            alias="Idempotency-Key",
            min_length=1,
            max_length=128,
            description="Repeat a request with the same key to have it take effect once.",
        ),
    ] = None,
) -> str:
    """Dependency: the caller's Idempotency-Key, or a new one for a call made once."""
    return key or uuid.uuid4().hex


def device_label(
    user_agent: Annotated[str | None, Header(include_in_schema=False)] = None,
) -> str:
    """Dependency: a label for the sessions list (I10), from the browser's User-Agent."""
    return (user_agent or "unknown device")[:120]
