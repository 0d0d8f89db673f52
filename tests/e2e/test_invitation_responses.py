"""End to end over HTTPS: from the invitation the patient declines or defers (E11); staff see it
and, once they confirm removing that response, Enroll Now invites the patient again (E5)."""

from __future__ import annotations

import pytest

from tests.e2e.conftest import Stack
from tests.e2e.test_enrollment_journey import (
    EMAIL,
    activation_ticket,
    invited_patient,
    staff_session,
    token_in,
)

pytestmark = pytest.mark.e2e

STATUS = {"decline": "declined", "defer": "deferred"}
CONFIRM = {"confirm_clear_response": True}


def respond(stack: Stack, how: str, token: str):
    return stack.api.post(f"/patient/invitations/{how}", json={"invitation_token": token})


def first_token(stack: Stack) -> str:
    return token_in(stack.wait_for_mail(EMAIL, "invites you"))


def without_request_id(answer) -> dict:
    return {k: v for k, v in answer.json().items() if k != "request_id"}


# rule E11
@pytest.mark.parametrize("how", ["decline", "defer"])
def test_the_patient_responds_from_the_invitation_and_staff_see_it_E11(stack: Stack, how):
    staff = staff_session(stack)
    patient_id = invited_patient(stack, staff)
    answer = respond(stack, how, first_token(stack))
    assert answer.status_code == 200, answer.text
    assert (answer.json()["status"], answer.json()["practice_name"]) == (
        STATUS[how],
        "Lakeside Family Medicine",
    )
    record = stack.api.get(f"/practice/patients/{patient_id}", headers=staff).json()
    assert (record["status"], record["history"][-1]["actor"]) == (STATUS[how], "patient")


# rule E11, E10
def test_a_link_that_does_not_work_answers_as_activation_does_E11_E10(stack: Stack):
    staff = staff_session(stack)
    patient_id = invited_patient(stack, staff)
    stale = first_token(stack)
    stack.api.post(f"/practice/patients/{patient_id}/resend-invitation", headers=staff)
    verified = stack.api.post(
        "/patient/activation/verify",
        json={"invitation_token": stale, "zip_code": "60614", "date_of_birth": "1984-03-07"},
    )
    declined = respond(stack, "decline", stale)
    assert (verified.status_code, declined.status_code) == (404, 404)
    assert without_request_id(declined) == without_request_id(verified)


# rule E11, E10
def test_a_decline_uses_up_the_link_E11_E10(stack: Stack):
    staff = staff_session(stack)
    invited_patient(stack, staff)
    token = first_token(stack)
    respond(stack, "decline", token)
    assert respond(stack, "defer", token).status_code == 404


# rule E11, E10
def test_after_remind_me_later_the_link_still_verifies_and_declines_E11_E10(stack: Stack):
    staff = staff_session(stack)
    patient_id = invited_patient(stack, staff)
    token = first_token(stack)
    assert respond(stack, "defer", token).status_code == 200
    assert activation_ticket(stack, token)
    declined = respond(stack, "decline", token)
    assert declined.status_code == 200, declined.text
    record = stack.api.get(f"/practice/patients/{patient_id}", headers=staff).json()
    assert [h["to_status"] for h in record["history"]][-2:] == ["deferred", "declined"]


# rule E5
def test_enroll_now_asks_to_confirm_removing_the_patients_response_E5(stack: Stack):
    staff = staff_session(stack)
    patient_id = invited_patient(stack, staff)
    respond(stack, "decline", first_token(stack))
    asked = stack.api.post(f"/practice/patients/{patient_id}/enroll-now", headers=staff)
    assert asked.status_code == 409
    assert asked.headers["content-type"] == "application/problem+json"
    problem = asked.json()
    assert problem["code"] == "CONFIRMATION_REQUIRED"
    assert "The patient declined the invitation on " in problem["detail"]
    assert [e["field"] for e in problem["errors"]] == ["confirm_clear_response"]
    assert problem["metadata"]["status"] == "declined"


# rule E5
def test_confirmed_enroll_now_invites_the_patient_again_E5(stack: Stack):
    staff = staff_session(stack)
    patient_id = invited_patient(stack, staff)
    respond(stack, "defer", first_token(stack))
    confirmed = stack.api.post(
        f"/practice/patients/{patient_id}/enroll-now", headers=staff, json=CONFIRM
    )
    assert confirmed.status_code == 200, confirmed.text
    assert (confirmed.json()["outcome"], confirmed.json()["patient"]["status"]) == (
        "invitation_sent",
        "pending",
    )
    again = token_in(stack.wait_for_mail(EMAIL, "invites you", count=2))
    assert activation_ticket(stack, again)


# rule E5, S2
def test_the_dashboard_offers_enroll_now_for_a_patient_who_declined_E5_S2(stack: Stack):
    staff = staff_session(stack)
    patient_id = invited_patient(stack, staff)
    respond(stack, "decline", first_token(stack))
    dashboard = stack.api.get(f"/practice/patients/{patient_id}/dashboard", headers=staff)
    assert dashboard.json()["actions"] == ["enroll_now"]
