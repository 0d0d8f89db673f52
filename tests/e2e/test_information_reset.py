"""Password reset with account information end to end over HTTPS (I8 d): a patient invited by
SMS, so with no account email and no security questions, resets once, then must verify an
email (code read from the real SMTP sink) and answer five questions before anything else."""

from __future__ import annotations

import json
import re

import pytest

from tests.e2e.conftest import Stack, eventually
from tests.e2e.test_account_settings import answer_security_questions, bearer
from tests.e2e.test_enrollment_journey import (
    JANE,
    activation_ticket,
    code_in,
    staff_session,
    submit_details,
)

pytestmark = pytest.mark.e2e

NEW_PASSWORD = "quiet harbor lamps at night"
SMS_CODE = re.compile(r"\b(\d{6})\b")
STREET = "4410 Wisteria Lane Apt 2"
DETAILS = {
    "first_name": "jane",
    "last_name": "DOE",
    "date_of_birth": "1984-03-07",
    "home_phone": "312-555-0177",
}


def _texts(tmp_path) -> list[str]:
    return [
        json.loads(path.read_text())["body"]
        for path in sorted((tmp_path / "sms").glob("*.json"), key=lambda p: p.stat().st_mtime)
    ]


def _patient_invited_by_sms(stack: Stack, tmp_path) -> None:
    """Jane, with a home phone and street on file and no email, activated from a text."""
    staff = staff_session(stack)
    optional = stack.api.patch("/practice/settings", headers=staff, json={"email_required": False})
    assert optional.status_code == 200, optional.text
    patient = stack.api.post(
        "/practice/patients",
        headers=staff,
        json={**JANE, "home_phone": "+1 312 555 0177", "street_address": STREET},
    )
    assert patient.status_code == 201, patient.text
    sent = stack.api.post(
        f"/practice/patients/{patient.json()['patient_id']}/enroll-now", headers=staff
    )
    assert sent.status_code == 200, sent.text
    invitation = eventually(lambda: [t for t in _texts(tmp_path) if "#token=" in t])[0]
    ticket = activation_ticket(stack, re.search(r"#token=([A-Za-z0-9_-]+)", invitation).group(1))
    assert submit_details(stack, ticket).status_code == 200
    code = eventually(lambda: [m.group(1) for t in _texts(tmp_path) if (m := SMS_CODE.search(t))])[
        0
    ]
    done = stack.api.post(
        "/patient/activation/complete", json={"activation_ticket": ticket, "code": code}
    )
    assert done.status_code == 200, done.text


# rule I8, I5, I3
def test_a_patient_without_email_or_questions_resets_once_then_validates_I8_I5_I3(
    stack: Stack, tmp_path
):
    _patient_invited_by_sms(stack, tmp_path)
    started = stack.api.post(
        "/patient/recovery/password/account-information", json={"username": "janedoe84", **DETAILS}
    )
    assert started.status_code == 200, started.text
    addresses = started.json()["addresses"]
    assert len(addresses) == 5 and STREET in addresses
    done = stack.api.post(
        "/patient/recovery/password/account-information/address",
        json={
            "token": started.json()["token"],
            "address_index": addresses.index(STREET),
            "new_password": NEW_PASSWORD,
        },
    )
    assert done.status_code == 204, done.text

    signed_in = stack.api.post(
        "/patient/sessions", json={"username": "JaneDoe84", "password": NEW_PASSWORD}
    )
    assert signed_in.status_code == 201, signed_in.text
    assert signed_in.json()["required_actions"] == [
        "verify_account_email",
        "set_security_questions",
    ]
    session = bearer(signed_in.json()["session_token"])
    refused = stack.api.get("/patient/activity", headers=session)
    assert refused.status_code == 403 and refused.json()["code"] == "ACCOUNT_EMAIL_REQUIRED"

    email = "jane.new@example.com"
    asked = stack.api.post(
        "/patient/account/email-change",
        headers=session,
        json={"current_password": NEW_PASSWORD, "email": email},
    )
    assert asked.status_code == 200, asked.text
    code = code_in(stack.wait_for_mail(email, "code"))
    confirmed = stack.api.post(
        "/patient/account/email-change/confirm", headers=session, json={"code": code}
    )
    assert confirmed.status_code == 200, confirmed.text
    still = stack.api.get("/patient/activity", headers=session)
    assert still.status_code == 403 and still.json()["code"] == "SECURITY_QUESTIONS_REQUIRED"
    answer_security_questions(stack, session, password=NEW_PASSWORD)
    assert stack.api.get("/patient/activity", headers=session).status_code == 200

    again = stack.api.post(
        "/patient/recovery/password/account-information", json={"username": "janedoe84", **DETAILS}
    )
    assert again.status_code == 200 and STREET not in again.json()["addresses"]  # once only
