"""Automatic invitations (E6, E7, E8): triggers, the queue, and the scheduler that empties it;
and the reminder a patient who deferred asked for (E11), which waits in the same queue.

A trigger (chart added, a required field changed, encounter or appointment added) of a live
practice asks for an invitation. Inside the practice's opening hours it is sent at once; outside
them it waits in `auto_invitations` until the next window opens. The scheduler takes due rows
with `FOR UPDATE SKIP LOCKED`, so several replicas share the work and none sends a row twice; a
row is marked sent in the same transaction that queues its message, so a restart loses nothing
and repeats nothing. When its time comes a row is sent with the patient's data as it is then
(E8), or recorded as throttled (E7) or skipped, with the reason.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime, timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session

from services.common.db import Database, utcnow
from services.common.metrics import INVITATIONS_THROTTLED
from services.enrollment import domain, repository
from services.enrollment.audit import record_patient_action
from services.enrollment.demographics import demographics_of
from services.enrollment.errors import InvitationThrottled
from services.enrollment.history import change_status
from services.enrollment.invitations import InvitationSender, throttled_until
from services.enrollment.models import AutoInvitation, Patient
from services.enrollment.practice_settings import hours_of
from services.enrollment.schedule import next_send_time

State = domain.AutoInvitationState
# The history's words for the reminder a patient who deferred is sent (E11).
REMINDED = "reminder sent, as the patient asked when deferring"
# Due rows are sent in batches of this many per transaction.
BATCH = 20


class AutoInvites:
    def __init__(self, *, sender: InvitationSender) -> None:
        self._sender = sender

    def trigger(
        self,
        session: Session,
        *,
        patient: Patient,
        trigger: domain.Trigger,
        idempotency_key: str,
    ) -> AutoInvitation | None:
        """Records what the trigger asks for on the locked patient: None when the practice has
        not gone live or the patient's status asks for nothing; the patient's queued row when
        one is already waiting; else a new row, decided at once when a window is open. A retry
        with the same key answers the first row."""
        key = f"{trigger.value}:{idempotency_key}"
        if (earlier := repository.auto_invitation_by_key(session, key)) is not None:
            return earlier
        practice = patient.practice
        if not practice.auto_invites_enabled or not domain.auto_invite_applies(
            domain.Status(patient.status), trigger
        ):
            return None
        if (waiting := repository.queued_auto_invitation(session, patient.id)) is not None:
            return waiting
        now = utcnow()
        send_after = next_send_time(hours_of(practice), practice.time_zone, now)
        row = AutoInvitation(
            practice_id=practice.id,
            patient_id=patient.id,
            idempotency_key=key,
            trigger=trigger.value,
            triggered_at=now,
            state=State.QUEUED,
            send_after=send_after or now,
        )
        session.add(row)
        session.flush()
        record_patient_action(session, "enrollment.auto_invite.trigger", patient, trigger=trigger)
        if send_after is not None and send_after <= now:
            self._decide(session, row, patient, now)
        return row

    def remind_later(self, session: Session, *, patient: Patient, invitation_id: str) -> None:
        """E11: queues the reminder a patient who deferred from an invitation asked for, due
        after the practice's number of days, at the first moment of its opening hours from
        then. When its time comes it is sent as any automatic invitation is (with the data of
        that day, E8, counted in the throttle, E7), unless the patient answered otherwise."""
        practice = patient.practice
        now = utcnow()
        due = now + timedelta(days=practice.deferral_reminder_days)
        row = AutoInvitation(
            practice_id=practice.id,
            patient_id=patient.id,
            idempotency_key=f"{domain.Trigger.DEFERRAL_REMINDER.value}:{invitation_id}",
            trigger=domain.Trigger.DEFERRAL_REMINDER.value,
            triggered_at=now,
            state=State.QUEUED,
            send_after=next_send_time(hours_of(practice), practice.time_zone, due) or due,
        )
        session.add(row)
        session.flush()

    def send_due(self, database: Database) -> int:
        """Sends (or throttles, or skips) a batch of queued rows whose window has opened;
        returns how many, so the worker runs again at once while there are more."""
        now = utcnow()
        with database.transaction() as session:
            due = session.scalars(
                select(AutoInvitation)
                .where(AutoInvitation.state == State.QUEUED, AutoInvitation.send_after <= now)
                .order_by(AutoInvitation.send_after)
                .limit(BATCH)
                .with_for_update(skip_locked=True)
            ).all()
            for row in due:
                patient = repository.patient_for_update(session, row.patient_id)
                self._decide(session, row, patient, now)
        return len(due)

    def _decide(
        self, session: Session, row: AutoInvitation, patient: Patient, now: datetime
    ) -> None:
        row.decided_at = now
        practice = patient.practice
        status = domain.Status(patient.status)
        missing = domain.missing_for_invitation(
            demographics_of(patient), email_required=practice.email_required
        )
        trigger = domain.Trigger(row.trigger)
        if not practice.auto_invites_enabled and domain.waits_for_go_live(trigger):
            self._skip(session, row, patient, "automatic invitations were turned off")
        elif not domain.auto_invite_applies(status, trigger):
            self._skip(session, row, patient, f"the patient is now {status.value}")
        elif missing:
            self._skip(session, row, patient, "missing: " + ", ".join(missing))
        elif (allowed_at := throttled_until(session, patient, now)) is not None:
            row.state, row.next_allowed_at = State.THROTTLED, allowed_at
            INVITATIONS_THROTTLED.add(1, {"trigger": "auto"})
            record_patient_action(
                session, "enrollment.auto_invite.throttled", patient, outcome="denied"
            )
        else:
            self._send(session, row, patient, status)

    def _send(
        self, session: Session, row: AutoInvitation, patient: Patient, status: domain.Status
    ) -> None:
        try:
            invitation = self._sender.send(session, patient, f"auto:{row.id}", trigger="auto")
        except InvitationThrottled:  # checked just before under the same lock; kept for safety
            row.state = State.THROTTLED
            return
        row.state, row.invitation_id = State.SENT, invitation.id
        if status is domain.Status.NOT_ENROLLED:
            change_status(
                session, patient, domain.Status.PENDING, f"automatic invitation ({row.trigger})"
            )
        elif status is domain.Status.DEFERRED:
            # The reminder is the invitation the patient asked for: pending again (E11).
            change_status(session, patient, domain.Status.PENDING, REMINDED)
        record_patient_action(session, "enrollment.auto_invite.sent", patient, trigger=row.trigger)

    @staticmethod
    def _skip(session: Session, row: AutoInvitation, patient: Patient, why: str) -> None:
        row.state, row.detail = State.SKIPPED, why[:200]
        record_patient_action(session, "enrollment.auto_invite.skipped", patient, outcome="denied")


def listed(
    session: Session, *, practice_id: str, state: domain.AutoInvitationState | None, limit: int
) -> Sequence[AutoInvitation]:
    """The practice's automatic invitations, newest trigger first, of one state or all."""
    query = select(AutoInvitation).where(AutoInvitation.practice_id == practice_id)
    if state is not None:
        query = query.where(AutoInvitation.state == state)
    return session.scalars(query.order_by(AutoInvitation.triggered_at.desc()).limit(limit)).all()
