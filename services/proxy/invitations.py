"""Inviting a guardian for a dependent (P1, P2) or a trusted representative for an adult (P3),
by staff or by the patient, and sending an invitation again (E10): the relationship INVITED,
a token kept only as a hash, and its message queued through the outbox in the same
transaction, so there is no invitation without its notification."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, replace
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session
from vestibule.notify.v1 import notify_pb2

from services.common import contacts
from services.common.crypto import new_token, token_hash
from services.common.db import utcnow
from services.common.errors import FieldViolation
from services.common.outbox import Outbox
from services.proxy import age_policies, repository
from services.proxy.accounts import IdentityAccounts
from services.proxy.audit import trail
from services.proxy.domain import (
    PRESETS,
    RelationshipKind,
    RelationshipStatus,
    age_on,
    unknown_rights,
)
from services.proxy.errors import (
    AgeDoesNotFit,
    AlreadyProxy,
    InvitationRefused,
    NotInvited,
    NotTheInviter,
    RelationshipNotFound,
)
from services.proxy.models import ProxyInvitation, Relationship
from services.proxy.patients import PatientRecord, Patients
from services.proxy.relationships import record_change

SEND_NOTIFICATION = "/vestibule.notify.v1.NotifyService/SendNotification"
INVITATION_LIFETIME_DAYS = 14
TEMPLATES = {
    RelationshipKind.GUARDIAN: notify_pb2.TEMPLATE_GUARDIAN_INVITATION,
    RelationshipKind.REPRESENTATIVE: notify_pb2.TEMPLATE_REPRESENTATIVE_INVITATION,
}
# Least access unless the inviter says otherwise: a guardian acts for a child in full, a
# representative of an adult only sees.
DEFAULT_PRESETS = {RelationshipKind.GUARDIAN: "full", RelationshipKind.REPRESENTATIVE: "view_only"}


@dataclass(frozen=True)
class Invitee:
    """The person invited, as the inviter names them."""

    first_name: str
    last_name: str
    email: str
    relationship_label: str


@dataclass(frozen=True)
class Invitation:
    """What an invitation request asks for."""

    kind: RelationshipKind
    idempotency_key: str
    practice_id: str
    patient_id: str
    invitee: Invitee
    rights: tuple[str, ...] = ()
    preset: str = ""
    # The inviting patient's own account; empty when staff invite.
    inviter_account_id: str = ""


def granted_rights(kind: RelationshipKind, rights: Iterable[str], preset: str) -> frozenset[str]:
    """The rights asked for, or the preset's; InvitationRefused naming an unknown one (P4)."""
    rights = list(rights)
    if wrong := unknown_rights(rights):
        raise InvitationRefused(
            f"Unknown rights: {', '.join(wrong)}. Choose rights such as health_records:view.",
            violations=[FieldViolation("rights", f"Unknown: {', '.join(wrong)}.")],
        )
    if rights:
        return frozenset(rights)
    preset = preset or DEFAULT_PRESETS[kind]
    if preset not in PRESETS:
        raise InvitationRefused(
            f'Unknown preset "{preset}". Choose {" or ".join(sorted(PRESETS))}.',
            violations=[FieldViolation("preset", "Unknown preset.")],
        )
    return PRESETS[preset]


def _checked_invitee(invitee: Invitee) -> Invitee:
    """The invitee with the email in the one form every service takes (so notify can send the
    invitation); InvitationRefused naming each missing or wrong field."""
    missing = [
        FieldViolation(name, "Required.")
        for name, value in (
            ("first_name", invitee.first_name),
            ("last_name", invitee.last_name),
            ("email", invitee.email),
        )
        if not value.strip()
    ]
    email = invitee.email
    if email.strip():
        try:
            email = contacts.email_address(email)
        except contacts.InvalidContact as error:
            missing.append(FieldViolation("email", str(error)))
    if missing:
        raise InvitationRefused(
            "Give the invitee's first and last name and email address.", violations=missing
        )
    return replace(invitee, email=email)


