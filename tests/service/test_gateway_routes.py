"""Gateway routes over HTTP, against service doubles over real gRPC on loopback."""

from __future__ import annotations

import pytest
from vestibule.enrollment.v1 import enrollment_pb2

from gateway import __version__
from tests.unit.test_gateway_doubles import (
    ACCOUNT_TOKEN,
    STAFF_TOKEN,
    Http,
    gateway_for,
    running_doubles,
    staff_headers,
    staff_session,
)

STAFF = staff_headers(STAFF_TOKEN)
ACCOUNT = staff_headers(ACCOUNT_TOKEN)


@pytest.fixture
def doubles(tmp_path):
    with running_doubles(tmp_path) as running:
        yield running


@pytest.fixture
def http(doubles):
    with gateway_for(doubles.shared) as app:
        yield Http(app)


def _cookie_attributes(response) -> set[str]:
    return {part.strip().lower() for part in response.headers["set-cookie"].split(";")[1:]}


def test_healthz_and_openapi(http):
    assert http.get("/healthz").json() == {"status": "ok"}
    info = http.get("/openapi.json").json()["info"]
    assert (info["title"], info["version"]) == ("Vestibule", __version__)


# rule X4
def test_staff_sign_in_sets_a_strict_cookie_for_practice_routes_X4(http, doubles):
    response = http.post(
        "/v1/practice/sessions",
        json={"user_id": "ann.staff", "password": "right-password"},
        headers={"User-Agent": "Firefox"},
    )
    assert response.status_code == 201
    assert response.json()["session_token"] == STAFF_TOKEN
    assert response.json()["staff"]["practice_id"] == "p1"
    assert response.headers["set-cookie"].startswith(f"vestibule_staff_session={STAFF_TOKEN};")
    assert {"httponly", "secure", "samesite=strict", "path=/v1/practice"} <= _cookie_attributes(
        response
    )
    request, _ = doubles.calls.last("StaffSignIn")
    assert request.device_label == "Firefox"


def test_staff_sign_out_ends_the_session_and_clears_the_cookie(http, doubles):
    response = http.delete("/v1/practice/sessions/current", headers=STAFF)
    assert response.status_code == 204
    assert doubles.calls.last("SignOut")[0].session_token == STAFF_TOKEN
    assert 'vestibule_staff_session=""' in response.headers["set-cookie"]


# rule S3
def test_add_patient_uses_the_staff_practice_and_the_idempotency_key_S3(http, doubles):
    response = http.post(
        "/v1/practice/patients",
        json={"first_name": "Jane", "date_of_birth": "1990-04-21", "birth_sex": "female"},
        headers={**STAFF, "Idempotency-Key": "add-jane-1"},
    )
    assert response.status_code == 201
    body = response.json()
    assert response.headers["location"] == f"/v1/practice/patients/{body['patient_id']}"
    assert (body["first_name"], body["birth_sex"], body["status"]) == (
        "Jane",
        "female",
        "not_enrolled",
    )
    assert body["email"] is None
    request, _ = doubles.calls.last("AddPatient")
    assert (request.practice_id, request.idempotency_key) == ("p1", "add-jane-1")
    assert request.demographics.birth_sex == enrollment_pb2.BIRTH_SEX_FEMALE


def test_add_patient_without_a_key_gets_a_fresh_one(http, doubles):
    http.post("/v1/practice/patients", json={}, headers=STAFF)
    first, _ = doubles.calls.last("AddPatient")
    http.post("/v1/practice/patients", json={}, headers=STAFF)
    second, _ = doubles.calls.last("AddPatient")
    assert first.idempotency_key and first.idempotency_key != second.idempotency_key


# rule S3
def test_a_practice_named_in_the_body_is_refused_S3(http, doubles):
    response = http.post("/v1/practice/patients", json={"practice_id": "p2"}, headers=STAFF)
    assert response.status_code == 422
    assert not [name for name, *_ in doubles.calls.received if name == "AddPatient"]


@pytest.mark.parametrize("date_of_birth", ["1990-02-30", "04/21/1990", "1990-4-21"])
def test_dates_must_be_calendar_dates_in_iso_format(http, date_of_birth):
    response = http.post(
        "/v1/practice/patients", json={"date_of_birth": date_of_birth}, headers=STAFF
    )
    assert response.status_code == 422
    assert response.json()["errors"][0]["field"] == "date_of_birth"


# rule S3
def test_another_practices_patient_is_not_found_S3(http, doubles):
    doubles.identity.sessions["other"] = staff_session(
        "view_patients", staff_id="s2", practice_id="p2"
    )
    response = http.get("/v1/practice/patients/pt1", headers=staff_headers("other"))
    assert response.status_code == 404
    assert doubles.calls.last("GetPatient")[0].practice_id == "p2"


