"""X1: the whole enrollment journey leaves no PHI or secret in a log line, a trace or a
metric, and its log lines can be joined to its traces."""

from __future__ import annotations

import json
import logging
from collections.abc import Iterator

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
    phones = [JANE["cell_phone"], "5550142", "555 0142", "555-0142"]
    return [*phi, "03/07/1984", EMAIL, *phones, PASSWORD, "JaneDoe84", *secrets]


class _Lines(logging.Handler):
    """Formats each record as it is logged, in the logging thread, as the process's handler
    does: the request's trace, span and request IDs are those of that moment."""

    def __init__(self) -> None:
        super().__init__(logging.INFO)
        self.setFormatter(JsonFormatter())
        self.lines: list[str] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.lines.append(self.format(record))


@pytest.fixture
def log_lines() -> Iterator[list[str]]:
    """Every JSON log line written while the test runs."""
    handler, root = _Lines(), logging.getLogger()
    level = root.level
    root.addHandler(handler)
    root.setLevel(logging.INFO)
    yield handler.lines
    root.removeHandler(handler)
    root.setLevel(level)


# rule X1
def test_no_phi_or_secret_in_any_log_line_X1(stack: Stack, log_lines):
    secrets = walk_the_journey(stack)
    assert any('"rpc"' in line for line in log_lines)  # the services did log their calls
    leaks = [(value, line) for line in log_lines for value in sensitive(secrets) if value in line]
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
        texts += [str(value) for value in span.resource.attributes.values()]
    leaks = [(value, text) for text in texts for value in sensitive(secrets) if value in text]
    assert leaks == []


# rule X1
def test_no_phi_or_secret_in_any_metric_X1(stack: Stack, telemetry_in_memory):
    secrets = walk_the_journey(stack)
    data = telemetry_in_memory.metrics.get_metrics_data()
    texts = [
        f"{metric.name} {dict(point.attributes or {})}"
        for resource in data.resource_metrics
        for scope in resource.scope_metrics
        for metric in scope.metrics
        for point in metric.data.data_points
    ]
    assert any(text.startswith("rpc.server.duration") for text in texts)  # calls were measured
    leaks = [(value, text) for text in texts for value in sensitive(secrets) if value in text]
    assert leaks == []


def test_log_lines_of_a_call_carry_its_trace_and_span_ids(stack: Stack, log_lines):
    walk_the_journey(stack)
    calls = [line for line in map(json.loads, log_lines) if line["msg"] == "rpc"]
    assert calls
    assert all(len(line["trace_id"]) == 32 and len(line["span_id"]) == 16 for line in calls)
