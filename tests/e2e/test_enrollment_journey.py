"""End to end over HTTPS: the administrator adds a patient, the patient activates and signs in."""

from __future__ import annotations

import re

import pytest

from deploy.local import demo
from tests.e2e.conftest import Stack, eventually, text_of

pytestmark = pytest.mark.e2e

JANE = {
    "first_name": "Jane",
    "last_name": "Doe",
    "date_of_birth": "1984-03-07",
    "birth_sex": "female",
    "zip_code": "60614",
    "cell_phone": "+1 312 555 0142",
}
EMAIL = "jane.doe@example.com"
PASSWORD = "blue heron at dawn"


def staff_session(stack: Stack) -> dict[str, str]:
    credentials = demo.seed(stack.shared)
    answer = stack.api.post(
        "/practice/sessions",
        json={"user_id": credentials.user_id, "password": credentials.password},
    )
    assert answer.status_code == 201, answer.text
    return {"authorization": f"Bearer {answer.json()['session_token']}"}


def invited_patient(stack: Stack, staff: dict[str, str]) -> str:
    patient_id = stack.api.post(
        "/practice/patients", headers=staff, json={**JANE, "email": EMAIL}
    ).json()["patient_id"]
    answer = stack.api.post(f"/practice/patients/{patient_id}/enroll-now", headers=staff)
    assert answer.status_code == 200, answer.text
    return patient_id


def token_in(message) -> str:
    return re.search(r"#token=([A-Za-z0-9_-]+)", text_of(message)).group(1)


def code_in(message) -> str:
    return re.search(r"\b(\d{6})\b", text_of(message)).group(1)


def activation_ticket(stack: Stack, token: str) -> str:
    answer = stack.api.post(
        "/patient/activation/verify",
        json={"invitation_token": token, "zip_code": "60614", "date_of_birth": "1984-03-07"},
    )
    assert answer.status_code == 200, answer.text
    return answer.json()["activation_ticket"]


# rule E3, E9, I1, N1
def test_administrator_adds_patient_who_activates_and_signs_in_E3_E9_I1_N1(stack: Stack):
    staff = staff_session(stack)
    patient_id = stack.api.post("/practice/patients", headers=staff, json=JANE).json()["patient_id"]

    missing = stack.api.post(f"/practice/patients/{patient_id}/enroll-now", headers=staff)
    assert missing.status_code in (409, 422)
    assert missing.headers["content-type"].startswith("application/problem+json")
    assert [e["field"] for e in missing.json()["errors"]] == ["email"]

    updated = stack.api.patch(
        f"/practice/patients/{patient_id}", headers=staff, json={"email": EMAIL}
    )
    assert updated.status_code == 200, updated.text
    enrolled = stack.api.post(f"/practice/patients/{patient_id}/enroll-now", headers=staff)
    assert enrolled.json()["outcome"] == "invitation_sent"
    assert enrolled.json()["patient"]["status"] == "pending"

    token = token_in(stack.wait_for_mail(EMAIL, "invites you"))
    ticket = activation_ticket(stack, token)
    details = stack.api.post(
        "/patient/activation/security-details",
        json={"activation_ticket": ticket, "username": "JaneDoe84", "password": PASSWORD},
    )
    assert details.status_code == 200, details.text
    code = code_in(stack.wait_for_mail(EMAIL, "code"))
    completed = stack.api.post(
        "/patient/activation/complete", json={"activation_ticket": ticket, "code": code}
    )
    assert completed.status_code == 200, completed.text

    signed_in = stack.api.post(
        "/patient/sessions", json={"username": "janedoe84", "password": PASSWORD}
    )
    assert signed_in.status_code == 201, signed_in.text
    me = stack.api.get(
        "/patient/me", headers={"authorization": f"Bearer {signed_in.json()['session_token']}"}
    )
    assert me.status_code == 200, me.text
    [enrollment] = me.json()["enrollments"]
    assert (enrollment["practice_name"], enrollment["status"]) == (
        "Lakeside Family Medicine",
        "enrolled",
    )
    record = stack.api.get(f"/practice/patients/{patient_id}", headers=staff).json()
    assert record["status"] == "enrolled"


# rule N1
def test_sms_invitation_reaches_the_local_sms_sink_N1(stack: Stack, tmp_path):
    staff = staff_session(stack)
    invited_patient(stack, staff)
    texts = eventually(lambda: list((tmp_path / "sms").glob("*.json")))
    assert "#token=" in texts[0].read_text()


# rule E4
def test_resent_invitation_voids_the_first_link_E4(stack: Stack):
    staff = staff_session(stack)
    patient_id = invited_patient(stack, staff)
    first = token_in(stack.wait_for_mail(EMAIL, "invites you"))
    assert (
        stack.api.post(
            f"/practice/patients/{patient_id}/resend-invitation", headers=staff
        ).status_code
        == 200
    )
    second = token_in(stack.wait_for_mail(EMAIL, "invites you", count=2))
    stale = stack.api.post(
        "/patient/activation/verify",
        json={"invitation_token": first, "zip_code": "60614", "date_of_birth": "1984-03-07"},
    )
    assert stale.status_code == 404
    assert "Contact your practice" in stale.json()["detail"]
    assert activation_ticket(stack, second)


