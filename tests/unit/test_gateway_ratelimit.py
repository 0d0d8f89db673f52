"""What strangers can call is rate limited per client IP and route, with Retry-After."""

from __future__ import annotations

import pytest
from pydantic import ValidationError

from gateway.settings import GatewaySettings
from tests.unit.test_gateway_doubles import Http, gateway_for, running_doubles

WRONG = {"username": "janedoe", "password": "wrong-password"}


@pytest.fixture
def app(tmp_path):
    with running_doubles(tmp_path) as doubles:
        with gateway_for(
            doubles.shared, rate_limit_sign_in="3/minute", rate_limit_activation="2/minute"
        ) as gateway:
            yield gateway


# rule I11
def test_sign_in_is_429_with_retry_after_after_the_limit_I11(app):
    http = Http(app)
    statuses = [http.post("/v1/patient/sessions", json=WRONG).status_code for _ in range(3)]
    assert statuses == [401, 401, 401]
    refused = http.post("/v1/patient/sessions", json=WRONG)
    assert refused.status_code == 429
    assert refused.headers["content-type"] == "application/problem+json"
    assert refused.json()["code"] == "RATE_LIMITED"
    assert 1 <= int(refused.headers["retry-after"]) <= 60


def test_the_limit_is_per_client_ip(app):
    for _ in range(3):
        Http(app, client_ip="198.51.100.1").post("/v1/patient/sessions", json=WRONG)
    assert (
        Http(app, client_ip="198.51.100.2").post("/v1/patient/sessions", json=WRONG).status_code
        == 401
    )


def test_the_limit_is_per_route(app):
    http = Http(app)
    for _ in range(3):
        http.post("/v1/patient/sessions", json=WRONG)
    staff = http.post("/v1/practice/sessions", json={"user_id": "ann", "password": "wrong"})
    assert staff.status_code == 401


def test_malformed_requests_count_too(app):
    http = Http(app)
    assert [
        http.post("/v1/patient/activation/complete", json={}).status_code for _ in range(3)
    ] == [
        422,
        422,
        429,
    ]


# rule E11, E10
@pytest.mark.parametrize("how", ["decline", "defer"])
def test_responses_from_an_invitation_are_limited_like_activation_E11_E10(app, how):
    http = Http(app)
    url = f"/v1/patient/invitations/{how}"
    assert [http.post(url, json={}).status_code for _ in range(3)] == [422, 422, 429]


def test_a_malformed_limit_fails_at_start_up():
    with pytest.raises(ValidationError):
        GatewaySettings(rate_limit_sign_in="ten a minute")
