"""gRPC failures and request errors become RFC 9457 problems, in one table (real gRPC)."""

from __future__ import annotations

import json
import time
from concurrent import futures
from datetime import timedelta

import grpc
import pytest
from fastapi import FastAPI
from grpc_status import rpc_status

from gateway import problems
from services.common import errors
from services.common.interceptors import STATUS_CODES, status_for
from services.common.settings import Settings
from tests.unit.test_gateway_doubles import Http, gateway_for


class UsernameTaken(errors.AlreadyExists):
    reason = "USERNAME_TAKEN"


CASES: dict[str, errors.DomainError] = {
    "invalid": errors.InvalidArgument(
        "Some fields are not valid.",
        violations=[errors.FieldViolation("zip_code", "Use 5 digits, or 5 digits and 4.")],
    ),
    "missing": errors.FailedPrecondition(
        "An invitation needs the fields named below.",
        violations=[
            errors.FieldViolation("email", "Add the patient's email address."),
            errors.FieldViolation("birth_sex", "Add the patient's birth sex."),
        ],
    ),
    "throttled": errors.ResourceExhausted(
        "This patient was invited 4 times in 30 days.",
        retry_after=timedelta(seconds=90, milliseconds=200),
        metadata={"next_send_at": "2026-01-31T10:00:00Z"},
    ),
    "taken": UsernameTaken("That username is taken."),
    "missing_record": errors.NotFound("No such patient."),
    "denied": errors.PermissionDenied("Not yours."),
    "signed_out": errors.Unauthenticated("Sign in again."),
    "unavailable": errors.Unavailable("Identity is down at 10.0.0.7."),
}


def _handle(request: bytes, context: grpc.ServicerContext) -> bytes:
    case = request.decode()
    if case == "crash":
        context.abort(grpc.StatusCode.INTERNAL, "KeyError: 'users' at repository.py:42")
    if case == "slow":
        time.sleep(1)
        return b""
    context.abort_with_status(rpc_status.to_status(status_for(CASES[case])))
    raise AssertionError("unreachable")


@pytest.fixture(scope="module")
def channel():
    server = grpc.server(futures.ThreadPoolExecutor(max_workers=4))
    server.add_generic_rpc_handlers(
        [
            grpc.method_handlers_generic_handler(
                "test.Failing", {"Fail": grpc.unary_unary_rpc_method_handler(_handle)}
            )
        ]
    )
    port = server.add_insecure_port("127.0.0.1:0")
    server.start()
    with grpc.insecure_channel(f"127.0.0.1:{port}") as opened:
        yield opened
    server.stop(0)


def _problem_for(channel: grpc.Channel, case: str, timeout: float = 5) -> problems.Problem:
    with pytest.raises(grpc.RpcError) as raised:
        channel.unary_unary("/test.Failing/Fail")(case.encode(), timeout=timeout)
    return problems.from_rpc_error(raised.value)


def _body(problem: problems.Problem) -> dict:
    response = problem.response()
    assert response.media_type == "application/problem+json"
    return json.loads(response.body)


def test_every_status_the_services_send_has_an_http_status():
    sent = {grpc.StatusCode[errors_kind.reason] for errors_kind in STATUS_CODES}
    assert sent <= set(problems.HTTP_STATUS)


def test_invalid_argument_is_422_with_field_errors(channel):
    body = _body(_problem_for(channel, "invalid"))
    assert body["status"] == 422
    assert body["code"] == "INVALID_ARGUMENT"
    assert body["type"] == "https://vestibule.dev/problems/invalid-argument"
    assert body["title"] == "Invalid argument"
    assert body["detail"] == "Some fields are not valid."
    assert body["errors"] == [{"field": "zip_code", "detail": "Use 5 digits, or 5 digits and 4."}]
    assert body["request_id"]


# rule E3
def test_missing_fields_are_409_naming_every_field_E3(channel):
    body = _body(_problem_for(channel, "missing"))
    assert body["status"] == 409
    assert [e["field"] for e in body["errors"]] == ["email", "birth_sex"]


