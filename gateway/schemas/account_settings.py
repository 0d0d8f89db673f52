"""A patient's account settings (I9): security questions (I3), username, password, emails (I5)
and cell phone."""

from __future__ import annotations

from typing import Annotated

from pydantic import BaseModel, Field, StringConstraints

from gateway.schemas.types import Code, Email, Password, Phone, Username, _Request

QuestionId = Annotated[str, StringConstraints(strip_whitespace=True, pattern=r"^[a-z_]{1,40}$")]
AnswerText = Annotated[str, StringConstraints(min_length=1, max_length=200)]


class SecurityQuestion(BaseModel):
    """One question of the catalogue."""

    question_id: str
    text: str


class SecurityQuestionList(BaseModel):
    """Every question to choose from, and how many distinct ones to answer."""

    questions: list[SecurityQuestion]
    required_count: int


class SecurityAnswer(_Request):
    """The answer to one chosen question; letter case and extra spaces do not matter."""

    question_id: QuestionId
    answer: AnswerText


class SecurityQuestionsUpdate(_Request):
    """Five answers to five different questions, and the current password."""

    current_password: Password
    answers: list[SecurityAnswer] = Field(min_length=1, max_length=10)


class AccountSettings(BaseModel):
    """What the account's settings page shows; the phone only by its last four digits."""

    account_id: str
    username: str
    verified_email: str | None
    pending_email: str | None
    notification_email: str | None
    cell_phone_hint: str | None
    security_question_ids: list[str]
    required_actions: list[str]
    authenticator_app_on: bool = Field(
        description="Whether sign-in asks for a code from the authenticator app (I4)."
    )


class UsernameChange(_Request):
    """The new username and the current password."""

    current_password: Password
    username: Username


class AccountPasswordChange(_Request):
    """The current password and the new one; every other session ends."""

    current_password: Password
    new_password: Password


class EmailChange(_Request):
    """The new account email and the current password; a code goes to the new address."""

    current_password: Password
    email: Email


class CellPhoneChange(_Request):
    """The new cell phone with its country code and the current password; a code goes to it by
    SMS."""

    current_password: Password
    cell_phone: Phone


class ChangeConfirmation(_Request):
    """The 6-digit code sent to the new address or number."""

    code: Code


class NotificationEmail(_Request):
    """The notification email; null clears it."""

    notification_email: Email | None


class ChangeCodeSent(BaseModel):
    """Where the code went, mostly hidden."""

    code_destination_hint: str


class PasswordChanged(BaseModel):
    """How many other sessions of the account were ended."""

    other_sessions_ended: int
