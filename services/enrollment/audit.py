"""The enrollment service's audit trail (X2)."""

from __future__ import annotations

from sqlalchemy.orm import Session

from services.common.audit import AuditTrail
from services.enrollment.models import AuditChainHead, AuditRecord, Patient

trail = AuditTrail("enrollment", AuditRecord, AuditChainHead)


def record_patient_action(
    session: Session, action: str, patient: Patient, *, outcome: str = "success", **details: str
) -> None:
    """Records `action` on the patient in the caller's transaction. `details` hold names,
    codes and counts, never a value of the record (no PHI)."""
    trail.record(
        session,
        action,
        f"patient:{patient.id}",
        practice_id=patient.practice_id,
        patient_id=patient.id,
        outcome=outcome,
        details=details,
    )
