"""Getting back into an account: the four ways to reset a password (I8 a to d). Every route
is public, rate limited, and answers the same whether or not an account matched (X3)."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, status
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


@router.post("/password/reset/check", responses=problem_responses(409), **_LIMITED)
def check_reset_link(body: schemas.ResetLinkToken, services: Services) -> schemas.ResetLinkCheck:
    """Whether the link works, whether the authenticator code will be needed, and the
    account's username and practice (whose password policy applies). The token from the link
    goes in the body, as everywhere: never in a URL (X1)."""
    answer = services.identity.CheckPasswordReset(
        identity_pb2.CheckPasswordResetRequest(token=body.token)
    )
    return schemas.ResetLinkCheck(
        second_factor_required=answer.second_factor_required,
        username=answer.username,
        practice_id=answer.practice_id or None,
    )


@router.post(
    "/password/reset",
    status_code=status.HTTP_204_NO_CONTENT,
    responses=problem_responses(409),
    **_LIMITED,
)
def complete_reset(body: schemas.PasswordResetCompletion, services: Services) -> None:
    """Sets the new password with the link; every session and remembered device of the account
    ends, and the account email is told."""
    services.identity.CompletePasswordReset(
        identity_pb2.CompletePasswordResetRequest(
            token=body.token, new_password=body.new_password, **_second_factor(body)
        )
    )


@router.post(
    "/password/token",
    status_code=status.HTTP_204_NO_CONTENT,
    responses=problem_responses(),
    **_LIMITED,
)
def reset_with_token(body: schemas.TokenReset, services: Services) -> None:
    """Sets the new password with the 8-digit token your practice gave you (I8 c); wrong tries
    are limited. Every session and remembered device of the account ends."""
    services.identity.ResetPasswordWithToken(
        identity_pb2.ResetPasswordWithTokenRequest(
            username=body.username,
            token=body.token,
            new_password=body.new_password,
            **_second_factor(body),
        )
    )


@router.post("/password/questions", responses=problem_responses(409), **_LIMITED)
def start_question_reset(
    body: schemas.QuestionResetStart, services: Services
) -> schemas.QuestionsToAnswer:
    """Starts a reset with security questions (I8 b): two of your five, chosen at random."""
    answer = services.identity.StartQuestionReset(
        identity_pb2.StartQuestionResetRequest(username=body.username)
    )
    return schemas.QuestionsToAnswer(
        token=answer.token,
        questions=[
            schemas.SecurityQuestion(question_id=q.question_id, text=q.text)
            for q in answer.questions
        ],
    )


@router.post(
    "/password/questions/answers",
    status_code=status.HTTP_204_NO_CONTENT,
    responses=problem_responses(409),
    **_LIMITED,
)
def complete_question_reset(body: schemas.QuestionAnswers, services: Services) -> None:
    """Sets the new password with the answers to the two questions; three wrong answers to a
    question close this way until a reset link or a practice token is used."""
    services.identity.CompleteQuestionReset(
        identity_pb2.CompleteQuestionResetRequest(
            token=body.token,
            answers={a.question_id: a.answer for a in body.answers},
            new_password=body.new_password,
            **_second_factor(body),
        )
    )


@router.post("/password/account-information", responses=problem_responses(409), **_LIMITED)
def start_information_reset(
    body: schemas.InformationResetStart, services: Services
) -> schemas.AddressesToPick:
    """Starts the once-only reset for an account with no verified email and no security
    questions (I8 d): give your details, then pick your street address from the five shown."""
    answer = services.identity.StartAccountInformationReset(
        identity_pb2.StartAccountInformationResetRequest(
            username=body.username,
            first_name=body.first_name,
            last_name=body.last_name,
            date_of_birth=body.date_of_birth,
            home_phone=body.home_phone,
        )
    )
    return schemas.AddressesToPick(token=answer.token, addresses=list(answer.addresses))


@router.post(
    "/password/account-information/address",
    status_code=status.HTTP_204_NO_CONTENT,
    responses=problem_responses(409),
    **_LIMITED,
)
def complete_information_reset(body: schemas.AddressPick, services: Services) -> None:
    """Sets the new password with your street address picked; a wrong pick counts, and the
    second closes this way. Then sign in, verify an account email and answer five security
    questions before anything else."""
    services.identity.CompleteAccountInformationReset(
        identity_pb2.CompleteAccountInformationResetRequest(
            token=body.token,
            address_index=body.address_index,
            new_password=body.new_password,
            **_second_factor(body),
        )
    )


def _second_factor(
    body: schemas.PasswordResetCompletion
    | schemas.TokenReset
    | schemas.QuestionAnswers
    | schemas.AddressPick,
) -> dict[str, str]:
    """At most one of the two codes, by field name."""
    given = {"totp_code": body.totp_code, "recovery_code": body.recovery_code}
    chosen = {name: value for name, value in given.items() if value is not None}
    if len(chosen) > 1:
        raise Problem(
            422,
            "INVALID_ARGUMENT",
            "Give one of totp_code or recovery_code, not both.",
            [FieldError(field=name, detail="Give one.") for name in given],
        )
    return chosen
