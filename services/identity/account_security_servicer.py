"""Identity's account authenticator-app RPCs (I4, I9): proto to use case and back."""

from __future__ import annotations

import grpc
from vestibule.identity.v1 import identity_pb2

from services.common.crypto import Keyring
from services.common.db import Database
from services.common.errors import FieldViolation
from services.identity import account_sign_in, account_totp, passwords
from services.identity.errors import InvalidRequest
from services.identity.hashing import PasswordHashing
from services.identity.lockout import Lockout
from services.identity.staff_servicer import timestamp

STEPS = {True: identity_pb2.SIGN_IN_STEP_SESSION, False: identity_pb2.SIGN_IN_STEP_SECOND_FACTOR}


def sign_in_fields(progress: account_sign_in.Progress) -> dict[str, object]:
    """The SignInResponse fields of a sign-in's progress, but the account."""
    fields: dict[str, object] = {"next_step": STEPS[progress.signed_in is not None]}
    if progress.signed_in is not None:
        fields |= {
            "session_token": progress.signed_in.token,
            "expires_at": timestamp(progress.signed_in.expires_at),
            "factors": str(progress.signed_in.factors),
            "required_actions": list(progress.required_actions),
        }
    if progress.device_expires_at is not None:
        fields |= {
            "device_token": progress.device_token,
            "device_expires_at": timestamp(progress.device_expires_at),
        }
    if progress.challenge_expires_at is not None:
        fields |= {
            "challenge_token": progress.challenge_token,
            "challenge_expires_at": timestamp(progress.challenge_expires_at),
        }
    return fields


def second_factor_answer(request: identity_pb2.ContinueSignInRequest) -> tuple[str, str]:
    """Which answer a ContinueSignIn carries and its value; InvalidRequest when none is set."""
    field = request.WhichOneof("answer")
    if field is None:
        raise InvalidRequest(
            "Enter the code from your authenticator app, or one of your recovery codes.",
            violations=[
                FieldViolation(name, "Give exactly one.") for name in ("totp_code", "recovery_code")
            ],
        )
    return field, getattr(request, field)


class AccountSecurityRpcs:
    """The authenticator-app RPCs of IdentityServicer, which provides these attributes."""

    _database: Database
    _hashing: PasswordHashing
    _keyring: Keyring
    _lockout: Lockout

    def SetUpTotp(
        self, request: identity_pb2.SetUpTotpRequest, context: grpc.ServicerContext
    ) -> identity_pb2.SetUpTotpResponse:
        with self._database.transaction() as session:
            setup = account_totp.set_up(
                session, keyring=self._keyring, lockout=self._lockout, account_id=request.account_id
            )
        return identity_pb2.SetUpTotpResponse(
            setup=identity_pb2.TotpSetup(
                otpauth_uri=setup.otpauth_uri, qr_svg_data_uri=setup.qr_svg_data_uri
            )
        )

    def ConfirmTotp(
        self, request: identity_pb2.ConfirmTotpRequest, context: grpc.ServicerContext
    ) -> identity_pb2.ConfirmTotpResponse:
        with self._database.transaction() as session:
            codes = account_totp.confirm(
                session,
                keyring=self._keyring,
                lockout=self._lockout,
                account_id=request.account_id,
                code=request.code,
            )
        return identity_pb2.ConfirmTotpResponse(recovery_codes=list(codes))

    def RegenerateRecoveryCodes(
        self, request: identity_pb2.RegenerateRecoveryCodesRequest, context: grpc.ServicerContext
    ) -> identity_pb2.RegenerateRecoveryCodesResponse:
        with self._database.transaction() as session:
            codes = account_totp.regenerate_recovery_codes(
                session,
                keyring=self._keyring,
                lockout=self._lockout,
                account_id=request.account_id,
                code=request.code,
            )
        return identity_pb2.RegenerateRecoveryCodesResponse(recovery_codes=list(codes))

    def DisableTotp(
        self, request: identity_pb2.DisableTotpRequest, context: grpc.ServicerContext
    ) -> identity_pb2.DisableTotpResponse:
        # Two short transactions around the hash: no lock is held while argon2 runs.
        with self._database.transaction() as session:
            on_file = account_totp.password_hash_on_file(session, account_id=request.account_id)
        verdict = self._hashing.verify(on_file, passwords.normalize(request.password))
        with self._database.transaction() as session:
            account_totp.disable(
                session,
                keyring=self._keyring,
                lockout=self._lockout,
                account_id=request.account_id,
                password_hash=on_file,
                password_matched=verdict.matches,
                code=request.code,
            )
        return identity_pb2.DisableTotpResponse()