# rule E3
def test_patch_changes_only_the_fields_present_E3(http, doubles):
    response = http.patch(
        "/v1/practice/patients/pt1",
        json={"email": "jane@example.com", "first_name": None},
        headers=STAFF,
    )
    assert response.status_code == 200
    assert response.json()["email"] == "jane@example.com"
    assert response.json()["first_name"] is None
    assert response.json()["last_name"] == "Doe"
    request, _ = doubles.calls.last("UpdatePatient")
    assert list(request.update_mask.paths) == ["first_name", "email"]


# rule E3
def test_enroll_now_with_missing_fields_names_them_E3(http):
    response = http.post("/v1/practice/patients/pt1/enroll-now", headers=STAFF)
    assert response.status_code == 409
    assert response.json()["errors"] == [
        {"field": "email", "detail": "Add the patient's email address."}
    ]


# rule E3
def test_enroll_now_sends_the_invitation_E3(http):
    response = http.post("/v1/practice/patients/pt2/enroll-now", headers=STAFF)
    assert response.status_code == 200
    body = response.json()
    assert (body["outcome"], body["patient"]["status"]) == ("invitation_sent", "pending")
    assert body["invitation"]["channels"] == ["email"]
    assert body["invitation"]["sent_at"].endswith("Z")


# rule E4
def test_resend_invitation_E4(http):
    response = http.post("/v1/practice/patients/pt2/resend-invitation", headers=STAFF)
    assert response.status_code == 200
    assert response.json()["invitation"]["invitation_id"] == "i2"
    assert response.json()["invitation"]["sent_at"] is None


# rule P6
def test_proxies_of_a_patient_P6(http):
    response = http.get("/v1/practice/patients/pt1/proxies", headers=STAFF)
    assert response.status_code == 200
    [relationship] = response.json()["relationships"]
    assert (relationship["kind"], relationship["rights"]) == ("guardian", ["health_records:view"])


# rule I2
def test_password_check_lists_each_requirement_I2(http):
    response = http.post("/v1/patient/password-check", json={"password": "short"})
    assert response.json() == {
        "requirements": [
            {
                "name": "min_length",
                "description": "At least 12 characters",
                "met": False,
                "limit": 12,
            }
        ],
        "acceptable": False,
    }


# rule E9
def test_activation_in_three_steps_E9(http, doubles):
    verified = http.post(
        "/v1/patient/activation/verify",
        json={"invitation_token": "tok", "zip_code": "12345", "date_of_birth": "1990-04-21"},
    )
    assert verified.json() == {
        "activation_ticket": "ticket-1",
        "practice_name": "Maple Clinic",
        "email_on_file": None,
        "practice_id": "p1",
    }
    details = http.post(
        "/v1/patient/activation/security-details",
        json={"activation_ticket": "ticket-1", "username": "janedoe", "password": "pw"},
    )
    assert details.json() == {"code_channel": "email", "code_destination_hint": "j***@example.com"}
    assert doubles.calls.last("SubmitSecurityDetails")[0].email == ""
    completed = http.post(
        "/v1/patient/activation/complete", json={"activation_ticket": "ticket-1", "code": "123456"}
    )
    assert completed.json() == {"account_id": "a1", "practice_name": "Maple Clinic"}


# rule X4
def test_patient_sign_in_sets_a_strict_cookie_for_patient_routes_X4(http):
    response = http.post(
        "/v1/patient/sessions", json={"username": "janedoe", "password": "right-password"}
    )
    assert response.status_code == 201
    assert response.json()["account"]["username"] == "janedoe"
    assert response.headers["set-cookie"].startswith(f"vestibule_session={ACCOUNT_TOKEN};")
    assert {"httponly", "secure", "samesite=strict", "path=/v1/patient"} <= _cookie_attributes(
        response
    )


def test_wrong_password_is_a_401_problem(http):
    response = http.post("/v1/patient/sessions", json={"username": "janedoe", "password": "nope"})
    assert response.status_code == 401
    assert response.json()["code"] == "UNAUTHENTICATED"


def test_me_lists_the_account_and_its_enrollments(http, doubles):
    response = http.get("/v1/patient/me", headers={"Cookie": f"vestibule_session={ACCOUNT_TOKEN}"})
    assert response.status_code == 200
    assert response.json()["account"] == {
        "account_id": "a1",
        "username": "janedoe",
        "verified_email": "jane@example.com",
    }
    [enrollment] = response.json()["enrollments"]
    assert (enrollment["practice_name"], enrollment["status"]) == ("Maple Clinic", "enrolled")
    assert doubles.calls.last("GetAccount")[0].account_id == "a1"


def test_patient_sign_out(http, doubles):
    response = http.delete("/v1/patient/sessions/current", headers=ACCOUNT)
    assert response.status_code == 204
    assert doubles.calls.last("SignOut")[0].session_token == ACCOUNT_TOKEN
