"""The patient, or staff on the patient's behalf, change a proxy's rights or end its access
(P4, P6): in their scope only (S3), audited, and the patient told."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from sqlalchemy import update
from sqlalchemy.orm import Session

from services.common.db import utcnow
from services.common.errors import FieldViolation
from services.common.outbox import Outbox
from services.proxy import relationships
from services.proxy.audit import trail
from services.proxy.domain import PRESETS, RelationshipStatus, unknown_rights
from services.proxy.errors import (
    InvalidRequest,
    RelationshipEnded,
    RelationshipNotFound,
    UnknownRights,
)
from services.proxy.models import ProxyInvitation, Relationship


@dataclass(frozen=True)
class Scope:
    """On whose authority: a practice's staff (practice_id) or the patient (patient_id)."""

    practice_id: str = ""
    patient_id: str = ""


def rights_given(rights: Sequence[str], preset: str) -> frozenset[str]:
    """The rights a request names, as a list or a preset; InvalidArgument naming the field."""
    if preset and rights:
        raise InvalidRequest(
            "Give a list of rights or a preset, not both.",
            violations=[FieldViolation("preset", "Leave out with rights.")],
        )
    if preset:
        if preset not in PRESETS:
            raise InvalidRequest(
                "Use the preset full or view_only.",
                violations=[FieldViolation("preset", "One of full, view_only.")],
            )
        return PRESETS[preset]
    if wrong := unknown_rights(rights):
        raise UnknownRights(wrong)
    if not rights:
        raise InvalidRequest(
            "Give at least one right, or a preset; to end access, revoke it.",
            violations=[FieldViolation("rights", "At least one.")],
        )
    return frozenset(rights)


def _in_scope(session: Session, relationship_id: str, scope: Scope) -> Relationship:
    if not scope.practice_id and not scope.patient_id:
        raise InvalidRequest(
            "Name the practice or the patient the change is made for.",
            violations=[FieldViolation("scope", "Required.")],
        )
    row = (
        session.get(Relationship, relationship_id, with_for_update=True)
        if relationship_id
        else None
    )
    if (
        row is None
        or (scope.practice_id and row.practice_id != scope.practice_id)
        or (scope.patient_id and row.patient_id != scope.patient_id)
    ):
        raise RelationshipNotFound()
    return row


def update_rights(
    session: Session,
    *,
    outbox: Outbox,
    relationship_id: str,
    scope: Scope,
    rights: Sequence[str],
    preset: str,
) -> Relationship:
    """Replaces the rights of an invited or active relationship."""
    new = rights_given(rights, preset)
    row = _in_scope(session, relationship_id, scope)
    if row.status not in (RelationshipStatus.INVITED, RelationshipStatus.ACTIVE):
        raise RelationshipEnded()
    row.rights = sorted(new)
    relationships.record_change(session, row, "rights_changed", rights=new)
    trail.record(
        session,
        "proxy.rights.update",
        f"relationship:{row.id}",
        practice_id=row.practice_id,
        patient_id=row.patient_id,
        details={"rights": str(len(new))},
    )
    relationships.tell_patient(session, outbox, row, "rights_changed")
    return row


def revoke(session: Session, *, outbox: Outbox, relationship_id: str, scope: Scope) -> Relationship:
    """Ends the relationship at once, and any invitation of it; revoking again answers the
    same."""
    row = _in_scope(session, relationship_id, scope)
    if row.status == RelationshipStatus.REVOKED:
        return row
    row.status = RelationshipStatus.REVOKED.value
    session.execute(
        update(ProxyInvitation)
        .where(
            ProxyInvitation.relationship_id == row.id,
            ProxyInvitation.used_at.is_(None),
            ProxyInvitation.superseded_at.is_(None),
        )
        .values(superseded_at=utcnow())
    )
    relationships.record_change(session, row, "revoked")
    trail.record(
        session,
        "proxy.relationship.revoke",
        f"relationship:{row.id}",
        practice_id=row.practice_id,
        patient_id=row.patient_id,
    )
    relationships.tell_patient(session, outbox, row, "revoked")
    return row
