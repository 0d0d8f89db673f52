"""Unenrollment ends access over HTTPS (E13): the patient's sessions end and sign-in is refused
with the practice's name and phone, proxies are suspended, and re-activation restores it all."""

from __future__ import annotations

import grpc
import pytest
from vestibule.identity.v1 import identity_pb2, identity_pb2_grpc

from tests.e2e.conftest import Stack
from tests.e2e.test_account_settings import answer_security_questions, bearer
from tests.e2e.test_enrollment_journey import PASSWORD, code_in, staff_session
from tests.e2e.test_practice_patients import enrolled_patient
from tests.service.proxy_support import Link, add_relationship

pytestmark = pytest.mark.e2e

PRACTICE = "Lakeside Family Medicine"
REPRESENTATIVE = "rep.smith@example.com"


def sign_in(stack: Stack, username: str, password: str = PASSWORD):
    return stack.api.post("/patient/sessions", json={"username": username, "password": password})


def signed_in(stack: Stack, username: str) -> dict[str, str]:
    answer = sign_in(stack, username)
    assert answer.status_code == 201, answer.text
    return bearer(answer.json()["session_token"])


def unenroll(stack: Stack, staff: dict[str, str], patient_id: str) -> None:
    answer = stack.api.post(
        f"/practice/patients/{patient_id}/unenroll", headers=staff, json={"reason": "inactivity"}
    )
    assert answer.status_code == 200, answer.text


def reactivate(stack: Stack, staff: dict[str, str], patient_id: str) -> None:
    answer = stack.api.post(f"/practice/patients/{patient_id}/reactivate", headers=staff)
    assert answer.status_code == 200, answer.text


def representative_of(stack: Stack, patient_id: str, practice_id: str) -> dict[str, str]:
    """An account with no record of its own, acting for the patient with the right to health
    records, signed in with its security questions set: the headers of its session."""
    with grpc.secure_channel(
        stack.hosts["identity"].address, stack.shared.mutual_tls().channel_credentials()
    ) as channel:
        identity = identity_pb2_grpc.IdentityServiceStub(channel)
        account = identity.RegisterAccount(
            identity_pb2.RegisterAccountRequest(
                idempotency_key="representative",
                username="RepSmith70",
                password=PASSWORD,
                email=REPRESENTATIVE,
                practice_id=practice_id,
            )
        )
        code = code_in(stack.wait_for_mail(REPRESENTATIVE, "code"))
        identity.VerifyAccount(
            identity_pb2.VerifyAccountRequest(account_id=account.account_id, code=code)
        )
    add_relationship(
        stack.hosts["proxy"],
        Link(
            patient_id,
            account.account_id,
            kind="representative",
            rights=["health_records:act"],
            practice_id=practice_id,
        ),
    )
    session = signed_in(stack, "RepSmith70")
    answer_security_questions(stack, session)
    return session


@pytest.fixture
def jane(stack: Stack) -> tuple[dict[str, str], str, dict[str, str]]:
    """The staff session, Jane's enrolled record and her signed-in session."""
    staff = staff_session(stack)
    patient_id = enrolled_patient(stack, staff)
    session = signed_in(stack, "JaneDoe84")
    answer_security_questions(stack, session)
    return staff, patient_id, session


# rule E13
def test_unenrolling_ends_the_patients_session_on_the_next_request_E13(stack: Stack, jane):
    staff, patient_id, session = jane
    assert stack.api.get(f"/patient/records/{patient_id}", headers=session).status_code == 200

    unenroll(stack, staff, patient_id)

    assert stack.api.get("/patient/me", headers=session).status_code == 401
    assert stack.api.get(f"/patient/records/{patient_id}", headers=session).status_code == 401


# rule E13
def test_an_unenrolled_patient_is_refused_at_sign_in_with_the_practice_to_call_E13(
    stack: Stack, jane
):
    staff, patient_id, _ = jane
    unenroll(stack, staff, patient_id)

    refused = sign_in(stack, "JaneDoe84")

    assert refused.status_code == 403, refused.text
    assert refused.json()["code"] == "PORTAL_ACCESS_SUSPENDED"
    assert PRACTICE in refused.json()["detail"]
    assert "+1 312 555 0100" in refused.json()["detail"]
    assert "session_token" not in refused.text


