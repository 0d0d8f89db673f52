"""Identity's staff RPCs (S1, S2, S3): proto to staff use case and back."""

from __future__ import annotations

from datetime import datetime, timedelta

import grpc
from google.protobuf.timestamp_pb2 import Timestamp
from vestibule.identity.v1 import identity_pb2

from services.common.crypto import Keyring
from services.common.db import Database
from services.common.errors import FieldViolation
from services.identity import sessions, staff, staff_passwords, staff_sign_in
from services.identity.domain import PrincipalKind, StaffRole, StaffStep
from services.identity.errors import InvalidRequest
from services.identity.hashing import PasswordHashing
from services.identity.lockout import Lockout
from services.identity.models import StaffMember
from services.identity.settings import IdentitySettings
from services.identity.staff_sign_in import Answer, Progress

STEPS = {
    StaffStep.SESSION: identity_pb2.STAFF_SIGN_IN_STEP_SESSION,
    StaffStep.CHANGE_PASSWORD: identity_pb2.STAFF_SIGN_IN_STEP_CHANGE_PASSWORD,
    StaffStep.ENROLL_SECOND_FACTOR: identity_pb2.STAFF_SIGN_IN_STEP_ENROLL_SECOND_FACTOR,
    StaffStep.SECOND_FACTOR: identity_pb2.STAFF_SIGN_IN_STEP_SECOND_FACTOR,
}
ROLES = {
    StaffRole.ADMINISTRATOR: identity_pb2.STAFF_ROLE_ADMINISTRATOR,
    StaffRole.CLINICIAN: identity_pb2.STAFF_ROLE_CLINICIAN,
    StaffRole.FRONT_DESK: identity_pb2.STAFF_ROLE_FRONT_DESK,
    StaffRole.BILLING: identity_pb2.STAFF_ROLE_BILLING,
    StaffRole.OTHER: identity_pb2.STAFF_ROLE_OTHER,
}
ROLES_BY_NUMBER = {number: role for role, number in ROLES.items()}
UNKNOWN_ROLE = FieldViolation("role", "Unknown role")


def role_of(number: int) -> StaffRole | None:
    """The domain role of a proto role; None when unspecified, InvalidRequest for a number this
    build does not know (never read as another role)."""
    if number == identity_pb2.STAFF_ROLE_UNSPECIFIED:
        return None
    if number not in ROLES_BY_NUMBER:
        raise InvalidRequest("Choose a role from the list.", violations=[UNKNOWN_ROLE])
    return ROLES_BY_NUMBER[number]


def timestamp(moment: datetime) -> Timestamp:
    """A proto timestamp of a timezone-aware moment."""
    stamp = Timestamp()
    stamp.FromDatetime(moment)
    return stamp


def staff_member(row: StaffMember) -> identity_pb2.StaffMember:
    """A staff member as the proto carries it (never a hash or secret)."""
    message = identity_pb2.StaffMember(
        staff_id=row.id,
        practice_id=row.practice_id,
        user_id=row.user_id,
        first_name=row.first_name,
        last_name=row.last_name,
        role=ROLES[StaffRole(row.role)],
        permissions=row.permissions,
        active=row.deactivated_at is None,
        second_factor_enrolled=row.totp_enabled_at is not None,
        password_change_required=row.password_change_required,
        created_at=timestamp(row.created_at),
    )
    if row.deactivated_at is not None:
        message.deactivated_at.CopyFrom(timestamp(row.deactivated_at))
    return message


