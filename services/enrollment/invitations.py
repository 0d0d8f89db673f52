"""Sending an invitation (E4, E8, E10): a new token, and its message queued for each channel;
whether an invitation's link still works; and ending the open ones, with the pending accounts
registered through them (E9)."""

from __future__ import annotations

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy.orm import Session
from vestibule.identity.v1 import identity_pb2
from vestibule.notify.v1 import notify_pb2

from services.common.crypto import new_token, token_hash
from services.common.db import utcnow
from services.common.metrics import INVITATIONS_SENT, INVITATIONS_THROTTLED, count_after_commit
from services.common.outbox import Outbox
from services.enrollment import domain, repository
from services.enrollment.errors import InvitationThrottled
from services.enrollment.lookup import invitation_state
from services.enrollment.models import Invitation, Patient
from services.enrollment.settings import EnrollmentSettings

SEND_NOTIFICATION = "/vestibule.notify.v1.NotifyService/SendNotification"
END_PENDING_ACCOUNTS = "/vestibule.identity.v1.IdentityService/EndPendingAccounts"
NOTIFY_CHANNELS = {"email": notify_pb2.CHANNEL_EMAIL, "sms": notify_pb2.CHANNEL_SMS}


class InvitationSender:
    def __init__(self, *, settings: EnrollmentSettings, outbox: Outbox, portal_url: str) -> None:
        self._settings = settings
        self._outbox = outbox
        self._portal_url = portal_url.rstrip("/")

    def send(self, session: Session, patient: Patient, key: str, *, trigger: str) -> Invitation:
        """A new invitation for a patient (locked by the caller) who has every required field;
        the open ones are superseded (E4), and the message goes out through the outbox in the
        same transaction. InvitationThrottled when the practice's throttle is reached (E7).
        `trigger` ("manual" or "auto") labels the invitation metrics."""
        practice = patient.practice
        now = utcnow()
        if (allowed_at := throttled_until(session, patient, now)) is not None:
            INVITATIONS_THROTTLED.add(1, {"trigger": trigger})
            raise InvitationThrottled(
                max_sends=practice.throttle_max_sends,
                window_days=practice.throttle_window_days,
                allowed_at=allowed_at,
                local=local_moment(allowed_at, practice.time_zone),
            )
        end_open_invitations(session, self._outbox, patient)
        token = new_token()
        channels = [
            name for name, value in (("email", patient.email), ("sms", patient.cell_phone)) if value
        ]
        invitation = Invitation(
            patient_id=patient.id,
            idempotency_key=key,
            token_hash=token_hash(token),
            channels=channels,
            sent_at=now,
            expires_at=now + timedelta(days=practice.invitation_lifetime_days),
        )
        session.add(invitation)
        session.flush()
        count_after_commit(session, INVITATIONS_SENT, trigger=trigger)
        patient.invitation_requested_at = now
        # E8: the message carries the demographics as they are now.
        parameters = {
            "practice_name": practice.name,
            "practice_phone": practice.contact_phone,
            "first_name": patient.first_name or "",
            "activation_url": f"{self._portal_url}/activate#token={token}",
            "expires_on": _local_date(invitation.expires_at, practice.time_zone),
        }
        for channel in channels:
            self._outbox.enqueue(
                session,
                SEND_NOTIFICATION,
                notify_pb2.SendNotificationRequest(
                    idempotency_key=notification_key(invitation.id, channel),
                    channel=NOTIFY_CHANNELS[channel],
                    recipient=patient.email if channel == "email" else patient.cell_phone,
                    template=notify_pb2.TEMPLATE_INVITATION,
                    parameters=parameters,
                    practice_id=practice.id,
                ),
            )
        return invitation


def end_open_invitations(session: Session, outbox: Outbox, patient: Patient) -> None:
    """Every open invitation of the patient stops working now (E4), and so does each pending
    account registered through one of them (E9)."""
    accounts = repository.open_invitation_accounts(session, patient.id)
    repository.supersede_open_invitations(session, patient.id)
    end_pending_accounts(session, outbox, patient, accounts)


def end_pending_accounts(
    session: Session, outbox: Outbox, patient: Patient, account_ids: list[str]
) -> None:
    """Tells identity, through the outbox, that these pending accounts of the patient can no
    longer be activated (their invitation stopped working): their usernames are free, and
    signing in to one says to use the newest invitation (E9)."""
    if account_ids:
        outbox.enqueue(
            session,
            END_PENDING_ACCOUNTS,
            identity_pb2.EndPendingAccountsRequest(
                account_ids=account_ids, practice_id=patient.practice_id
            ),
        )


def notification_key(invitation_id: str, channel: str) -> str:
    """The idempotency key of an invitation's message on one channel, as notify knows it."""
    return f"invitation:{invitation_id}:{channel}"


def throttled_until(session: Session, patient: Patient, now: datetime) -> datetime | None:
    """When the patient may next be sent an invitation, or None for now (E7)."""
    practice = patient.practice
    window = timedelta(days=practice.throttle_window_days)
    return domain.next_send_allowed(
        repository.sent_times_since(session, patient.id, now - window),
        max_sends=practice.throttle_max_sends,
        window=window,
        now=now,
    )


def local_moment(moment: datetime, time_zone: str) -> str:
    """A moment as the practice reads it, e.g. "December 3, 2026 at 9:05 AM CST"."""
    local = moment.astimezone(ZoneInfo(time_zone))
    return f"{_local_date(moment, time_zone)} at {local.hour % 12 or 12}:{local:%M %p %Z}"


def link_works(invitation: Invitation) -> bool:
    """E10: whether the invitation's link works now: not used, locked, superseded or expired,
    and its patient still PENDING, or DEFERRED (a deferred link keeps working until it
    expires, E11). Every other case looks alike to the patient."""
    return invitation_state(
        invitation
    ) is domain.InvitationState.OPEN and invitation.patient.status in (
        domain.Status.PENDING,
        domain.Status.DEFERRED,
    )


def _local_date(moment: datetime, time_zone: str) -> str:
    local = moment.astimezone(ZoneInfo(time_zone))
    return f"{local:%B} {local.day}, {local.year}"
