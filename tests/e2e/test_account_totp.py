"""A patient's authenticator app end to end over HTTPS (I4): turned on, then asked for at the
next sign-in, with the code computed the way the phone would (pyotp)."""

from __future__ import annotations

from datetime import UTC, datetime
from urllib.parse import parse_qs, urlparse

import pyotp
import pytest

from tests.e2e.conftest import Stack
from tests.e2e.test_account_settings import (
    activated_patient_session,
    answer_security_questions,
    bearer,
)
from tests.e2e.test_enrollment_journey import PASSWORD

pytestmark = pytest.mark.e2e


# rule I4
def test_patient_turns_totp_on_and_signs_in_with_password_then_code_I4(stack: Stack):
    session = activated_patient_session(stack)
    answer_security_questions(stack, session)
    setup = stack.api.post("/patient/totp/setup", headers=session)
    assert setup.status_code == 200, setup.text
    assert setup.json()["qr_svg_data_uri"].startswith("data:image/svg+xml")
    secret = parse_qs(urlparse(setup.json()["otpauth_uri"]).query)["secret"][0]
    app = pyotp.TOTP(secret)
    confirmed_at = datetime.now(UTC)
    confirmed = stack.api.post(
        "/patient/totp/confirm", headers=session, json={"code": app.at(confirmed_at)}
    )
    assert confirmed.status_code == 200, confirmed.text
    assert len(confirmed.json()["recovery_codes"]) == 10
    assert stack.api.delete("/patient/sessions/current", headers=session).status_code == 204

    first = stack.api.post(
        "/patient/sessions", json={"username": "janedoe84", "password": PASSWORD}
    )
    assert first.status_code == 202, first.text
    assert first.json()["next_step"] == "second_factor" and "session_token" not in first.json()
    # The confirming code's time step is used up (no replay): the phone's next code is for the
    # step after it, accepted now or one step early (clock drift).
    code = app.generate_otp(app.timecode(confirmed_at) + 1)
    done = stack.api.post(
        "/patient/sessions/continue",
        json={"challenge_token": first.json()["challenge_token"], "totp_code": code},
    )
    assert done.status_code == 201, done.text
    assert done.json()["factors"] == "password+totp"
    me = stack.api.get("/patient/me", headers=bearer(done.json()["session_token"]))
    assert me.status_code == 200


# rule I4, I9
def test_the_settings_say_the_app_is_on_once_confirmed_I4_I9(stack: Stack):
    session = activated_patient_session(stack)
    answer_security_questions(stack, session)

    def app_on() -> bool:
        settings = stack.api.get("/patient/account/settings", headers=session)
        return settings.json()["authenticator_app_on"]

    setup = stack.api.post("/patient/totp/setup", headers=session).json()
    assert app_on() is False
    secret = parse_qs(urlparse(setup["otpauth_uri"]).query)["secret"][0]
    confirmed = stack.api.post(
        "/patient/totp/confirm", headers=session, json={"code": pyotp.TOTP(secret).now()}
    )
    assert confirmed.status_code == 200, confirmed.text
    assert app_on() is True
