"""Getting back into an account: the password reset link (I8 a). Every route is public, rate
limited, and answers the same whether or not an account matched (X3)."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Query, status
from vestibule.identity.v1 import identity_pb2

from gateway import schemas
from gateway.auth import PATIENT_PATH
from gateway.clients import Clients, clients
from gateway.problems import Problem
from gateway.ratelimit import rate_limited
from gateway.routes.common import problem_responses
from gateway.schemas import FieldError

router = APIRouter(prefix=f"{PATIENT_PATH}/recovery", tags=["patient recovery"])

Services = Annotated[Clients, Depends(clients)]
_LIMITED = {"dependencies": [Depends(rate_limited("recovery"))]}
LINK_SENT = (
    "If an account has this username or verified email, a link to reset its password is on its "
    "way to the account email. It works once, for 30 minutes. No email? Contact your practice: "
    "they can give you a reset token."
)


@router.post(
    "/password",
    status_code=status.HTTP_202_ACCEPTED,
    responses=problem_responses(),
    **_LIMITED,
)
def request_reset_link(
    body: schemas.ResetLinkRequest, services: Services
) -> schemas.RecoveryAccepted:
    """Sends a password reset link to the verified account email (I8 a)."""
    services.identity.RequestPasswordReset(
        identity_pb2.RequestPasswordResetRequest(login=body.login)
    )
    return schemas.RecoveryAccepted(detail=LINK_SENT)


@router.get("/password/reset", responses=problem_responses(409), **_LIMITED)
def check_reset_link(
    services: Services, token: Annotated[str, Query(min_length=1, max_length=128)]
) -> schemas.ResetLinkCheck:
    """Whether the link works, and whether the authenticator code will be needed."""
    answer = services.identity.CheckPasswordReset(
        identity_pb2.CheckPasswordResetRequest(token=token)
    )
    return schemas.ResetLinkCheck(second_factor_required=answer.second_factor_required)


@router.post(
    "/password/reset",
    status_code=status.HTTP_204_NO_CONTENT,
    responses=problem_responses(409),
    **_LIMITED,
)
def complete_reset(body: schemas.PasswordResetCompletion, services: Services) -> None:
    """Sets the new password with the link; every session and remembered device of the account
    ends, and the account email is told."""
    if body.totp_code is not None and body.recovery_code is not None:
        raise Problem(
            422,
            "INVALID_ARGUMENT",
            "Give one of totp_code or recovery_code, not both.",
            [FieldError(field=name, detail="Give one.") for name in ("totp_code", "recovery_code")],
        )
    second_factor = (
        {"totp_code": body.totp_code}
        if body.totp_code is not None
        else {"recovery_code": body.recovery_code}
        if body.recovery_code is not None
        else {}
    )
    services.identity.CompletePasswordReset(
        identity_pb2.CompletePasswordResetRequest(
            token=body.token, new_password=body.new_password, **second_factor
        )
    )
