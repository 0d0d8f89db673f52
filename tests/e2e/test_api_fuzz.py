"""Property-based fuzzing of the HTTP API from its own OpenAPI document (schemathesis): valid and
invalid input alike never make the gateway or a service fail with a 5xx, and every answer
matches the document (invalid input gets a problem document, not a crash)."""

from __future__ import annotations

import itertools

import pytest
import schemathesis
from hypothesis import HealthCheck, given, settings
from schemathesis import checks
from schemathesis.generation import GenerationMode

from tests.e2e.conftest import Stack
from tests.e2e.test_enrollment_journey import EMAIL, JANE, staff_session

pytestmark = pytest.mark.e2e

CHECKS = [
    checks.not_a_server_error,
    checks.status_code_conformance,
    checks.content_type_conformance,
    checks.response_schema_conformance,
]


def takes_input(operation: schemathesis.APIOperation) -> bool:
    return any(len(part) for part in (operation.body, operation.path_parameters, operation.query))


def fuzz(operation: schemathesis.APIOperation, mode: GenerationMode, headers: dict[str, str]):
    """A Hypothesis test that calls the operation with generated input and checks the answer."""

    @given(case=operation.as_strategy(generation_mode=mode))
    @settings(
        max_examples=25,
        derandomize=True,
        deadline=None,
        database=None,
        suppress_health_check=list(HealthCheck),
    )
    def survives(case: schemathesis.Case) -> None:
        case.call_and_validate(headers=headers, checks=CHECKS)

    return survives


@pytest.mark.parametrize("backend", ["sqlite"], indirect=True)
def test_no_input_breaks_the_api_or_its_contract(stack: Stack):
    staff = staff_session(stack)
    stack.api.post("/practice/patients", headers=staff, json={**JANE, "email": EMAIL})
    schema = schemathesis.openapi.from_asgi("/openapi.json", stack.app)
    operations = [result.ok() for result in schema.get_all_operations()]
    assert len(operations) >= 15
    for operation, mode in itertools.product(operations, GenerationMode):
        if mode is GenerationMode.NEGATIVE and not takes_input(operation):
            continue  # nothing to make invalid
        headers = staff if operation.path.startswith("/v1/practice") else {}
        fuzz(operation, mode, headers)()
