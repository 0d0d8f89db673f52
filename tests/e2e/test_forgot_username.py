"""Forgot username end to end over HTTPS (I7, X3): the username arrives through the real SMTP
sink at a verified account email, or at a notification email given with the right last name
and date of birth; every answer is the same; the address and the client are limited."""

from __future__ import annotations

import time

import httpx
import pytest

from tests.e2e.conftest import Stack, text_of
from tests.e2e.test_account_settings import activated_patient_session, answer_security_questions
from tests.e2e.test_enrollment_journey import EMAIL

pytestmark = pytest.mark.e2e

ROUTE = "/patient/recovery/username"
FAMILY = "family.doe@example.org"
SUBJECT = "username"
# Headers that differ between any two responses, whatever they answer.
PER_RESPONSE = {"date", "x-request-id", "traceparent"}


def recover(stack: Stack, email: str, **demographics: str) -> httpx.Response:
    return stack.api.post(ROUTE, json={"email": email, **demographics})


def whole(response: httpx.Response) -> tuple[int, bytes, tuple[tuple[str, str], ...]]:
    """Everything a caller sees of the response but what differs between any two."""
    headers = sorted((k, v) for k, v in response.headers.items() if k.lower() not in PER_RESPONSE)
    return response.status_code, response.content, tuple(headers)


def no_mail_for(stack: Stack, recipient: str, seconds: float = 2.0) -> bool:
    time.sleep(seconds)
    return stack.mail_to(recipient, SUBJECT) == []


def test_the_username_arrives_at_the_verified_email_and_answers_are_identical_I7_X3(stack):
    # rule I7, X3
    activated_patient_session(stack)
    known = recover(stack, EMAIL)
    unknown = recover(stack, "nobody@example.com")
    assert known.status_code == 202, known.text
    assert whole(known) == whole(unknown)
    assert "contact your practice" in known.json()["detail"].lower()
    mail = stack.wait_for_mail(EMAIL, SUBJECT)
    assert "JaneDoe84" in text_of(mail)
    assert "JaneDoe84" not in mail["Subject"]


def test_the_notification_email_needs_the_right_last_name_and_birth_date_I7_X3(stack):
    # rule I7, X3
    session = activated_patient_session(stack)
    answer_security_questions(stack, session)
    set_email = stack.api.put(
        "/patient/account/notification-email",
        headers=session,
        json={"notification_email": FAMILY},
    )
    assert set_email.status_code == 200, set_email.text
    alone = recover(stack, FAMILY)
    wrong_date = recover(stack, FAMILY, last_name="Doe", date_of_birth="1984-03-08")
    wrong_name = recover(stack, FAMILY, last_name="Roe", date_of_birth="1984-03-07")
    assert no_mail_for(stack, FAMILY)
    right = recover(stack, FAMILY, last_name="doe", date_of_birth="1984-03-07")
    assert {whole(r) for r in (alone, wrong_date, wrong_name, right)} == {whole(right)}
    assert "JaneDoe84" in text_of(stack.wait_for_mail(FAMILY, SUBJECT))


def test_one_email_per_address_and_a_limit_per_client_I7_X3(stack):
    # rule I7, X3
    activated_patient_session(stack)
    answers = [recover(stack, EMAIL) for _ in range(5)]
    assert {whole(a) for a in answers} == {whole(answers[0])}
    stack.wait_for_mail(EMAIL, SUBJECT)
    time.sleep(2)
    assert len(stack.mail_to(EMAIL, SUBJECT)) == 1
    limited = recover(stack, "nobody@example.com")
    assert limited.status_code == 429
    assert int(limited.headers["retry-after"]) > 0


def test_bad_input_is_a_problem_naming_the_field_I7(stack):
    # rule I7
    missing = recover(stack, EMAIL, last_name="Doe")
    assert missing.status_code == 422, missing.text
    assert "date_of_birth" in missing.text
    bad_date = recover(stack, EMAIL, last_name="Doe", date_of_birth="03/07/1984")
    assert bad_date.status_code == 422
    assert "date_of_birth" in bad_date.text
