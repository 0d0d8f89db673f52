"""Patient account settings (I9): security questions (I3), username, password, account and
notification email (I5), cell phone (N2)."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, status
from vestibule.identity.v1 import identity_pb2

from gateway import schemas
from gateway.auth import PATIENT_PATH, Principal, signed_in_account
from gateway.clients import Clients, clients
from gateway.ratelimit import rate_limited
from gateway.routes.common import problem_responses

router = APIRouter(prefix=PATIENT_PATH, tags=["patient"])

Services = Annotated[Clients, Depends(clients)]
Account = Annotated[Principal, Depends(signed_in_account)]
QUESTIONS_PATH = "/account/security-questions"
_SIGNED_IN = problem_responses(401, 403)
_CHANGE = problem_responses(401, 403, 409)


def _settings(message: identity_pb2.AccountSettings) -> schemas.AccountSettings:
    return schemas.AccountSettings(
        account_id=message.account_id,
        username=message.username,
        verified_email=message.verified_email or None,
        pending_email=message.pending_email or None,
        notification_email=message.notification_email or None,
        cell_phone_hint=message.cell_phone_hint or None,
        security_question_ids=list(message.security_question_ids),
        required_actions=list(message.required_actions),
        authenticator_app_on=message.authenticator_app_on,
    )


@router.get(
    "/security-questions",
    dependencies=[Depends(rate_limited("password_check"))],
    responses=problem_responses(),
)
def list_security_questions(services: Services) -> schemas.SecurityQuestionList:
    """The questions to choose from and how many distinct ones to answer (I3)."""
    answer = services.identity.ListSecurityQuestions(identity_pb2.ListSecurityQuestionsRequest())
    return schemas.SecurityQuestionList(
        questions=[
            schemas.SecurityQuestion(question_id=q.question_id, text=q.text)
            for q in answer.questions
        ],
        required_count=answer.required_count,
    )


@router.put(QUESTIONS_PATH, status_code=status.HTTP_204_NO_CONTENT, responses=_SIGNED_IN)
def set_security_questions(
    body: schemas.SecurityQuestionsUpdate, account: Account, services: Services
) -> None:
    """Sets or replaces the five security questions and answers (I3); needs the password.
    An account without them can do nothing else until this is done."""
    services.identity.SetSecurityQuestions(
        identity_pb2.SetSecurityQuestionsRequest(
            account_id=account.principal_id,
            current_password=body.current_password,
            answers=[
                identity_pb2.SecurityAnswer(question_id=a.question_id, answer=a.answer)
                for a in body.answers
            ],
        )
    )


@router.get("/account/settings", responses=_SIGNED_IN)
def get_settings(account: Account, services: Services) -> schemas.AccountSettings:
    """The account's settings (I9)."""
    answer = services.identity.GetAccountSettings(
        identity_pb2.GetAccountSettingsRequest(account_id=account.principal_id)
    )
    return _settings(answer.settings)


@router.put("/account/username", responses=_CHANGE)
def change_username(
    body: schemas.UsernameChange, account: Account, services: Services
) -> schemas.AccountSettings:
    """A new username (I1); needs the password; the account email gets a notice (I6)."""
    answer = services.identity.ChangeUsername(
        identity_pb2.ChangeUsernameRequest(
            account_id=account.principal_id,
            current_password=body.current_password,
            new_username=body.username,
        )
    )
    return _settings(answer.settings)


@router.put("/account/password", responses=_CHANGE)
def change_password(
    body: schemas.AccountPasswordChange, account: Account, services: Services
) -> schemas.PasswordChanged:
    """A new password (I2); needs the current one. Every other session ends; this one stays."""
    answer = services.identity.ChangeAccountPassword(
        identity_pb2.ChangeAccountPasswordRequest(
            account_id=account.principal_id,
            session_token=account.session_token,
            current_password=body.current_password,
            new_password=body.new_password,
        )
    )
    return schemas.PasswordChanged(other_sessions_ended=answer.other_sessions_ended)


@router.post("/account/email-change", responses=_CHANGE)
def start_email_change(
    body: schemas.EmailChange, account: Account, services: Services
) -> schemas.ChangeCodeSent:
    """Sends a code to a new account email (I5); it becomes the account email once confirmed."""
    answer = services.identity.StartEmailChange(
        identity_pb2.StartEmailChangeRequest(
            account_id=account.principal_id,
            current_password=body.current_password,
            new_email=body.email,
        )
    )
    return schemas.ChangeCodeSent(code_destination_hint=answer.code_destination_hint)


@router.post("/account/email-change/confirm", responses=_CHANGE)
def confirm_email_change(
    body: schemas.ChangeConfirmation, account: Account, services: Services
) -> schemas.AccountSettings:
    """The code sent to the new address makes it the account email; the old one gets a notice."""
    answer = services.identity.ConfirmEmailChange(
        identity_pb2.ConfirmEmailChangeRequest(account_id=account.principal_id, code=body.code)
    )
    return _settings(answer.settings)


@router.put("/account/notification-email", responses=_SIGNED_IN)
def set_notification_email(
    body: schemas.NotificationEmail, account: Account, services: Services
) -> schemas.AccountSettings:
    """Sets or clears (null) the notification email (I5)."""
    answer = services.identity.SetNotificationEmail(
        identity_pb2.SetNotificationEmailRequest(
            account_id=account.principal_id, notification_email=body.notification_email or ""
        )
    )
    return _settings(answer.settings)


@router.post("/account/cell-phone-change", responses=_CHANGE)
def start_cell_phone_change(
    body: schemas.CellPhoneChange, account: Account, services: Services
) -> schemas.ChangeCodeSent:
    """Sends a code by SMS to a new cell phone (N2); it is stored once confirmed."""
    answer = services.identity.StartCellPhoneChange(
        identity_pb2.StartCellPhoneChangeRequest(
            account_id=account.principal_id,
            current_password=body.current_password,
            cell_phone=body.cell_phone,
        )
    )
    return schemas.ChangeCodeSent(code_destination_hint=answer.code_destination_hint)


@router.post("/account/cell-phone-change/confirm", responses=_CHANGE)
def confirm_cell_phone_change(
    body: schemas.ChangeConfirmation, account: Account, services: Services
) -> schemas.AccountSettings:
    """The code sent by SMS makes the new number the account's verified cell phone."""
    answer = services.identity.ConfirmCellPhoneChange(
        identity_pb2.ConfirmCellPhoneChangeRequest(account_id=account.principal_id, code=body.code)
    )
    return _settings(answer.settings)
