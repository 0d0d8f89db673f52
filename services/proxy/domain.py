"""Proxy rules: kinds of relationship and the access rights a proxy can hold (P4)."""

from __future__ import annotations

from enum import StrEnum


class RelationshipKind(StrEnum):
    GUARDIAN = "guardian"
    REPRESENTATIVE = "representative"


AREAS = ("health_records", "messages", "appointments", "billing", "forms")
LEVELS = ("view", "act")
RIGHTS = frozenset(f"{area}:{level}" for area in AREAS for level in LEVELS)
