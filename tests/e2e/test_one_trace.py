"""One HTTP request through the gateway is one trace: the gateway's span, the spans of every
service it calls (context carried in gRPC metadata, over mutual TLS) and their database spans;
and it is measured by its route template, never its concrete path."""

from __future__ import annotations

import pytest
from opentelemetry.trace import SpanKind

from tests.e2e.conftest import Stack, eventually
from tests.e2e.test_enrollment_journey import EMAIL, JANE, staff_session

pytestmark = pytest.mark.e2e

FAMILY_ROUTE = "/v1/practice/patients/{patient_id}/proxies"


def _family_view_spans(stack: Stack, spans) -> list:
    """The finished spans of one family-view request, which asks identity (the staff session),
    enrollment (the patient) and proxy (the relationships)."""
    staff = staff_session(stack)
    patient = stack.api.post("/practice/patients", headers=staff, json={**JANE, "email": EMAIL})
    spans.clear()
    answer = stack.api.get(
        f"/practice/patients/{patient.json()['patient_id']}/proxies", headers=staff
    )
    assert answer.status_code == 200, answer.text
    # The gateway's span ends once the response is sent, so it may finish a moment later.
    eventually(lambda: _root(spans.get_finished_spans()))
    return list(spans.get_finished_spans())


def _root(finished) -> object:
    return next(
        (
            span
            for span in finished
            if span.kind is SpanKind.SERVER and span.attributes.get("http.route") == FAMILY_ROUTE
        ),
        None,
    )


def _serving_service(span, by_id) -> str | None:
    """The gRPC service whose server span `span` descends from, if any."""
    while span is not None:
        if span.kind is SpanKind.SERVER and "rpc.service" in span.attributes:
            return span.attributes["rpc.service"]
        span = by_id.get(span.parent.span_id) if span.parent else None
    return None


def test_the_called_services_spans_join_the_gateways_trace(stack: Stack, spans):
    finished = _family_view_spans(stack, spans)
    trace_id = _root(finished).context.trace_id
    served = {
        span.attributes["rpc.service"]
        for span in finished
        if span.context.trace_id == trace_id
        and span.kind is SpanKind.SERVER
        and "rpc.service" in span.attributes
    }
    assert served == {
        "vestibule.identity.v1.IdentityService",
        "vestibule.enrollment.v1.EnrollmentService",
        "vestibule.proxy.v1.ProxyService",
    }


def test_each_called_service_adds_its_database_spans_to_the_trace(stack: Stack, spans):
    finished = _family_view_spans(stack, spans)
    trace_id = _root(finished).context.trace_id
    in_trace = {
        span.context.span_id: span for span in finished if span.context.trace_id == trace_id
    }
    with_statements = {
        _serving_service(span, in_trace)
        for span in in_trace.values()
        if "db.system" in span.attributes or "db.system.name" in span.attributes
    }
    assert with_statements >= {
        "vestibule.identity.v1.IdentityService",
        "vestibule.enrollment.v1.EnrollmentService",
        "vestibule.proxy.v1.ProxyService",
    }


def test_the_gateway_measures_each_request_by_its_route_template(
    stack: Stack, spans, telemetry_in_memory
):
    route = {"http.target": FAMILY_ROUTE, "http.method": "GET", "http.status_code": 200}
    before = telemetry_in_memory.measured("http.server.duration", **route)
    _family_view_spans(stack, spans)
    assert telemetry_in_memory.measured("http.server.duration", **route) == before + 1
