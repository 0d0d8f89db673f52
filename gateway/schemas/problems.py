"""Problems (RFC 9457): the shape of every failure."""

from __future__ import annotations

from pydantic import BaseModel, Field


class FieldError(BaseModel):
    """One field that is wrong or missing, and what to do about it."""

    field: str
    detail: str


class ProblemDocument(BaseModel):
    """Every failure answers in this shape, as `application/problem+json`."""

    type: str
    title: str
    status: int
    detail: str
    code: str = Field(description="Stable machine reason, e.g. USERNAME_TAKEN.")
    errors: list[FieldError] = []
    metadata: dict[str, str] | None = None
    request_id: str
