"""May account A do right R on patient record X (P4, P7)? And which records may it act for
(P5)? Read on every proxied request, with the age rules applied on the practice's today."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import Session

from services.common.errors import FieldViolation
from services.proxy import relationships
from services.proxy.audit import trail
from services.proxy.domain import RIGHTS, Effective, RelationshipStatus, holds
from services.proxy.errors import (
    InvalidRequest,
    NotAProxy,
    ProxyAccessEnded,
    ProxyAccessSuspended,
    ProxyRightMissing,
)
from services.proxy.models import Relationship
from services.proxy.patients import Patients


@dataclass(frozen=True)
class Granted:
    """The relationship that gives the right, and what the caller must leave out."""

    relationship: Relationship
    today: Effective


def _rows(session: Session, account_id: str, patient_id: str = "") -> Sequence[Relationship]:
    query = select(Relationship).where(Relationship.proxy_account_id == account_id)
    if patient_id:
        query = query.where(Relationship.patient_id == patient_id)
    return session.scalars(query.order_by(Relationship.created_at)).all()


def check(
    session: Session, patients: Patients, *, account_id: str, patient_id: str, right: str
) -> Granted:
    """The relationship giving `right`, the access audited; PERMISSION_DENIED (audited too)
    when none does, saying whether the account acts for the record at all, its access ended,
    or lacks the right."""
    problems = [
        FieldViolation(name, "Required.")
        for name, value in (("account_id", account_id), ("patient_id", patient_id))
        if not value
    ]
    if right not in RIGHTS:
        problems.append(FieldViolation("right", "An area:level right, e.g. messages:view."))
    if problems:
        raise InvalidRequest("Name the account, the patient and the right.", violations=problems)
    found = [
        (row, relationships.effective_of(session, patients, row))
        for row in _rows(session, account_id, patient_id)
    ]
    live = [(row, today) for row, today in found if today.status == RelationshipStatus.ACTIVE]
    for row, today in live:
        if holds(today.rights, right):
            # Every proxied request leaves a record naming the proxy and the patient (X2, P5).
            trail.record(
                session,
                "proxy.access",
                f"relationship:{row.id}",
                practice_id=row.practice_id,
                patient_id=patient_id,
                details={"right": right},
            )
            return Granted(row, today)
    trail.record(
        session,
        "proxy.access.denied",
        f"patient:{patient_id}",
        patient_id=patient_id,
        outcome="denied",
        details={"right": right},
    )
    if live:
        raise ProxyRightMissing(right)
    if any(today.status == RelationshipStatus.SUSPENDED for _, today in found):
        raise ProxyAccessSuspended()
    if any(row.status != RelationshipStatus.INVITED for row, _ in found):
        raise ProxyAccessEnded()
    raise NotAProxy()


def accessible(
    session: Session, patients: Patients, *, account_id: str
) -> dict[RelationshipStatus, list[tuple[Relationship, Effective]]]:
    """The account's relationships that give access today (ACTIVE, P5) and those paused while
    the practice has the patient unenrolled (SUSPENDED, E13), each oldest first."""
    if not account_id:
        raise InvalidRequest(
            "Name the account.", violations=[FieldViolation("account_id", "Required.")]
        )
    found: dict[RelationshipStatus, list[tuple[Relationship, Effective]]] = {
        RelationshipStatus.ACTIVE: [],
        RelationshipStatus.SUSPENDED: [],
    }
    for row in _rows(session, account_id):
        today = relationships.effective_of(session, patients, row)
        if today.status in found:
            found[today.status].append((row, today))
    return found
