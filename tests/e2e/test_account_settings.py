"""Account settings end to end over HTTPS (I3, I6, I9): the first sign-in asks for security
questions and allows nothing else until they are answered; a username change sends a notice
through the real SMTP sink; bad input is a problem naming the field."""

from __future__ import annotations

import pytest

from tests.e2e.conftest import Stack
from tests.e2e.test_enrollment_journey import (
    EMAIL,
    PASSWORD,
    activation_ticket,
    code_in,
    invited_patient,
    staff_session,
    submit_details,
    token_in,
)

pytestmark = pytest.mark.e2e


def bearer(token: str) -> dict[str, str]:
    return {"authorization": f"Bearer {token}"}


def activated_patient_session(stack: Stack) -> dict[str, str]:
    """Jane, invited, activated (E9) and signed in: the headers of her session."""
    invited_patient(stack, staff_session(stack))
    ticket = activation_ticket(stack, token_in(stack.wait_for_mail(EMAIL, "invites you")))
    submit_details(stack, ticket)
    code = code_in(stack.wait_for_mail(EMAIL, "code"))
    completed = stack.api.post(
        "/patient/activation/complete", json={"activation_ticket": ticket, "code": code}
    )
    assert completed.status_code == 200, completed.text
    signed_in = stack.api.post(
        "/patient/sessions", json={"username": "JaneDoe84", "password": PASSWORD}
    )
    assert signed_in.status_code == 201, signed_in.text
    return bearer(signed_in.json()["session_token"])


def answer_security_questions(
    stack: Stack, session: dict[str, str], password: str = PASSWORD
) -> None:
    """Answers the first five questions of the list (I3), as a first sign-in must."""
    listed = stack.api.get("/patient/security-questions").json()
    chosen = listed["questions"][: listed["required_count"]]
    answer = stack.api.put(
        "/patient/account/security-questions",
        headers=session,
        json={
            "current_password": password,
            "answers": [{"question_id": q["question_id"], "answer": "Blue"} for q in chosen],
        },
    )
    assert answer.status_code == 204, answer.text


# rule I3
def test_first_sign_in_allows_nothing_but_the_questions_until_answered_I3(stack: Stack):
    session = activated_patient_session(stack)
    refused = stack.api.get("/patient/activity", headers=session)
    assert refused.status_code == 403
    assert refused.headers["content-type"].startswith("application/problem+json")
    assert refused.json()["code"] == "SECURITY_QUESTIONS_REQUIRED"
    assert "/patient/account/security-questions" in refused.json()["detail"]
    assert stack.api.get("/patient/account/settings", headers=session).status_code == 403
    assert stack.api.get("/patient/me", headers=session).status_code == 200
    listed = stack.api.get("/patient/security-questions").json()
    assert len(listed["questions"]) >= 10 and listed["required_count"] == 5
    answer_security_questions(stack, session)
    assert stack.api.get("/patient/activity", headers=session).status_code == 200
    settings = stack.api.get("/patient/account/settings", headers=session).json()
    assert len(settings["security_question_ids"]) == 5 and settings["required_actions"] == []


# rule I1, I6, I9, N3
def test_username_change_over_the_real_stack_mails_a_notice_I1_I6_I9_N3(stack: Stack):
    session = activated_patient_session(stack)
    answer_security_questions(stack, session)
    changed = stack.api.put(
        "/patient/account/username",
        headers=session,
        json={"current_password": PASSWORD, "username": "JaneDoe1984"},
    )
    assert changed.status_code == 200, changed.text
    assert changed.json()["username"] == "JaneDoe1984"
    stack.wait_for_mail(EMAIL, "username was changed")
    again = stack.api.post(
        "/patient/sessions", json={"username": "janedoe1984", "password": PASSWORD}
    )
    assert again.status_code == 201, again.text


# rule I5, I9
def test_settings_routes_answer_a_problem_naming_the_field_I5_I9(stack: Stack):
    session = activated_patient_session(stack)
    answer_security_questions(stack, session)
    cases = [
        (
            "post",
            "/patient/account/cell-phone-change",
            {"current_password": PASSWORD, "cell_phone": "12"},
            "cell_phone",
        ),
        (
            "post",
            "/patient/account/email-change",
            {"current_password": PASSWORD, "email": "jane@"},
            "email",
        ),
        (
            "put",
            "/patient/account/notification-email",
            {"notification_email": "x" * 300},
            "notification_email",
        ),
        (
            "put",
            "/patient/account/username",
            {"current_password": PASSWORD, "username": "a b"},
            "new_username",
        ),
        (
            "put",
            "/patient/account/password",
            {"current_password": "nope", "new_password": "Another-Long-Pass-1"},
            "current_password",
        ),
    ]
    for method, path, body, field in cases:
        answer = getattr(stack.api, method)(path, headers=session, json=body)
        assert answer.status_code == 422, (path, answer.text)
        assert field in [e["field"] for e in answer.json()["errors"]], (path, answer.text)