# rule E13
def test_a_wrong_password_is_not_told_that_the_account_is_unenrolled_E13_X3(stack: Stack, jane):
    staff, patient_id, _ = jane
    unenroll(stack, staff, patient_id)

    refused = sign_in(stack, "JaneDoe84", "not the password at all")

    assert refused.status_code == 401, refused.text
    assert PRACTICE not in refused.text


# rule E13
def test_re_activation_restores_sign_in_and_the_record_for_the_same_account_E13(stack: Stack, jane):
    staff, patient_id, session = jane
    account_id = stack.api.get("/patient/me", headers=session).json()["account"]["account_id"]
    unenroll(stack, staff, patient_id)

    reactivate(stack, staff, patient_id)

    session = signed_in(stack, "JaneDoe84")
    assert stack.api.get("/patient/me", headers=session).json()["account"]["account_id"] == (
        account_id
    )
    assert stack.api.get(f"/patient/records/{patient_id}", headers=session).status_code == 200


# rule E13, P4
def test_a_representative_is_suspended_while_the_patient_is_unenrolled_E13_P4(stack: Stack, jane):
    staff, patient_id, session = jane
    practice_id = stack.api.get("/patient/me", headers=session).json()["enrollments"][0][
        "practice_id"
    ]
    representative = representative_of(stack, patient_id, practice_id)
    assert stack.api.get(f"/patient/records/{patient_id}", headers=representative).is_success

    unenroll(stack, staff, patient_id)

    # The representative's only record is suspended: its session ends, and so does sign-in.
    assert stack.api.get("/patient/me", headers=representative).status_code == 401
    refused = sign_in(stack, "RepSmith70")
    assert refused.status_code == 403 and PRACTICE in refused.json()["detail"]
    family = stack.api.get(f"/practice/patients/{patient_id}/proxies", headers=staff).json()
    assert [r["status"] for r in family["relationships"]] == ["suspended"]


# rule E13, P4
def test_a_representative_acts_again_once_the_patient_is_re_activated_E13_P4(stack: Stack, jane):
    staff, patient_id, session = jane
    practice_id = stack.api.get("/patient/me", headers=session).json()["enrollments"][0][
        "practice_id"
    ]
    representative_of(stack, patient_id, practice_id)
    unenroll(stack, staff, patient_id)

    reactivate(stack, staff, patient_id)

    representative = signed_in(stack, "RepSmith70")
    record = stack.api.get(f"/patient/records/{patient_id}", headers=representative)
    assert record.status_code == 200, record.text
    assert record.json()["rights"] == ["health_records:act"]


# rule E13
def test_an_account_with_another_usable_record_keeps_signing_in_E13(stack: Stack, jane):
    staff, patient_id, session = jane
    me = stack.api.get("/patient/me", headers=session).json()
    account_id, practice_id = me["account"]["account_id"], me["enrollments"][0]["practice_id"]
    dependent = stack.api.post(
        "/practice/patients",
        headers=staff,
        json={"first_name": "Sam", "last_name": "Doe", "date_of_birth": "2016-04-02"},
    ).json()["patient_id"]
    add_relationship(
        stack.hosts["proxy"],
        Link(dependent, account_id, practice_id=practice_id, dependent_born=None),
    )

    unenroll(stack, staff, patient_id)

    assert stack.api.get("/patient/me", headers=session).status_code == 200
    closed = stack.api.get(f"/patient/records/{patient_id}", headers=session)
    assert closed.status_code == 403 and closed.json()["code"] == "RECORD_UNENROLLED"
    assert PRACTICE in closed.json()["detail"]
    assert stack.api.get(f"/patient/records/{dependent}", headers=session).status_code == 200
    listed = stack.api.get("/patient/records", headers=session).json()["records"]
    assert [r["patient_id"] for r in listed] == [dependent]
    assert sign_in(stack, "JaneDoe84").status_code == 201
