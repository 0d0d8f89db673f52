"""Proto messages to JSON shapes and back; field by field, nothing decided here."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from google.protobuf.field_mask_pb2 import FieldMask
from google.protobuf.message import Message
from vestibule.enrollment.v1 import enrollment_pb2
from vestibule.identity.v1 import identity_pb2
from vestibule.proxy.v1 import proxy_pb2

from gateway import schemas


def enum_value(enum: Any, number: int) -> Any:
    """An enum value as a lowercase string without its type prefix ("pending"), or None when
    unspecified. `enum` is the generated enum wrapper, e.g. `enrollment_pb2.BirthSex`."""
    if number == 0:
        return None
    name: str = enum.Name(number)
    prefix = enum.Name(0).removesuffix("UNSPECIFIED")
    return name.removeprefix(prefix).lower()


def enum_number(enum: Any, value: str | None) -> int:
    """The proto number of a lowercase enum string; 0 (unspecified) for None."""
    if value is None:
        return 0
    return int(enum.Value(enum.Name(0).removesuffix("UNSPECIFIED") + value.upper()))


def when(message: Message, name: str) -> datetime | None:
    """The timestamp field `name` of `message` in UTC, or None when it is not set."""
    if not message.HasField(name):
        return None
    return getattr(message, name).ToDatetime(tzinfo=UTC)


def _text(value: str) -> str | None:
    return value or None


def demographics_to_proto(body: schemas.Demographics) -> enrollment_pb2.Demographics:
    """The demographics message; absent and null fields are empty ("not recorded")."""
    return enrollment_pb2.Demographics(
        first_name=body.first_name or "",
        last_name=body.last_name or "",
        date_of_birth=body.date_of_birth or "",
        birth_sex=enum_number(enrollment_pb2.BirthSex, body.birth_sex),
        zip_code=body.zip_code or "",
        email=body.email or "",
        cell_phone=body.cell_phone or "",
        home_phone=body.home_phone or "",
        street_address=body.street_address or "",
    )


def update_mask(body: schemas.Demographics) -> FieldMask:
    """The fields present in a PATCH body, in declaration order."""
    return FieldMask(
        paths=[name for name in type(body).model_fields if name in body.model_fields_set]
    )


def code_sent(
    answer: enrollment_pb2.SubmitSecurityDetailsResponse
    | enrollment_pb2.ResendActivationCodeResponse
    | enrollment_pb2.SubmitRegistrationDetailsResponse
    | enrollment_pb2.ResendRegistrationCodeResponse,
) -> schemas.CodeSent:
    """Where a verification code went (activation and self-registration)."""
    return schemas.CodeSent(
        code_channel=answer.code_channel,  # type: ignore[arg-type]
        code_destination_hint=answer.code_destination_hint,
    )


def patient(message: enrollment_pb2.Patient) -> schemas.Patient:
    """A patient as staff see it."""
    facts = message.demographics
    return schemas.Patient(
        patient_id=message.patient_id,
        first_name=_text(facts.first_name),
        last_name=_text(facts.last_name),
        date_of_birth=_text(facts.date_of_birth),
        birth_sex=enum_value(enrollment_pb2.BirthSex, facts.birth_sex),
        zip_code=_text(facts.zip_code),
        email=_text(facts.email),
        cell_phone=_text(facts.cell_phone),
        home_phone=_text(facts.home_phone),
        street_address=_text(facts.street_address),
        status=enum_value(enrollment_pb2.EnrollmentStatus, message.status),
        invitation_requested_at=when(message, "invitation_requested_at"),
        account_id=_text(message.account_id),
        mrn=_text(message.mrn),
        history=[
            schemas.StatusChange(
                from_status=enum_value(enrollment_pb2.EnrollmentStatus, change.from_status),
                to_status=enum_value(enrollment_pb2.EnrollmentStatus, change.to_status),
                changed_at=when(change, "changed_at"),
                actor=change.actor,
                reason=change.reason,
            )
            for change in message.history
        ],
    )


def invitation(message: enrollment_pb2.Invitation) -> schemas.Invitation:
    """An invitation's public facts (never its token)."""
    return schemas.Invitation(
        invitation_id=message.invitation_id,
        sent_at=when(message, "sent_at"),
        expires_at=when(message, "expires_at"),
        channels=list(message.channels),
        state=enum_value(enrollment_pb2.InvitationState, message.state),
        deliveries=[
            schemas.ChannelDelivery(
                channel=d.channel, state=d.state, last_error=d.last_error or None
            )
            for d in message.deliveries
        ],
    )


def relationship(message: proxy_pb2.Relationship) -> schemas.Relationship:
    """A proxy relationship, as it stands today."""
    return schemas.Relationship(
        relationship_id=message.relationship_id,
        practice_id=message.practice_id,
        patient_id=message.patient_id,
        proxy_account_id=_text(message.proxy_account_id),
        kind=enum_value(proxy_pb2.RelationshipKind, message.kind),
        status=enum_value(proxy_pb2.RelationshipStatus, message.status),
        relationship_label=message.relationship_label,
        proxy_first_name=message.proxy_first_name,
        proxy_last_name=message.proxy_last_name,
        rights=list(message.rights),
        effective_rights=list(message.effective_rights),
        created_at=when(message, "created_at"),
        history=[
            schemas.RelationshipChange(
                event=change.event,
                at=when(change, "at"),
                actor=change.actor,
                rights=list(change.rights),
            )
            for change in message.history
        ],
    )


