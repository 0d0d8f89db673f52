"""End to end over HTTPS: a patient registers from the logon page (E12); the practice's
record is linked when it matches, else staff see a match request."""

from __future__ import annotations

import time

import pytest
from vestibule.enrollment.v1 import enrollment_pb2, enrollment_pb2_grpc

from services.common.clients import channel_to
from tests.e2e.conftest import Stack
from tests.e2e.test_enrollment_journey import EMAIL, JANE, PASSWORD, code_in, staff_session

pytestmark = pytest.mark.e2e

INFORMATION = {k: JANE[k] for k in ("first_name", "last_name", "date_of_birth", "zip_code")}
ROE = "jane.roe@example.com"


def demo_practice_id(stack: Stack) -> str:
    """The demo practice's ID, as the logon page of its portal would know it."""
    enrollment = enrollment_pb2_grpc.EnrollmentServiceStub(channel_to(stack.shared, "enrollment"))
    request = enrollment_pb2.CreatePracticeRequest(idempotency_key="demo-practice", name="-")
    return enrollment.CreatePractice(request).practice.practice_id


def self_register(stack: Stack, information: dict[str, str]) -> dict:
    """The three steps from the logon page; answers the last step's body."""
    started = stack.api.post(
        "/patient/registration/patient-information",
        json={"practice_id": demo_practice_id(stack), **information},
    )
    assert started.status_code == 200, started.text
    ticket = started.json()["registration_ticket"]
    details = stack.api.post(
        "/patient/registration/security-details",
        json={
            "registration_ticket": ticket,
            "username": "JaneDoe84",
            "password": PASSWORD,
            "email": EMAIL,
        },
    )
    assert details.status_code == 200, details.text
    code = code_in(stack.wait_for_mail(EMAIL, "code"))
    done = stack.api.post(
        "/patient/registration/complete", json={"registration_ticket": ticket, "code": code}
    )
    assert done.status_code == 200, done.text
    return done.json()


# rule E12
def test_a_self_registered_patient_whose_record_matches_signs_in_enrolled_E12(
    stack: Stack,
):
    staff = staff_session(stack)
    patient_id = stack.api.post("/practice/patients", headers=staff, json=JANE).json()["patient_id"]
    self_register(stack, {**INFORMATION, "first_name": "jane"})
    session = stack.api.post(
        "/patient/sessions", json={"username": "janedoe84", "password": PASSWORD}
    ).json()["session_token"]
    me = stack.api.get("/patient/me", headers={"authorization": f"Bearer {session}"}).json()
    assert [(e["practice_name"], e["status"]) for e in me["enrollments"]] == [
        ("Lakeside Family Medicine", "enrolled")
    ]
    record = stack.api.get(f"/practice/patients/{patient_id}", headers=staff).json()
    assert (record["status"], record["history"][-1]["reason"]) == ("enrolled", "self-registered")


# rule E12
def test_staff_see_a_match_request_for_a_registration_no_record_matches_E12(stack: Stack):
    staff = staff_session(stack)
    done = self_register(stack, INFORMATION)
    listed = stack.api.get("/practice/match-requests", headers=staff)
    assert listed.status_code == 200, listed.text
    [request] = listed.json()["match_requests"]
    assert request["account_id"] == done["account_id"]
    assert {k: request[k] for k in INFORMATION} == INFORMATION


# rule E12
def test_staff_link_a_match_request_and_the_patient_sees_the_practice_E12(stack: Stack):
    staff = staff_session(stack)
    patient_id = stack.api.post(
        "/practice/patients", headers=staff, json={**JANE, "zip_code": "60615"}
    ).json()["patient_id"]
    self_register(stack, INFORMATION)
    [request] = stack.api.get("/practice/match-requests", headers=staff).json()["match_requests"]
    linked = stack.api.post(
        f"/practice/match-requests/{request['match_request_id']}/link",
        headers=staff,
        json={"patient_id": patient_id},
    )
    assert linked.status_code == 200, linked.text
    session = stack.api.post(
        "/patient/sessions", json={"username": "janedoe84", "password": PASSWORD}
    ).json()["session_token"]
    me = stack.api.get("/patient/me", headers={"authorization": f"Bearer {session}"}).json()
    assert [e["status"] for e in me["enrollments"]] == ["enrolled"]


# rule X3, I5, E12
def test_another_accounts_email_is_answered_alike_and_its_owner_told_once_X3_I5_E12(
    stack: Stack,
):
    self_register(stack, INFORMATION)  # JaneDoe84, whose verified email is EMAIL
    answers = []
    for username, email in [("JaneDoe85", EMAIL), ("JaneDoe86", EMAIL), ("JaneRoe85", ROE)]:
        started = stack.api.post(
            "/patient/registration/patient-information",
            json={"practice_id": demo_practice_id(stack), **INFORMATION},
        )
        details = stack.api.post(
            "/patient/registration/security-details",
            json={
                "registration_ticket": started.json()["registration_ticket"],
                "username": username,
                "password": PASSWORD,
                "email": email,
            },
        )
        answers.append((details.status_code, details.json()))
    assert answers[0] == answers[1] == answers[2]
    assert answers[0][0] == 200
    stack.wait_for_mail(EMAIL, "Someone tried to create a portal account")
    time.sleep(2)  # a second notice, or a code, would be there by now
    assert len(stack.mail_to(EMAIL, "Someone tried to create a portal account")) == 1
    assert len(stack.mail_to(EMAIL, "code")) == 1  # the owner's own, at registration
