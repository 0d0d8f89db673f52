"""Age-outs (P7): the report of guardians whose dependent has come of age or will within some
days, and the notices sent 30 and 7 days before, each once however many replicas run the job."""

from __future__ import annotations

import logging
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session
from vestibule.notify.v1 import notify_pb2

from services.common.db import Database, insert_if_absent, new_id, utcnow
from services.common.errors import DomainError, FieldViolation, NotFound
from services.common.outbox import Outbox
from services.proxy import age_policies
from services.proxy.audit import trail
from services.proxy.domain import (
    AgePolicy,
    RelationshipKind,
    RelationshipStatus,
    birthday,
    ends_on,
    notice_days_before,
)
from services.proxy.errors import InvalidRequest
from services.proxy.models import AgeOutNotice, Relationship
from services.proxy.patients import PatientRecord, Patients

log = logging.getLogger("vestibule.proxy.age_outs")
MAX_WITHIN_DAYS = 366
# Lead times of the notices, in days before access ends.
NOTICE_DAYS = (30, 7)
SEND_NOTIFICATION = "/vestibule.notify.v1.NotifyService/SendNotification"
# Statuses a guardian relationship can age out from: the age rules end an ACTIVE one by
# themselves, without its stored status changing; EXPIRED is one already marked so.
_AGING = (RelationshipStatus.ACTIVE.value, RelationshipStatus.EXPIRED.value)


@dataclass(frozen=True)
class AgeOut:
    """One guardian relationship at or near its end."""

    relationship: Relationship
    ends_on: date
    aged_out: bool


def _guardians_ending_by(
    session: Session, policy: AgePolicy, last_day: date, *, practice_id: str | None = None
) -> list[tuple[Relationship, date]]:
    """Guardian relationships whose access ends on or before `last_day`, with that day; the
    query is loose by a few days (29 February birthdays), the dates are exact."""
    born_by = birthday(last_day, -policy.age_of_majority) + timedelta(days=2)
    query = select(Relationship).where(
        Relationship.kind == RelationshipKind.GUARDIAN.value,
        Relationship.status.in_(_AGING),
        Relationship.proxy_account_id.is_not(None),  # accepted, not an unused invitation
        Relationship.dependent_born.is_not(None),
        Relationship.dependent_born <= born_by,
    )
    if practice_id is not None:
        query = query.where(Relationship.practice_id == practice_id)
    # One order for every replica, so two jobs' notice rows never wait on each other in a ring.
    rows = session.scalars(query.order_by(Relationship.id)).all()
    ends = [(row, ends_on(row.dependent_born, policy)) for row in rows if row.dependent_born]
    return [(row, day) for row, day in ends if day <= last_day]


def list_age_outs(
    session: Session, *, practice_id: str, within_days: int, policy: AgePolicy
) -> list[AgeOut]:
    """The practice's guardian relationships whose dependent has aged out, or will within
    `within_days` of the practice's today (0 to 366), soonest end first. Audited (X2)."""
    violations = []
    if not practice_id:
        violations.append(FieldViolation("practice_id", "Required."))
    if not 0 <= within_days <= MAX_WITHIN_DAYS:
        violations.append(FieldViolation("within_days", f"From 0 to {MAX_WITHIN_DAYS} days."))
    if violations:
        raise InvalidRequest(
            "Name the practice and a horizon of 0 to 366 days.", violations=violations
        )
    today = age_policies.local_today(policy)
    found = _guardians_ending_by(
        session, policy, today + timedelta(days=within_days), practice_id=practice_id
    )
    found.sort(key=lambda pair: (pair[1], pair[0].id))
    trail.record(
        session,
        "proxy.age_outs.listed",
        f"practice:{practice_id}",
        practice_id=practice_id,
        details={"within_days": str(within_days), "rows": str(len(found))},
    )
    return [AgeOut(row, day, day <= today) for row, day in found]


def notice_due(days_left: int) -> int | None:
    """The notice due with `days_left` until access ends: the shortest lead time not yet
    passed (30 from 30 days before, 7 from 7 days before), None once the day has come or while
    it is further than every lead time. A job that missed a day still sends it, late."""
    due = [lead for lead in NOTICE_DAYS if 0 < days_left <= lead]
    return min(due) if due else None


def _notified(session: Session, relationship_id: str, lead: int) -> bool:
    return (
        session.scalar(
            select(AgeOutNotice.id).where(
                AgeOutNotice.relationship_id == relationship_id,
                AgeOutNotice.days_before == lead,
            )
        )
        is not None
    )