def _progress(progress: Progress) -> dict[str, object]:
    fields: dict[str, object] = {"next_step": STEPS[progress.step]}
    if progress.signed_in is not None:
        assert isinstance(progress.signed_in.principal, StaffMember)
        fields |= {
            "session_token": progress.signed_in.token,
            "expires_at": timestamp(progress.signed_in.expires_at),
            "staff_member": staff_member(progress.signed_in.principal),
            "recovery_codes": list(progress.recovery_codes),
        }
    if progress.challenge_token:
        assert progress.challenge_expires_at is not None
        fields |= {
            "challenge_token": progress.challenge_token,
            "challenge_expires_at": timestamp(progress.challenge_expires_at),
        }
    if progress.totp_setup is not None:
        fields["totp_setup"] = identity_pb2.TotpSetup(
            otpauth_uri=progress.totp_setup.otpauth_uri,
            qr_svg_data_uri=progress.totp_setup.qr_svg_data_uri,
        )
    return fields


def _policy(policy: staff.SecurityPolicy) -> identity_pb2.StaffSecurityPolicy:
    message = identity_pb2.StaffSecurityPolicy(
        practice_id=policy.practice_id,
        second_factor_required=policy.second_factor_required,
        updated_by=policy.updated_by,
    )
    if policy.row is not None:
        message.updated_at.CopyFrom(timestamp(policy.row.updated_at))
    return message


