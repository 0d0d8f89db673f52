"""Identity gRPC servicer: proto to use case and back."""

from __future__ import annotations

from datetime import UTC

import grpc
from vestibule.identity.v1 import identity_pb2, identity_pb2_grpc

from services.common.crypto import Keyring
from services.common.db import Database, utcnow
from services.common.outbox import Outbox
from services.common.worker import BackgroundWorker
from services.identity import (
    account_sign_in,
    account_validation,
    codes,
    forgot_username,
    lockout,
    notices,
    password_resets,
    pending_accounts,
    repository,
    service,
    sessions,
)
from services.identity.account_security_servicer import (
    AccountSecurityRpcs,
    second_factor_answer,
    sign_in_fields,
)
from services.identity.device_sessions_servicer import DeviceSessionRpcs
from services.identity.domain import AccountState, CodeChannel, PrincipalKind
from services.identity.errors import PortalAccessSuspended
from services.identity.forgot_username_servicer import ForgotUsernameRpcs
from services.identity.hashing import PasswordHashing
from services.identity.linked_patients import LinkedPatients
from services.identity.lockout import Lockout
from services.identity.models import Account
from services.identity.password_policy_servicer import PasswordPolicyRpcs
from services.identity.password_reset_servicer import PasswordResetRpcs
from services.identity.patient_sign_in_policy_servicer import PatientSignInPolicyRpcs
from services.identity.record_access import RecordAccess
from services.identity.settings import IdentitySettings
from services.identity.settings_servicer import AccountSettingsRpcs
from services.identity.staff_servicer import StaffRpcs, timestamp

STATES = {
    AccountState.PENDING: identity_pb2.ACCOUNT_STATE_PENDING,
    AccountState.ACTIVE: identity_pb2.ACCOUNT_STATE_ACTIVE,
}
CHANNELS = {
    CodeChannel.EMAIL: identity_pb2.VERIFICATION_CHANNEL_EMAIL,
    CodeChannel.SMS: identity_pb2.VERIFICATION_CHANNEL_SMS,
}
NOTICE_KINDS = {
    identity_pb2.ACCOUNT_NOTICE_KIND_USERNAME_CHANGED: notices.NoticeKind.USERNAME_CHANGED,
    identity_pb2.ACCOUNT_NOTICE_KIND_PASSWORD_RESET: notices.NoticeKind.PASSWORD_RESET,
    identity_pb2.ACCOUNT_NOTICE_KIND_EMAIL_CHANGED: notices.NoticeKind.EMAIL_CHANGED,
    identity_pb2.ACCOUNT_NOTICE_KIND_ACCOUNTS_MERGED: notices.NoticeKind.ACCOUNTS_MERGED,
    identity_pb2.ACCOUNT_NOTICE_KIND_UNENROLLED: notices.NoticeKind.UNENROLLED,
    identity_pb2.ACCOUNT_NOTICE_KIND_PROXY_ACCESS_CHANGED: notices.NoticeKind.PROXY_ACCESS_CHANGED,
}
SWEEP_INTERVAL = 600.0  # seconds
KINDS = {
    PrincipalKind.ACCOUNT: identity_pb2.PRINCIPAL_KIND_ACCOUNT,
    PrincipalKind.STAFF: identity_pb2.PRINCIPAL_KIND_STAFF,
}


def _account(row: Account) -> identity_pb2.Account:
    return identity_pb2.Account(
        account_id=row.id,
        username=row.username,
        state=STATES[AccountState(row.state)],
        verified_email=row.verified_email or "",
        created_at=timestamp(row.created_at),
    )