# rule I2
def test_common_password_is_refused_with_what_to_do_I2(stack: Stack):
    staff = staff_session(stack)
    invited_patient(stack, staff)
    ticket = activation_ticket(stack, token_in(stack.wait_for_mail(EMAIL, "invites you")))
    refused = stack.api.post(
        "/patient/activation/security-details",
        json={"activation_ticket": ticket, "username": "JaneDoe84", "password": "password1"},
    )
    assert refused.status_code in (400, 422)
    assert "password" in [e["field"] for e in refused.json()["errors"]]
    assert stack.mail_to(EMAIL, "code") == []


# rule E9
def test_wrong_code_leaves_the_patient_pending_E9(stack: Stack):
    staff = staff_session(stack)
    patient_id = invited_patient(stack, staff)
    ticket = activation_ticket(stack, token_in(stack.wait_for_mail(EMAIL, "invites you")))
    stack.api.post(
        "/patient/activation/security-details",
        json={"activation_ticket": ticket, "username": "JaneDoe84", "password": PASSWORD},
    )
    code = code_in(stack.wait_for_mail(EMAIL, "code"))
    wrong = "000000" if code != "000000" else "111111"
    answer = stack.api.post(
        "/patient/activation/complete", json={"activation_ticket": ticket, "code": wrong}
    )
    assert answer.status_code in (400, 422)
    record = stack.api.get(f"/practice/patients/{patient_id}", headers=staff).json()
    assert record["status"] == "pending"
    assert (
        stack.api.post(
            "/patient/sessions", json={"username": "JaneDoe84", "password": PASSWORD}
        ).status_code
        != 201
    )


# rule X3
def test_sign_in_answers_alike_for_unknown_user_and_wrong_password_X3(stack: Stack):
    staff_session(stack)
    unknown = stack.api.post(
        "/patient/sessions", json={"username": "nobody-here", "password": PASSWORD}
    )
    wrong = stack.api.post(
        "/patient/sessions", json={"username": "admin.lakeside", "password": PASSWORD}
    )
    assert unknown.status_code == wrong.status_code == 401
    assert unknown.json()["detail"] == wrong.json()["detail"]


def submit_details(stack: Stack, ticket: str):
    return stack.api.post(
        "/patient/activation/security-details",
        json={"activation_ticket": ticket, "username": "JaneDoe84", "password": PASSWORD},
    )


# rule N2
def test_a_new_code_replaces_the_old_one_N2(stack: Stack):
    staff = staff_session(stack)
    invited_patient(stack, staff)
    ticket = activation_ticket(stack, token_in(stack.wait_for_mail(EMAIL, "invites you")))
    submit_details(stack, ticket)
    first = code_in(stack.wait_for_mail(EMAIL, "code"))
    resent = stack.api.post("/patient/activation/resend-code", json={"activation_ticket": ticket})
    assert resent.status_code == 200, resent.text
    second = code_in(stack.wait_for_mail(EMAIL, "code", count=2))
    if first != second:
        stale = stack.api.post(
            "/patient/activation/complete", json={"activation_ticket": ticket, "code": first}
        )
        assert stale.status_code == 422
    done = stack.api.post(
        "/patient/activation/complete", json={"activation_ticket": ticket, "code": second}
    )
    assert done.status_code == 200, done.text


# rule E9
def test_coming_back_through_the_link_continues_the_pending_account_E9(stack: Stack):
    staff = staff_session(stack)
    invited_patient(stack, staff)
    token = token_in(stack.wait_for_mail(EMAIL, "invites you"))
    submit_details(stack, activation_ticket(stack, token))
    again = activation_ticket(stack, token)
    saved = submit_details(stack, again)
    assert saved.status_code == 409
    assert "Enter that code" in saved.json()["detail"]
    code = code_in(stack.wait_for_mail(EMAIL, "code"))
    done = stack.api.post(
        "/patient/activation/complete", json={"activation_ticket": again, "code": code}
    )
    assert done.status_code == 200, done.text


# rule E9, E4, I1
def test_after_a_resend_the_patient_activates_with_the_username_they_chose_E9_E4_I1(
    stack: Stack,
):
    staff = staff_session(stack)
    patient_id = invited_patient(stack, staff)
    first = token_in(stack.wait_for_mail(EMAIL, "invites you"))
    assert submit_details(stack, activation_ticket(stack, first)).status_code == 200
    # The patient never enters the code; the practice sends a new invitation.
    resent = stack.api.post(f"/practice/patients/{patient_id}/resend-invitation", headers=staff)
    assert resent.status_code == 200, resent.text

    def sign_in():
        return stack.api.post(
            "/patient/sessions", json={"username": "JaneDoe84", "password": PASSWORD}
        )

    told = eventually(lambda: (a := sign_in()).json().get("code") == "ACTIVATION_EXPIRED" and a)
    assert told.status_code == 409
    assert "newest invitation" in told.json()["detail"]

    ticket = activation_ticket(stack, token_in(stack.wait_for_mail(EMAIL, "invites you", 2)))
    assert submit_details(stack, ticket).status_code == 200
    code = code_in(stack.wait_for_mail(EMAIL, "code", count=2))
    completed = stack.api.post(
        "/patient/activation/complete", json={"activation_ticket": ticket, "code": code}
    )
    assert completed.status_code == 200, completed.text
    assert sign_in().status_code == 201
