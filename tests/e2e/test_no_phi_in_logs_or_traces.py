"""X1: the whole enrollment journey leaves no PHI or secret in a log line or a trace."""

from __future__ import annotations

import logging

import pytest

from services.common.logs import JsonFormatter
from tests.e2e.conftest import Stack
from tests.e2e.test_enrollment_journey import (
    EMAIL,
    JANE,
    PASSWORD,
    activation_ticket,
    code_in,
    invited_patient,
    staff_session,
    submit_details,
    token_in,
)

pytestmark = pytest.mark.e2e


def walk_the_journey(stack: Stack) -> list[str]:
    """Runs the journey; returns every secret it handled."""
    staff = staff_session(stack)
    invited_patient(stack, staff)
    token = token_in(stack.wait_for_mail(EMAIL, "invites you"))
    ticket = activation_ticket(stack, token)
    submit_details(stack, ticket)
    code = code_in(stack.wait_for_mail(EMAIL, "code"))
    stack.api.post("/patient/activation/complete", json={"activation_ticket": ticket, "code": code})
    session = stack.api.post(
        "/patient/sessions", json={"username": "JaneDoe84", "password": PASSWORD}
    ).json()["session_token"]
    assert stack.api.get("/patient/me", headers={"authorization": f"Bearer {session}"}).is_success
    return [token, ticket, code, session, staff["authorization"].removeprefix("Bearer ")]


def sensitive(secrets: list[str]) -> list[str]:
    phi = [JANE["first_name"], JANE["last_name"], JANE["zip_code"], JANE["date_of_birth"]]
    return [*phi, EMAIL, "5550142", PASSWORD, "JaneDoe84", *secrets]


# rule X1
def test_no_phi_or_secret_in_any_log_line_X1(stack: Stack, caplog: pytest.LogCaptureFixture):
    caplog.set_level(logging.INFO)
    secrets = walk_the_journey(stack)
    lines = [JsonFormatter().format(record) for record in caplog.records]
    assert any('"rpc"' in line for line in lines)  # the services did log their calls
    leaks = [(value, line) for line in lines for value in sensitive(secrets) if value in line]
    assert leaks == []


# rule X1
def test_no_phi_or_secret_in_any_span_X1(stack: Stack, spans):
    secrets = walk_the_journey(stack)
    finished = spans.get_finished_spans()
    assert any(span.name.startswith("/vestibule.") for span in finished)  # gRPC was traced
    texts = []
    for span in finished:
        texts += [span.name, span.status.description or ""]
        texts += [str(value) for value in span.attributes.values()]
        texts += [str(value) for event in span.events for value in event.attributes.values()]
    leaks = [(value, text) for text in texts for value in sensitive(secrets) if value in text]
    assert leaks == []
