"""Status changes kept as history (E2): from, to, when, who and why."""

from __future__ import annotations

from sqlalchemy.orm import Session

from services.common import context
from services.enrollment import domain, errors
from services.enrollment.models import Patient, StatusChange


def change_status(
    session: Session,
    patient: Patient,
    to: domain.Status,
    reason: str,
    *,
    actor: str | None = None,
    note: str | None = None,
    idempotency_key: str | None = None,
) -> StatusChange:
    """Moves the patient to `to` if E2 allows it, and records who, when and why."""
    current = domain.Status(patient.status) if patient.status else None
    if to not in domain.allowed_next(current):
        allowed = ", ".join(sorted(s.value for s in domain.allowed_next(current))) or "none"
        raise errors.StatusDoesNotAllow(
            f"A patient who is {current} cannot become {to.value}; allowed: {allowed}."
        )
    patient.status = to.value
    change = StatusChange(
        sequence=len(patient.history) + 1,
        from_status=current.value if current else None,
        to_status=to.value,
        actor=actor or context.current().actor,
        reason=reason,
        note=note,
        idempotency_key=idempotency_key,
    )
    patient.history.append(change)
    session.flush()
    return change
