"""Patient authenticator app (I4): turning it on and off, recovery codes, the sign-in step."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Path, Response, status
from vestibule.identity.v1 import identity_pb2

from gateway import convert, schemas
from gateway.auth import (
    DEVICE_COOKIE,
    PATIENT_COOKIE,
    PATIENT_PATH,
    Principal,
    set_session_cookie,
    signed_in_account,
)
from gateway.clients import Clients, clients
from gateway.problems import Problem
from gateway.ratelimit import rate_limited
from gateway.routes.common import device_label, device_token, problem_responses
from gateway.schemas import FieldError

router = APIRouter(prefix=PATIENT_PATH, tags=["patient"])

Services = Annotated[Clients, Depends(clients)]
Account = Annotated[Principal, Depends(signed_in_account)]
_SIGNED_IN = problem_responses(401, 403, 409)
ANSWER_FIELDS = ("totp_code", "recovery_code")
SIGN_IN_RESPONSES = {
    **problem_responses(401, 409),
    202: {"model": schemas.SignInChallenge, "description": "A second factor is needed."},
}


def signed_in_session(
    answer: identity_pb2.SignInResponse | identity_pb2.ContinueSignInResponse,
    response: Response,
) -> schemas.AccountSession:
    """The session of a sign-in answer, also set as the patient session cookie; a device just
    remembered gets its own cookie, for 30 days (I4)."""
    session = schemas.AccountSession(
        session_token=answer.session_token,
        expires_at=convert.when(answer, "expires_at"),
        account=convert.account(answer.account),
        factors=answer.factors or None,
        device_remembered_until=convert.when(answer, "device_expires_at"),
        required_actions=list(answer.required_actions),
    )
    set_session_cookie(
        response,
        name=PATIENT_COOKIE,
        path=PATIENT_PATH,
        token=session.session_token,
        expires_at=session.expires_at,
    )
    if answer.device_token:
        set_session_cookie(
            response,
            name=DEVICE_COOKIE,
            path=PATIENT_PATH,
            token=answer.device_token,
            expires_at=session.device_remembered_until,
        )
    return session


def session_or_second_factor(
    answer: identity_pb2.SignInResponse, response: Response
) -> schemas.AccountSession | schemas.SignInChallenge:
    """201 with the session, or 202 with the second-factor challenge (I4)."""
    if answer.next_step == identity_pb2.SIGN_IN_STEP_SECOND_FACTOR:
        response.status_code = status.HTTP_202_ACCEPTED
        return schemas.SignInChallenge(
            next_step="second_factor",
            challenge_token=answer.challenge_token,
            challenge_expires_at=convert.when(answer, "challenge_expires_at"),
        )
    return signed_in_session(answer, response)


@router.post(
    "/sessions/continue",
    status_code=status.HTTP_201_CREATED,
    dependencies=[Depends(rate_limited("sign_in"))],
    responses=problem_responses(401),
)
def continue_sign_in(
    body: schemas.SignInContinue,
    response: Response,
    services: Services,
    device: Annotated[str, Depends(device_label)],
) -> schemas.AccountSession:
    """Second sign-in step: the challenge token with exactly one of `totp_code` (from the
    authenticator app) or `recovery_code`; answers the session, also set as a cookie. Wrong
    codes count toward the sign-in lockout."""
    answers = body.answers()
    if len(answers) != 1:
        raise Problem(
            422,
            "INVALID_ARGUMENT",
            "Give exactly one of totp_code (from your authenticator app) or recovery_code.",
            [FieldError(field=name, detail="Give exactly one.") for name in ANSWER_FIELDS],
        )
    answer = services.identity.ContinueSignIn(
        identity_pb2.ContinueSignInRequest(
            challenge_token=body.challenge_token, device_label=device, **answers
        )
    )
    return signed_in_session(answer, response)


@router.post("/totp/setup", responses=_SIGNED_IN)
def set_up_totp(account: Account, services: Services) -> schemas.TotpSetup:
    """Starts turning the authenticator app on: scan the QR code or enter the otpauth URI in
    the app, then confirm with its first code at `POST /totp/confirm`."""
    answer = services.identity.SetUpTotp(
        identity_pb2.SetUpTotpRequest(account_id=account.principal_id)
    )
    return schemas.TotpSetup(
        otpauth_uri=answer.setup.otpauth_uri, qr_svg_data_uri=answer.setup.qr_svg_data_uri
    )


@router.post("/totp/confirm", responses=_SIGNED_IN)
def confirm_totp(
    body: schemas.TotpCode, account: Account, services: Services
) -> schemas.RecoveryCodes:
    """Turns the authenticator app on with its first code; answers ten recovery codes, shown
    this once. From now on every sign-in asks for a code."""
    answer = services.identity.ConfirmTotp(
        identity_pb2.ConfirmTotpRequest(account_id=account.principal_id, code=body.code)
    )
    return schemas.RecoveryCodes(recovery_codes=list(answer.recovery_codes))


@router.post("/totp/disable", status_code=status.HTTP_204_NO_CONTENT, responses=_SIGNED_IN)
def disable_totp(body: schemas.TotpDisable, account: Account, services: Services) -> None:
    """Turns the authenticator app off; needs the password and a current code. The recovery
    codes stop working."""
    services.identity.DisableTotp(
        identity_pb2.DisableTotpRequest(
            account_id=account.principal_id, password=body.password, code=body.code
        )
    )


@router.post("/totp/recovery-codes", responses=_SIGNED_IN)
def regenerate_recovery_codes(
    body: schemas.TotpCode, account: Account, services: Services
) -> schemas.RecoveryCodes:
    """Ten new recovery codes for a current code from the app; every older one stops working."""
    answer = services.identity.RegenerateRecoveryCodes(
        identity_pb2.RegenerateRecoveryCodesRequest(account_id=account.principal_id, code=body.code)
    )
    return schemas.RecoveryCodes(recovery_codes=list(answer.recovery_codes))


@router.get("/devices", responses=problem_responses(401))
def list_remembered_devices(
    account: Account, services: Services, token: Annotated[str, Depends(device_token)]
) -> schemas.RememberedDevices:
    """The browsers and apps you chose to remember at sign-in, this one marked (I4)."""
    answer = services.identity.ListRememberedDevices(
        identity_pb2.ListRememberedDevicesRequest(
            account_id=account.principal_id, device_token=token
        )
    )
    return schemas.RememberedDevices(
        devices=[
            schemas.RememberedDevice(
                device_id=row.device_id,
                label=row.label,
                created_at=convert.when(row, "created_at"),
                last_used_at=convert.when(row, "last_used_at"),
                expires_at=convert.when(row, "expires_at"),
                current=row.current,
            )
            for row in answer.devices
        ]
    )


@router.delete(
    "/devices/{device_id}",
    status_code=status.HTTP_204_NO_CONTENT,
    responses=problem_responses(401, 404),
)
def forget_remembered_device(
    device_id: Annotated[str, Path(min_length=1, max_length=64)],
    account: Account,
    services: Services,
) -> None:
    """Forgets one of your remembered devices: it is asked for everything again at its next
    sign-in."""
    services.identity.ForgetRememberedDevice(
        identity_pb2.ForgetRememberedDeviceRequest(
            account_id=account.principal_id, device_id=device_id
        )
    )


@router.get("/sessions", responses=problem_responses(401))
def list_sessions(account: Account, services: Services) -> schemas.DeviceSessions:
    """Your open sessions, one per device or browser, the current one marked (I10)."""
    answer = services.identity.ListSessions(
        identity_pb2.ListSessionsRequest(session_token=account.session_token)
    )
    return schemas.DeviceSessions(
        sessions=[
            schemas.DeviceSession(
                session_id=row.session_id,
                device_label=row.device_label,
                created_at=convert.when(row, "created_at"),
                last_seen_at=convert.when(row, "last_seen_at"),
                factors=row.factors,
                current=row.current,
            )
            for row in answer.sessions
        ]
    )


@router.delete(
    "/sessions/{session_id}",
    status_code=status.HTTP_204_NO_CONTENT,
    responses=problem_responses(401, 404),
)
def end_session(
    session_id: Annotated[str, Path(min_length=1, max_length=64)],
    account: Account,
    services: Services,
) -> None:
    """Ends one of your sessions, e.g. on a phone you lost (I10)."""
    services.identity.EndSession(
        identity_pb2.EndSessionRequest(session_token=account.session_token, session_id=session_id)
    )


@router.post("/sessions/end-others", responses=problem_responses(401))
def end_other_sessions(account: Account, services: Services) -> schemas.SessionsEnded:
    """Ends every session but this one (I10)."""
    answer = services.identity.EndOtherSessions(
        identity_pb2.EndOtherSessionsRequest(session_token=account.session_token)
    )
    return schemas.SessionsEnded(ended=answer.ended)