class StaffRpcs:
    """The staff RPCs of IdentityServicer, which provides these attributes."""

    _database: Database
    _hashing: PasswordHashing
    _keyring: Keyring
    _lockout: Lockout
    _settings: IdentitySettings

    @property
    def _staff_lifetime(self) -> timedelta:
        return self._settings.session_lifetime(PrincipalKind.STAFF)

    def StaffSignIn(
        self, request: identity_pb2.StaffSignInRequest, context: grpc.ServicerContext
    ) -> identity_pb2.StaffSignInResponse:
        # Two short transactions around the hash: no lock is held while argon2 runs.
        with self._database.transaction() as session:
            credential = sessions.find_credential(
                session, lockout=self._lockout, kind=PrincipalKind.STAFF, login=request.user_id
            )
        verdict = sessions.check_credential(self._hashing, credential, request.password)
        with self._database.transaction() as session:
            member = sessions.confirm_password(
                session, lockout=self._lockout, credential=credential, verdict=verdict
            )
            assert isinstance(member, StaffMember)
            progress = staff_sign_in.advance(
                session,
                keyring=self._keyring,
                lockout=self._lockout,
                member=member,
                device_label=request.device_label,
                lifetime=self._staff_lifetime,
            )
        return identity_pb2.StaffSignInResponse(**_progress(progress))  # type: ignore[arg-type]

    def ContinueStaffSignIn(
        self, request: identity_pb2.ContinueStaffSignInRequest, context: grpc.ServicerContext
    ) -> identity_pb2.ContinueStaffSignInResponse:
        field = request.WhichOneof("answer") or ""
        answer = Answer(field, getattr(request, field) if field else "")
        token, device = request.challenge_token, request.device_label
        if field == "new_password":
            with self._database.transaction() as session:
                current = staff_sign_in.password_step(session, lockout=self._lockout, token=token)
            new = staff_passwords.prepare(self._hashing, current=current, new_password=answer.value)
            with self._database.transaction() as session:
                progress = staff_sign_in.complete_password_step(
                    session,
                    keyring=self._keyring,
                    lockout=self._lockout,
                    token=token,
                    new=new,
                    device_label=device,
                    lifetime=self._staff_lifetime,
                )
        else:
            with self._database.transaction() as session:
                progress = staff_sign_in.answer_second_factor(
                    session,
                    keyring=self._keyring,
                    lockout=self._lockout,
                    token=token,
                    answer=answer,
                    device_label=device,
                    lifetime=self._staff_lifetime,
                )
        return identity_pb2.ContinueStaffSignInResponse(**_progress(progress))  # type: ignore[arg-type]

    def CreateStaffMember(
        self, request: identity_pb2.CreateStaffMemberRequest, context: grpc.ServicerContext
    ) -> identity_pb2.CreateStaffMemberResponse:
        new = staff.prepare_staff_member(
            self._hashing,
            policy=self.policy_of(request.practice_id),  # type: ignore[attr-defined]
            practice_id=request.practice_id,
            user_id=request.user_id,
            password=request.password,
            first_name=request.first_name,
            last_name=request.last_name,
            role=role_of(request.role),
            permissions=list(request.permissions),
        )
        with self._database.transaction() as session:
            member, created = staff.create_staff_member(
                session,
                idempotency_key=request.idempotency_key,
                new=new,
                copy_permissions_from_staff_id=request.copy_permissions_from_staff_id,
                password_change_required=not request.skip_password_change,
            )
        return identity_pb2.CreateStaffMemberResponse(
            staff_member=staff_member(member), created=created
        )

    def ListStaffMembers(
        self, request: identity_pb2.ListStaffMembersRequest, context: grpc.ServicerContext
    ) -> identity_pb2.ListStaffMembersResponse:
        with self._database.transaction() as session:
            members = staff.list_staff(session, practice_id=request.practice_id)
            return identity_pb2.ListStaffMembersResponse(
                staff_members=[staff_member(member) for member in members]
            )

    def GetStaffMember(
        self, request: identity_pb2.GetStaffMemberRequest, context: grpc.ServicerContext
    ) -> identity_pb2.GetStaffMemberResponse:
        with self._database.transaction() as session:
            member = staff.get_staff_member(
                session, practice_id=request.practice_id, staff_id=request.staff_id
            )
        return identity_pb2.GetStaffMemberResponse(staff_member=staff_member(member))

    def UpdateStaffPermissions(
        self, request: identity_pb2.UpdateStaffPermissionsRequest, context: grpc.ServicerContext
    ) -> identity_pb2.UpdateStaffPermissionsResponse:
        with self._database.transaction() as session:
            member = staff.update_permissions(
                session,
                practice_id=request.practice_id,
                staff_id=request.staff_id,
                permissions=list(request.permissions),
                role=role_of(request.role),
            )
        return identity_pb2.UpdateStaffPermissionsResponse(staff_member=staff_member(member))

    def DeactivateStaffMember(
        self, request: identity_pb2.DeactivateStaffMemberRequest, context: grpc.ServicerContext
    ) -> identity_pb2.DeactivateStaffMemberResponse:
        with self._database.transaction() as session:
            member = staff.deactivate(
                session, practice_id=request.practice_id, staff_id=request.staff_id
            )
        return identity_pb2.DeactivateStaffMemberResponse(staff_member=staff_member(member))

    def ChangeStaffPassword(
        self, request: identity_pb2.ChangeStaffPasswordRequest, context: grpc.ServicerContext
    ) -> identity_pb2.ChangeStaffPasswordResponse:
        with self._database.transaction() as session:
            current = staff_passwords.find_own_password(
                session, practice_id=request.practice_id, staff_id=request.staff_id
            )
        new = staff_passwords.prepare(
            self._hashing,
            current=current,
            new_password=request.new_password,
            current_password=request.current_password,
        )
        with self._database.transaction() as session:
            staff_passwords.change_own_password(
                session, lockout=self._lockout, practice_id=request.practice_id, new=new
            )
        return identity_pb2.ChangeStaffPasswordResponse()

    def GetStaffSecurityPolicy(
        self, request: identity_pb2.GetStaffSecurityPolicyRequest, context: grpc.ServicerContext
    ) -> identity_pb2.GetStaffSecurityPolicyResponse:
        with self._database.transaction() as session:
            policy = staff.security_policy(session, practice_id=request.practice_id)
        return identity_pb2.GetStaffSecurityPolicyResponse(policy=_policy(policy))

    def SetStaffSecurityPolicy(
        self, request: identity_pb2.SetStaffSecurityPolicyRequest, context: grpc.ServicerContext
    ) -> identity_pb2.SetStaffSecurityPolicyResponse:
        with self._database.transaction() as session:
            policy = staff.set_security_policy(
                session,
                practice_id=request.practice_id,
                second_factor_required=request.second_factor_required,
            )
        return identity_pb2.SetStaffSecurityPolicyResponse(policy=_policy(policy))
