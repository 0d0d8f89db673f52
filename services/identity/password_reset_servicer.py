"""The password reset RPCs of the identity servicer (I8 a to d): proto to use case and back."""

from __future__ import annotations

import grpc
from vestibule.identity.v1 import identity_pb2

from services.common.crypto import Keyring
from services.common.db import Database
from services.common.outbox import Outbox
from services.identity import (
    checks,
    domain,
    information_resets,
    password_resets,
    practice_reset_tokens,
    question_resets,
)
from services.identity.domain import IdentityCheck
from services.identity.hashing import PasswordHashing
from services.identity.linked_patients import LinkedPatients
from services.identity.lockout import Lockout
from services.identity.staff_servicer import timestamp

IDENTITY_CHECKS = {
    identity_pb2.IDENTITY_CHECK_PHOTO_ID: IdentityCheck.PHOTO_ID,
    identity_pb2.IDENTITY_CHECK_CALL_BACK: IdentityCheck.CALL_BACK,
    identity_pb2.IDENTITY_CHECK_KNOWN_IN_PERSON: IdentityCheck.KNOWN_IN_PERSON,
}


class PasswordResetRpcs:
    """Mixed into IdentityServicer, which provides these attributes and `policy_of`
    (PasswordPolicyRpcs)."""

    _database: Database
    _hashing: PasswordHashing
    _keyring: Keyring
    _linked_patients: LinkedPatients
    _lockout: Lockout
    _outbox: Outbox
    _portal_url: str

    def _new_hash(self, password: str, username: str, practice_id: str) -> str:
        """The argon2id hash of a new password that meets the practice's policy (WeakPassword
        otherwise); call it outside any transaction."""
        policy = self.policy_of(practice_id)  # type: ignore[attr-defined]
        return self._hashing.hash(checks.acceptable_password(password, username, policy))

    @staticmethod
    def _second_factor(
        request: identity_pb2.CompletePasswordResetRequest
        | identity_pb2.ResetPasswordWithTokenRequest
        | identity_pb2.CompleteQuestionResetRequest
        | identity_pb2.CompleteAccountInformationResetRequest,
    ) -> tuple[str, str] | None:
        """The authenticator or recovery code given, by field name, if any."""
        field = request.WhichOneof("second_factor")
        return (field, getattr(request, field)) if field else None

    def RequestPasswordReset(
        self, request: identity_pb2.RequestPasswordResetRequest, context: grpc.ServicerContext
    ) -> identity_pb2.RequestPasswordResetResponse:
        # Only queued: the answer's time is the same whether or not an account matches (X3).
        with self._database.transaction() as session:
            password_resets.queue_request(session, outbox=self._outbox, login=request.login)
        return identity_pb2.RequestPasswordResetResponse()

    def send_reset_link(self, payload: bytes) -> None:
        """The queued request's work (`password_resets.LINK_JOB`), run by the outbox relay."""
        request = identity_pb2.RequestPasswordResetRequest.FromString(payload)
        with self._database.transaction() as session:
            password_resets.request_link(
                session, outbox=self._outbox, portal_url=self._portal_url, login=request.login
            )

    def CheckPasswordReset(
        self, request: identity_pb2.CheckPasswordResetRequest, context: grpc.ServicerContext
    ) -> identity_pb2.CheckPasswordResetResponse:
        with self._database.transaction() as session:
            reset = password_resets.open_link(session, token=request.token)
        return identity_pb2.CheckPasswordResetResponse(
            second_factor_required=reset.totp_on,
            username=reset.username,
            practice_id=reset.practice_id,
        )

    def CompletePasswordReset(
        self, request: identity_pb2.CompletePasswordResetRequest, context: grpc.ServicerContext
    ) -> identity_pb2.CompletePasswordResetResponse:
        # The hash is made between two transactions: no lock is held while argon2 runs.
        with self._database.transaction() as session:
            reset = password_resets.open_link(session, token=request.token)
        new_hash = self._new_hash(request.new_password, reset.username, reset.practice_id)
        with self._database.transaction() as session:
            password_resets.complete(
                session,
                keyring=self._keyring,
                lockout=self._lockout,
                outbox=self._outbox,
                token=request.token,
                new_hash=new_hash,
                second_factor=self._second_factor(request),
            )
        return identity_pb2.CompletePasswordResetResponse()

    def IssuePasswordResetToken(
        self, request: identity_pb2.IssuePasswordResetTokenRequest, context: grpc.ServicerContext
    ) -> identity_pb2.IssuePasswordResetTokenResponse:
        with self._database.transaction() as session:
            issued = practice_reset_tokens.issue(
                session,
                keyring=self._keyring,
                outbox=self._outbox,
                account_id=request.account_id,
                practice_id=request.practice_id,
                practice_name=request.practice_name,
                identity_check=IDENTITY_CHECKS.get(request.identity_check),
            )
        return identity_pb2.IssuePasswordResetTokenResponse(
            token=issued.token, expires_at=timestamp(issued.expires_at)
        )

    def ResetPasswordWithToken(
        self, request: identity_pb2.ResetPasswordWithTokenRequest, context: grpc.ServicerContext
    ) -> identity_pb2.ResetPasswordWithTokenResponse:
        # Hashing runs between two transactions; an unknown username hashes too (X3).
        with self._database.transaction() as session:
            found = practice_reset_tokens.on_file(
                session, lockout=self._lockout, username=request.username
            )
        new_hash = self._new_hash(
            request.new_password,
            found.username if found else request.username,
            found.practice_id if found else "",
        )
        with self._database.transaction() as session:
            practice_reset_tokens.reset(
                session,
                keyring=self._keyring,
                lockout=self._lockout,
                outbox=self._outbox,
                username=request.username,
                token=request.token,
                new_hash=new_hash,
                second_factor=self._second_factor(request),
            )
        return identity_pb2.ResetPasswordWithTokenResponse()

    def StartQuestionReset(
        self, request: identity_pb2.StartQuestionResetRequest, context: grpc.ServicerContext
    ) -> identity_pb2.StartQuestionResetResponse:
        with self._database.transaction() as session:
            started = question_resets.start(
                session, keyring=self._keyring, username=request.username
            )
        return identity_pb2.StartQuestionResetResponse(
            token=started.token,
            questions=[
                identity_pb2.SecurityQuestion(question_id=q, text=domain.SECURITY_QUESTIONS[q])
                for q in started.question_ids
            ],
        )

    def CompleteQuestionReset(
        self, request: identity_pb2.CompleteQuestionResetRequest, context: grpc.ServicerContext
    ) -> identity_pb2.CompleteQuestionResetResponse:
        # The answers and the new password are hashed between two transactions.
        with self._database.transaction() as session:
            found = question_resets.on_file(session, token=request.token)
        wrong = question_resets.wrong_answers(self._hashing, found, dict(request.answers))
        new_hash = ""
        if not wrong and found.account_id is not None:
            new_hash = self._new_hash(request.new_password, found.username, found.practice_id)
        with self._database.transaction() as session:
            question_resets.complete(
                session,
                keyring=self._keyring,
                lockout=self._lockout,
                outbox=self._outbox,
                token=request.token,
                wrong=wrong,
                new_hash=new_hash,
                second_factor=self._second_factor(request),
            )
        return identity_pb2.CompleteQuestionResetResponse()

    def StartAccountInformationReset(
        self,
        request: identity_pb2.StartAccountInformationResetRequest,
        context: grpc.ServicerContext,
    ) -> identity_pb2.StartAccountInformationResetResponse:
        given = information_resets.Given(
            request.username,
            request.first_name,
            request.last_name,
            request.date_of_birth,
            request.home_phone,
        )
        with self._database.transaction() as session:
            candidate = information_resets.candidate(session, keyring=self._keyring, given=given)
        # Outside any transaction, and asked even without an account (X3: the same work).
        street_address = self._linked_patients.street_address(
            account_id=candidate.account_id,
            first_name=given.first_name,
            last_name=given.last_name,
            date_of_birth=given.date_of_birth,
            home_phone=given.phone_e164,
        )
        with self._database.transaction() as session:
            started = information_resets.start(
                session, candidate=candidate, street_address=street_address
            )
        return identity_pb2.StartAccountInformationResetResponse(
            token=started.token, addresses=started.addresses
        )

    def CompleteAccountInformationReset(
        self,
        request: identity_pb2.CompleteAccountInformationResetRequest,
        context: grpc.ServicerContext,
    ) -> identity_pb2.CompleteAccountInformationResetResponse:
        # The new password is hashed between two transactions, and only after a right pick.
        with self._database.transaction() as session:
            pick = information_resets.pick(
                session, token=request.token, index=request.address_index
            )
        new_hash = ""
        if pick.right:
            new_hash = self._new_hash(request.new_password, pick.username, pick.practice_id)
        with self._database.transaction() as session:
            information_resets.complete(
                session,
                keyring=self._keyring,
                lockout=self._lockout,
                outbox=self._outbox,
                token=request.token,
                index=request.address_index,
                new_hash=new_hash,
                second_factor=self._second_factor(request),
            )
        return identity_pb2.CompleteAccountInformationResetResponse()