class IdentityServicer(
    AccountSecurityRpcs,
    DeviceSessionRpcs,
    PasswordPolicyRpcs,
    PasswordResetRpcs,
    PatientSignInPolicyRpcs,
    StaffRpcs,
    AccountSettingsRpcs,
    ForgotUsernameRpcs,
    identity_pb2_grpc.IdentityServiceServicer,
):
    """Every identity RPC; the staff ones live in `StaffRpcs`, the account settings ones in
    `AccountSettingsRpcs`."""

    def __init__(
        self,
        database: Database,
        *,
        hashing: PasswordHashing,
        outbox: Outbox,
        keyring: Keyring,
        settings: IdentitySettings,
        linked_patients: LinkedPatients,
        record_access: RecordAccess,
        portal_url: str = "https://localhost:8443",
    ) -> None:
        self._database = database
        self._hashing = hashing
        self._outbox = outbox
        self._keyring = keyring
        self._settings = settings
        self._linked_patients = linked_patients
        self._record_access = record_access
        self._lockout = Lockout(settings.lockout, keyring, outbox)
        self._portal_url = portal_url
        # Work done after the answer, so that its time tells nothing (X3).
        outbox.run_here(password_resets.LINK_JOB, self.send_reset_link)
        outbox.run_here(forgot_username.REMINDER_JOB, self.send_username_reminders)

    def lockout_sweeper(self) -> BackgroundWorker:
        """The worker that deletes the lockout's forgotten counts (see `lockout.sweep`)."""
        return BackgroundWorker(
            "identity-lockout-sweep",
            lambda: lockout.sweep(self._database, self._settings.lockout),
            SWEEP_INTERVAL,
        )

    def CheckPassword(
        self, request: identity_pb2.CheckPasswordRequest, context: grpc.ServicerContext
    ) -> identity_pb2.CheckPasswordResponse:
        check = service.check_password(
            password=request.password,
            username=request.username,
            policy=self.policy_of(request.practice_id),
        )
        return identity_pb2.CheckPasswordResponse(
            requirements=[
                identity_pb2.Requirement(
                    name=r.name, description=r.description, met=r.met, limit=r.limit
                )
                for r in check.requirements
            ],
            acceptable=check.acceptable,
        )

    def RegisterAccount(
        self, request: identity_pb2.RegisterAccountRequest, context: grpc.ServicerContext
    ) -> identity_pb2.RegisterAccountResponse:
        new = service.prepare_account(
            self._hashing,
            policy=self.policy_of(request.practice_id),
            username=request.username,
            password=request.password,
            email=request.email,
            cell_phone=request.cell_phone,
        )
        with self._database.transaction() as session:
            registration = service.register_account(
                session,
                outbox=self._outbox,
                keyring=self._keyring,
                idempotency_key=request.idempotency_key,
                practice_id=request.practice_id,
                new=new,
                pending_until=request.pending_until.ToDatetime(tzinfo=UTC)
                if request.HasField("pending_until")
                else None,
                replaces=list(request.replaces_account_ids),
            )
        return identity_pb2.RegisterAccountResponse(
            account_id=registration.account.id,
            code_channel=CHANNELS[registration.code_destination.channel],
            code_destination_hint=registration.code_destination.hint,
        )

    def VerifyAccount(
        self, request: identity_pb2.VerifyAccountRequest, context: grpc.ServicerContext
    ) -> identity_pb2.VerifyAccountResponse:
        with self._database.transaction() as session:
            verified = codes.verify_account(
                session, keyring=self._keyring, account_id=request.account_id, code=request.code
            )
            progress = (
                account_sign_in.after_activation(
                    session,
                    lockout=self._lockout,
                    account=verified.account,
                    device_label=request.device_label,
                    lifetime=self._settings.session_lifetime(PrincipalKind.ACCOUNT),
                )
                if request.open_session and verified.activated_now
                else None
            )
        answer = identity_pb2.VerifyAccountResponse(account=_account(verified.account))
        if progress is not None:
            fields = sign_in_fields(progress)
            del fields["next_step"]
            answer.MergeFrom(identity_pb2.VerifyAccountResponse(**fields))  # type: ignore[arg-type]
        return answer

    def ResendVerificationCode(
        self, request: identity_pb2.ResendVerificationCodeRequest, context: grpc.ServicerContext
    ) -> identity_pb2.ResendVerificationCodeResponse:
        with self._database.transaction() as session:
            sent = codes.resend_code(
                session, outbox=self._outbox, keyring=self._keyring, account_id=request.account_id
            )
        return identity_pb2.ResendVerificationCodeResponse(
            code_channel=CHANNELS[sent.channel], code_destination_hint=sent.hint
        )

    def EndPendingAccounts(
        self, request: identity_pb2.EndPendingAccountsRequest, context: grpc.ServicerContext
    ) -> identity_pb2.EndPendingAccountsResponse:
        with self._database.transaction() as session:
            pending_accounts.end(
                session, account_ids=list(request.account_ids), practice_id=request.practice_id
            )
        return identity_pb2.EndPendingAccountsResponse()

    def SignIn(
        self, request: identity_pb2.SignInRequest, context: grpc.ServicerContext
    ) -> identity_pb2.SignInResponse:
        kind = PrincipalKind.ACCOUNT
        # Two short transactions around the hash: no lock is held while argon2 runs.
        with self._database.transaction() as session:
            credential = sessions.find_credential(
                session,
                lockout=self._lockout,
                kind=kind,
                login=request.username,
                device_token=request.device_token,
            )
        verdict = sessions.check_credential(self._hashing, credential, request.password)
        if verdict.matches and credential.principal_id:
            self._refuse_when_suspended(credential.principal_id)
        with self._database.transaction() as session:
            progress = account_sign_in.after_password(
                session,
                lockout=self._lockout,
                credential=credential,
                verdict=verdict,
                device_label=request.device_label,
                remember_device=request.remember_device,
                lifetime=self._settings.session_lifetime(kind),
            )
        answer = identity_pb2.SignInResponse(**sign_in_fields(progress))  # type: ignore[arg-type]
        if progress.signed_in is not None:
            assert isinstance(progress.signed_in.principal, Account)
            answer.account.CopyFrom(_account(progress.signed_in.principal))
        return answer

    def ContinueSignIn(
        self, request: identity_pb2.ContinueSignInRequest, context: grpc.ServicerContext
    ) -> identity_pb2.ContinueSignInResponse:
        field, code = second_factor_answer(request)
        with self._database.transaction() as session:
            progress = account_sign_in.answer_second_factor(
                session,
                keyring=self._keyring,
                lockout=self._lockout,
                token=request.challenge_token,
                field=field,
                code=code,
                device_label=request.device_label,
                lifetime=self._settings.session_lifetime(PrincipalKind.ACCOUNT),
            )
        assert progress.signed_in is not None
        assert isinstance(progress.signed_in.principal, Account)
        fields = sign_in_fields(progress)
        del fields["next_step"]
        return identity_pb2.ContinueSignInResponse(
            **fields,  # type: ignore[arg-type]
            account=_account(progress.signed_in.principal),
        )

    def SignOut(
        self, request: identity_pb2.SignOutRequest, context: grpc.ServicerContext
    ) -> identity_pb2.SignOutResponse:
        with self._database.transaction() as session:
            sessions.sign_out(session, token=request.session_token)
        return identity_pb2.SignOutResponse()

    def ResolveSession(
        self, request: identity_pb2.ResolveSessionRequest, context: grpc.ServicerContext
    ) -> identity_pb2.ResolveSessionResponse:
        with self._database.transaction() as session:
            principal = sessions.resolve_session(
                session, token=request.session_token, idle_timeout=self._settings.session_idle
            )
            required = (
                account_validation.required_actions(session, principal.principal_id)
                if principal.kind == PrincipalKind.ACCOUNT
                else []
            )
        return identity_pb2.ResolveSessionResponse(
            kind=KINDS[principal.kind],
            principal_id=principal.principal_id,
            practice_id=principal.practice_id,
            permissions=principal.permissions,
            expires_at=timestamp(principal.expires_at),
            required_actions=required,
        )

    def GetAccount(
        self, request: identity_pb2.GetAccountRequest, context: grpc.ServicerContext
    ) -> identity_pb2.GetAccountResponse:
        with self._database.transaction() as session:
            account = service.get_account(session, account_id=request.account_id)
        return identity_pb2.GetAccountResponse(account=_account(account))

    def _refuse_when_suspended(self, account_id: str) -> None:
        """PortalAccessSuspended, naming the practice, for an account a practice unenrolled that
        has no other record it may use (E13); asked outside any transaction."""
        if contact := self._record_access.ended_by(account_id):
            raise PortalAccessSuspended(contact.name, contact.phone)

    def ReviewRecordAccess(
        self, request: identity_pb2.ReviewRecordAccessRequest, context: grpc.ServicerContext
    ) -> identity_pb2.ReviewRecordAccessResponse:
        if not request.account_id or self._record_access.ended_by(request.account_id) is None:
            return identity_pb2.ReviewRecordAccessResponse(sessions_ended=False)
        with self._database.transaction() as session:
            sessions.end_all_for(
                session, kind=PrincipalKind.ACCOUNT, principal_id=request.account_id
            )
            repository.end_account_challenges(session, request.account_id, utcnow())
        return identity_pb2.ReviewRecordAccessResponse(sessions_ended=True)

    def LookUpUsername(
        self, request: identity_pb2.LookUpUsernameRequest, context: grpc.ServicerContext
    ) -> identity_pb2.LookUpUsernameResponse:
        with self._database.transaction() as session:
            username = service.look_up_username(
                session, account_id=request.account_id, practice_id=request.practice_id
            )
        return identity_pb2.LookUpUsernameResponse(username=username)

    def SendAccountNotice(
        self, request: identity_pb2.SendAccountNoticeRequest, context: grpc.ServicerContext
    ) -> identity_pb2.SendAccountNoticeResponse:
        with self._database.transaction() as session:
            queued = notices.send_account_notice(
                session,
                outbox=self._outbox,
                idempotency_key=request.idempotency_key,
                account_id=request.account_id,
                kind=NOTICE_KINDS.get(request.kind),
                practice_id=request.practice_id,
                practice_name=request.practice_name,
            )
        return identity_pb2.SendAccountNoticeResponse(queued=queued)