def family(answer: proxy_pb2.ListRelationshipsResponse) -> schemas.Family:
    """A patient's family view (P6)."""
    return schemas.Family(
        relationships=[relationship(r) for r in answer.relationships],
        acting_for=[relationship(r) for r in answer.acting_for],
    )


def rights_update(body: schemas.RightsUpdate) -> dict[str, Any]:
    """The rights fields of UpdateRightsRequest."""
    return {"rights": body.rights or [], "preset": body.preset or ""}


def staff(message: identity_pb2.StaffMember) -> schemas.Staff:
    """A staff member."""
    return schemas.Staff(
        staff_id=message.staff_id,
        practice_id=message.practice_id,
        user_id=message.user_id,
        first_name=message.first_name,
        last_name=message.last_name,
        role=enum_value(identity_pb2.StaffRole, message.role),
        permissions=list(message.permissions),
    )


def account(message: identity_pb2.Account) -> schemas.Account:
    """An account's public details."""
    return schemas.Account(
        account_id=message.account_id,
        username=message.username,
        verified_email=_text(message.verified_email),
    )


def enrollment(message: enrollment_pb2.AccountEnrollment) -> schemas.Enrollment:
    """One patient record linked to an account."""
    return schemas.Enrollment(
        practice_id=message.practice.practice_id,
        practice_name=message.practice.name,
        patient_id=message.patient_id,
        status=enum_value(enrollment_pb2.EnrollmentStatus, message.status),
        enrolled_at=when(message, "enrolled_at"),
        first_name=_text(message.first_name),
    )


def staff_details(message: identity_pb2.StaffMember) -> schemas.StaffMemberDetails:
    """A staff member with their state, as the personnel list shows them."""
    return schemas.StaffMemberDetails(
        **staff(message).model_dump(),
        active=message.active,
        deactivated_at=when(message, "deactivated_at"),
        second_factor_enrolled=message.second_factor_enrolled,
        password_change_required=message.password_change_required,
        created_at=when(message, "created_at"),
    )


def staff_sign_in(
    message: identity_pb2.StaffSignInResponse | identity_pb2.ContinueStaffSignInResponse,
) -> schemas.StaffSignedIn | schemas.StaffSignInChallenge:
    """A staff session when the answer carries one, else the next step of the sign-in."""
    if message.session_token:
        return schemas.StaffSignedIn(
            session_token=message.session_token,
            expires_at=when(message, "expires_at"),
            staff=staff(message.staff_member),
            recovery_codes=list(message.recovery_codes) or None,
        )
    setup = message.totp_setup if message.HasField("totp_setup") else None
    return schemas.StaffSignInChallenge(
        next_step=enum_value(identity_pb2.StaffSignInStep, message.next_step),
        challenge_token=message.challenge_token,
        challenge_expires_at=when(message, "challenge_expires_at"),
        totp_setup=schemas.TotpSetup(
            otpauth_uri=setup.otpauth_uri, qr_svg_data_uri=setup.qr_svg_data_uri
        )
        if setup
        else None,
    )


SECOND_FACTOR_RULES: dict[str, identity_pb2.SecondFactorRule.ValueType] = {
    "every_sign_in": identity_pb2.SECOND_FACTOR_RULE_EVERY_SIGN_IN,
    "new_device": identity_pb2.SECOND_FACTOR_RULE_NEW_DEVICE,
}


def reset_switches(given: dict[str, Any]) -> dict[str, bool]:
    """The reset switches present in a request body, by their proto field names."""
    names = {
        "question_reset": "question_reset_allowed",
        "account_information_reset": "account_information_reset_allowed",
    }
    return {names[name]: given[name] for name in names if given.get(name) is not None}


def patient_sign_in_policy(
    message: identity_pb2.PatientSignInPolicy,
) -> schemas.PatientSignInPolicy:
    """A practice's patient sign-in policy."""
    rule = {value: name for name, value in SECOND_FACTOR_RULES.items()}[message.second_factor_rule]
    return schemas.PatientSignInPolicy(
        second_factor=rule,  # type: ignore[arg-type]
        question_reset=message.question_reset_allowed,
        account_information_reset=message.account_information_reset_allowed,
        updated_at=when(message, "updated_at"),
        updated_by=_text(message.updated_by),
    )


def security_policy(message: identity_pb2.StaffSecurityPolicy) -> schemas.SecurityPolicy:
    """A practice's staff security policy."""
    return schemas.SecurityPolicy(
        second_factor_required=message.second_factor_required,
        updated_at=when(message, "updated_at"),
        updated_by=_text(message.updated_by),
    )