class InvitationUseCases:
    """Invite and resend; each takes the caller's session and only flushes."""

    def __init__(
        self,
        *,
        outbox: Outbox,
        patients: Patients,
        accounts: IdentityAccounts,
        portal_url: str,
    ) -> None:
        self._outbox = outbox
        self._patients = patients
        self._accounts = accounts
        self._portal_url = portal_url.rstrip("/")

    def invite(self, session: Session, request: Invitation) -> Relationship:
        """A new INVITED relationship and its invitation; a retry with the same key answers
        the same relationship. Refused, naming the field: unknown rights, a missing email,
        the patient's own email, an email already invited or acting for the patient, a
        guardian for an adult or a representative for a minor."""
        if request.idempotency_key and (
            earlier := repository.relationship_by_key(session, request.idempotency_key)
        ):
            if (earlier.practice_id, earlier.patient_id) != (
                request.practice_id,
                request.patient_id,
            ):
                raise InvitationRefused(
                    "This idempotency key was used for another invitation; use a new one.",
                    violations=[FieldViolation("idempotency_key", "Already used.")],
                )
            return earlier
        if not request.practice_id or not request.patient_id:
            raise InvitationRefused(
                "Name the practice and the patient.",
                violations=[FieldViolation("patient_id", "Required.")],
            )
        rights = granted_rights(request.kind, request.rights, request.preset)
        invitee = _checked_invitee(request.invitee)
        record = self._patients.record(
            practice_id=request.practice_id, patient_id=request.patient_id
        )
        if request.inviter_account_id and request.inviter_account_id != record.account_id:
            raise NotTheInviter("You can invite a representative only for your own record.")
        self._check_age(session, request.kind, record)
        self._check_not_own(request.kind, record, invitee.email)
        if repository.same_email_open(
            session,
            practice_id=record.practice_id,
            patient_id=record.patient_id,
            email=invitee.email.strip(),
        ):
            raise AlreadyProxy(
                "This email is already invited for this patient, or acts for them. Resend "
                "that invitation instead.",
                violations=[FieldViolation("email", "Already invited or active.")],
            )
        row = Relationship(
            idempotency_key=request.idempotency_key or None,
            practice_id=record.practice_id,
            patient_id=record.patient_id,
            patient_account_id=record.account_id or None,
            dependent_born=record.date_of_birth
            if request.kind == RelationshipKind.GUARDIAN
            else None,
            kind=request.kind.value,
            status=RelationshipStatus.INVITED.value,
            rights=sorted(rights),
            relationship_label=invitee.relationship_label.strip()[:40],
            proxy_first_name=invitee.first_name.strip()[:100],
            proxy_last_name=invitee.last_name.strip()[:100],
            proxy_email=invitee.email.strip()[:320],
        )
        try:
            with session.begin_nested():
                session.add(row)
        except IntegrityError:
            # The same request, retried at the same moment, committed first: its answer.
            earlier = repository.relationship_by_key(session, request.idempotency_key)
            if earlier is None:
                raise
            return earlier
        record_change(session, row, "invited", rights=rights)
        self._send(session, row, record)
        trail.record(
            session,
            f"proxy.{request.kind.value}.invite",
            f"relationship:{row.id}",
            practice_id=row.practice_id,
            patient_id=row.patient_id,
            details={"rights": str(len(rights))},
        )
        return row

    def resend(
        self, session: Session, *, relationship_id: str, practice_id: str, patient_id: str
    ) -> Relationship:
        """A new invitation for a relationship still INVITED, by staff of its practice or by
        its patient; the older link stops working (E10)."""
        row = repository.relationship_locked(session, relationship_id)
        if (
            row is None
            or not (practice_id or patient_id)
            or (practice_id and row.practice_id != practice_id)
            or (patient_id and row.patient_id != patient_id)
        ):
            raise RelationshipNotFound()
        if row.status != RelationshipStatus.INVITED.value:
            raise NotInvited(
                "This invitation was already accepted or has ended; invite again instead.",
                violations=[FieldViolation("relationship_id", "Not invited.")],
            )
        record = self._patients.record(practice_id=row.practice_id, patient_id=row.patient_id)
        record_change(session, row, "invitation_resent")
        self._send(session, row, record)
        trail.record(
            session,
            "proxy.invitation.resend",
            f"relationship:{row.id}",
            practice_id=row.practice_id,
            patient_id=row.patient_id,
        )
        return row

    def _check_age(self, session: Session, kind: RelationshipKind, record: PatientRecord) -> None:
        if record.date_of_birth is None:
            raise AgeDoesNotFit(
                "The patient's record has no date of birth; add it first.",
                violations=[FieldViolation("patient_id", "No date of birth on the record.")],
            )
        policy = age_policies.policy_of(
            session, record.practice_id, self._patients.time_zone(record.practice_id)
        )
        minor = age_on(record.date_of_birth, age_policies.local_today(policy)) < (
            policy.age_of_majority
        )
        if kind == RelationshipKind.GUARDIAN and not minor:
            raise AgeDoesNotFit(
                "The patient has reached the age of majority: invite a trusted representative "
                "instead of a guardian.",
                violations=[FieldViolation("patient_id", "Not a minor.")],
            )
        if kind == RelationshipKind.REPRESENTATIVE and minor:
            raise AgeDoesNotFit(
                "The patient is a minor: invite a guardian instead of a representative.",
                violations=[FieldViolation("patient_id", "A minor.")],
            )

    def _check_not_own(self, kind: RelationshipKind, record: PatientRecord, email: str) -> None:
        # A child's record often carries a parent's email, so for a guardian only the child's
        # own account counts.
        own = {record.email.strip().lower()} if kind == RelationshipKind.REPRESENTATIVE else set()
        if record.account_id:
            own.add(self._accounts.email_of(record.account_id).strip().lower())
        if email.strip().lower() in own - {""}:
            raise InvitationRefused(
                "This is the patient's own email address: invite someone else.",
                violations=[FieldViolation("email", "The patient's own email.")],
            )

    def _send(self, session: Session, row: Relationship, record: PatientRecord) -> None:
        """Supersedes the open invitations and queues a new one's message."""
        now = utcnow()
        for earlier in repository.open_invitations(session, row.id):
            earlier.superseded_at = now
        token = new_token()
        invitation = ProxyInvitation(
            relationship_id=row.id,
            token_hash=token_hash(token),
            sent_at=now,
            expires_at=now + timedelta(days=INVITATION_LIFETIME_DAYS),
        )
        session.add(invitation)
        session.flush()
        practice = self._patients.practice(row.practice_id)
        parameters = {
            "practice_name": practice.name,
            "first_name": row.proxy_first_name,
            "patient_first_name": record.first_name,
            "activation_url": f"{self._portal_url}/proxy-invitation#token={token}",
            "expires_on": _local_date(
                invitation.expires_at, self._patients.time_zone(row.practice_id)
            ),
        }
        if practice.phone:
            parameters["practice_phone"] = practice.phone
        self._outbox.enqueue(
            session,
            SEND_NOTIFICATION,
            notify_pb2.SendNotificationRequest(
                idempotency_key=f"proxy-invitation:{invitation.id}:email",
                channel=notify_pb2.CHANNEL_EMAIL,
                recipient=row.proxy_email or "",
                template=TEMPLATES[RelationshipKind(row.kind)],
                parameters=parameters,
                practice_id=row.practice_id,
            ),
        )


def _local_date(moment: datetime, time_zone: str) -> str:
    local = moment.astimezone(ZoneInfo(time_zone))
    return f"{local:%B} {local.day}, {local.year}"
