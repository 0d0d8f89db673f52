"""Gateway authentication and staff permissions, against an identity double over real gRPC."""

from __future__ import annotations

from typing import Annotated

import pytest
from fastapi import Depends

from gateway.auth import Principal, signed_in_staff
from tests.unit.test_gateway_doubles import (
    ACCOUNT_TOKEN,
    STAFF_TOKEN,
    Http,
    gateway_for,
    running_doubles,
    staff_headers,
    staff_session,
)


@pytest.fixture
def doubles(tmp_path):
    with running_doubles(tmp_path) as running:
        yield running


@pytest.fixture
def http(doubles):
    with gateway_for(doubles.shared) as app:
        yield Http(app)


def _is_unauthenticated(response) -> None:
    assert response.status_code == 401
    assert response.headers["content-type"] == "application/problem+json"
    assert response.headers["www-authenticate"].startswith("Bearer")
    assert response.json()["type"].startswith("https://vestibule.dev/problems/")


@pytest.mark.parametrize("url", ["/v1/practice/patients/pt1", "/v1/patient/me"])
def test_missing_token_is_a_401_problem(http, url):
    _is_unauthenticated(http.get(url))


def test_unknown_token_is_a_401_problem_from_identity(http):
    response = http.get("/v1/patient/me", headers=staff_headers("no-such-token"))
    _is_unauthenticated(response)
    assert response.json()["detail"] == "Your session has ended. Sign in again."


# rule S3
def test_patient_session_on_a_practice_route_is_401_S3(http):
    _is_unauthenticated(http.get("/v1/practice/patients/pt1", headers=staff_headers(ACCOUNT_TOKEN)))


def test_staff_session_on_a_patient_route_is_401(http):
    _is_unauthenticated(http.get("/v1/patient/me", headers=staff_headers(STAFF_TOKEN)))


def test_staff_cookie_authenticates_practice_routes(http):
    response = http.get(
        "/v1/practice/patients/pt1", headers={"Cookie": f"vestibule_staff_session={STAFF_TOKEN}"}
    )
    assert response.status_code == 200


def test_patient_cookie_does_not_open_practice_routes(http):
    response = http.get(
        "/v1/practice/patients/pt1", headers={"Cookie": f"vestibule_session={STAFF_TOKEN}"}
    )
    _is_unauthenticated(response)


# rule S2
def test_staff_without_the_route_permission_gets_403_S2(doubles, http):
    doubles.identity.sessions["viewer"] = staff_session("view_patients")
    assert http.get("/v1/practice/patients/pt1", headers=staff_headers("viewer")).status_code == 200
    response = http.post("/v1/practice/patients/pt1/enroll-now", headers=staff_headers("viewer"))
    assert response.status_code == 403
    assert response.json()["code"] == "PERMISSION_DENIED"
    assert "enroll_patients" in response.json()["detail"]
    assert not [name for name, *_ in doubles.calls.received if name == "EnrollNow"]


def test_calls_carry_the_actor_and_request_id_of_the_request(doubles, http):
    http.get("/v1/practice/patients/pt1", headers={**staff_headers(), "X-Request-ID": "req-42"})
    _, metadata = doubles.calls.last("GetPatient")
    assert metadata["x-vestibule-actor"] == "staff:s1"
    assert metadata["x-request-id"] == "req-42"
    assert metadata["x-vestibule-client-address"] == "203.0.113.7"
    _, resolve_metadata = doubles.calls.last("ResolveSession")
    assert resolve_metadata["x-request-id"] == "req-42"


def test_calls_of_a_stranger_carry_the_anonymous_actor(doubles, http):
    http.post("/v1/patient/password-check", json={"password": "x"})
    _, metadata = doubles.calls.last("CheckPassword")
    assert metadata["x-vestibule-actor"] == "anonymous"


def test_patient_calls_carry_the_account_actor(doubles, http):
    assert http.get("/v1/patient/me", headers=staff_headers(ACCOUNT_TOKEN)).status_code == 200
    _, metadata = doubles.calls.last("ListAccountEnrollments")
    assert metadata["x-vestibule-actor"] == "account:a1"


def test_a_practice_route_missing_from_the_permission_table_fails_closed(http):
    @http.app.get("/v1/practice/unlisted")
    def unlisted(staff: Annotated[Principal, Depends(signed_in_staff)]) -> None:
        raise AssertionError("must not run")

    response = http.get("/v1/practice/unlisted", headers=staff_headers())
    assert response.status_code == 500
    assert response.headers["content-type"] == "application/problem+json"
