"""Proxy invitations end to end over HTTPS (P1, P2, P3, E10, X3): staff invite guardians for a
child, a patient invites a representative from the profile; invitations and codes are read
from the real SMTP sink, and each invitee either signs in or creates an account."""

from __future__ import annotations

import pytest

from tests.e2e.conftest import Stack
from tests.e2e.test_account_settings import (
    activated_patient_session,
    answer_security_questions,
    bearer,
)
from tests.e2e.test_enrollment_journey import JANE, code_in, staff_session, token_in

pytestmark = pytest.mark.e2e

CHILD = {
    "first_name": "Sam",
    "last_name": "Doe",
    "date_of_birth": "2019-05-20",
    "birth_sex": "male",
    "zip_code": "60614",
}
MARIA = {
    "first_name": "Maria",
    "last_name": "Lopez",
    "email": "maria.lopez@example.com",
    "relationship_label": "mother",
}
PASSWORD = "green kestrel over the dunes"


def add_child(stack: Stack, staff: dict[str, str]) -> str:
    answer = stack.api.post("/practice/patients", headers=staff, json=CHILD)
    assert answer.status_code == 201, answer.text
    return answer.json()["patient_id"]


def verify(stack: Stack, token: str, zip_code: str, date_of_birth: str):
    return stack.api.post(
        "/patient/proxy-invitations/verify",
        json={"invitation_token": token, "zip_code": zip_code, "date_of_birth": date_of_birth},
    )


def create_account(stack: Stack, ticket: str, invitee: dict[str, str], username: str) -> dict:
    """Creates the invitee's account with the ticket and confirms the emailed code."""
    created = stack.api.post(
        "/patient/proxy-invitations/account",
        json={
            "ticket": ticket,
            **invitee,
            "username": username,
            "password": PASSWORD,
        },
    )
    assert created.status_code == 200, created.text
    code = code_in(stack.wait_for_mail(invitee["email"], "code"))
    completed = stack.api.post(
        "/patient/proxy-invitations/complete", json={"ticket": ticket, "code": code}
    )
    assert completed.status_code == 200, completed.text
    return completed.json()


# rule P1, P2, X3
def test_guardians_of_a_child_create_an_account_or_sign_in_P1_P2_X3(stack: Stack):
    staff = staff_session(stack)
    child = add_child(stack, staff)
    adult = stack.api.post("/practice/patients", headers=staff, json=JANE).json()["patient_id"]
    refused = stack.api.post(f"/practice/patients/{adult}/guardians", headers=staff, json=MARIA)
    assert refused.status_code == 409
    assert [e["field"] for e in refused.json()["errors"]] == ["patient_id"]

    invited = stack.api.post(f"/practice/patients/{child}/guardians", headers=staff, json=MARIA)
    assert invited.status_code == 201, invited.text
    assert invited.json()["status"] == "invited"
    message = stack.wait_for_mail(MARIA["email"], "parent or guardian")
    assert "Lopez" not in message.as_string() and "2019" not in message.as_string()
    token = token_in(message)

    wrong_answer = verify(stack, token, "60614", "2019-05-21")
    wrong_token = verify(stack, "x" * 43, "60614", "2019-05-20")
    assert wrong_answer.status_code == wrong_token.status_code == 404
    assert wrong_answer.json()["detail"] == wrong_token.json()["detail"]

    ticket = verify(stack, token, "60614", "2019-05-20").json()["ticket"]
    done = create_account(stack, ticket, MARIA, "MariaLopez")
    assert done["relationship"]["status"] == "active"
    assert done["relationship"]["patient_id"] == child
    assert verify(stack, token, "60614", "2019-05-20").status_code == 404

    # A second guardian (P2) who already has an account: Jane signs in and accepts.
    jane = activated_patient_session(stack)
    answer_security_questions(stack, jane)
    second = {**MARIA, "first_name": "Jane", "email": "jane.second@example.com"}
    invited = stack.api.post(f"/practice/patients/{child}/guardians", headers=staff, json=second)
    assert invited.status_code == 201, invited.text
    token = token_in(stack.wait_for_mail(second["email"], "parent or guardian"))
    ticket = verify(stack, token, "60614", "2019-05-20").json()["ticket"]
    accepted = stack.api.post(
        "/patient/proxy-invitations/accept",
        headers=jane,
        json={"ticket": ticket, "relationship_label": "stepmother"},
    )
    assert accepted.status_code == 200, accepted.text
    assert (accepted.json()["patient_id"], accepted.json()["status"]) == (child, "active")
    assert accepted.json()["proxy_account_id"] != done["account_id"]