def _practices_with_active_guardians(session: Session) -> Sequence[str]:
    return session.scalars(
        select(Relationship.practice_id)
        .where(
            Relationship.kind == RelationshipKind.GUARDIAN.value,
            Relationship.status == RelationshipStatus.ACTIVE.value,
            Relationship.dependent_born.is_not(None),
        )
        .distinct()
        .order_by(Relationship.practice_id)
    ).all()


class AgeOutNotices:
    """The job sending age-out notices (P7): to the guardian (the invitation's email) and,
    when the dependent's record has an email of its own (not the guardian's), to the
    dependent, inviting them to enroll on their own. Each practice is read in its own local
    date; a notice row and its messages are written in one transaction, and the notice's
    unique key makes each go out once."""

    def __init__(self, *, database: Database, outbox: Outbox, patients: Patients) -> None:
        self._database = database
        self._outbox = outbox
        self._patients = patients

    def send_due(self) -> int:
        """Sends every notice due today; returns how many, so a worker that runs it again
        finds none left. A practice that cannot be served now (enrollment not answering) is
        tried again next run, and the others go on."""
        with self._database.transaction() as session:
            practices = _practices_with_active_guardians(session)
        sent = 0
        for practice_id in practices:
            try:
                sent += self._send_for(practice_id)
            except DomainError as error:
                log.warning(
                    "age-out notices postponed", extra={"service": "proxy", "reason": error.reason}
                )
        return sent

    def _send_for(self, practice_id: str) -> int:
        sent = 0
        with self._database.transaction() as session:
            policy = age_policies.policy_of(
                session, practice_id, self._patients.time_zone(practice_id)
            )
            today = age_policies.local_today(policy)
            last_day = today + timedelta(days=max(NOTICE_DAYS))
            for row, day in _guardians_ending_by(
                session, policy, last_day, practice_id=practice_id
            ):
                lead = notice_due(notice_days_before(day, today))
                if row.status != RelationshipStatus.ACTIVE.value or lead is None:
                    continue
                if _notified(session, row.id, lead):
                    continue
                record = self._record(row)
                if record is None:
                    continue
                if insert_if_absent(
                    session,
                    AgeOutNotice,
                    id=new_id(),
                    relationship_id=row.id,
                    days_before=lead,
                    sent_at=utcnow(),
                ):
                    self._tell(session, row, record, day, lead)
                    sent += 1
        return sent

    def _record(self, row: Relationship) -> PatientRecord | None:
        """The dependent's record; None when enrollment no longer has it (nobody to name)."""
        try:
            return self._patients.record(practice_id=row.practice_id, patient_id=row.patient_id)
        except NotFound:
            log.warning(
                "age-out notice skipped", extra={"service": "proxy", "reason": NotFound.reason}
            )
            return None

    def _tell(
        self, session: Session, row: Relationship, record: PatientRecord, day: date, lead: int
    ) -> None:
        practice = self._patients.practice(row.practice_id)
        shared = {
            "practice_name": practice.name,
            "practice_phone": practice.phone,
            "access_ends_on": f"{day:%B} {day.day}, {day.year}",
        }
        told = []
        if row.proxy_email:
            self._send(
                session,
                f"age-out:{row.id}:{lead}:guardian",
                notify_pb2.TEMPLATE_AGE_OUT_GUARDIAN,
                row.proxy_email,
                row.practice_id,
                shared
                | {"first_name": row.proxy_first_name, "patient_first_name": record.first_name},
            )
            told.append("guardian")
        # A minor's record often carries a parent's email: that inbox has the guardian's notice.
        if record.email and record.email.casefold() != (row.proxy_email or "").casefold():
            self._send(
                session,
                f"age-out:{row.id}:{lead}:patient",
                notify_pb2.TEMPLATE_AGE_OUT_PATIENT,
                record.email,
                row.practice_id,
                shared | {"first_name": record.first_name},
            )
            told.append("patient")
        trail.record(
            session,
            "proxy.age_out.notified",
            f"relationship:{row.id}",
            practice_id=row.practice_id,
            patient_id=row.patient_id,
            details={"days_before": str(lead), "told": ",".join(told) or "nobody"},
        )

    def _send(
        self,
        session: Session,
        key: str,
        template: notify_pb2.Template.ValueType,
        recipient: str,
        practice_id: str,
        parameters: dict[str, str],
    ) -> None:
        self._outbox.enqueue(
            session,
            SEND_NOTIFICATION,
            notify_pb2.SendNotificationRequest(
                idempotency_key=key,
                channel=notify_pb2.CHANNEL_EMAIL,
                recipient=recipient,
                template=template,
                parameters={name: value for name, value in parameters.items() if value},
                practice_id=practice_id,
            ),
        )
