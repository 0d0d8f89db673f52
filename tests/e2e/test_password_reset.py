"""Password reset by email link end to end over HTTPS, reading the real SMTP sink (I8 a, X3)."""

from __future__ import annotations

import re

import pytest

from tests.e2e.conftest import Stack, text_of
from tests.e2e.test_account_settings import activated_patient_session, answer_security_questions
from tests.e2e.test_enrollment_journey import EMAIL, staff_session

pytestmark = pytest.mark.e2e

NEW_PASSWORD = "quiet harbor lamps at night"


# rule I8, X3
def test_a_patient_resets_the_password_from_the_emailed_link_I8_X3(stack: Stack):
    activated_patient_session(stack)
    asked = stack.api.post("/patient/recovery/password", json={"login": "janedoe84"})
    unknown = stack.api.post("/patient/recovery/password", json={"login": "nobody@example.com"})
    assert asked.status_code == unknown.status_code == 202
    assert asked.json() == unknown.json()
    assert list(asked.json()) == ["detail"]  # the shape of every "a message is on its way"
    link = text_of(stack.wait_for_mail(EMAIL, "password"))
    token = re.search(r"reset-password#token=([A-Za-z0-9_-]+)", link).group(1)

    check = stack.api.post("/patient/recovery/password/reset/check", json={"token": token})
    assert check.json()["second_factor_required"] is False
    assert check.json()["username"] == "JaneDoe84" and check.json()["practice_id"]
    done = stack.api.post(
        "/patient/recovery/password/reset", json={"token": token, "new_password": NEW_PASSWORD}
    )
    assert done.status_code == 204, done.text
    signed_in = stack.api.post(
        "/patient/sessions", json={"username": "JaneDoe84", "password": NEW_PASSWORD}
    )
    assert signed_in.status_code == 201, signed_in.text
    stack.wait_for_mail(EMAIL, "Your portal password was reset")
    again = stack.api.post(
        "/patient/recovery/password/reset", json={"token": token, "new_password": NEW_PASSWORD}
    )
    assert again.status_code == 409
    assert again.json()["code"] == "RESET_LINK_NOT_VALID"


# rule I8, S1
def test_a_patient_resets_with_a_token_the_practice_issued_I8_S1(stack: Stack):
    activated_patient_session(stack)
    staff = staff_session(stack)
    patient_id = stack.api.post(
        "/practice/patients/search", headers=staff, json={"name": "doe"}
    ).json()["patients"][0]["patient_id"]
    issued = stack.api.post(
        f"/practice/patients/{patient_id}/password-reset-token",
        headers=staff,
        json={"identity_check": "photo_id"},
    )
    assert issued.status_code == 200, issued.text
    token = issued.json()["token"]
    assert re.fullmatch(r"\d{8}", token)
    notice = text_of(stack.wait_for_mail(EMAIL, "issued a password reset token"))
    assert token not in notice  # the notice tells; only staff hand the token over
    done = stack.api.post(
        "/patient/recovery/password/token",
        json={"username": "janedoe84", "token": token, "new_password": NEW_PASSWORD},
    )
    assert done.status_code == 204, done.text
    signed_in = stack.api.post(
        "/patient/sessions", json={"username": "JaneDoe84", "password": NEW_PASSWORD}
    )
    assert signed_in.status_code == 201, signed_in.text
    stack.wait_for_mail(EMAIL, "Your portal password was reset")


# rule I8, I3
def test_a_patient_resets_by_answering_two_security_questions_I8_I3(stack: Stack):
    session = activated_patient_session(stack)
    answer_security_questions(stack, session)  # every answer is "Blue"
    started = stack.api.post("/patient/recovery/password/questions", json={"username": "janedoe84"})
    assert started.status_code == 200, started.text
    asked = started.json()["questions"]
    assert len(asked) == 2
    done = stack.api.post(
        "/patient/recovery/password/questions/answers",
        json={
            "token": started.json()["token"],
            "answers": [{"question_id": q["question_id"], "answer": " blue "} for q in asked],
            "new_password": NEW_PASSWORD,
        },
    )
    assert done.status_code == 204, done.text
    signed_in = stack.api.post(
        "/patient/sessions", json={"username": "JaneDoe84", "password": NEW_PASSWORD}
    )
    assert signed_in.status_code == 201, signed_in.text
    stack.wait_for_mail(EMAIL, "Your portal password was reset")