# rule P3, N1
def test_an_invitation_to_an_address_no_mail_could_reach_is_refused_P3_N1(stack: Stack):
    jane = activated_patient_session(stack)
    answer_security_questions(stack, jane)
    for email in ("x@", "a b@example.com"):
        refused = stack.api.post(
            "/patient/representatives", headers=jane, json={**MARIA, "email": email}
        )
        assert refused.status_code == 422, refused.text
        assert [e["field"] for e in refused.json()["errors"]] == ["email"]
    listed = stack.api.get("/patient/me", headers=jane).json()["enrollments"][0]["patient_id"]
    proxies = stack.api.get(f"/patient/records/{listed}/proxies", headers=jane).json()
    assert proxies["relationships"] == []


# rule P3, E10
def test_a_patient_invites_a_representative_who_then_acts_for_them_P3_E10(stack: Stack):
    jane = activated_patient_session(stack)
    answer_security_questions(stack, jane)
    own = stack.api.post(
        "/patient/representatives",
        headers=jane,
        json={**MARIA, "email": "jane.doe@example.com", "relationship_label": "me"},
    )
    assert own.status_code == 422
    assert [e["field"] for e in own.json()["errors"]] == ["email"]
    unknown = stack.api.post(
        "/patient/representatives", headers=jane, json={**MARIA, "rights": ["x-ray:all"]}
    )
    assert unknown.status_code == 422
    assert [e["field"] for e in unknown.json()["errors"]] == ["rights"]

    spouse = {**MARIA, "relationship_label": "spouse"}
    invited = stack.api.post("/patient/representatives", headers=jane, json=spouse)
    assert invited.status_code == 201, invited.text
    assert invited.json()["kind"] == "representative"
    patient_id = invited.json()["patient_id"]
    first = token_in(stack.wait_for_mail(MARIA["email"], "trusted representative"))

    relationship_id = invited.json()["relationship_id"]
    resent = stack.api.post(
        f"/patient/records/{patient_id}/proxies/{relationship_id}/resend", headers=jane
    )
    assert resent.status_code == 200, resent.text
    token = token_in(stack.wait_for_mail(MARIA["email"], "trusted representative", count=2))
    assert verify(stack, first, "60614", "1984-03-07").status_code == 404

    ticket = verify(stack, token, "60614", "1984-03-07").json()["ticket"]
    done = create_account(stack, ticket, spouse, "MariaLopez")
    assert done["relationship"]["patient_id"] == patient_id
    assert done["relationship"]["kind"] == "representative"
    signed_in = stack.api.post(
        "/patient/sessions", json={"username": "MariaLopez", "password": PASSWORD}
    )
    assert signed_in.status_code == 201, signed_in.text
    maria = bearer(signed_in.json()["session_token"])
    answer_security_questions(stack, maria, password=PASSWORD)
    records = stack.api.get("/patient/records", headers=maria).json()["records"]
    assert [(r["patient_id"], r["acting_as"]) for r in records] == [(patient_id, "representative")]
    acting = stack.api.get(f"/patient/records/{patient_id}", headers=maria)
    assert acting.status_code == 200, acting.text
    assert acting.json()["first_name"] == "Jane"

    ended = stack.api.delete(
        f"/patient/records/{patient_id}/proxies/{relationship_id}", headers=jane
    )
    assert ended.status_code == 200 and ended.json()["status"] == "revoked"
    refused = stack.api.get(f"/patient/records/{patient_id}", headers=maria)
    assert refused.status_code == 403 and refused.json()["code"] == "PROXY_ACCESS_ENDED"


# rule P1, I3
def test_a_new_proxy_account_is_signed_in_by_its_code_and_names_the_child_P1_I3(stack: Stack):
    staff = staff_session(stack)
    child = add_child(stack, staff)
    invited = stack.api.post(f"/practice/patients/{child}/guardians", headers=staff, json=MARIA)
    assert invited.status_code == 201, invited.text
    token = token_in(stack.wait_for_mail(MARIA["email"], "parent or guardian"))
    verified = verify(stack, token, "60614", "2019-05-20").json()
    assert verified["patient_first_name"] == "Sam"

    done = create_account(stack, verified["ticket"], MARIA, "MariaLopez")

    session = done["session"]
    assert session["required_actions"] == ["set_security_questions"]
    assert stack.api.cookies.get("vestibule_session") == session["session_token"]
    me = stack.api.get("/patient/me", headers=bearer(session["session_token"]))
    assert me.status_code == 200 and me.json()["account"]["username"] == "MariaLopez"
    again = stack.api.post(
        "/patient/proxy-invitations/complete",
        json={"ticket": verified["ticket"], "code": "000000"},
    )
    assert again.status_code == 200 and again.json()["session"] is None
