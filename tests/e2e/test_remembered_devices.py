"""Remembered devices and the sign-in lockout end to end over HTTPS (I4, I11): the device's
cookie, the practice's second-factor rule, and 429 with Retry-After once sign-in is locked."""

from __future__ import annotations

from datetime import timedelta
from urllib.parse import parse_qs, urlparse

import pyotp
import pytest

from tests.e2e.conftest import Stack, text_of
from tests.e2e.test_account_settings import (
    activated_patient_session,
    answer_security_questions,
)
from tests.e2e.test_enrollment_journey import PASSWORD, staff_session

pytestmark = pytest.mark.e2e

CREDENTIALS = {"username": "JaneDoe84", "password": PASSWORD}


def _with_app_on(stack: Stack) -> list[str]:
    """Jane activated, her questions answered and her authenticator app on; her recovery
    codes. She is signed out."""
    session = activated_patient_session(stack)
    answer_security_questions(stack, session)
    setup = stack.api.post("/patient/totp/setup", headers=session).json()
    secret = parse_qs(urlparse(setup["otpauth_uri"]).query)["secret"][0]
    confirmed = stack.api.post(
        "/patient/totp/confirm", headers=session, json={"code": pyotp.TOTP(secret).now()}
    )
    assert confirmed.status_code == 200, confirmed.text
    assert stack.api.delete("/patient/sessions/current", headers=session).status_code == 204
    return confirmed.json()["recovery_codes"]


# rule I4
def test_a_remembered_browser_skips_the_code_where_the_practice_allows_it_I4(stack: Stack):
    codes = _with_app_on(stack)
    admin = staff_session(stack)
    rule = stack.api.put(
        "/practice/patient-sign-in-policy", headers=admin, json={"second_factor": "new_device"}
    )
    assert rule.status_code == 200, rule.text
    assert rule.json()["updated_by"].startswith("staff:")

    first = stack.api.post("/patient/sessions", json={**CREDENTIALS, "remember_device": True})
    assert first.status_code == 202, first.text
    done = stack.api.post(
        "/patient/sessions/continue",
        json={"challenge_token": first.json()["challenge_token"], "recovery_code": codes[0]},
    )
    assert done.status_code == 201, done.text
    cookie = next(c for c in done.headers.get_list("set-cookie") if "vestibule_device=" in c)
    assert {"HttpOnly", "Secure", "SameSite=strict", "Path=/v1/patient"} <= {
        part.strip() for part in cookie.split(";")
    }
    assert done.json()["device_remembered_until"]

    again = stack.api.post("/patient/sessions", json=CREDENTIALS)  # the client sends the cookie
    assert again.status_code == 201, again.text
    assert again.json()["factors"] == "password+remembered_device"
    session = {"authorization": f"Bearer {again.json()['session_token']}"}
    (device,) = stack.api.get("/patient/devices", headers=session).json()["devices"]
    assert device["current"] is True

    forgotten = stack.api.delete(f"/patient/devices/{device['device_id']}", headers=session)
    assert forgotten.status_code == 204
    assert stack.api.post("/patient/sessions", json=CREDENTIALS).status_code == 202


# rule I4
def test_the_patient_sign_in_policy_starts_at_every_sign_in_and_refuses_other_rules_I4(
    stack: Stack,
):
    admin = staff_session(stack)
    policy = stack.api.get("/practice/patient-sign-in-policy", headers=admin)
    assert policy.status_code == 200, policy.text
    assert policy.json() == {
        "second_factor": "every_sign_in",
        "question_reset": True,
        "account_information_reset": True,
        "updated_at": None,
        "updated_by": None,
    }
    wrong = stack.api.put(
        "/practice/patient-sign-in-policy", headers=admin, json={"second_factor": "sometimes"}
    )
    assert wrong.status_code == 422
    assert wrong.json()["errors"][0]["field"] == "second_factor"


# rule I11
def test_a_locked_sign_in_answers_429_with_retry_after_I11(stack: Stack, clock):
    activated_patient_session(stack)
    stack.api.cookies.clear()
    for _ in range(10):
        clock.shift(timedelta(seconds=65))  # past each slow-down and the per-address limit
        wrong = stack.api.post(
            "/patient/sessions", json={**CREDENTIALS, "password": "Not-The-Password-1"}
        )
        assert wrong.status_code == 401, wrong.text
    locked = stack.api.post("/patient/sessions", json=CREDENTIALS)
    assert locked.status_code == 429, locked.text
    assert 14 * 60 < int(locked.headers["retry-after"]) <= 15 * 60
    assert locked.json()["code"] == "SIGN_IN_PAUSED"
    notice = stack.wait_for_mail("jane.doe@example.com", "locked")
    assert "locked for 15 minutes" in text_of(notice)
