"""Account settings RPCs (I3, I5, I9): proto to use case and back, one transaction per step."""

from __future__ import annotations

from collections.abc import Callable
from typing import TypeVar

import grpc
from sqlalchemy.orm import Session
from vestibule.identity.v1 import identity_pb2

from services.common.crypto import Keyring
from services.common.db import Database
from services.common.outbox import Outbox
from services.identity import contact_changes, domain, questions, reauth, settings_changes
from services.identity.domain import ContactKind
from services.identity.hashing import PasswordHashing
from services.identity.lockout import Lockout
from services.identity.models import Account

Prepared = TypeVar("Prepared")
Written = TypeVar("Written")


class AccountSettingsRpcs:
    """The settings RPCs of IdentityServicer. A change that needs the current password checks
    it, and hashes what it must, with no transaction open while argon2 runs."""

    _database: Database
    _hashing: PasswordHashing
    _outbox: Outbox
    _keyring: Keyring
    _lockout: Lockout

    def _reauthenticated(
        self,
        account_id: str,
        password: str,
        write: Callable[[Session, Account, Prepared], Written],
        prepare: Callable[[reauth.PasswordOnFile], Prepared] = lambda _: None,  # type: ignore[assignment,return-value]
    ) -> Written:
        """Checks `password` and runs `prepare` outside any transaction, then runs `write` on
        the locked account in one transaction (a wrong password is counted there, I11)."""
        with self._database.transaction() as session:
            current = reauth.on_file(session, account_id=account_id)
        matched = reauth.matches(self._hashing, current, password)
        prepared = prepare(current) if matched else None
        with self._database.transaction() as session:
            account = reauth.confirmed(
                session, lockout=self._lockout, current=current, matched=matched
            )
            return write(session, account, prepared)  # type: ignore[arg-type]

    def _changed(
        self, account_id: str, change: Callable[[Session, Account], object], *, lock: bool = True
    ) -> identity_pb2.AccountSettings:
        """Runs `change` on the active account in one transaction; answers the settings."""
        with self._database.transaction() as session:
            account = reauth.active_account(session, account_id, for_update=lock)
            change(session, account)
            return _settings(settings_changes.settings_of(session, account))

    def ListSecurityQuestions(
        self, request: identity_pb2.ListSecurityQuestionsRequest, context: grpc.ServicerContext
    ) -> identity_pb2.ListSecurityQuestionsResponse:
        return identity_pb2.ListSecurityQuestionsResponse(
            questions=[
                identity_pb2.SecurityQuestion(question_id=key, text=text)
                for key, text in domain.SECURITY_QUESTIONS.items()
            ],
            required_count=domain.SECURITY_QUESTIONS_REQUIRED,
        )

    def SetSecurityQuestions(
        self, request: identity_pb2.SetSecurityQuestionsRequest, context: grpc.ServicerContext
    ) -> identity_pb2.SetSecurityQuestionsResponse:
        answers = [questions.Answer(a.question_id, a.answer) for a in request.answers]
        questions.checked(answers)  # a malformed request is refused before any hashing
        self._reauthenticated(
            request.account_id,
            request.current_password,
            lambda session, account, hashed: questions.replace_answers(
                session, account=account, answers=hashed
            ),
            lambda _: questions.hashed(self._hashing, answers),
        )
        return identity_pb2.SetSecurityQuestionsResponse()

    def GetAccountSettings(
        self, request: identity_pb2.GetAccountSettingsRequest, context: grpc.ServicerContext
    ) -> identity_pb2.GetAccountSettingsResponse:
        settings = self._changed(request.account_id, lambda *_: None, lock=False)
        return identity_pb2.GetAccountSettingsResponse(settings=settings)

    def ChangeUsername(
        self, request: identity_pb2.ChangeUsernameRequest, context: grpc.ServicerContext
    ) -> identity_pb2.ChangeUsernameResponse:
        def write(session: Session, account: Account, _: None) -> identity_pb2.AccountSettings:
            settings_changes.change_username(
                session, outbox=self._outbox, account=account, new_username=request.new_username
            )
            return _settings(settings_changes.settings_of(session, account))

        settings = self._reauthenticated(request.account_id, request.current_password, write)
        return identity_pb2.ChangeUsernameResponse(settings=settings)

    def ChangeAccountPassword(
        self, request: identity_pb2.ChangeAccountPasswordRequest, context: grpc.ServicerContext
    ) -> identity_pb2.ChangeAccountPasswordResponse:
        ended = self._reauthenticated(
            request.account_id,
            request.current_password,
            lambda session, account, new_hash: settings_changes.change_password(
                session,
                outbox=self._outbox,
                account=account,
                new_hash=new_hash,
                keep_session=request.session_token,
            ),
            lambda current: settings_changes.new_password_hash(
                self._hashing,
                current=current,
                new_password=request.new_password,
                policy=self.policy_of(current.practice_id),  # type: ignore[attr-defined]
            ),
        )
        return identity_pb2.ChangeAccountPasswordResponse(other_sessions_ended=ended)

    def _start_change(self, account_id: str, password: str, kind: ContactKind, raw: str) -> str:
        def write(session: Session, account: Account, _: None) -> str:
            value = (
                contact_changes.new_email(session, account, raw)
                if kind is ContactKind.ACCOUNT_EMAIL
                else contact_changes.new_cell_phone(session, account, raw)
            )
            return contact_changes.start(
                session,
                outbox=self._outbox,
                keyring=self._keyring,
                account=account,
                kind=kind,
                value=value,
            )

        return self._reauthenticated(account_id, password, write)

    def StartEmailChange(
        self, request: identity_pb2.StartEmailChangeRequest, context: grpc.ServicerContext
    ) -> identity_pb2.StartEmailChangeResponse:
        hint = self._start_change(
            request.account_id,
            request.current_password,
            ContactKind.ACCOUNT_EMAIL,
            request.new_email,
        )
        return identity_pb2.StartEmailChangeResponse(code_destination_hint=hint)

    def ConfirmEmailChange(
        self, request: identity_pb2.ConfirmEmailChangeRequest, context: grpc.ServicerContext
    ) -> identity_pb2.ConfirmEmailChangeResponse:
        settings = self._changed(
            request.account_id,
            lambda session, account: contact_changes.confirm_email(
                session,
                outbox=self._outbox,
                keyring=self._keyring,
                account=account,
                code=request.code,
            ),
        )
        return identity_pb2.ConfirmEmailChangeResponse(settings=settings)

    def SetNotificationEmail(
        self, request: identity_pb2.SetNotificationEmailRequest, context: grpc.ServicerContext
    ) -> identity_pb2.SetNotificationEmailResponse:
        settings = self._changed(
            request.account_id,
            lambda session, account: settings_changes.set_notification_email(
                session, account=account, email=request.notification_email
            ),
        )
        return identity_pb2.SetNotificationEmailResponse(settings=settings)

    def StartCellPhoneChange(
        self, request: identity_pb2.StartCellPhoneChangeRequest, context: grpc.ServicerContext
    ) -> identity_pb2.StartCellPhoneChangeResponse:
        hint = self._start_change(
            request.account_id, request.current_password, ContactKind.CELL_PHONE, request.cell_phone
        )
        return identity_pb2.StartCellPhoneChangeResponse(code_destination_hint=hint)

    def ConfirmCellPhoneChange(
        self, request: identity_pb2.ConfirmCellPhoneChangeRequest, context: grpc.ServicerContext
    ) -> identity_pb2.ConfirmCellPhoneChangeResponse:
        settings = self._changed(
            request.account_id,
            lambda session, account: contact_changes.confirm_cell_phone(
                session, keyring=self._keyring, account=account, code=request.code
            ),
        )
        return identity_pb2.ConfirmCellPhoneChangeResponse(settings=settings)


def _settings(values: settings_changes.Settings) -> identity_pb2.AccountSettings:
    return identity_pb2.AccountSettings(
        account_id=values.account.id,
        username=values.account.username,
        verified_email=values.account.verified_email or "",
        pending_email=values.pending_email,
        notification_email=values.notification_email,
        cell_phone_hint=values.cell_phone_hint,
        security_question_ids=values.question_ids,
        required_actions=values.required_actions,
        authenticator_app_on=values.authenticator_app_on,
    )