# rule E7
def test_throttle_is_429_with_retry_after_and_metadata_E7(channel):
    problem = _problem_for(channel, "throttled")
    assert problem.status == 429
    assert problem.response().headers["retry-after"] == "91"
    assert _body(problem)["metadata"] == {"next_send_at": "2026-01-31T10:00:00Z"}


def test_the_reason_names_the_problem_type(channel):
    body = _body(_problem_for(channel, "taken"))
    assert body["status"] == 409
    assert body["code"] == "USERNAME_TAKEN"
    assert body["type"] == "https://vestibule.dev/problems/username-taken"
    assert body["title"] == "Username taken"


@pytest.mark.parametrize(
    ("case", "status"), [("missing_record", 404), ("denied", 403), ("signed_out", 401)]
)
def test_status_table(channel, case, status):
    assert _problem_for(channel, case).status == status


def test_unauthenticated_says_how_to_authenticate(channel):
    response = _problem_for(channel, "signed_out").response()
    assert response.headers["www-authenticate"] == 'Bearer realm="vestibule"'


@pytest.mark.parametrize("case", ["unavailable", "crash"])
def test_server_side_failures_reveal_no_internals(channel, case):
    body = _body(_problem_for(channel, case))
    assert body["status"] in {500, 503}
    assert "10.0.0.7" not in body["detail"]
    assert "repository.py" not in body["detail"]


def test_deadline_exceeded_is_503(channel):
    assert _problem_for(channel, "slow", timeout=0.05).status == 503


def test_unreachable_service_is_503():
    with grpc.insecure_channel("127.0.0.1:1") as closed:
        with pytest.raises(grpc.RpcError) as raised:
            closed.unary_unary("/test.Failing/Fail")(b"", timeout=2)
    assert problems.from_rpc_error(raised.value).status == 503


@pytest.fixture
def http(tmp_path):
    with gateway_for(Settings(data_dir=tmp_path)) as app:  # type: ignore[call-arg]
        yield Http(app)


def test_request_validation_is_422_per_field_without_echoing_values(http):
    response = http.post(
        "/v1/patient/activation/verify",
        json={"invitation_token": "t", "zip_code": "", "date_of_birth": "2024-02-30"},
    )
    assert response.status_code == 422
    assert response.headers["content-type"] == "application/problem+json"
    body = response.json()
    assert body["code"] == "INVALID_ARGUMENT"
    assert {e["field"] for e in body["errors"]} == {"zip_code", "date_of_birth"}
    assert "2024-02-30" not in response.text


def test_unknown_fields_are_rejected(http):
    response = http.post("/v1/patient/password-check", json={"password": "x", "role": "admin"})
    assert response.status_code == 422
    assert response.json()["errors"][0]["field"] == "role"


def test_body_that_is_not_json_is_400(http):
    response = http.post(
        "/v1/patient/password-check",
        content=b"{not json",
        headers={"Content-Type": "application/json"},
    )
    assert response.status_code == 400
    assert response.json()["code"] == "MALFORMED_BODY"


def test_unknown_route_is_a_404_problem(http):
    response = http.get("/v1/nowhere")
    assert response.status_code == 404
    assert response.headers["content-type"] == "application/problem+json"
    assert response.json()["code"] == "NOT_FOUND"


def test_unexpected_exception_is_a_500_problem_without_internals(http):
    app: FastAPI = http.app

    @app.get("/boom")
    def boom() -> None:
        raise RuntimeError("database password is hunter2")

    response = http.get("/boom", headers={"X-Request-ID": "req-7"})
    assert response.status_code == 500
    assert response.headers["content-type"] == "application/problem+json"
    assert "hunter2" not in response.text
    assert response.json()["request_id"] == "req-7"
    assert response.headers["x-request-id"] == "req-7"


def test_a_request_id_that_could_forge_log_lines_is_replaced(http):
    response = http.get("/healthz", headers={"X-Request-ID": "a\tb"})
    assert response.headers["x-request-id"] != "a\tb"
    assert len(response.headers["x-request-id"]) == 32
